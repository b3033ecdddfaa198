// The time-series block of a comparison row: VUS-PR, PA%K, event-wise metrics at an operating point, and the
// legacy point-adjusted F1, for rows that are one series or one series per entity (a capture's process windows).

import { DetectorInputError } from "../errors.js";
import { alarmsFromRows, eventMetrics, LabelledEvent } from "./event-metrics.js";
import { labelRuns, paKAuc, paKF1, vusPr } from "./range-metrics.js";

export interface TimeSeriesOptions {
  /** Start time of each row in seconds (default: row index × stepS). */
  t?: ArrayLike<number>;
  /** Length of one row's window in seconds (default: the smallest positive time step, or 1). */
  stepS?: number;
  /** The series (entity) of each row; rows of one series are ordered by `t` here, whatever their order. */
  series?: ArrayLike<string | number>;
  /** Labelled incidents (entities in `series` values); default: each run of labelled rows of a series. */
  events?: readonly LabelledEvent[];
  /** An alarm within this many seconds of an incident detects it (default 0: it must overlap). */
  toleranceS?: number;
  /** Largest VUS buffer, in rows (default: twice the median labelled run, within 1..500). */
  vusMaxBuffer?: number;
}

/** Time-series metrics of one detector's scores. */
export interface TimeSeriesMetrics {
  /** Volume under the range-based PR surface (Paparrizos et al. 2022). */
  vus_pr: number;
  /** Area under best-F1-versus-K of PA%K, K = 0..100 % (Kim et al. 2022). */
  pa_k_auc: number;
  /** Share of labelled incidents with an alarm, flagging as many rows as are labelled (the top-k by score). */
  event_recall: number;
  /** Alarms (runs of flagged rows per series) matching no incident, per hour of time outside the incidents. */
  false_alarms_per_h: number;
  /** Mean time from an incident's start to the end of its first alarm window, s (NaN when none is detected). */
  time_to_detect_s: number;
  /** LEGACY point-adjusted F1 (Xu et al. 2018): one flagged point credits a whole segment, so a random score can
   * reach a high value; kept for comparison with older papers only. */
  legacy_point_adjusted_f1: number;
}

/**
 * Computes TimeSeriesMetrics of `scores` against 0/1 `labels`. The event metrics use the operating point a user
 * who knows the contamination would pick (flag the top-k rows, k = labelled rows), the same as f1_at_contamination.
 */
export function timeSeriesMetrics(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  opts: TimeSeriesOptions,
): TimeSeriesMetrics {
  const n = labels.length;
  if (opts.t && opts.t.length !== n) {
    throw new DetectorInputError(`${opts.t.length} times for ${n} rows`, "give one time per row");
  }
  const t = opts.t ?? Float64Array.from({ length: n }, (_, i) => i * (opts.stepS ?? 1));
  const step = opts.stepS ?? smallestStep(t);
  const keys = opts.series ? Array.from(opts.series, (v) => v) : new Array<string | number>(n).fill(0);
  const ids = new Map<string | number, number>();
  const sid = Int32Array.from(keys, (k) => {
    let v = ids.get(k);
    if (v === undefined) ids.set(k, (v = ids.size));
    return v;
  });
  // Range metrics need each series contiguous and in time order.
  const order = [...Array(n).keys()].sort((a, b) => sid[a]! - sid[b]! || t[a]! - t[b]! || a - b);
  const y = Uint8Array.from(order, (i) => (labels[i]! > 0 ? 1 : 0));
  const s = Float64Array.from(order, (i) => scores[i]!);
  const series = Int32Array.from(order, (i) => sid[i]!);
  const runs = labelRuns(y, series);
  const maxBuffer = opts.vusMaxBuffer ?? Math.min(500, Math.max(1, 2 * medianOf(runs.map(([a, b]) => b - a))));
  const positives = y.reduce((a, b) => a + b, 0);
  const flagged = topK(scores, positives);
  const alarms = alarmsFromRows(t, step, flagged, { series: keys, scores });
  const events =
    opts.events ??
    runs.map(([a, b]) => ({
      start_s: t[order[a]!]!,
      end_s: t[order[b - 1]!]! + step,
      entities: [keys[order[a]!]!],
    }));
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, t[i]!);
    hi = Math.max(hi, t[i]! + step);
  }
  const ev = eventMetrics(events, alarms, { toleranceS: opts.toleranceS ?? 0, span: [lo, hi] });
  return {
    vus_pr: vusPr(y, s, { maxBuffer, series }),
    pa_k_auc: paKAuc(y, s, series).auc,
    event_recall: ev.recall,
    false_alarms_per_h: ev.falseAlarmsPerHour,
    time_to_detect_s: ev.meanTimeToDetectS,
    legacy_point_adjusted_f1: paKF1(y, s, 0, series).f1, // PA%K with K = 0 is the point adjust
  };
}

function topK(scores: ArrayLike<number>, k: number): Uint8Array {
  const order = [...Array(scores.length).keys()].sort((a, b) => scores[b]! - scores[a]! || a - b);
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < k && i < order.length; i++) out[order[i]!] = 1;
  return out;
}

function smallestStep(t: ArrayLike<number>): number {
  const s = Float64Array.from(t).sort();
  let best = Infinity;
  for (let i = 1; i < s.length; i++) if (s[i]! > s[i - 1]!) best = Math.min(best, s[i]! - s[i - 1]!);
  return Number.isFinite(best) ? best : 1;
}

function medianOf(v: number[]): number {
  if (!v.length) return 1;
  const s = [...v].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1]!;
}
