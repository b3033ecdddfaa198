// FrameBuilder: grows typed-array columns by doubling while a decoder appends rows; `finish()` makes the Frame.

import {
  allocColumn,
  ColumnData,
  ColumnSpec,
  copyInto,
  isStringColumn,
  NumericColumn,
  StringColumn,
} from "./column.js";
import type { Validity } from "./column.js";
import { Frame } from "./frame.js";

/**
 * Appends rows column by column without an object per row. A decoder calls `beginRow()` then sets each
 * cell by column index (`setNum`, `setBig`, `setStr`, or `setNull` where no value applies); cells left unset
 * stay 0 / "" in a fresh builder.
 */
export class FrameBuilder {
  readonly schema: readonly ColumnSpec[];
  private cols: ColumnData[];
  private dicts: Map<string, number>[];
  /** NULL masks, made on a column's first setNull (1 = value): columns that never get a NULL carry none. */
  private masks: (Validity | undefined)[];
  private capacity: number;
  private n = 0;

  constructor(schema: readonly ColumnSpec[], initialCapacity = 1024) {
    this.schema = schema;
    this.capacity = Math.max(16, initialCapacity);
    this.cols = schema.map((s) => allocColumn(s.type, this.capacity));
    this.dicts = schema.map(() => new Map<string, number>());
    this.masks = schema.map(() => undefined);
  }

  get length(): number {
    return this.n;
  }

  /** Index of a column by name, for decoders that look it up once. */
  index(name: string): number {
    const i = this.schema.findIndex((s) => s.name === name);
    if (i < 0) throw new Error(`no column ${name} in schema (${this.schema.map((s) => s.name).join(", ")})`);
    return i;
  }

  /** Starts a new row and returns its index. */
  beginRow(): number {
    if (this.n === this.capacity) this.grow();
    return this.n++;
  }

  setNum(col: number, row: number, v: number): void {
    (this.cols[col] as Float64Array)[row] = v;
  }

  setBig(col: number, row: number, v: bigint): void {
    (this.cols[col] as BigUint64Array)[row] = v;
  }

  setStr(col: number, row: number, s: string): void {
    const c = this.cols[col] as StringColumn;
    const d = this.dicts[col]!;
    let code = d.get(s);
    if (code === undefined) {
      code = c.dict.length;
      c.dict.push(s);
      d.set(s, code);
    }
    c.codes[row] = code;
  }

  /** Marks a cell NULL (no value applies, e.g. a fork event's exit code); its storage is set to 0 / "". */
  setNull(col: number, row: number): void {
    let m = this.masks[col];
    if (!m) {
      m = new Uint8Array(this.capacity).fill(1);
      this.masks[col] = m;
    }
    m[row] = 0;
    const c = this.cols[col]!;
    if (isStringColumn(c)) this.setStr(col, row, "");
    else if (c instanceof BigUint64Array) c[row] = 0n;
    else c[row] = 0;
  }

  /**
   * The rows appended since the last take() as a frame of their own (own string dictionaries); the builder
   * then starts empty, keeping its capacity, so a capture that hands each interval on holds one interval.
   */
  take(name: string): Frame {
    const f = this.finish(name);
    this.n = 0;
    this.dicts = this.schema.map(() => new Map<string, number>());
    this.masks = this.schema.map(() => undefined);
    for (const c of this.cols) if (isStringColumn(c)) c.dict = [];
    return f;
  }

  /** The rows so far as a frame (copied); the builder goes on appending. */
  snapshot(name: string): Frame {
    return this.finish(name);
  }

  /** Makes the frame (columns are copied, so the builder could go on; `snapshot` says so). */
  finish(name: string): Frame {
    const out: Record<string, ColumnData> = {};
    this.schema.forEach((s, i) => {
      const c = this.cols[i]!;
      out[s.name] = isStringColumn(c)
        ? { codes: c.codes.slice(0, this.n), dict: c.dict.slice() }
        : (c as NumericColumn).slice(0, this.n);
    });
    const masks: Record<string, Validity> = {};
    this.schema.forEach((s, i) => {
      const m = this.masks[i];
      if (m && m.subarray(0, this.n).includes(0)) masks[s.name] = m.slice(0, this.n);
    });
    return new Frame(name, this.schema, out, this.n, masks);
  }

  private grow(): void {
    const cap = this.capacity * 2;
    this.cols = this.cols.map((c, i) => {
      const next = allocColumn(this.schema[i]!.type, cap);
      if (isStringColumn(c)) {
        (next as StringColumn).codes.set(c.codes);
        (next as StringColumn).dict = c.dict;
      } else {
        copyInto(next as NumericColumn, c, 0);
      }
      return next;
    });
    this.masks = this.masks.map((m) => {
      if (!m) return undefined;
      const next = new Uint8Array(cap).fill(1);
      next.set(m);
      return next;
    });
    this.capacity = cap;
  }
}
