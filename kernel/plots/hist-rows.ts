// The buckets of a `<collector>_hist` frame as the latency plots use them: rows selected by key values, buckets
// merged to powers of two (runqlat's resolution) or kept in quarters, counts per bucket and per interval.

import { OptionError } from "../errors.js";
import type { Frame } from "../frame/frame.js";
import { histBelowNs } from "../collectors/histogram.js";
import { fmtNs } from "./syscalls.js";

export interface HistSelection {
  /** Keep rows whose columns equal these values, e.g. { syscall: "read" } or { pid: 1234 }. */
  where?: Record<string, string | number>;
  /** "log2" (default) merges the four quarter buckets of each power of two, as runqlat shows them. */
  resolution?: "log2" | "quarter";
}

/** A histogram frame's counts: bucket bounds (ascending), their labels, totals, and counts per interval. */
export interface HistGrid {
  /** Inclusive upper bounds of the buckets that have counts, ascending (+Infinity last if present). */
  le: number[];
  /** The bound below each bucket (it holds the values above it, up to its `le`); NaN for +Inf. */
  below: number[];
  /** "(lo, le]" ranges, e.g. "4.1 µs – 8.19 µs". */
  labels: string[];
  /** Counts per bucket over all selected rows. */
  totals: number[];
  /** Interval starts (s since capture start), ascending. */
  times: number[];
  /** counts[bucket][interval]. */
  counts: number[][];
}

/** 2^ceil(log2(le)): the power-of-two bucket a quarter bucket belongs to. */
function toLog2(le: number): number {
  if (le <= 1 || !Number.isFinite(le)) return le;
  return 2 ** Math.ceil(Math.log2(le) - 1e-12);
}

/** The buckets of `hist` (rows selected by `where`) on a grid of interval × bucket. */
export function histGrid(hist: Frame, o: HistSelection = {}): HistGrid {
  for (const c of ["le_ns", "count", "t_s", ...Object.keys(o.where ?? {})]) {
    if (!hist.has(c)) {
      throw new OptionError(
        `frame ${hist.name} has no column "${c}"`,
        `pass a <collector>_hist frame (capture with histogram: true, CLI --hist); it has ${hist.columnNames.join(", ")}`,
      );
    }
  }
  const conds = Object.entries(o.where ?? {}).map(([k, v]) => [hist.values(k), v] as const);
  const le = hist.numeric("le_ns"),
    n = hist.numeric("count"),
    t = hist.numeric("t_s");
  const merge = (o.resolution ?? "log2") === "log2" ? toLog2 : (x: number) => x;
  const cells = new Map<number, Map<number, number>>();
  const times = new Set<number>();
  for (let i = 0; i < hist.length; i++) {
    if (!conds.every(([col, v]) => col[i] === v || String(col[i]) === String(v))) continue;
    const b = merge(le[i]!);
    let row = cells.get(b);
    if (!row) cells.set(b, (row = new Map()));
    row.set(t[i]!, (row.get(t[i]!) ?? 0) + n[i]!);
    times.add(t[i]!);
  }
  const bounds = [...cells.keys()].sort((a, b) => a - b);
  const ts = [...times].sort((a, b) => a - b);
  const col = new Map(ts.map((x, j) => [x, j]));
  const counts = bounds.map((b) => {
    const row = new Array<number>(ts.length).fill(0);
    for (const [x, c] of cells.get(b)!) row[col.get(x)!] = c;
    return row;
  });
  // the bound below each bucket in its resolution (the values it holds are above it, up to its own bound)
  const below = (b: number) => (merge === toLog2 ? (b <= 1 ? 0 : b / 2) : histBelowNs(b));
  return {
    le: bounds,
    below: bounds.map((b) => (Number.isFinite(b) ? below(b) : NaN)),
    labels: bounds.map((b) =>
      b === 0 ? "0 ns" : Number.isFinite(b) ? `${fmtNs(below(b))} – ${fmtNs(b)}` : "+Inf (overflow)",
    ),
    totals: counts.map((r) => r.reduce((s, x) => s + x, 0)),
    times: ts,
    counts,
  };
}
