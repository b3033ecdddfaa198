// PCA detector: standardise, keep the components explaining a variance fraction (or a count), score rows by
// squared reconstruction error (SPE/Q) or Hotelling T², and split a row's score into per-feature contributions.

import { OptionError } from "../errors.js";
import { BaseDetector, CommonOptions } from "./detector.js";
import { Matrix } from "./matrix.js";
import { symmetricEigen } from "./eigen.js";

export interface PcaOptions extends CommonOptions {
  /**
   * Components kept: an integer count, or a fraction in (0, 1): the smallest k whose components explain more
   * than that share of variance (scikit-learn's PCA(n_components=0.90) rule). Default 0.90.
   */
  components?: number;
  /** What `score` returns: "spe" (squared reconstruction error, default) or "t2" (Hotelling T² in the kept space). */
  score?: "spe" | "t2";
}

/** Per-feature split of one row's score; `spe` sums to the SPE score and `t2` to the T² score. */
export interface PcaContributions {
  columns: readonly string[];
  /** Squared residual per standardised feature. */
  spe: Float64Array;
  /** Σ_i (t_i / λ_i) v_ij z_j over kept components i: can be negative, sums to T². */
  t2: Float64Array;
}

/**
 * Principal-component detector, scikit-learn-equivalent to StandardScaler → PCA(components) → squared
 * reconstruction error. Eigenvectors come from the d×d covariance of the standardised data (one pass over the rows,
 * then a Jacobi eigendecomposition), which is what ml-pca's "covarianceMatrix" method does, without building a
 * row-of-arrays copy of a million-row input: bench/detectors.ts measured ml-pca 10–30× slower than scikit-learn at
 * 100k–1M × 16 with ~12× the input in memory, so it is not used. A constant column keeps scale 1, as StandardScaler
 * does. Per-row SPE equals scikit-learn's to 1e-9 relative (test/detectors/odds.test.ts).
 */
export class Pca extends BaseDetector {
  readonly name = "pca";
  readonly options: { components: number; score: "spe" | "t2" };
  mean: Float64Array = new Float64Array(0);
  /** Population standard deviation per column (1 for a constant column). */
  scale: Float64Array = new Float64Array(0);
  /** Eigenvalues of the covariance (ddof = 1), descending. */
  explainedVariance: Float64Array = new Float64Array(0);
  explainedVarianceRatio: Float64Array = new Float64Array(0);
  /** Row i = unit principal axis i (all d of them; the first `k` are kept). */
  axes: Float64Array = new Float64Array(0);
  /** Kept components. */
  k = 0;
  protected override minRows = 2;

  constructor(opts: PcaOptions = {}) {
    super(opts);
    this.options = { components: opts.components ?? 0.9, score: opts.score ?? "spe" };
    const c = this.options.components;
    if (!(c > 0 && (c < 1 || Number.isInteger(c)))) {
      throw new OptionError(
        `pca: components must be a fraction in (0, 1) or an integer count, got ${c}`,
        "use 0.9 to keep 90 % of the variance, or a count such as 3",
      );
    }
    if (this.options.score !== "spe" && this.options.score !== "t2") {
      throw new OptionError(
        `pca: score must be "spe" or "t2", got ${String(this.options.score)}`,
        'use "spe" (default)',
      );
    }
  }

