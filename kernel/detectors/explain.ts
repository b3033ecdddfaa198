// Explanations: the features that drive one row's score, as plain data (columns + contributions) ready to plot,
// from each detector's own contributions() (detectors/contributions.ts), which add up to its score.

import { OptionError } from "../errors.js";
import { canExplain } from "./contributions.js";
import type { Detector } from "./detector.js";
import { MatrixInput, toMatrix } from "./matrix.js";

export interface Explanation {
  detector: string;
  row: number;
  score: number;
  columns: readonly string[];
  /** Per-feature contribution, in the score's own units (see `method` and `combine`). */
  contribution: Float64Array;
  /**
   * Each feature's part of the score: contribution / score. With combine "sum" the shares add up to 1 (a negative
   * one lowered the score); with "max" the score is the largest contribution, whose share is 1.
   */
  share: Float64Array;
  /** How contributions make the score: "sum" (score = Σ) or "max" (score = the largest). */
  combine: "sum" | "max";
  /** What `contribution` is. */
  method: string;
}

/**
 * Per-feature contributions to the score of row `row` of X for a fitted detector that can explain itself (every
 * registered detector except LOF, whose density ratio has no per-feature split).
 *
 * @example
 *   const e = explain(forest, matrix, topRow);
 *   topFeatures(e, 5); // [{ feature: "sys_openat_count", contribution: 0.21, share: 0.34 }, ...]
 */
export function explain(det: Detector, X: MatrixInput, row: number): Explanation {
  const m = toMatrix(X);
  if (!Number.isInteger(row) || row < 0 || row >= m.rows) {
    throw new OptionError(`explain: row ${row} is outside 0..${m.rows - 1}`, "pass the index of a scored row");
  }
  if (!canExplain(det)) {
    throw new OptionError(
      `explain: ${det.name} has no per-feature decomposition of its score`,
      "explain with pca, iforest, zscore, hbos, ecod, knn, forecast-ewma or lstm fitted on the same matrix",
    );
  }
  // The time-series detectors score a row from the rows before it, and kNN leaves a training row out of its own
  // neighbours: score the whole matrix for them, as their contributions do.
  const whole = det.name === "forecast-ewma" || det.name === "lstm" || det.name === "knn";
  const one = { data: m.data.subarray(row * m.cols, (row + 1) * m.cols), rows: 1, cols: m.cols, columns: m.columns };
  const score = whole ? det.score(m)[row]! : det.score(one)[0]!;
  const c = det.contributions(m, row);
  const share = Float64Array.from(c.values, (v) => (score !== 0 ? v / score : 0));
  return {
    detector: det.name,
    row,
    score,
    columns: m.columns,
    contribution: c.values,
    share,
    combine: c.combine,
    method: c.method,
  };
}

/** The `n` features with the largest contribution, largest first. */
export function topFeatures(e: Explanation, n = 5): { feature: string; contribution: number; share: number }[] {
  return [...e.columns.keys()]
    .sort((a, b) => Math.abs(e.contribution[b]!) - Math.abs(e.contribution[a]!))
    .slice(0, n)
    .map((j) => ({ feature: e.columns[j]!, contribution: e.contribution[j]!, share: e.share[j]! }));
}
