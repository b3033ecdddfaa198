// The order of events across per-CPU rings: each ring's runs are in time order already, so the rows of a drain
// are a k-way merge of the runs by their time field, read in ring memory before anything is decoded.

import type { RecordRun } from "../loader/percpu-rings.js";

const TWO32 = 4294967296;

/**
 * Where each record of `runs` goes among `total` rows starting at `row0`, in time order (time: the 64-bit
 * field at byte `timeOffset` of each record, ns after `t0`): per run, the row index of each of its records, or
 * `undefined` for a run whose rows are contiguous (the runs do not overlap in time), with its first row.
 */
export function runRows(
  runs: readonly RecordRun[],
  timeOffset: number,
  t0: bigint,
  row0: number,
): { first: number; rows?: Uint32Array }[] {
  const hi0 = Number(t0 >> 32n),
    lo0 = Number(t0 & 0xffffffffn);
  const tw = timeOffset >>> 2;
  const key = (r: RecordRun, i: number) => {
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
  // k-way merge: heads[j] is the next record of run j, keys[j] its time
  const k = runs.length;
  const heads = new Int32Array(k);
  const keys = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    out[j]!.rows = new Uint32Array(runs[j]!.count);
    keys[j] = key(runs[j]!, 0);
  }
  let total = 0;
  for (const r of runs) total += r.count;
  for (let o = 0; o < total; o++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (keys[j]! < keys[best]!) best = j;
    const h = heads[best]!;
    out[best]!.rows![h] = row0 + o;
    const r = runs[best]!;
    heads[best] = h + 1;
    keys[best] = h + 1 < r.count ? key(r, h + 1) : Infinity;
  }
  return out;
}
