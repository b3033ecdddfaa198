// Exact k-nearest-neighbour search (Euclidean) with a kd-tree over a row-major matrix; shared by kNN and LOF.

import { Matrix } from "./matrix.js";

const LEAF_SIZE = 24;

/**
 * A kd-tree over the rows of `m` (no copy of the data; it must stay unchanged). Splits the widest dimension of each
 * node's bounding box at its median; queries prune by the distance to a node's box, so results are exact. Works in
 * any dimension, but past ~20 features pruning fails and a query costs about a linear scan.
 */
export class KdTree {
  private readonly m: Matrix;
  /** Row ids, permuted so each node owns a contiguous range. */
  private readonly idx: Int32Array;
  private start: Int32Array;
  private end: Int32Array;
  private left: Int32Array;
  private right: Int32Array;
  /** box[node * 2d + j] = min of dim j, box[node * 2d + d + j] = max. */
  private box: Float64Array;
  private nodes = 0;

  constructor(m: Matrix) {
    this.m = m;
    const n = m.rows;
    this.idx = new Int32Array(n);
    for (let i = 0; i < n; i++) this.idx[i] = i;
    const cap = 2 * Math.ceil(n / (LEAF_SIZE / 2)) + 1;
    this.start = new Int32Array(cap);
    this.end = new Int32Array(cap);
    this.left = new Int32Array(cap).fill(-1);
    this.right = new Int32Array(cap).fill(-1);
    this.box = new Float64Array(cap * 2 * m.cols);
    this.build(0, n);
  }

  private build(s: number, e: number): number {
    const node = this.nodes++;
    const d = this.m.cols;
    const data = this.m.data;
    this.start[node] = s;
    this.end[node] = e;
    const b = node * 2 * d;
    for (let j = 0; j < d; j++) {
      this.box[b + j] = Infinity;
      this.box[b + d + j] = -Infinity;
    }
    for (let i = s; i < e; i++) {
      const base = this.idx[i]! * d;
      for (let j = 0; j < d; j++) {
        const v = data[base + j]!;
        if (v < this.box[b + j]!) this.box[b + j] = v;
        if (v > this.box[b + d + j]!) this.box[b + d + j] = v;
      }
    }
    if (e - s <= LEAF_SIZE) return node;
    let dim = 0;
    let spread = -1;
    for (let j = 0; j < d; j++) {
      const w = this.box[b + d + j]! - this.box[b + j]!;
      if (w > spread) {
        spread = w;
        dim = j;
      }
    }
    if (spread <= 0) return node; // all rows identical: nothing to split
    const mid = (s + e) >>> 1;
    this.select(s, e - 1, mid, dim);
    const l = this.build(s, mid);
    const r = this.build(mid, e);
    this.left[node] = l;
    this.right[node] = r;
    return node;
  }

  /** Quickselect: put the rank-k row of dimension dim at position k of idx[lo..hi]. */
  private select(lo: number, hi: number, k: number, dim: number): void {
    const { idx } = this;
    const d = this.m.cols;
    const data = this.m.data;
    while (hi > lo) {
      const pivot = data[idx[(lo + hi) >>> 1]! * d + dim]!;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (data[idx[i]! * d + dim]! < pivot) i++;
        while (data[idx[j]! * d + dim]! > pivot) j--;
        if (i <= j) {
          const t = idx[i]!;
          idx[i++] = idx[j]!;
          idx[j--] = t;
        }
      }
      if (k <= j) hi = j;
      else if (k >= i) lo = i;
      else return;
    }
  }

  /**
   * The k nearest rows to `q[qOff .. qOff + d)`, nearest first, into `dist` (Euclidean) and `ids`. Row `exclude`
   * (a query that is itself a tree row) is skipped; ties are kept in tree order.
   */
  query(q: Float64Array, qOff: number, k: number, dist: Float64Array, ids: Int32Array, exclude = -1): void {
    // Max-heap on squared distance in dist/ids[0..size).
    let size = 0;
    const d = this.m.cols;
    const data = this.m.data;
    const { idx, start, end, left, right, box } = this;
    const stack: number[] = [0];
    const stackD: number[] = [0];
    while (stack.length) {
      const node = stack.pop()!;
      const lb = stackD.pop()!;
      if (size === k && lb >= dist[0]!) continue;
      const l = left[node]!;
      if (l < 0) {
        for (let i = start[node]!; i < end[node]!; i++) {
          const row = idx[i]!;
          if (row === exclude) continue;
          const base = row * d;
          let s = 0;
          for (let j = 0; j < d; j++) {
            const t = q[qOff + j]! - data[base + j]!;
            s += t * t;
          }
          if (size < k) {
            // sift up
            let c = size++;
            while (c > 0) {
              const p = (c - 1) >> 1;
              if (dist[p]! >= s) break;
              dist[c] = dist[p]!;
              ids[c] = ids[p]!;
              c = p;
            }
            dist[c] = s;
            ids[c] = row;
          } else if (s < dist[0]!) {
            // replace root, sift down
            let c = 0;
            for (;;) {
              let ch = 2 * c + 1;
              if (ch >= k) break;
              if (ch + 1 < k && dist[ch + 1]! > dist[ch]!) ch++;
              if (dist[ch]! <= s) break;
              dist[c] = dist[ch]!;
              ids[c] = ids[ch]!;
              c = ch;
            }
            dist[c] = s;
            ids[c] = row;
          }
        }
        continue;
      }
      const r = right[node]!;
      const dl = boxDist(box, l * 2 * d, d, q, qOff);
      const dr = boxDist(box, r * 2 * d, d, q, qOff);
      // Push the farther child first so the nearer one is searched first and tightens the bound.
      if (dl <= dr) {
        stack.push(r, l);
        stackD.push(dr, dl);
      } else {
        stack.push(l, r);
        stackD.push(dl, dr);
      }
    }
    // Heap → ascending order, then square roots.
    for (let n = size - 1; n > 0; n--) {
      const td = dist[0]!;
      const ti = ids[0]!;
      dist[0] = dist[n]!;
      ids[0] = ids[n]!;
      dist[n] = td;
      ids[n] = ti;
      let c = 0;
      const s = dist[0]!;
      const sid = ids[0]!;
      for (;;) {
        let ch = 2 * c + 1;
        if (ch >= n) break;
        if (ch + 1 < n && dist[ch + 1]! > dist[ch]!) ch++;
        if (dist[ch]! <= s) break;
        dist[c] = dist[ch]!;
        ids[c] = ids[ch]!;
        c = ch;
      }
      dist[c] = s;
      ids[c] = sid;
    }
    for (let i = 0; i < size; i++) dist[i] = Math.sqrt(dist[i]!);
  }
}

function boxDist(box: Float64Array, b: number, d: number, q: Float64Array, qOff: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const v = q[qOff + j]!;
    const lo = box[b + j]!;
    const hi = box[b + d + j]!;
    const t = v < lo ? lo - v : v > hi ? v - hi : 0;
    s += t * t;
  }
  return s;
}
