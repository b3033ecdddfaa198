// Matrix: the dense row-major input every detector takes, built from a Frame, columns or a 1-D series,
// plus the input checks (NaN/Inf, empty, constant and mismatched columns) whose errors name the culprit.

import { DetectorInputError } from "../errors.js";
import { Frame, isStringColumn } from "../frame/frame.js";

/**
 * A dense row-major matrix of doubles with a name per column: value (r, j) is `data[r * cols + j]`.
 * Detectors read `data` without copying it; keep it unchanged while a detector that was fitted on it lives.
 */
export interface Matrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
  readonly columns: readonly string[];
}

/**
 * What detectors accept: a Matrix; a Frame with the feature columns to use (all numeric columns when
 * omitted); or a 1-D series (one column named "value"), for the time-series detectors.
 */
export type MatrixInput = Matrix | { frame: Frame; columns?: readonly string[] } | Float64Array | readonly number[];

/** Makes a Matrix from row-major data; `columns` defaults to f0, f1, .... */
export function matrix(data: Float64Array, rows: number, cols: number, columns?: readonly string[]): Matrix {
  if (data.length !== rows * cols) {
    throw new DetectorInputError(
      `matrix data has ${data.length} values, expected rows × cols = ${rows} × ${cols}`,
      "pass row-major data of exactly rows * cols doubles",
    );
  }
  const names = columns ?? Array.from({ length: cols }, (_, j) => `f${j}`);
  if (names.length !== cols) {
    throw new DetectorInputError(
      `matrix has ${cols} columns but ${names.length} column names`,
      "give one name per column",
    );
  }
  return { data, rows, cols, columns: names };
}

/** Builds a Matrix from named numeric columns of equal length (copied into row-major order). */
export function matrixFromColumns(columns: Record<string, ArrayLike<number>>): Matrix {
  const names = Object.keys(columns);
  const rows = names.length ? columns[names[0]!]!.length : 0;
  const cols = names.length;
  const data = new Float64Array(rows * cols);
  names.forEach((name, j) => {
    const c = columns[name]!;
    if (c.length !== rows) {
      throw new DetectorInputError(
        `column "${name}" has ${c.length} rows, "${names[0]}" has ${rows}`,
        "give columns of equal length",
      );
    }
    for (let r = 0; r < rows; r++) data[r * cols + j] = c[r]!;
  });
  return { data, rows, cols, columns: names };
}

/**
 * Builds a Matrix from a Frame. `columns` defaults to every numeric column except raw u64 ones (ids and
 * monotonic clocks, which are not features); string columns are refused with the list of usable ones.
 */
export function matrixFromFrame(frame: Frame, columns?: readonly string[]): Matrix {
  const usable = frame.schema.filter((s) => s.type !== "str" && s.type !== "u64").map((s) => s.name);
  const names = columns ?? usable;
  const cols: Record<string, ArrayLike<number>> = {};
  for (const name of names) {
    if (!frame.has(name)) {
      throw new DetectorInputError(
        `frame ${frame.name} has no column "${name}"`,
        `numeric columns: ${usable.join(", ") || "none"}`,
      );
    }
    const c = frame.column(name);
    if (isStringColumn(c)) {
      throw new DetectorInputError(
        `column "${name}" of frame ${frame.name} holds strings, not numbers`,
        `pick numeric feature columns: ${usable.join(", ") || "none"}`,
      );
    }
    cols[name] = frame.numeric(name);
  }
  return matrixFromColumns(cols);
}

/** Normalises any MatrixInput to a Matrix (no copy for a Matrix). */
export function toMatrix(input: MatrixInput): Matrix {
  if (input instanceof Float64Array) return { data: input, rows: input.length, cols: 1, columns: ["value"] };
  if (Array.isArray(input)) return toMatrix(Float64Array.from(input as number[]));
  if ("frame" in (input as object)) {
    const { frame, columns } = input as { frame: Frame; columns?: readonly string[] };
    return matrixFromFrame(frame, columns);
  }
  const m = input as Matrix;
  if (!(m.data instanceof Float64Array) || !Number.isInteger(m.rows) || !Number.isInteger(m.cols)) {
    throw new DetectorInputError(
      "input is not a Matrix, a { frame, columns } pair or a 1-D series",
      "build one with matrix(data, rows, cols, names) or matrixFromFrame(frame, columns)",
    );
  }
  return m;
}

/** Column `j` copied out as a Float64Array. */
export function columnOf(m: Matrix, j: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0, k = j; r < m.rows; r++, k += m.cols) out[r] = m.data[k]!;
  return out;
}

