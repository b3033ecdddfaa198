// Idleness as a feature: a process that did nothing in a window (no CPU time, no system calls) is in a state its
// history says how often it is in. A busy worker gone idle for seconds is news however small its usual numbers
// are; each such window is as surprising as that state is rare for it (HistoryScorer's `rare` columns).

import type { Features } from "./features.js";
import { LATE, PARTIAL_CAPTURE_END, PARTIAL_EXIT, PARTIAL_START } from "./silence.js";

export const IDLE = "idle";

/**
 * Appends `idle` = 1 where the entity used no CPU and made no system call in the window, 0 where it did either
 * (from oncpu_ns and syscalls_count, whichever the capture has), unmeasured in a window holding only part of it
 * (its start, its exit, the capture's end), in a late one, and where neither is measured. Features by pid, after fillSilence.
 */
export function addIdle(f: Features): Features {
  const src = ["oncpu_ns", "syscalls_count"].map((c) => f.matrix.columns.indexOf(c)).filter((j) => j >= 0);
  if (!src.length || !f.keys.has("pid") || f.keys.has("tid")) return f;
  const { rows: n, cols: d } = f.matrix;
  const cols = d + 1;
  const data = new Float64Array(n * cols);
  const missing = new Uint8Array(n * cols);
  const partial = PARTIAL_START | PARTIAL_EXIT | PARTIAL_CAPTURE_END | LATE;
  for (let r = 0; r < n; r++) {
    data.set(f.matrix.data.subarray(r * d, (r + 1) * d), r * cols);
    if (f.missing) missing.set(f.missing.subarray(r * d, (r + 1) * d), r * cols);
    let measured = false;
    let active = false;
    for (const j of src) {
      if (f.missing?.[r * d + j]) continue;
      measured = true;
      active ||= f.matrix.data[r * d + j]! > 0;
    }
    if (!measured || ((f.partial?.[r] ?? 0) & partial) !== 0) missing[r * cols + d] = 1;
    else data[r * cols + d] = active ? 0 : 1;
  }
  return {
    ...f,
    matrix: { data, rows: n, cols, columns: [...f.matrix.columns, IDLE] },
    missing,
    ...(f.sources ? { sources: [...f.sources, IDLE] } : {}),
  };
}
