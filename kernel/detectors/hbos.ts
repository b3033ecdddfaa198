// HBOS (Goldstein & Dengel 2012): per-feature histograms, score = Σ −log(density + α), as PyOD's HBOS (static bins).

import { OptionError } from "../errors.js";
import { BaseDetector, CommonOptions } from "./detector.js";
import type { Contributions, Explainable } from "./contributions.js";
import { Matrix, MatrixInput, toMatrix } from "./matrix.js";

export interface HbosOptions extends CommonOptions {
  /** Equal-width bins per feature (default 10). */
  bins?: number;
  /** Added to every density so empty bins give a finite score (default 0.1). */
  alpha?: number;
  /** A value outside the fitted range by at most tol × bin width counts in the edge bin (default 0.5). */
  tol?: number;
}

/**
 * Histogram-based outlier score: features are treated as independent, so it is fast (two passes) and explains
 * itself per feature, but it misses anomalies that only show in combinations of features.
 */
export class Hbos extends BaseDetector implements Explainable {
  readonly name = "hbos";
  readonly bins: number;
  readonly alpha: number;
  readonly tol: number;
  lo: Float64Array = new Float64Array(0);
  width: Float64Array = new Float64Array(0);
  /** density[j * bins + b]: histogram density (count / (n · width)) of bin b of feature j. */
  density: Float64Array = new Float64Array(0);

  constructor(opts: HbosOptions = {}) {
    super(opts);
    this.bins = opts.bins ?? 10;
    this.alpha = opts.alpha ?? 0.1;
    this.tol = opts.tol ?? 0.5;
    if (!Number.isInteger(this.bins) || this.bins < 2) {
      throw new OptionError(`hbos: bins must be an integer ≥ 2, got ${opts.bins}`, "use 10, or about √n for large n");
    }
  }

  protected fitMatrix(m: Matrix): void {
    const { rows: n, cols: d, data } = m;
    const B = this.bins;
    const lo = new Float64Array(d).fill(Infinity);
    const hi = new Float64Array(d).fill(-Infinity);
    for (let r = 0, k = 0; r < n; r++) {
      for (let j = 0; j < d; j++, k++) {
        const v = data[k]!;
        if (v < lo[j]!) lo[j] = v;
        if (v > hi[j]!) hi[j] = v;
      }
    }
    const width = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      // numpy.histogram widens a zero range to [v − 0.5, v + 0.5].
      if (hi[j] === lo[j]) {
        lo[j] = lo[j]! - 0.5;
        hi[j] = hi[j]! + 0.5;
      }
      width[j] = (hi[j]! - lo[j]!) / B;
    }
    const density = new Float64Array(d * B);
    for (let r = 0, k = 0; r < n; r++) {
      for (let j = 0; j < d; j++, k++) density[j * B + Math.min(B - 1, Math.floor((data[k]! - lo[j]!) / width[j]!))]!++;
    }
    for (let j = 0; j < d; j++) for (let b = 0; b < B; b++) density[j * B + b]! /= n * width[j]!;
    this.lo = lo;
    this.width = width;
    this.density = density;
  }

  /** −log(density + α) of one feature value: the per-feature term of the score. */
  featureScore(j: number, v: number): number {
    const B = this.bins;
    const w = this.width[j]!;
    let b = Math.floor((v - this.lo[j]!) / w);
    if (b === B && v <= this.lo[j]! + B * w) b = B - 1; // the top edge belongs to the last bin
    if (b < 0) b = this.lo[j]! - v <= this.tol * w ? 0 : -1;
    else if (b >= B) b = v - (this.lo[j]! + B * w) <= this.tol * w ? B - 1 : -1;
    const dens = b < 0 ? 0 : this.density[j * B + b]!;
    return -Math.log(dens + this.alpha);
  }

  /** −log(density + α) per feature: the terms the score sums. */
  contributions(X: MatrixInput, row: number): Contributions {
    const m = this.checked(toMatrix(X));
    return {
      values: Float64Array.from(m.columns, (_, j) => this.featureScore(j, m.data[row * m.cols + j]!)),
      combine: "sum",
      method: "−log(histogram density + α) of the feature",
    };
  }

  protected scoreMatrix(m: Matrix): Float64Array {
    const out = new Float64Array(m.rows);
    for (let r = 0, k = 0; r < m.rows; r++) {
      let s = 0;
      for (let j = 0; j < m.cols; j++, k++) s += this.featureScore(j, m.data[k]!);
      out[r] = s;
    }
    return out;
  }
}
