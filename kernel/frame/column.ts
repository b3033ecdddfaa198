// Column types and storage of a Frame: what each ColumnType is held in, string columns as codes + dictionary,
// and validity (NULL) masks. The bottom of frame/: imports nothing.

/**
 * Storage and Parquet type of a column.
 * - `u32`/`i32`: Uint32Array/Int32Array (pid, tid, exit code).
 * - `i64`: integer values held in a Float64Array (counts, ns durations, bytes): exact below 2^53, and
 *   detectors use the array without a copy. Written to Parquet as BIGINT.
 * - `u64`: BigUint64Array for raw kernel values that may pass 2^53 (monotonic ts_ns, cgroup ids). UBIGINT.
 * - `f64`: Float64Array. DOUBLE.
 * - `timestamp`: wall-clock microseconds since the Unix epoch in a Float64Array (exact until year 2255).
 *   Parquet TIMESTAMP (microseconds, isAdjustedToUTC = true), which DuckDB, pyarrow, Polars and Spark read as UTC.
 * - `bool`: Uint8Array of 0/1. BOOLEAN.
 * - `str`: Uint32Array codes into a dictionary of strings. VARCHAR, dictionary-encoded in Parquet.
 * Any column may hold NULLs ("not applicable"): a validity mask beside the storage says which cells (see Frame).
 */
export type ColumnType = "u32" | "i32" | "i64" | "u64" | "f64" | "timestamp" | "bool" | "str";

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** Unit of the values: "ns", "bytes", "count", "us since epoch", ... */
  unit?: string;
  description?: string;
}

export interface StringColumn {
  codes: Uint32Array;
  dict: string[];
}

export type NumericColumn = Uint32Array | Int32Array | Float64Array | BigUint64Array | Uint8Array;
export type ColumnData = NumericColumn | StringColumn;

/**
 * Which cells of a column hold a value: 1 = a value, 0 = NULL, one byte per row. A column without a mask has no
 * NULLs. A NULL cell's storage holds 0 (or "" for strings): read the mask, not the value.
 */
export type Validity = Uint8Array;

export function isStringColumn(c: ColumnData): c is StringColumn {
  return (c as StringColumn).dict !== undefined;
}

/** Allocates the storage of a column type with `n` rows. */
export function allocColumn(type: ColumnType, n: number): ColumnData {
  switch (type) {
    case "u32":
      return new Uint32Array(n);
    case "i32":
      return new Int32Array(n);
    case "i64":
    case "f64":
    case "timestamp":
      return new Float64Array(n);
    case "u64":
      return new BigUint64Array(n);
    case "bool":
      return new Uint8Array(n);
    case "str":
      return { codes: new Uint32Array(n), dict: [] };
  }
}

/** Rows of a column's storage. */
export function columnLength(c: ColumnData): number {
  return isStringColumn(c) ? c.codes.length : c.length;
}

/** Copies rows `index` of a numeric column into a new one of the same kind. */
export function takeNumeric(c: NumericColumn, index: ArrayLike<number>): NumericColumn {
  const n = index.length;
  if (c instanceof BigUint64Array) {
    const out = new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = c[index[i]!]!;
    return out;
  }
  const out = new (c.constructor as new (n: number) => Exclude<NumericColumn, BigUint64Array>)(n);
  for (let i = 0; i < n; i++) out[i] = c[index[i]!]!;
  return out;
}

/** Copies `src` into `dst` at row `at` (both the same kind of typed array). */
export function copyInto(dst: NumericColumn, src: NumericColumn, at: number, n = src.length): void {
  (dst as { set(a: ArrayLike<number | bigint>, o: number): void }).set(src.subarray(0, n), at);
}

/** A scalar cell as JavaScript sees it: numbers, bigints for u64, strings, booleans; null for a NULL cell. */
export type Cell = number | bigint | string | boolean;
