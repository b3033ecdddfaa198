// ECOD (Li et al. 2022): empirical-CDF tail probabilities per feature, combined as in PyOD's ECOD.

import { BaseDetector, CommonOptions } from "./detector.js";
import type { Contributions, Explainable } from "./contributions.js";
import { columnOf, Matrix, MatrixInput, toMatrix } from "./matrix.js";

/**
 * Per feature j: U_left = −log F_j(x), U_right = −log(1 − F_j(x⁻)), i.e. how far into the lower or upper tail of
 * the training distribution x lies; the row score sums max(U_left, U_right) over features, or U_left + U_right for
 * a feature with zero skewness (PyOD's skewness-corrected rule). Parameter-free and deterministic. A value beyond
 * every training value gets tail probability 0.5/n rather than 0 (whose log is infinite).
 */
export class Ecod extends BaseDetector implements Explainable {
  readonly name = "ecod";
  /** Sorted training values per feature. */
  sorted: Float64Array[] = [];
  /** Sign of each feature's sample skewness (−1, 0, 1). */
  skewSign = new Int8Array(0);

  constructor(opts: CommonOptions = {}) {
    super(opts);
  }

  protected fitMatrix(m: Matrix): void {
    this.sorted = [];
    this.skewSign = new Int8Array(m.cols);
    for (let j = 0; j < m.cols; j++) {
      const c = columnOf(m, j);
      let mean = 0;
      for (const v of c) mean += v;
      mean /= c.length;
      let m2 = 0;
      let m3 = 0;
      for (const v of c) {
        const e = v - mean;
        m2 += e * e;
        m3 += e * e * e;
      }
      const skew = m2 > 0 ? m3 / c.length / Math.pow(m2 / c.length, 1.5) : 0;
      this.skewSign[j] = Math.sign(skew);
      this.sorted.push(c.sort());
    }
  }

  /** Per-feature tail scores of one row (what its score sums), for explanations. */
  featureScores(m: Matrix, row: number): Float64Array {
    this.checked(m);
    const out = new Float64Array(m.cols);
    for (let j = 0; j < m.cols; j++) out[j] = this.tail(j, m.data[row * m.cols + j]!);
    return out;
  }

  /** The per-feature tail scores the row's score sums. */
  contributions(X: MatrixInput, row: number): Contributions {
    return {
      values: this.featureScores(toMatrix(X), row),
      combine: "sum",
      method: "ECOD tail score −log(tail probability) of the feature",
    };
  }

  protected scoreMatrix(m: Matrix): Float64Array {
    const out = new Float64Array(m.rows);
    for (let r = 0, k = 0; r < m.rows; r++) {
      let s = 0;
      for (let j = 0; j < m.cols; j++, k++) s += this.tail(j, m.data[k]!);
      out[r] = s;
    }
    return out;
  }

  private tail(j: number, v: number): number {
    const s = this.sorted[j]!;
    const n = s.length;
    const le = upperBound(s, v); // #train ≤ v
    const ge = n - lowerBound(s, v); // #train ≥ v
    const ul = -Math.log(Math.max(le, 0.5) / n);
    const ur = -Math.log(Math.max(ge, 0.5) / n);
    return this.skewSign[j] === 0 ? ul + ur : Math.max(ul, ur);
  }
}

function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
