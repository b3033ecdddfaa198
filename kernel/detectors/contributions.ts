// The explanation capability a detector may have: per-feature contributions that add up to its own score (or, for a
// score that is a maximum, whose largest is the score), so a report can say how much of the score each feature is.

import type { Detector } from "./detector.js";
import type { MatrixInput } from "./matrix.js";

/** One row's score split over its features. */
export interface Contributions {
  /** Per feature, in the score's own units; with `combine: "sum"` they can be negative (e.g. Hotelling T²). */
  values: Float64Array;
  /** How the values make the score: "sum": score = Σ values; "max": score = max values. */
  combine: "sum" | "max";
  /** What a value is, in words (shown as the chart's axis). */
  method: string;
}

/** A detector that can split a row's score over its features. */
export interface Explainable {
  /** Contributions to the score of row `row` of X (fitted detector; X with the fitting columns). */
  contributions(X: MatrixInput, row: number): Contributions;
}

export function canExplain(det: Detector): det is Detector & Explainable {
  return typeof (det as Partial<Explainable>).contributions === "function";
}

/** Splits `total` over features in proportion to non-negative `weights` (all zero: evenly), so they sum to it. */
export function proportional(weights: Float64Array, total: number): Float64Array {
  let sum = 0;
  for (const w of weights) sum += w;
  return Float64Array.from(weights, (w) => (sum > 0 ? (total * w) / sum : total / weights.length));
}
