// The order of events across per-CPU rings: each ring's runs are in time order already, so the rows of a drain
// are a k-way merge of the runs by their time field, read in ring memory before anything is decoded.

import type { RecordRun } from "../loader/percpu-rings.js";

const TWO32 = 4294967296;

/** Row indexes reused from one drain to the next (a drain's rows are decoded before the next one starts). */
export interface RowScratch {
  rows: Uint32Array;
}

/**
 * Where each record of `runs` goes among `total` rows starting at `row0`, in time order (time: the 64-bit
 * field at byte `timeOffset` of each record, ns after `t0`, or the run's `keys` when peek() recorded them): per
 * run, the row index of each of its records, or `undefined` for a run whose rows are contiguous (the runs do not
 * overlap in time), with its first row. Equal times go to the earlier run. With `scratch`, the row indexes are
 * views of its array, valid until the next call with it.
 */
export function runRows(
  runs: readonly RecordRun[],
  timeOffset: number,
  t0: bigint,
  row0: number,
  scratch?: RowScratch,
): { first: number; rows?: Uint32Array }[] {
  const hi0 = Number(t0 >> 32n),
    lo0 = Number(t0 & 0xffffffffn);
  const tw = timeOffset >>> 2;
  const key = (r: RecordRun, i: number) => {
    if (r.keys) return r.keys[r.keyStart! + i]!;
    const q = ((r.start + i * r.stride) >>> 2) + tw;
    return (r.words[q + 1]! - hi0) * TWO32 + (r.words[q]! - lo0);
  };
  // runs that follow each other in time (one busy CPU at a time) need no merge: place them one after another
  const byStart = runs.map((r, i) => ({ i, lo: key(r, 0), hi: key(r, r.count - 1) })).sort((a, b) => a.lo - b.lo);
  let overlap = false;
  for (let j = 1; j < byStart.length; j++) if (byStart[j]!.lo < byStart[j - 1]!.hi) overlap = true;
  const out: { first: number; rows?: Uint32Array }[] = runs.map(() => ({ first: 0 }));
  if (!overlap) {
    let next = row0;
    for (const b of byStart) {
      out[b.i]!.first = next;
      next += runs[b.i]!.count;
    }
    return out;
  }
  let total = 0;
  for (const r of runs) total += r.count;
  let all: Uint32Array;
  if (scratch) {
    if (scratch.rows.length < total) scratch.rows = new Uint32Array(Math.max(total, 2 * scratch.rows.length));
    all = scratch.rows;
  } else all = new Uint32Array(total);
  // k-way merge: heads[j] is the next record of run j, heads[j] its time; the leading run's records are taken
  // in one stretch while they stay before every other run's head (the same order as one pick per record)
  const k = runs.length;
  const heads = new Int32Array(k);
  const keys = new Float64Array(k);
  const rowsOf: Uint32Array[] = [];
  for (let j = 0, at = 0; j < k; j++) {
    const n = runs[j]!.count;
    rowsOf.push((out[j]!.rows = all.subarray(at, at + n)));
    at += n;
    keys[j] = key(runs[j]!, 0);
  }
  for (let o = 0; o < total;) {
    let best = 0;
    for (let j = 1; j < k; j++) if (keys[j]! < keys[best]!) best = j;
    let lim = Infinity,
      limJ = k;
    for (let j = 0; j < k; j++) {
      if (j !== best && keys[j]! < lim) {
        lim = keys[j]!;
        limJ = j;
      }
    }
    const r = runs[best]!;
    const rows = rowsOf[best]!;
    const n = r.count;
    let h = heads[best]!;
    let t: number;
    if (r.keys) {
      const ks = r.keys,
        k0 = r.keyStart!;
      do {
        rows[h++] = row0 + o++;
        t = h < n ? ks[k0 + h]! : Infinity;
      } while (t < lim || (t === lim && best < limJ && t !== Infinity));
    } else {
      do {
        rows[h++] = row0 + o++;
        t = h < n ? key(r, h) : Infinity;
      } while (t < lim || (t === lim && best < limJ && t !== Infinity));
    }
    heads[best] = h;
    keys[best] = t;
  }
  return out;
}
