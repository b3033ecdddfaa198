// The one interface every detector implements, and the base class that does its input checks and thresholds.

import { DetectorInputError, OptionError } from "../errors.js";
import { checkSameColumns, Matrix, MatrixInput, rejectConstantColumns, toMatrix, validateMatrix } from "./matrix.js";

/** How `predict` turns scores into flags: the top `contamination` fraction of the training scores, or a fixed score. */
export type PredictOptions = { contamination: number } | { threshold: number };

/**
 * An anomaly detector. `fit` learns from rows (unsupervised), `score` returns one value per row, higher = more
 * anomalous, and `predict` flags rows. Given the same `seed` and data, every result is identical.
 */
export interface Detector {
  /** Registry name ("iforest", "pca", ...). */
  readonly name: string;
  readonly seed: number;
  /** Feature names the detector was fitted with (empty before fit). */
  readonly columns: readonly string[];
  fit(X: MatrixInput): this;
  score(X: MatrixInput): Float64Array;
  /** 1 = anomaly, 0 = normal, per row of X. */
  predict(X: MatrixInput, opts: PredictOptions): Uint8Array;
  /** The score at or above which a row is flagged for this contamination (from the training rows' scores). */
  threshold(contamination: number): number;
}

/** Options every detector takes. */
export interface CommonOptions {
  /** Seed of the detector's random choices (default 0). */
  seed?: number;
}

/**
 * Shared behaviour: validates input (finite, enough rows, same columns as fit), keeps a reference to the
 * training matrix (no copy) to derive contamination thresholds the way scikit-learn does, from training scores.
 */
export abstract class BaseDetector implements Detector {
  abstract readonly name: string;
  readonly seed: number;
  columns: readonly string[] = [];
  /** Fewest rows `fit` accepts. */
  protected minRows = 1;
  /** Whether the detector divides by a column's spread, and so refuses constant columns. */
  protected needsScale = false;
  protected train?: Matrix;
  private trainScores?: Float64Array;

  constructor(opts: CommonOptions = {}) {
    this.seed = opts.seed ?? 0;
  }

  fit(X: MatrixInput): this {
    const m = toMatrix(X);
    validateMatrix(m, this.name, this.minRows);
    if (this.needsScale) rejectConstantColumns(m, this.name);
    this.fitMatrix(m);
    this.columns = [...m.columns];
    this.train = m;
    this.trainScores = undefined;
    return this;
  }

  score(X: MatrixInput): Float64Array {
    const m = this.checked(X);
    return this.scoreMatrix(m);
  }

  predict(X: MatrixInput, opts: PredictOptions): Uint8Array {
    const t = "threshold" in opts ? opts.threshold : this.threshold(opts.contamination);
    const s = this.score(X);
    const out = new Uint8Array(s.length);
    // Strictly above, as scikit-learn flags score_samples < offset_: ties with the cut stay normal.
    for (let i = 0; i < s.length; i++) out[i] = s[i]! > t ? 1 : 0;
    return out;
  }

  threshold(contamination: number): number {
    if (!(contamination > 0 && contamination < 0.5 + 1e-12)) {
      throw new OptionError(
        `${this.name}: contamination must be in (0, 0.5], got ${contamination}`,
        "give the expected fraction of anomalies, e.g. 0.01 for 1 %",
      );
    }
    if (!this.train) throw this.notFitted();
    this.trainScores ??= this.scoreMatrix(this.train);
    return quantile(this.trainScores, 1 - contamination);
  }

  /** Validates X for scoring and returns it as a Matrix. */
  protected checked(X: MatrixInput): Matrix {
    if (!this.train) throw this.notFitted();
    const m = toMatrix(X);
    validateMatrix(m, this.name, 1);
    checkSameColumns(this.columns, m, this.name);
    return m;
  }

  protected notFitted(): DetectorInputError {
    return new DetectorInputError(`${this.name}: score/predict called before fit`, "call fit(X) first");
  }

  protected abstract fitMatrix(m: Matrix): void;
  protected abstract scoreMatrix(m: Matrix): Float64Array;
}

/** The q-quantile with linear interpolation between order statistics (numpy.percentile's default). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Median of a typed array (sorted copy). */
export function median(values: Float64Array): number {
  return quantile(values, 0.5);
}
