// The rows detection works on and the normal period they are compared with: the scored capture's features (with
// silent windows filled), a baseline capture's on the same columns, or the capture's own first part; bad
// combinations are refused with what to do.

import type { Capture } from "../capture/capture.js";
import { parseDuration } from "../capture/duration.js";
import { DetectorInputError, OptionError } from "../errors.js";
import { dropConstantColumns, Matrix } from "../detectors/matrix.js";
import { EntityKind, features, Features } from "../features/features.js";
import { processFacts, ProcessFacts } from "../features/process-facts.js";
import { parseWindow } from "../features/window.js";
import { poolPeers } from "./worker-pools.js";

export interface PrepareOptions {
  by?: EntityKind;
  window?: string | number;
  /** Another capture of the same system behaving normally. */
  baseline?: Capture;
  /** The first part of this capture is normal: "20s", or seconds. */
  baselineUntil?: string | number;
}

export interface Prepared {
  /** The scored capture's features on the kept columns (silent windows filled, partial windows and missing cells flagged). */
  f: Features;
  facts: ProcessFacts;
  /** Raw feature values, constant columns dropped, the same columns as `baseline.matrix`. */
  matrix: Matrix;
  /** log1p of `matrix` (what detectors see). */
  X: Matrix;
  /** The baseline capture's rows on the same columns, when one is given. */
  baseline?: { f: Features; matrix: Matrix; X: Matrix; peer: string[] };
  /** With baselineUntil: windows before this one are the reference. */
  untilWindow?: number;
  dropped: string[];
}

/**
 * Builds the feature rows of `cap` (and of the baseline), checking that a baseline capture has the same collectors
 * and lasts at least one window, and that baselineUntil leaves at least one window on each side.
 */
export function prepareRows(cap: Capture, opts: PrepareOptions): Prepared {
  const by = opts.by ?? "pid";
  const windowS = parseWindow(opts.window ?? "1s");
  if (opts.baseline && opts.baselineUntil !== undefined) {
    throw new OptionError(
      "give a baseline capture or --baseline-until, not both",
      "--baseline DIR compares with another capture, --baseline-until D with this capture's first part",
    );
  }
  const elapsedS = cap.meta.elapsedMs / 1000;
  let untilWindow: number | undefined;
  if (opts.baselineUntil !== undefined) {
    const s =
      typeof opts.baselineUntil === "number"
        ? opts.baselineUntil
        : parseDuration(opts.baselineUntil, "baseline-until", 1, 1e9) / 1000;
    untilWindow = Math.floor(s / windowS + 1e-9);
    if (untilWindow < 1) {
      throw new OptionError(
        `--baseline-until ${String(opts.baselineUntil)} is shorter than one window (${windowS} s)`,
        `give at least the window length, e.g. --baseline-until ${Math.max(5, 5 * windowS)}s`,
      );
    }
    if (s >= elapsedS - windowS) {
      throw new OptionError(
        `--baseline-until ${String(opts.baselineUntil)} leaves no window to score in this ${elapsedS.toFixed(1)} s capture`,
        `give less than ${(elapsedS - windowS).toFixed(0)} s`,
      );
    }
  }
  if (opts.baseline) checkBaseline(cap, opts.baseline, windowS);
  const f = features(cap, { by, window: windowS });
  const facts = processFacts(cap);
  let base: Features | undefined;
  if (opts.baseline) {
    const syscalls = f.matrix.columns.flatMap((c) => /^sys_(.+)_count$/.exec(c)?.slice(1, 2) ?? []);
    base = features(opts.baseline, { by, window: windowS, syscalls });
  }
  // Same columns on both sides (a column the baseline lacks is zero there), then drop what never varies.
  const columns = [...new Set([...f.matrix.columns, ...(base?.matrix.columns ?? [])])];
  const a = onColumns(f.matrix, columns);
  const b = base ? onColumns(base.matrix, columns) : undefined;
  const joint = b ? stack(a, b) : a;
  const { matrix: kept, dropped } = dropConstantColumns(joint);
  if (kept.cols === 0) {
    throw new DetectorInputError(
      "every feature is constant over this capture",
      "capture while something happens on the machine",
    );
  }
  const matrix = onColumns(a, kept.columns);
  const out: Prepared = {
    f: { ...f, matrix, missing: missingOn(f, kept.columns), sources: sourcesOn(f, kept.columns) },
    facts,
    matrix,
    X: logScale(matrix),
    dropped,
    ...(untilWindow ? { untilWindow } : {}),
  };
  if (base && b) {
    const bm = onColumns(b, kept.columns);
    out.baseline = {
      f: { ...base, matrix: bm, missing: missingOn(base, kept.columns) },
      matrix: bm,
      X: logScale(bm),
      peer: poolPeers(
        base.keys.has("comm") ? base.keys.strings("comm") : base.keys.values(base.keys.columnNames[2]!).map(String),
      ),
    };
  }
  return out;
}

