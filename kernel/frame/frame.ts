// Frame: an immutable table of typed-array columns, the form every collector's output takes.
// Pairs with frame-builder.ts (appending rows while decoding) and the converters beside it.

import { DanfoDataFrame, toDanfo, ToDanfoOptions } from "./to-danfo.js";
import { ArqueroTable, toArquero, ToArqueroOptions } from "./to-arquero.js";
import { frameMimeBundle, frameToHtml, TableOptions } from "./html-table.js";

/**
 * Storage and Parquet type of a column.
 * - `u32`/`i32`: Uint32Array/Int32Array (pid, tid, exit code).
 * - `i64`: integer values held in a Float64Array (counts, ns durations, bytes): exact below 2^53, and
 *   detectors use the array without a copy. Written to Parquet as BIGINT.
 * - `u64`: BigUint64Array for raw kernel values that may pass 2^53 (monotonic ts_ns, cgroup ids). UBIGINT.
 * - `f64`: Float64Array. DOUBLE.
 * - `timestamp`: wall-clock microseconds since the Unix epoch in a Float64Array (exact until year 2255).
 *   Parquet TIMESTAMP (microseconds), which DuckDB, pyarrow and Spark all read.
 * - `bool`: Uint8Array of 0/1. BOOLEAN.
 * - `str`: Uint32Array codes into a dictionary of strings. VARCHAR, dictionary-encoded in Parquet.
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

export type ColumnData = Uint32Array | Int32Array | Float64Array | BigUint64Array | Uint8Array | StringColumn;

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

/** A scalar cell as JavaScript sees it: numbers, bigints for u64, strings, booleans. */
export type Cell = number | bigint | string | boolean;

/**
 * A named table of columns of equal length. Columns are typed arrays (see ColumnType); `column()` hands the
 * array back without a copy, `values()` gives plain JS values (slower, for display and tests).
 */
export class Frame {
  readonly name: string;
  readonly schema: readonly ColumnSpec[];
  readonly length: number;
  private readonly data: ReadonlyMap<string, ColumnData>;

  constructor(name: string, schema: readonly ColumnSpec[], columns: Record<string, ColumnData>, length?: number) {
    this.name = name;
    this.schema = schema;
    const map = new Map<string, ColumnData>();
    let n = length;
    for (const spec of schema) {
      const col = columns[spec.name];
      if (col === undefined) throw new Error(`frame ${name}: column ${spec.name} has no data`);
      const len = isStringColumn(col) ? col.codes.length : col.length;
      if (n === undefined) n = len;
      if (len !== n) throw new Error(`frame ${name}: column ${spec.name} has ${len} rows, expected ${n}`);
      map.set(spec.name, col);
    }
    this.length = n ?? 0;
    this.data = map;
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

  /** The column's storage itself (no copy). */
  column(name: string): ColumnData {
    this.spec(name);
    return this.data.get(name)!;
  }

  /** A numeric column as a Float64Array (the array itself when it already is one). */
  numeric(name: string): Float64Array {
    const c = this.column(name);
    if (isStringColumn(c)) throw new Error(`frame ${this.name}: column ${name} holds strings, not numbers`);
    if (c instanceof Float64Array) return c;
    const out = new Float64Array(c.length);
    for (let i = 0; i < c.length; i++) out[i] = Number(c[i]);
    return out;
  }

  /** A string column decoded to strings. */
  strings(name: string): string[] {
    const c = this.column(name);
    if (!isStringColumn(c)) throw new Error(`frame ${this.name}: column ${name} is not a string column`);
    return Array.from(c.codes, (k) => c.dict[k]!);
  }

  /** Cell values of one column as plain JS values. */
  values(name: string): Cell[] {
    const c = this.column(name);
    const type = this.spec(name).type;
    if (isStringColumn(c)) return this.strings(name);
    if (type === "bool") return Array.from(c as Uint8Array, (v) => v !== 0);
    return Array.from(c as ArrayLike<number | bigint>);
  }

  /** Rows as objects, for display and tests; `limit` rows from `offset`. */
  rows(offset = 0, limit = this.length): Record<string, Cell>[] {
    const end = Math.min(this.length, offset + limit);
    const cols = this.schema.map((s) => [s.name, this.values(s.name)] as const);
    const out: Record<string, Cell>[] = [];
    for (let i = offset; i < end; i++) {
      const row: Record<string, Cell> = {};
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

  /** A new frame with the given rows, in that order. */
  take(index: ArrayLike<number>): Frame {
    const cols: Record<string, ColumnData> = {};
    for (const s of this.schema) {
      const c = this.data.get(s.name)!;
      if (isStringColumn(c)) {
        const codes = new Uint32Array(index.length);
        for (let i = 0; i < index.length; i++) codes[i] = c.codes[index[i]!]!;
        cols[s.name] = { codes, dict: c.dict };
      } else {
        const out = allocColumn(s.type, index.length) as Exclude<ColumnData, StringColumn>;
        for (let i = 0; i < index.length; i++) (out as any)[i] = c[index[i]!];
        cols[s.name] = out;
      }
    }
    return new Frame(this.name, this.schema, cols, index.length);
  }

  /** Sum of a numeric column (as a Number). */
  sum(name: string): number {
    const c = this.column(name);
    if (isStringColumn(c)) throw new Error(`frame ${this.name}: cannot sum string column ${name}`);
    let s = 0;
    for (let i = 0; i < c.length; i++) s += Number(c[i]);
    return s;
  }

  /** A danfojs-node DataFrame (a copy; timestamps as Dates, u64 as Numbers); see toDanfo in to-danfo.ts. */
  toDanfo(options?: ToDanfoOptions): DanfoDataFrame {
    return toDanfo(this, options);
  }

  /** An arquero table sharing this frame's numeric arrays; see toArquero in to-arquero.ts. */
  toArquero(options?: ToArqueroOptions): ArqueroTable {
    return toArquero(this, options);
  }

  /**
   * Writes the frame to a Parquet file with `kv` in its key-value metadata; see writeParquet in parquet.ts.
   * @example await frame.toParquet("/tmp/sched.parquet");
   */
  async toParquet(path: string, kv: Record<string, string> = {}): Promise<void> {
    // parquet.ts constructs Frames, so it is imported when needed rather than at load (no import cycle).
    const { writeParquet } = await import("./parquet.js");
    return writeParquet(this, path, kv);
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