/** Rows `index` of `m` as a new Matrix (same columns). */
export function takeRows(m: Matrix, index: ArrayLike<number>): Matrix {
  const out = new Float64Array(index.length * m.cols);
  for (let i = 0; i < index.length; i++) {
    const r = index[i]!;
    out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return { data: out, rows: index.length, cols: m.cols, columns: m.columns };
}

/**
 * Checks shape and values: at least `minRows` rows (and ≥ 1 column), every value finite. Throws
 * DetectorInputError naming the detector, the first bad row and its column.
 */
export function validateMatrix(m: Matrix, who: string, minRows = 1): void {
  if (m.cols === 0) {
    throw new DetectorInputError(`${who}: the input has no feature columns`, "pass at least one numeric column");
  }
  if (m.rows === 0) {
    throw new DetectorInputError(
      `${who}: the input has no rows`,
      "check the capture or filter that produced it; an empty window range gives no rows",
    );
  }
  if (m.rows < minRows) {
    throw new DetectorInputError(
      `${who}: needs at least ${minRows} rows, got ${m.rows}`,
      "capture for longer, use a shorter window, or lower the detector's neighbour/window count",
    );
  }
  const d = m.data;
  // TypedArray.includes is a native scan (and finds NaN, unlike indexOf): three of them cost less than one cold JS
  // loop, which runs interpreted for its first few million iterations. The loop below only locates the culprit.
  if (!d.includes(NaN) && !d.includes(Infinity) && !d.includes(-Infinity)) return;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) {
      const r = Math.floor(i / m.cols);
      const name = m.columns[i % m.cols];
      throw new DetectorInputError(
        `${who}: column "${name}" row ${r} is ${v} (values must be finite)`,
        "fill or drop missing values before detection, e.g. replace NaN by 0 for counts or drop the row",
      );
    }
  }
}

/** Indices of columns whose values are all equal (after validateMatrix). */
export function constantColumns(m: Matrix): number[] {
  const out: number[] = [];
  for (let j = 0; j < m.cols; j++) {
    const first = m.data[j]!;
    let constant = true;
    for (let k = j + m.cols; k < m.data.length; k += m.cols) {
      if (m.data[k] !== first) {
        constant = false;
        break;
      }
    }
    if (constant) out.push(j);
  }
  return out;
}

/** Refuses constant columns, for detectors that divide by a column's spread. */
export function rejectConstantColumns(m: Matrix, who: string): void {
  const c = constantColumns(m);
  if (c.length) {
    const names = c.map((j) => `"${m.columns[j]}"`).join(", ");
    throw new DetectorInputError(
      `${who}: column${c.length > 1 ? "s" : ""} ${names} ${c.length > 1 ? "are" : "is"} constant, so ${who} cannot scale ${c.length > 1 ? "them" : "it"}`,
      "drop it with dropConstantColumns(matrix), or use a detector that does not scale features (iforest, hbos)",
    );
  }
}

/** The matrix without its constant columns, and the names dropped. */
export function dropConstantColumns(m: Matrix): { matrix: Matrix; dropped: string[] } {
  const drop = new Set(constantColumns(m));
  if (drop.size === 0) return { matrix: m, dropped: [] };
  const keep = [...Array(m.cols).keys()].filter((j) => !drop.has(j));
  const out = new Float64Array(m.rows * keep.length);
  for (let r = 0; r < m.rows; r++) {
    for (let i = 0; i < keep.length; i++) out[r * keep.length + i] = m.data[r * m.cols + keep[i]!]!;
  }
  return {
    matrix: { data: out, rows: m.rows, cols: keep.length, columns: keep.map((j) => m.columns[j]!) },
    dropped: [...drop].map((j) => m.columns[j]!),
  };
}

/** Checks that `m` has the columns a detector was fitted with, in the same order. */
export function checkSameColumns(fitted: readonly string[], m: Matrix, who: string): void {
  if (fitted.length !== m.cols) {
    throw new DetectorInputError(
      `${who}: fitted on ${fitted.length} columns, asked to score ${m.cols}`,
      `score with the fitting columns, in order: ${fitted.join(", ")}`,
    );
  }
  for (let j = 0; j < m.cols; j++) {
    if (fitted[j] !== m.columns[j]) {
      throw new DetectorInputError(
        `${who}: column ${j} is "${m.columns[j]}" but the detector was fitted with "${fitted[j]}" there`,
        `score with the fitting columns, in order: ${fitted.join(", ")}`,
      );
    }
  }
}