function checkBaseline(cap: Capture, baseline: Capture, windowS: number): void {
  const a = [...cap.collectors].filter((c) => c !== "labels").sort();
  const b = [...baseline.collectors].filter((c) => c !== "labels").sort();
  if (a.join(",") !== b.join(",")) {
    throw new OptionError(
      `the baseline capture has collectors ${b.join(", ")}, the scored one ${a.join(", ")}`,
      "capture the baseline with the same collectors (bpflab capture -c ... with the same list)",
    );
  }
  const s = baseline.meta.elapsedMs / 1000;
  if (s < windowS) {
    throw new OptionError(
      `the baseline capture lasts ${s.toFixed(2)} s, shorter than one window (${windowS} s)`,
      "capture a longer baseline (several windows; a minute is a good start) or use a shorter --window",
    );
  }
}

/** Features.sources on `columns`. */
function sourcesOn(f: Features, columns: readonly string[]): string[] {
  return columns.map((c) => f.sources?.[f.matrix.columns.indexOf(c)] ?? "");
}

/** Features.missing on `columns` (a column the features lack is missing everywhere). */
function missingOn(f: Features, columns: readonly string[]): Uint8Array {
  const m = f.matrix;
  const src = columns.map((c) => m.columns.indexOf(c));
  const out = new Uint8Array(m.rows * columns.length);
  for (let r = 0; r < m.rows; r++) {
    for (let j = 0; j < columns.length; j++) {
      out[r * columns.length + j] = src[j]! < 0 ? 1 : (f.missing?.[r * m.cols + src[j]!] ?? 0);
    }
  }
  return out;
}

/** The matrix with exactly `columns`, in that order (a missing column is zeros). */
function onColumns(m: Matrix, columns: readonly string[]): Matrix {
  if (columns.length === m.cols && columns.every((c, j) => m.columns[j] === c)) return m;
  const src = columns.map((c) => m.columns.indexOf(c));
  const data = new Float64Array(m.rows * columns.length);
  for (let r = 0; r < m.rows; r++) {
    for (let j = 0; j < columns.length; j++)
      if (src[j]! >= 0) data[r * columns.length + j] = m.data[r * m.cols + src[j]!]!;
  }
  return { data, rows: m.rows, cols: columns.length, columns };
}

function stack(a: Matrix, b: Matrix): Matrix {
  const data = new Float64Array((a.rows + b.rows) * a.cols);
  data.set(a.data);
  data.set(b.data, a.data.length);
  return { data, rows: a.rows + b.rows, cols: a.cols, columns: a.columns };
}

/**
 * log1p of every (non-negative) count and duration: system metrics span orders of magnitude (1 syscall vs
 * 10^6), and on a linear scale one busy process hides every other anomaly from distance-based detectors.
 */
export function logScale(m: Matrix): Matrix {
  const data = new Float64Array(m.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = m.data[i]!;
    data[i] = v >= 0 ? Math.log1p(v) : -Math.log1p(-v);
  }
  return { ...m, data };
}

/**
 * The smallest amount of a feature worth noticing, per second (history mode's scale): a deviation far below it
 * (a mostly idle process using 2 ms of CPU once) is noise, however many times its idle baseline it is. Matched on
 * the name, whose suffix carries the unit.
 */
export function resolutionOf(feature: string): number {
  if (feature === "idle") return 1; // a 0/1 state
  if (/latency_ns$|_mean_ns$|_max_ns$/.test(feature)) return 1e5; // 100 µs per call
  if (/_ns$/.test(feature)) return 1e7; // 10 ms per second: 1 % of a CPU
  if (/rss|swap|shmem/.test(feature)) return 2 ** 20; // 1 MiB resident
  if (/_bytes$/.test(feature)) return 1e4; // 10 kB per second
  if (/_rate$/.test(feature)) return 0.01; // one percentage point
  if (/^(forks|execs|exits)$|errors$|retransmits$|tcp_/.test(feature)) return 1; // rare events count singly
  if (/page_faults$|rss_updates$/.test(feature)) return 100;
  return 10; // calls, switches, migrations per second
}

/** log1p(x / resolution) per feature (per-second resolutions times the window): history mode's scale. */
export function resolutionScale(m: Matrix, windowS: number): { X: Matrix; res: Float64Array } {
  const res = Float64Array.from(m.columns, (c) => {
    const r = resolutionOf(c);
    // Gauges, rates and per-call latencies do not grow with the window; sums do.
    return /rss|swap|shmem|_rate$|latency_ns$|_mean_ns$|_max_ns$|^idle$/.test(c) ? r : r * windowS;
  });
  const data = new Float64Array(m.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = m.data[i]! / res[i % m.cols]!;
    data[i] = v >= 0 ? Math.log1p(v) : -Math.log1p(-v);
  }
  return { X: { ...m, data }, res };
}

/** The inverse of resolutionScale for one value of feature j. */
export function unscale(v: number, res: number): number {
  return res * (v >= 0 ? Math.expm1(v) : -Math.expm1(-v));
}
