// Range-aware metrics of time-ordered scores against 0/1 labels: VUS-PR (Paparrizos et al., VLDB 2022) and PA%K
// (Kim et al., AAAI 2022), the point-adjust variant a random score cannot game. Checked against an independent numpy
// implementation (scripts/ts-metrics-reference.py → test/fixtures/ts-metrics.json).

import { DetectorInputError } from "../errors.js";

/**
 * Which series each point belongs to (e.g. one per process), for data that concatenates several series, each in
 * time order. Labelled ranges and VUS buffers never cross from one series into the next. Omit for one series.
 */
export type SeriesIds = ArrayLike<number>;

/** Runs of consecutive 1-labels as [start, end) index pairs, split where the series changes. */
export function labelRuns(
  labels: ArrayLike<number>,
  series?: SeriesIds,
  positive = (v: number) => v > 0,
): [number, number][] {
  const out: [number, number][] = [];
  const n = labels.length;
  for (let i = 0; i < n;) {
    if (!positive(labels[i]!)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && positive(labels[j]!) && (!series || series[j] === series[i])) j++;
    out.push([i, j]);
    i = j;
  }
  return out;
}

/** Start and end (exclusive) of the series each index lies in. */
function seriesBounds(n: number, series?: SeriesIds): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && series && series[j] === series[i]) j++;
    if (!series) j = n;
    lo.fill(i, i, j);
    hi.fill(j, i, j);
    i = j;
  }
  return { lo, hi };
}

/**
 * The labels with soft ramps of ⌊buffer/2⌋ points on both sides of each range (height √(1 − distance/buffer)),
 * clipped to 1 and kept inside the range's series: Paparrizos et al.'s continuous label. buffer ≤ 1 keeps them binary.
 */
export function bufferedLabels(labels: ArrayLike<number>, buffer: number, series?: SeriesIds): Float64Array {
  const n = labels.length;
  const y = Float64Array.from(labels, (v) => (v > 0 ? 1 : 0));
  if (buffer <= 1) return y;
  const slope = Math.floor(buffer / 2);
  const { lo, hi } = seriesBounds(n, series);
  const add = new Float64Array(n);
  for (const [s, end] of labelRuns(labels, series)) {
    const e = end - 1;
    for (let x = e; x < Math.min(e + slope, hi[e]!); x++) add[x]! += Math.sqrt(1 - (x - e) / buffer);
    for (let x = Math.max(s - slope, lo[s]!); x < s; x++) add[x]! += Math.sqrt(1 - (s - x) / buffer);
  }
  for (let i = 0; i < n; i++) y[i] = Math.min(1, y[i]! + add[i]!);
  return y;
}

/** The 250 thresholds of Paparrizos et al.'s code: sorted scores (descending) at evenly spaced ranks. */
function sampledThresholds(sortedDesc: Float64Array, count = 250): Float64Array {
  const n = sortedDesc.length;
  // numpy.linspace(0, n − 1, count, dtype=int): i · step, truncated, the last exactly n − 1.
  const step = (n - 1) / (count - 1);
  return Float64Array.from({ length: count }, (_, i) => sortedDesc[i === count - 1 ? n - 1 : Math.trunc(i * step)]!);
}

/**
 * Area under the range-based PR curve for one buffer length (points): recall = min(Σ y·pred / P, 1) × the share of
 * (buffered) ranges with a flagged point, precision = Σ y·pred / #flagged, P = mean of Σ labels and Σ y, over 250
 * sampled thresholds (flag score ≥ t), trapezoids from (0, 1). As aeon's range_pr_auc_score / the VUS authors' code.
 */
export function rangePrAuc(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  buffer: number,
  series?: SeriesIds,
): number {
  const order = descendingOrder(labels, scores);
  return rangePrAucSorted(labels, scores, order, buffer, series);
}

function rangePrAucSorted(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  order: Uint32Array,
  buffer: number,
  series?: SeriesIds,
): number {
  const n = labels.length;
  const y = bufferedLabels(labels, buffer, series);
  const ranges = labelRuns(y, series);
  const rangeOf = new Int32Array(n).fill(-1);
  ranges.forEach(([s, e], r) => rangeOf.fill(r, s, e));
  let sumLabels = 0;
  let sumY = 0;
  for (let i = 0; i < n; i++) {
    sumLabels += labels[i]! > 0 ? 1 : 0;
    sumY += y[i]!;
  }
  const P = (sumLabels + sumY) / 2;
  const sorted = Float64Array.from(order, (i) => scores[i]!);
  const thresholds = sampledThresholds(sorted);
  const hit = new Uint8Array(ranges.length);
  let hits = 0;
  let tp = 0;
  let flagged = 0;
  let k = 0;
  let auc = 0;
  let prevR = 0;
  let prevP = 1;
  for (const t of thresholds) {
    while (k < n && sorted[k]! >= t) {
      const i = order[k++]!;
      flagged++;
      tp += y[i]!;
      const r = rangeOf[i]!;
      if (r >= 0 && !hit[r]) {
        hit[r] = 1;
        hits++;
      }
    }
    const recall = Math.min(tp / P, 1) * (ranges.length ? hits / ranges.length : 0);
    const precision = tp / flagged;
    auc += ((recall - prevR) * (precision + prevP)) / 2;
    prevR = recall;
    prevP = precision;
  }
  return auc;
}

