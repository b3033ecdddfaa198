// Explanations: the features that drive one row's score, as plain data (columns + contributions) ready to plot.

import { OptionError } from "../errors.js";
import type { Detector } from "./detector.js";
import { Ecod } from "./ecod.js";
import { Hbos } from "./hbos.js";
import { iforestAttribution } from "./iforest-explain.js";
import { IsolationForest } from "./isolation-forest.js";
import { MatrixInput, toMatrix } from "./matrix.js";
import { Pca } from "./pca.js";
import { RobustZscore } from "./robust-zscore.js";

export interface Explanation {
  detector: string;
  row: number;
  score: number;
  columns: readonly string[];
  /** Per-feature contribution, in the detector's own units (see `method`); larger = drives the score more. */
  contribution: Float64Array;
  /** |contribution| / Σ|contribution|: shares summing to 1, comparable across detectors. */
  share: Float64Array;
  /** What `contribution` is. */
  method: string;
}

/**
 * Per-feature contributions to the score of row `row` of X for a fitted detector: PCA → squared residual per
 * standardised feature (sums to SPE; T² contributions when it scores T²); isolation forest → depth-weighted split
 * attribution (iforestAttribution); zscore → |z|; HBOS → −log(density + α); ECOD → tail score. kNN, LOF and the
 * time-series detectors have no per-feature decomposition and throw OptionError.
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
  const one = { data: m.data.subarray(row * m.cols, (row + 1) * m.cols), rows: 1, cols: m.cols, columns: m.columns };
  const score = det.score(one)[0]!;
  let contribution: Float64Array;
  let method: string;
  if (det instanceof Pca) {
    const c = det.contributions(m, row);
    const kind = det.options.score;
    contribution = c[kind];
    method =
      kind === "t2"
        ? "Hotelling T² contribution (t_i/λ_i)·v_ij·z_j"
        : kind === "spe"
          ? "squared reconstruction residual of the standardised feature"
          : "Σ_i (z_j − v_ij)² / (‖z − v_i‖ r_i): each axis distance split by squared coordinates";
  } else if (det instanceof IsolationForest) {
    contribution = iforestAttribution(det, m, row).weight;
    method = "mean over trees of Σ 1/path-length over the path's splits on the feature";
  } else if (det instanceof RobustZscore) {
    contribution = det.zOf(m, row);
    method = "|robust z| of the feature";
  } else if (det instanceof Hbos) {
    contribution = Float64Array.from(m.columns, (_, j) => det.featureScore(j, m.data[row * m.cols + j]!));
    method = "−log(histogram density + α) of the feature";
  } else if (det instanceof Ecod) {
    contribution = det.featureScores(m, row);
    method = "ECOD tail score −log(tail probability) of the feature";
  } else {
    throw new OptionError(
      `explain: ${det.name} has no per-feature decomposition of its score`,
      "explain with pca, iforest, zscore, hbos or ecod fitted on the same matrix",
    );
  }
  let total = 0;
  for (const v of contribution) total += Math.abs(v);
  const share = Float64Array.from(contribution, (v) => (total > 0 ? Math.abs(v) / total : 0));
  return { detector: det.name, row, score, columns: m.columns, contribution, share, method };
}

/** The `n` features with the largest contribution, largest first. */
export function topFeatures(e: Explanation, n = 5): { feature: string; contribution: number; share: number }[] {
  return [...e.columns.keys()]
    .sort((a, b) => Math.abs(e.contribution[b]!) - Math.abs(e.contribution[a]!))
    .slice(0, n)
    .map((j) => ({ feature: e.columns[j]!, contribution: e.contribution[j]!, share: e.share[j]! }));
}
