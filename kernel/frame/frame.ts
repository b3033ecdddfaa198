// Frame: an immutable table of typed-array columns (with NULL masks where a value does not apply), the form
// every collector's output takes. Pairs with frame-builder.ts (appending rows while decoding) and the converters
// and the Parquet writer beside it; readers (read-parquet.ts) build Frames, so this file never imports them.

import {
  allocColumn,
  Cell,
  ColumnData,
  ColumnSpec,
  columnLength,
  isStringColumn,
  takeNumeric,
  Validity,
} from "./column.js";
import { DanfoDataFrame, toDanfo, ToDanfoOptions } from "./to-danfo.js";
import { ArqueroTable, toArquero, ToArqueroOptions } from "./to-arquero.js";
import { frameMimeBundle, frameToHtml, TableOptions } from "./html-table.js";
import { writeParquet, WriteParquetOptions } from "./write-parquet.js";

export { allocColumn, isStringColumn } from "./column.js";
export type { Cell, ColumnData, ColumnSpec, ColumnType, NumericColumn, StringColumn, Validity } from "./column.js";

/**
 * A named table of columns of equal length. Columns are typed arrays (see ColumnType); `column()` hands the
 * array back without a copy, `values()` gives plain JS values (slower, for display and tests). A column may
 * have NULL cells (a value that does not apply, e.g. a fork event's exit code): `validity(name)` is its mask
 * (1 = value, 0 = NULL), `isNull(name, row)` asks one cell; NULL cells hold 0 / "" in the storage.
 */
export class Frame {
  readonly name: string;
  readonly schema: readonly ColumnSpec[];
  readonly length: number;
  private readonly data: ReadonlyMap<string, ColumnData>;
  private readonly masks: ReadonlyMap<string, Validity>;

  /**
   * @param validity per column, a mask of `length` bytes (1 = value, 0 = NULL); columns left out have no NULLs.
   */
  constructor(
    name: string,
    schema: readonly ColumnSpec[],
    columns: Record<string, ColumnData>,
    length?: number,
    validity: Record<string, Validity | undefined> = {},
  ) {
    this.name = name;
    this.schema = schema;
    const map = new Map<string, ColumnData>();
    const masks = new Map<string, Validity>();
    let n = length;
    for (const spec of schema) {
      const col = columns[spec.name];
      if (col === undefined) throw new Error(`frame ${name}: column ${spec.name} has no data`);
      const len = columnLength(col);
      if (n === undefined) n = len;
      if (len !== n) throw new Error(`frame ${name}: column ${spec.name} has ${len} rows, expected ${n}`);
      map.set(spec.name, col);
      const v = validity[spec.name];
      if (v !== undefined) {
        if (v.length !== n) throw new Error(`frame ${name}: validity of ${spec.name} has ${v.length} rows, not ${n}`);
        masks.set(spec.name, v);
      }
    }
    this.length = n ?? 0;
    this.data = map;
    this.masks = masks;
  }

  get columnNames(): string[] {
    return this.schema.map((s) => s.name);
  }

  spec(name: string): ColumnSpec {
    const s = this.schema.find((c) => c.name === name);
    if (!s) throw new Error(`frame ${this.name} has no column "${name}"; columns: ${this.columnNames.join(", ")}`);
    return s;
  }

  has(name: string): boolean {
    return this.data.has(name);
  }

  /** The column's storage itself (no copy). NULL cells hold 0 or ""; see validity(). */
  column(name: string): ColumnData {
    this.spec(name);
    return this.data.get(name)!;
  }

  /** The column's NULL mask (1 = value, 0 = NULL), or undefined when it has no NULLs. No copy. */
  validity(name: string): Validity | undefined {
    this.spec(name);
    return this.masks.get(name);
  }

  /** True when the cell holds NULL (no value applies). */
  isNull(name: string, row: number): boolean {
    const v = this.validity(name);
    return v !== undefined && v[row] === 0;
  }

  /** Number of NULL cells in the column. */
  nullCount(name: string): number {
    const v = this.validity(name);
    if (!v) return 0;
    let k = 0;
    for (let i = 0; i < v.length; i++) if (v[i] === 0) k++;
    return k;
  }

  /**
   * A numeric column as a Float64Array: the array itself when it already is one and has no NULLs, else a copy
   * with NaN for each NULL cell.
   */
  numeric(name: string): Float64Array {
    const c = this.column(name);
    if (isStringColumn(c)) throw new Error(`frame ${this.name}: column ${name} holds strings, not numbers`);
    const v = this.masks.get(name);
    if (c instanceof Float64Array && !v) return c;
    const out = new Float64Array(c.length);
    for (let i = 0; i < c.length; i++) out[i] = v && v[i] === 0 ? NaN : Number(c[i]);
    return out;
  }