/**
 * VUS-PR: the mean of rangePrAuc over buffer lengths 0, 1, …, maxBuffer (points). Threshold-free and robust to
 * labels that are a little early or late, which point-wise AP is not. A constant score gets 0, as in aeon.
 * @example vusPr(labels, scores, { maxBuffer: 10 }) // 1 s windows, ramps of up to 5 s around each labelled range
 */
export function vusPr(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  opts: { maxBuffer?: number; series?: SeriesIds } = {},
): number {
  const maxBuffer = opts.maxBuffer ?? 500;
  if (!Number.isInteger(maxBuffer) || maxBuffer < 0) {
    throw new DetectorInputError(`VUS-PR: maxBuffer must be an integer ≥ 0, got ${maxBuffer}`, "use e.g. 10 points");
  }
  const order = descendingOrder(labels, scores);
  if (scores.length === 0 || scores[order[0]!] === scores[order[order.length - 1]!]) return 0;
  let sum = 0;
  for (let b = 0; b <= maxBuffer; b++) sum += rangePrAucSorted(labels, scores, order, b, opts.series);
  return sum / (maxBuffer + 1);
}

/**
 * Best F1 over thresholds under PA%K (Kim et al. 2022): a labelled segment whose flagged points are more than K % of
 * its length counts as wholly detected, otherwise only its flagged points count. K = 0 is the usual point adjust
 * (one flagged point suffices, a lenient protocol a random score can game); K = 100 is the plain point-wise F1.
 * Rows in time order (per series).
 */
export function paKF1(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  k: number,
  series?: SeriesIds,
): { f1: number; threshold: number } {
  if (!(k >= 0 && k <= 100)) throw new DetectorInputError(`PA%K: K must be in [0, 100], got ${k}`, "use e.g. 20");
  const n = labels.length;
  const order = descendingOrder(labels, scores);
  const runs = labelRuns(labels, series);
  const segOf = new Int32Array(n).fill(-1);
  runs.forEach(([s, e], r) => segOf.fill(r, s, e));
  const count = new Int32Array(runs.length);
  const adjusted = new Uint8Array(runs.length);
  let positives = 0;
  for (const [s, e] of runs) positives += e - s;
  if (positives === 0) return { f1: 0, threshold: Infinity };
  let tp = 0;
  let fp = 0;
  let best = 0;
  let at = Infinity;
  for (let q = 0; q < n; q++) {
    const i = order[q]!;
    const r = segOf[i]!;
    if (r < 0) fp++;
    else if (!adjusted[r]) {
      const len = runs[r]![1] - runs[r]![0];
      count[r]!++;
      // Strictly more than K % of the segment, as Kim et al.'s code (tadpak's pak()).
      if (count[r]! > (k / 100) * len) {
        adjusted[r] = 1;
        tp += len - (count[r]! - 1);
      } else tp++;
    }
    if (q === n - 1 || scores[order[q + 1]!] !== scores[i]) {
      const f1 = (2 * tp) / (2 * tp + fp + (positives - tp));
      if (f1 > best) {
        best = f1;
        at = scores[i]!;
      }
    }
  }
  return { f1: best, threshold: at };
}

/**
 * PA%K summarised over K: the area under best-F1-versus-K for K = 0, 10, …, 100 (trapezoids, K as a fraction), in
 * [0, 1]; `f1[i]` is the best F1 at K = 10·i. Kim et al. propose reporting this curve's area rather than one K.
 */
export function paKAuc(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  series?: SeriesIds,
): { auc: number; f1: Float64Array } {
  const f1 = Float64Array.from({ length: 11 }, (_, i) => paKF1(labels, scores, 10 * i, series).f1);
  let auc = 0;
  for (let i = 1; i < f1.length; i++) auc += (0.1 * (f1[i]! + f1[i - 1]!)) / 2;
  return { auc, f1 };
}

function descendingOrder(labels: ArrayLike<number>, scores: ArrayLike<number>): Uint32Array {
  const n = scores.length;
  if (labels.length !== n) {
    throw new DetectorInputError(`${labels.length} labels for ${n} scores`, "give one label per scored row");
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    const s = scores[i]!;
    if (s - s !== 0) throw new DetectorInputError(`score of row ${i} is ${s}`, "scores must be finite");
  }
  // Stable by index among ties, so results do not depend on the engine's sort.
  return order.sort((a, b) => scores[b]! - scores[a]! || a - b);
}
