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
 * Where a builder's columns come from when it makes new ones for many rows (kernel/loader/column-pool.ts: memory
 * kept from earlier drains, its pages already mapped): columns of `schema` for `capacity` rows, or undefined for
 * ordinary ones. Their contents are arbitrary: the builder hands out only rows a decoder wrote.
 */
export interface ColumnBlocks {
  columns(schema: readonly ColumnSpec[], capacity: number): ColumnData[] | undefined;
}

/**
 * Rows of a stream frame. A decoder calls `reserve(n)` and fills rows [start, start + n) of `columns` directly;
 * `take()` hands every row out as a frame of its own and starts empty again: rows that fill the columns go out in
 * them (the builder makes new ones at the next reserve), fewer are copied and the columns' capacity (and so their
 * already-touched memory) is kept for the next rows. A copy into fresh memory costs a page fault per 4 KiB, twice
 * what writing the rows cost: for a drain of millions of events, handing over halves the faults.
 */
export class EventBuilder {
  readonly schema: readonly ColumnSpec[];
  columns: ColumnData[];
  readonly dicts: (Dictionary | undefined)[];
  private capacity: number;
  private readonly initialCapacity: number;
  private n = 0;
  /** take() calls so far: a decoder that resolves per frame (the native drain's cgroup ids) starts again. */
  generation = 0;
  /**
   * The cgroup, container and unit of a cgroup id, for a decoder that fills those columns while it decodes (the
   * native drain): the capture's cgroup tree; unset, they are "".
   */
  resolveCgroup?: (id: bigint) => { path: string; container: string; unit: string } | undefined;

  private readonly blocks: ColumnBlocks | undefined;

  constructor(schema: readonly ColumnSpec[], initialCapacity = 1 << 16, blocks?: ColumnBlocks) {
    this.schema = schema;
    this.blocks = blocks;
    this.capacity = this.initialCapacity = Math.max(16, initialCapacity);
    this.columns = schema.map((s) => allocColumn(s.type, this.capacity));
    this.dicts = schema.map((s) => (s.type === "str" ? new Dictionary() : undefined));
  }

  get length(): number {
    return this.n;
  }

  /** Makes room for `n` more rows and returns the index of the first. */
  reserve(n: number): number {
    if (this.capacity === 0) {
      // a take() gave the columns away: new ones, sized to these rows exactly (if they are all the next take()
      // gets, it can hand them over whole too)
      this.capacity = Math.max(n, this.initialCapacity);
      this.columns = this.alloc(this.capacity);
    }
    if (this.n + n > this.capacity) this.grow(this.n + n);
    const start = this.n;
    this.n += n;
    return start;
  }

  /** Gives back the last `n` rows reserved (a decoder that reserved an upper bound and wrote fewer). */
  unreserve(n: number): void {
    if (n < 0 || n > this.n) throw new RangeError(`unreserve(${n}) of ${this.n} rows`);
    this.n -= n;
  }

  /**
   * Every row as a frame of its own (dictionaries as they are now); the builder starts empty. Rows filling at
   * least 7/8 of the columns are handed over in them (the frame holds at most 1/8 unused), anything less is
   * copied: copying millions of rows writes them all again, into fresh memory, for nothing.
   */
  take(name: string): Frame {
    const m = this.n;
    const give = m > 0 && m >= this.capacity - this.capacity / 8;
    const rows = <T extends NumericColumn>(c: T): T => (give ? c.subarray(0, m) : c.slice(0, m)) as T;
    const out: Record<string, ColumnData> = {};
    this.schema.forEach((s, i) => {
      const c = this.columns[i]!;
      out[s.name] = isStringColumn(c)
        ? { codes: rows(c.codes), dict: this.dicts[i]!.strings.slice() }
        : rows(c as NumericColumn);
    });
    if (give) {
      // the frame owns them now: the builder lets go at once (pooled memory returns when the frame is dropped)
      this.columns = this.schema.map((s) => allocColumn(s.type, 0));
      this.capacity = 0;
    }
    this.n = 0;
    this.generation++;
    return new Frame(name, this.schema, out, m);
  }

  private alloc(cap: number): ColumnData[] {
    return this.blocks?.columns(this.schema, cap) ?? this.schema.map((s) => allocColumn(s.type, cap));
  }

  private grow(need: number): void {
    // empty: exactly what this first reserve needs (nothing to copy), so one big drain can be handed over whole
    let cap = this.n === 0 ? need : this.capacity;
    while (cap < need) cap *= 2;
    const fresh = this.alloc(cap);
    this.columns = this.columns.map((c, i) => {
      const next = fresh[i]!;
      if (isStringColumn(c)) (next as StringColumn).codes.set(c.codes.subarray(0, this.n));
      else (next as NumericColumn).set((c as NumericColumn).subarray(0, this.n) as never);
      return next;
    });
    this.capacity = cap;
  }
}
