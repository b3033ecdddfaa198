// One drain of an event frame's per-CPU rings into its builder: the fused path captures use (each record read
// once, batch-decoder.ts' decodeMerged), and the three-pass path it replaced (peek, merge, decode), kept as the
// reference the fused one is tested against.

import type { BatchDecoder } from "../collectors/batch-decoder.js";
import { RowScratch, runRows } from "../collectors/run-order.js";
import type { EventBuilder } from "../frame/event-builder.js";
import type { PerCpuRings } from "../loader/percpu-rings.js";

/**
 * Decodes every record of `rings` whose time is below `limitNs` (ns after the capture's t0) into `builder`, in
 * time order across CPUs, and frees their space; returns how many. Later records stay for the next drain.
 */
export function drainEvents(rings: PerCpuRings, decoder: BatchDecoder, builder: EventBuilder, limitNs: number): number {
  const { cursors, mask, limitRows } = rings.cursors();
  if (limitRows === 0) return 0;
  // rows for every record the pending bytes could hold; those past the limit are given back
  const row0 = builder.reserve(limitRows);
  let n = 0;
  try {
    n = decoder.decodeMerged(cursors, mask, builder, row0, limitNs);
  } finally {
    builder.unreserve(limitRows - n);
  }
  rings.commit();
  return n;
}

/** The same drain in three passes: peek() (limit), runRows() (merge) and the run decoder. */
export function drainEventsReference(
  rings: PerCpuRings,
  decoder: BatchDecoder,
  builder: EventBuilder,
  limitNs: number,
  t0: bigint,
  scratch?: RowScratch,
): number {
  const runs = rings.peek(decoder.timeOffset, t0, limitNs);
  let n = 0;
  if (runs.length) {
    n = runs.reduce((k, r) => k + r.count, 0);
    const row0 = builder.reserve(n);
    const place = runRows(runs, decoder.timeOffset, t0, row0, scratch);
    runs.forEach((run, i) => decoder.decode(run, builder, place[i]!.first, place[i]!.rows));
  }
  rings.release();
  return n;
}
