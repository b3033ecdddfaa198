// Ranking metrics of anomaly scores against 0/1 labels, computed as scikit-learn does (roc_auc_score,
// average_precision_score, precision_recall_curve): tied scores form one threshold, so ties never help or hurt.

import { DetectorInputError } from "../errors.js";

/** Confusion counts at each distinct score, from the highest score down. */
export interface ThresholdSweep {
  /** Distinct scores, descending; a row is "flagged" at threshold i when its score ≥ thresholds[i]. */
  thresholds: Float64Array;
  /** True positives flagged at each threshold. */
  tp: Float64Array;
  /** False positives flagged at each threshold. */
  fp: Float64Array;
  positives: number;
  negatives: number;
}

/** Sorts once and accumulates tp/fp per distinct score (sklearn's `_binary_clf_curve`). */
export function thresholdSweep(labels: ArrayLike<number>, scores: ArrayLike<number>): ThresholdSweep {
  const n = scores.length;
  if (labels.length !== n) {
    throw new DetectorInputError(`${labels.length} labels for ${n} scores`, "give one label per scored row");
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    const s = scores[i]!;
    if (s - s !== 0) throw new DetectorInputError(`score of row ${i} is ${s}`, "scores must be finite");
    const y = labels[i];
    if (y !== 0 && y !== 1)
      throw new DetectorInputError(`label of row ${i} is ${y}`, "labels must be 0 (normal) or 1 (anomaly)");
  }
  order.sort((a, b) => scores[b]! - scores[a]!);
  const thresholds: number[] = [];
  const tp: number[] = [];
  const fp: number[] = [];
  let t = 0;
  let f = 0;
  for (let i = 0; i < n; i++) {
    const k = order[i]!;
    if (labels[k] === 1) t++;
    else f++;
    if (i === n - 1 || scores[order[i + 1]!] !== scores[k]) {
      thresholds.push(scores[k]!);
      tp.push(t);
      fp.push(f);
    }
  }
  return {
    thresholds: Float64Array.from(thresholds),
    tp: Float64Array.from(tp),
    fp: Float64Array.from(fp),
    positives: t,
    negatives: f,
  };
}

/** ROC curve points (fpr, tpr), starting at (0, 0), one per distinct threshold. */
export function rocCurve(sweep: ThresholdSweep): { fpr: Float64Array; tpr: Float64Array; thresholds: Float64Array } {
  const m = sweep.thresholds.length;
  const fpr = new Float64Array(m + 1);
  const tpr = new Float64Array(m + 1);
  for (let i = 0; i < m; i++) {
    fpr[i + 1] = sweep.fp[i]! / sweep.negatives;
    tpr[i + 1] = sweep.tp[i]! / sweep.positives;
  }
  const thresholds = new Float64Array(m + 1);
  thresholds[0] = Infinity;
  thresholds.set(sweep.thresholds, 1);
  return { fpr, tpr, thresholds };
}

/** Area under the ROC curve (trapezoids over distinct thresholds, as sklearn.metrics.roc_auc_score). */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const s = thresholdSweep(labels, scores);
  needBothClasses(s, "ROC-AUC");
  let area = 0;
  let px = 0;
  let py = 0;
  for (let i = 0; i < s.tp.length; i++) {
    const x = s.fp[i]! / s.negatives;
    const y = s.tp[i]! / s.positives;
    area += ((x - px) * (y + py)) / 2;
    px = x;
    py = y;
  }
  return area;
}

/**
 * Precision–recall points per distinct threshold, highest threshold first (sklearn's precision_recall_curve
 * reversed, without its final (recall 0, precision 1) point).
 */
export function prCurve(sweep: ThresholdSweep): {
  precision: Float64Array;
  recall: Float64Array;
  thresholds: Float64Array;
} {
  const m = sweep.thresholds.length;
  const precision = new Float64Array(m);
  const recall = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    precision[i] = sweep.tp[i]! / (sweep.tp[i]! + sweep.fp[i]!);
    recall[i] = sweep.positives ? sweep.tp[i]! / sweep.positives : 0;
  }
  return { precision, recall, thresholds: sweep.thresholds };
}

/** Average precision, Σ (R_i − R_{i−1}) P_i over distinct thresholds (sklearn.metrics.average_precision_score). */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const s = thresholdSweep(labels, scores);
  needBothClasses(s, "average precision", true);
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < s.tp.length; i++) {
    const recall = s.tp[i]! / s.positives;
    ap += (recall - prevRecall) * (s.tp[i]! / (s.tp[i]! + s.fp[i]!));
    prevRecall = recall;
  }
  return ap;
}

/** Best F1 over all thresholds, and the threshold reaching it (flag rows with score ≥ threshold). */
export function bestF1(sweep: ThresholdSweep): { f1: number; threshold: number } {
  let best = 0;
  let at = Infinity;
  for (let i = 0; i < sweep.tp.length; i++) {
    const f1 = (2 * sweep.tp[i]!) / (sweep.tp[i]! + sweep.fp[i]! + sweep.positives);
    if (f1 > best) {
      best = f1;
      at = sweep.thresholds[i]!;
    }
  }
  return { f1: best, threshold: at };
}

/**
 * F1 when flagging exactly as many rows as there are true anomalies (the top-k by score, k = #positives; ties at
 * the cut broken by row order), i.e. what a user who knows the contamination would get.
 */
export function f1AtContamination(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = scores.length;
  let k = 0;
  for (let i = 0; i < n; i++) k += labels[i] === 1 ? 1 : 0;
  if (k === 0) return 0;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  let tp = 0;
  for (let i = 0; i < k; i++) tp += labels[order[i]!] === 1 ? 1 : 0;
  return (2 * tp) / (2 * k); // precision = recall = tp / k
}

/**
 * Best point-adjusted F1 over thresholds (Xu et al. 2018, the usual time-series protocol): when any point of a
 * contiguous labelled segment is flagged, the whole segment counts as detected. Rows must be in time order.
 */
export function pointAdjustedF1(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
): { f1: number; threshold: number } {
  const n = scores.length;
  // A segment is detected once the threshold falls to its highest score: one event of weight = its length.
  const evScore: number[] = [];
  const evTp: number[] = [];
  let positives = 0;
  for (let i = 0; i < n;) {
    if (labels[i] === 1) {
      let j = i;
      let max = -Infinity;
      while (j < n && labels[j] === 1) max = Math.max(max, scores[j++]!);
      evScore.push(max);
      evTp.push(j - i);
      positives += j - i;
      i = j;
    } else {
      evScore.push(scores[i]!);
      evTp.push(0);
      i++;
    }
  }
  if (positives === 0) return { f1: 0, threshold: Infinity };
  const order = evScore.map((_, i) => i).sort((a, b) => evScore[b]! - evScore[a]!);
  let tp = 0;
  let fp = 0;
  let best = 0;
  let at = Infinity;
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    if (evTp[e]! > 0) tp += evTp[e]!;
    else fp++;
    const last = i === order.length - 1 || evScore[order[i + 1]!] !== evScore[e];
    if (last) {
      const f1 = (2 * tp) / (tp + fp + positives);
      if (f1 > best) {
        best = f1;
        at = evScore[e]!;
      }
    }
  }
  return { f1: best, threshold: at };
}

function needBothClasses(s: ThresholdSweep, what: string, positivesOnly = false): void {
  if (s.positives === 0 || (!positivesOnly && s.negatives === 0)) {
    throw new DetectorInputError(
      `${what} needs both normal and anomalous rows; the labels have ${s.positives} anomalies and ${s.negatives} normal rows`,
      "check the label column (1 = anomaly, 0 = normal)",
    );
  }
}
