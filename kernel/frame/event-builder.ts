// EventBuilder: typed-array columns that batch decoders write whole runs of events into (rows placed in their
// final order by the caller), handed out as frames; string columns share one dictionary for the builder's life.

import { allocColumn, ColumnData, ColumnSpec, Frame, isStringColumn, StringColumn } from "./frame.js";

type NumericColumn = Exclude<ColumnData, StringColumn>;

/** A string column's dictionary, shared by every run (codes stay valid for the builder's life). */
export class Dictionary {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  intern(s: string): number {
    let c = this.index.get(s);
    if (c === undefined) {
      c = this.strings.length;
      this.strings.push(s);
      this.index.set(s, c);
    }
    return c;
  }
}

/**
 * Rows of a stream frame. A decoder calls `reserve(n)` and fills rows [start, start + n) of `columns` directly;
 * `take()` hands every row out as a frame of its own and starts empty again, keeping the columns' capacity (and
 * so their already-touched memory) for the next rows.
 */
export class EventBuilder {
  readonly schema: readonly ColumnSpec[];
  columns: ColumnData[];
  readonly dicts: (Dictionary | undefined)[];
  private capacity: number;
  private n = 0;

  constructor(schema: readonly ColumnSpec[], initialCapacity = 1 << 16) {
    this.schema = schema;
    this.capacity = Math.max(16, initialCapacity);
    this.columns = schema.map((s) => allocColumn(s.type, this.capacity));
    this.dicts = schema.map((s) => (s.type === "str" ? new Dictionary() : undefined));
  }

  get length(): number {
    return this.n;
  }

  /** Makes room for `n` more rows and returns the index of the first. */
  reserve(n: number): number {
    if (this.n + n > this.capacity) this.grow(this.n + n);
    const start = this.n;
    this.n += n;
    return start;
  }

  /** Every row as a frame of its own (columns copied, dictionaries as they are now); the builder starts empty. */
  take(name: string): Frame {
    const m = this.n;
    const out: Record<string, ColumnData> = {};
    this.schema.forEach((s, i) => {
      const c = this.columns[i]!;
      out[s.name] = isStringColumn(c)
        ? { codes: c.codes.slice(0, m), dict: this.dicts[i]!.strings.slice() }
        : (c as NumericColumn).slice(0, m);
    });
    this.n = 0;
    return new Frame(name, this.schema, out, m);
  }

  private grow(need: number): void {
    let cap = this.capacity;
    while (cap < need) cap *= 2;
    this.columns = this.columns.map((c, i) => {
      const next = allocColumn(this.schema[i]!.type, cap);
      if (isStringColumn(c)) (next as StringColumn).codes.set(c.codes.subarray(0, this.n));
      else (next as NumericColumn).set((c as NumericColumn).subarray(0, this.n) as never);
      return next;
    });
    this.capacity = cap;
  }
}