  /** A string column decoded to strings ("" for NULL cells; values() gives null). */
  strings(name: string): string[] {
    const c = this.column(name);
    if (!isStringColumn(c)) throw new Error(`frame ${this.name}: column ${name} is not a string column`);
    return Array.from(c.codes, (k) => c.dict[k]!);
  }

  /** Cell values of one column as plain JS values, null for NULL cells. */
  values(name: string): (Cell | null)[] {
    const c = this.column(name);
    const type = this.spec(name).type;
    const out: (Cell | null)[] = isStringColumn(c)
      ? this.strings(name)
      : type === "bool"
        ? Array.from(c as Uint8Array, (v) => v !== 0)
        : Array.from(c as ArrayLike<number | bigint>);
    const v = this.masks.get(name);
    if (v) for (let i = 0; i < out.length; i++) if (v[i] === 0) out[i] = null;
    return out;
  }

  /** Rows as objects, for display and tests; `limit` rows from `offset`. NULL cells are null. */
  rows(offset = 0, limit = this.length): Record<string, Cell | null>[] {
    const end = Math.min(this.length, offset + limit);
    const cols = this.schema.map((s) => [s.name, this.values(s.name)] as const);
    const out: Record<string, Cell | null>[] = [];
    for (let i = offset; i < end; i++) {
      const row: Record<string, Cell | null> = {};
      for (const [n, v] of cols) row[n] = v[i]!;
      out.push(row);
    }
    return out;
  }

  /** A new frame with the rows whose index `keep` returns true for. */
  filter(keep: (row: number) => boolean): Frame {
    const idx: number[] = [];
    for (let i = 0; i < this.length; i++) if (keep(i)) idx.push(i);
    return this.take(idx);
  }

  /** A new frame with the given rows, in that order (NULL masks follow their rows). */
  take(index: ArrayLike<number>): Frame {
    const cols: Record<string, ColumnData> = {};
    const masks: Record<string, Validity> = {};
    for (const s of this.schema) {
      const c = this.data.get(s.name)!;
      if (isStringColumn(c)) {
        const codes = new Uint32Array(index.length);
        for (let i = 0; i < index.length; i++) codes[i] = c.codes[index[i]!]!;
        cols[s.name] = { codes, dict: c.dict };
      } else {
        cols[s.name] = takeNumeric(c, index);
      }
      const v = this.masks.get(s.name);
      if (v) masks[s.name] = takeNumeric(v, index) as Validity;
    }
    return new Frame(this.name, this.schema, cols, index.length, masks);
  }

  /** Sum of a numeric column (as a Number), NULL cells left out. */
  sum(name: string): number {
    const c = this.column(name);
    if (isStringColumn(c)) throw new Error(`frame ${this.name}: cannot sum string column ${name}`);
    const v = this.masks.get(name);
    let s = 0;
    for (let i = 0; i < c.length; i++) if (!v || v[i] !== 0) s += Number(c[i]);
    return s;
  }

  /** A danfojs-node DataFrame (a copy; timestamps as Dates, u64 as Numbers, NULL as null); see to-danfo.ts. */
  toDanfo(options?: ToDanfoOptions): DanfoDataFrame {
    return toDanfo(this, options);
  }

  /** An arquero table sharing this frame's numeric arrays (columns with NULLs are copied); see to-arquero.ts. */
  toArquero(options?: ToArqueroOptions): ArqueroTable {
    return toArquero(this, options);
  }

  /**
   * Writes the frame to a Parquet file with `kv` in its key-value metadata; see writeParquet in write-parquet.ts.
   * @example await frame.toParquet("/tmp/sched.parquet");
   */
  async toParquet(path: string, kv: Record<string, string> = {}, options: WriteParquetOptions = {}): Promise<void> {
    return writeParquet(this, path, kv, options);
  }

  /** An escaped HTML table of the first and last rows with shape, types and units (default 5 + 5 rows). */
  toHtml(options?: TableOptions): string {
    return frameToHtml(this, options);
  }

  /** What notebooks render: `text/plain` and `text/html` of the first and last rows. */
  toMimeBundle(options?: TableOptions): { "text/plain": string; "text/html": string } {
    return frameMimeBundle(this, options);
  }

  toString(): string {
    return `Frame ${this.name}: ${this.length} rows × ${this.schema.length} columns (${this.columnNames.join(", ")})`;
  }
}

/** An empty frame of `schema` (no rows). */
export function emptyFrame(name: string, schema: readonly ColumnSpec[]): Frame {
  const cols: Record<string, ColumnData> = {};
  for (const s of schema) cols[s.name] = allocColumn(s.type, 0);
  return new Frame(name, schema, cols, 0);
}