  protected fitMatrix(m: Matrix): void {
    const { rows: n, cols: d, data } = m;
    // One pass over the rows: co-moments of x − shift, with the shift = mean of the first rows, so large offsets
    // (ns counters near 1e9 with small spread) do not cancel catastrophically as raw moments would.
    const shift = new Float64Array(d);
    const head = Math.min(n, 1024);
    for (let r = 0, k = 0; r < head; r++) for (let j = 0; j < d; j++) shift[j]! += data[k++]!;
    for (let j = 0; j < d; j++) shift[j]! /= head;
    const sum = new Float64Array(d);
    const cov = new Float64Array(d * d);
    // Blocks of rows transposed to column-major, then each (i, j) co-moment as a dot product with four running sums:
    // independent add chains instead of a load-add-store on cov per row; about 2× faster than the row-wise form.
    const BS = 256;
    const col = new Float64Array(BS * d);
    for (let r0 = 0; r0 < n; r0 += BS) {
      const b = Math.min(BS, n - r0);
      for (let r = 0; r < b; r++) {
        const base = (r0 + r) * d;
        for (let j = 0; j < d; j++) {
          const v = data[base + j]! - shift[j]!;
          col[j * BS + r] = v;
          sum[j]! += v;
        }
      }
      for (let i = 0; i < d; i++) {
        const ci = i * BS;
        for (let j = i; j < d; j++) {
          const cj = j * BS;
          let a0 = 0;
          let a1 = 0;
          let a2 = 0;
          let a3 = 0;
          let r = 0;
          for (; r + 3 < b; r += 4) {
            a0 += col[ci + r]! * col[cj + r]!;
            a1 += col[ci + r + 1]! * col[cj + r + 1]!;
            a2 += col[ci + r + 2]! * col[cj + r + 2]!;
            a3 += col[ci + r + 3]! * col[cj + r + 3]!;
          }
          for (; r < b; r++) a0 += col[ci + r]! * col[cj + r]!;
          cov[i * d + j]! += a0 + a1 + a2 + a3;
        }
      }
    }
    const mean = new Float64Array(d);
    const scale = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const mu = sum[j]! / n;
      mean[j] = shift[j]! + mu;
      // Population variance, as StandardScaler; its _handle_zeros_in_scale: a (near-)zero spread means "do not scale".
      const s = Math.sqrt(Math.max(0, cov[j * d + j]! / n - mu * mu));
      scale[j] = s < 10 * Number.EPSILON * Math.max(1, Math.abs(mean[j]!)) ? 1 : s;
    }
    // Covariance of the standardised data (ddof = 1, as scikit-learn's explained_variance_).
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const mi = sum[i]! / n;
        const mj = sum[j]! / n;
        const v = (cov[i * d + j]! - n * mi * mj) / (n - 1) / (scale[i]! * scale[j]!);
        cov[i * d + j] = v;
        cov[j * d + i] = v;
      }
    }
    const { values, vectors } = symmetricEigen(cov, d);
    for (let i = 0; i < d; i++) if (values[i]! < 0) values[i] = 0; // rounding on rank-deficient data
    const total = values.reduce((a, b) => a + b, 0);
    const ratio = values.map((v) => (total > 0 ? v / total : 0));
    const c = this.options.components;
    let k: number;
    if (c < 1) {
      // np.searchsorted(cumsum, c, side="right") + 1, as scikit-learn.
      let cum = 0;
      k = 0;
      while (k < d && cum + ratio[k]! <= c) cum += ratio[k++]!;
      k = Math.min(k + 1, d);
    } else {
      if (c > d) {
        throw new OptionError(
          `pca: components = ${c} but the data has only ${d} columns`,
          `use at most ${d} components, or a variance fraction such as 0.9`,
        );
      }
      k = c;
    }
    this.mean = mean;
    this.scale = scale;
    this.explainedVariance = values;
    this.explainedVarianceRatio = ratio;
    this.axes = vectors;
    this.k = k;
  }

  /** SPE (squared reconstruction error) and Hotelling T² of every row. */
  scores(m: Matrix): { spe: Float64Array; t2: Float64Array } {
    this.checked(m);
    return this.scoreBoth(m);
  }

  /** Per-feature contributions to row `row` of `m` (see PcaContributions). */
  contributions(m: Matrix, row: number): PcaContributions {
    this.checked(m);
    const d = m.cols;
    const z = new Float64Array(d);
    for (let j = 0; j < d; j++) z[j] = (m.data[row * d + j]! - this.mean[j]!) / this.scale[j]!;
    const recon = new Float64Array(d);
    const t2 = new Float64Array(d);
    for (let i = 0; i < this.k; i++) {
      let t = 0;
      for (let j = 0; j < d; j++) t += z[j]! * this.axes[i * d + j]!;
      const lam = this.explainedVariance[i]!;
      for (let j = 0; j < d; j++) {
        recon[j]! += t * this.axes[i * d + j]!;
        if (lam > 0) t2[j]! += (t / lam) * this.axes[i * d + j]! * z[j]!;
      }
    }
    const spe = new Float64Array(d);
    for (let j = 0; j < d; j++) spe[j] = (z[j]! - recon[j]!) ** 2;
    return { columns: this.columns, spe, t2 };
  }

  protected scoreMatrix(m: Matrix): Float64Array {
    const both = this.scoreBoth(m, this.options.score);
    return this.options.score === "spe" ? both.spe : both.t2;
  }

  private scoreBoth(m: Matrix, only?: "spe" | "t2"): { spe: Float64Array; t2: Float64Array } {
    const { rows: n, cols: d, data } = m;
    const { mean, scale, axes, k, explainedVariance: lam } = this;
    const spe = new Float64Array(only === "t2" ? 0 : n);
    const t2 = new Float64Array(only === "spe" ? 0 : n);
    // Scale folded into the axes: p_i = Σ_j (x_j − μ_j) · (a_ij / σ_j). Centring stays explicit so that a large
    // offset (ns counters) does not cancel against the projection.
    const w = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) w[i * d + j] = axes[i * d + j]! / scale[j]!;
    const xc = new Float64Array(d);
    // SPE as the sum of squared projections on the discarded axes (not ‖z‖² − kept), which avoids cancellation
    // when the residual is tiny next to ‖z‖².
    const from = only === "spe" ? k : 0;
    const to = only === "t2" ? k : d;
    // Projections four axes at a time: four independent sums per pass over the row keep the FPU busy.
    const inv = Float64Array.from(lam, (l) => (l > 0 ? 1 / l : 0));
    for (let r = 0, b = 0; r < n; r++, b += d) {
      for (let j = 0; j < d; j++) xc[j] = data[b + j]! - mean[j]!;
      let q = 0;
      let t = 0;
      let i = from;
      for (; i + 3 < to; i += 4) {
        const w0 = i * d;
        const w1 = w0 + d;
        const w2 = w1 + d;
        const w3 = w2 + d;
        let p0 = 0;
        let p1 = 0;
        let p2 = 0;
        let p3 = 0;
        for (let j = 0; j < d; j++) {
          const x = xc[j]!;
          p0 += x * w[w0 + j]!;
          p1 += x * w[w1 + j]!;
          p2 += x * w[w2 + j]!;
          p3 += x * w[w3 + j]!;
        }
        if (i >= k) q += p0 * p0 + p1 * p1 + p2 * p2 + p3 * p3;
        else if (i + 3 < k)
          t += p0 * p0 * inv[i]! + p1 * p1 * inv[i + 1]! + p2 * p2 * inv[i + 2]! + p3 * p3 * inv[i + 3]!;
        else {
          const ps = [p0, p1, p2, p3];
          for (let u = 0; u < 4; u++) {
            if (i + u >= k) q += ps[u]! * ps[u]!;
            else t += ps[u]! * ps[u]! * inv[i + u]!;
          }
        }
      }
      for (; i < to; i++) {
        const a = i * d;
        let p = 0;
        for (let j = 0; j < d; j++) p += xc[j]! * w[a + j]!;
        if (i >= k) q += p * p;
        else t += p * p * inv[i]!;
      }
      if (only !== "t2") spe[r] = q;
      if (only !== "spe") t2[r] = t;
    }
    return { spe, t2 };
  }
}
