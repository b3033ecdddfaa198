// Row bookkeeping for feature extraction: one row per (window, entity), and columns that grow with the rows.

/** Maps (window index, entity id) to a dense row number, in order of first appearance. */
export class RowIndex {
  private readonly map = new Map<number, number>();
  window: number[] = [];
  entity: number[] = [];

  /** Row of (w, e), created on first use. Entity ids are < 2^32, windows < 2^21, so the key is an exact double. */
  row(w: number, e: number): number {
    const key = w * 4294967296 + e;
    let r = this.map.get(key);
    if (r === undefined) {
      r = this.window.length;
      this.map.set(key, r);
      this.window.push(w);
      this.entity.push(e);
    }
    return r;
  }

  get length(): number {
    return this.window.length;
  }
}

/** A Float64Array column addressed by row number that grows (zero-filled) as rows appear. */
export class GrowColumn {
  data = new Float64Array(256);

  private ensure(row: number): void {
    if (row < this.data.length) return;
    let cap = this.data.length;
    while (cap <= row) cap *= 2;
    const next = new Float64Array(cap);
    next.set(this.data);
    this.data = next;
  }

  add(row: number, v: number): void {
    this.ensure(row);
    this.data[row]! += v;
  }

  set(row: number, v: number): void {
    this.ensure(row);
    this.data[row] = v;
  }

  max(row: number, v: number): void {
    this.ensure(row);
    if (v > this.data[row]!) this.data[row] = v;
  }

  get(row: number): number {
    return row < this.data.length ? this.data[row]! : 0;
  }
}
