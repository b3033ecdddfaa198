// PCA detector: standardise, keep the components explaining a variance fraction (or a count), score rows by
// squared reconstruction error (SPE/Q) or Hotelling T², and split a row's score into per-feature contributions.

import { OptionError } from "../errors.js";
import type { Contributions, Explainable } from "./contributions.js";
import { BaseDetector, CommonOptions } from "./detector.js";
import { Matrix, MatrixInput, toMatrix } from "./matrix.js";
import { standardisedCovariance } from "./covariance.js";
import { symmetricEigen } from "./eigen.js";

export type PcaScore = "pyod" | "spe" | "t2";

export interface PcaOptions extends CommonOptions {
  /**
   * Components kept: "all", an integer count, or a fraction in (0, 1): the smallest k whose components explain more
   * than that share of variance (scikit-learn's PCA(n_components=0.90) rule). Default "all" for the "pyod" score
   * (PyOD's n_components=None), 0.90 for "spe" and "t2".
   */
  components?: number | "all";
  /**
   * What `score` returns:
   * - "pyod" (default): PyOD's default PCA detector, Σ_i ‖z − v_i‖ / r_i over the kept components, the Euclidean
   *   distance of the standardised row z to each unit axis v_i divided by that axis' explained-variance ratio r_i
   *   (pyod/models/pca.py, `cdist(X, selected_components_) / selected_w_components_`), so the scores and ROC-AUCs
   *   PyOD/ADBench users know carry over (test/fixtures/pca-reference.json);
   * - "spe": squared reconstruction error (SPE, Q statistic) from the kept components;
   * - "t2": Hotelling T² in the kept space, Σ_i t_i² / λ_i (with components "all": the Mahalanobis distance²).
   */
  score?: PcaScore;
}

/** Per-feature split of one row's score; `spe`, `t2` and `pyod` each sum to that score of the row. */
export interface PcaContributions {
  columns: readonly string[];
  /** Squared residual per standardised feature. */
  spe: Float64Array;
  /** Σ_i (t_i / λ_i) v_ij z_j over kept components i: can be negative, sums to T². */
  t2: Float64Array;
  /** Σ_i (z_j − v_ij)² / (‖z − v_i‖ r_i): each axis' distance split by its squared coordinates; sums to the PyOD score. */
  pyod: Float64Array;
}

/**
 * Explained-variance ratios below this are rounding noise of any eigensolver (cardio has one at 1e-32 in LAPACK's
 * hands); PyOD divides by them as they come, which makes its score depend on that noise. bpflab divides by at least
 * this, so the result is deterministic while such an axis still dominates the sum as it does in PyOD.
 */
export const PYOD_RATIO_FLOOR = 1e-12;

/**
 * Principal-component detector, scikit-learn-equivalent to StandardScaler → PCA(components) → a score: PyOD's
 * variance-weighted axis distances (default), reconstruction error (SPE) or Hotelling T². Eigenvectors come from the
 * d×d covariance of the standardised data (one pass over the rows, then a Jacobi eigendecomposition), which is what
 * ml-pca's "covarianceMatrix" method does, without building a row-of-arrays copy of a million-row input:
 * bench/detectors.ts measured ml-pca 10–30× slower than scikit-learn at 100k–1M × 16 with ~12× the input in
 * memory, so it is not used. A constant column keeps scale 1, as StandardScaler does. Axis signs follow
 * scikit-learn 1.2's svd_flip (the training row with the largest |projection| on an axis projects positively),
 * since the PyOD score depends on them. Per-row SPE equals scikit-learn's to 1e-9 relative, and each score's
 * ROC-AUC on the public sets is within 0.01 of scikit-learn's (test/detectors/pca-reference.test.ts).
 */
export class Pca extends BaseDetector implements Explainable {
  readonly name = "pca";
  readonly options: { components: number | "all"; score: PcaScore };
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
    const score = opts.score ?? "pyod";
    this.options = { components: opts.components ?? (score === "pyod" ? "all" : 0.9), score };
    const c = this.options.components;
    if (c !== "all" && !(c > 0 && (c < 1 || Number.isInteger(c)))) {
      throw new OptionError(
        `pca: components must be "all", a fraction in (0, 1) or an integer count, got ${c}`,
        'use "all", 0.9 to keep 90 % of the variance, or a count such as 3',
      );
    }
    if (score !== "pyod" && score !== "spe" && score !== "t2") {
      throw new OptionError(
        `pca: score must be "pyod", "spe" or "t2", got ${String(score)}`,
        'use "pyod" (default, as PyOD), "spe" (reconstruction error) or "t2" (Hotelling T²)',
      );
    }
  }

  protected fitMatrix(m: Matrix): void {
    const d = m.cols;
    const { mean, scale, cov } = standardisedCovariance(m);
    const { values, vectors } = symmetricEigen(cov, d);
    for (let i = 0; i < d; i++) if (values[i]! < 0) values[i] = 0; // rounding on rank-deficient data
    const total = values.reduce((a, b) => a + b, 0);
    const ratio = values.map((v) => (total > 0 ? v / total : 0));
    const c = this.options.components;
    let k: number;
    if (c === "all") k = d;
    else if (c < 1) {
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
    if (this.options.score === "pyod") this.flipSigns(m);
  }

  /** SPE (squared reconstruction error), Hotelling T² and the PyOD score of every row. */
  scores(m: Matrix): { spe: Float64Array; t2: Float64Array; pyod: Float64Array } {
    this.checked(m);
    return { spe: this.scoreAs(m, "spe"), t2: this.scoreAs(m, "t2"), pyod: this.scoreAs(m, "pyod") };
  }

  /**
   * Per-feature contributions to row `row`: `values` sum to the score this detector returns, and `spe`, `t2` and
   * `pyod` each sum to that score of the row (PcaContributions).
   */
  contributions(X: MatrixInput, row: number): PcaContributions & Contributions {
    const m = toMatrix(X);
    this.checked(m);
    const d = m.cols;
    const z = new Float64Array(d);
    let zz = 0;
    for (let j = 0; j < d; j++) {
      z[j] = (m.data[row * d + j]! - this.mean[j]!) / this.scale[j]!;
      zz += z[j]! * z[j]!;
    }
    const recon = new Float64Array(d);
    const t2 = new Float64Array(d);
    const pyod = new Float64Array(d);
    const inv = this.inverseVariance();
    for (let i = 0; i < this.k; i++) {
      const v = this.axes.subarray(i * d, (i + 1) * d);
      let t = 0;
      for (let j = 0; j < d; j++) t += z[j]! * v[j]!;
      for (let j = 0; j < d; j++) {
        recon[j]! += t * v[j]!;
        t2[j]! += t * inv[i]! * v[j]! * z[j]!;
      }
      const dist = Math.sqrt(Math.max(0, zz - 2 * t + 1));
      if (dist > 0) {
        const w = 1 / (dist * Math.max(this.explainedVarianceRatio[i]!, PYOD_RATIO_FLOOR));
        for (let j = 0; j < d; j++) pyod[j]! += (z[j]! - v[j]!) ** 2 * w;
      }
    }
    const spe = new Float64Array(d);
    for (let j = 0; j < d; j++) spe[j] = (z[j]! - recon[j]!) ** 2;
    const kind = this.options.score;
    const method =
      kind === "t2"
        ? "Hotelling T² term (t_i/λ_i)·v_ij·z_j, summed over kept axes"
        : kind === "spe"
          ? "squared reconstruction residual of the standardised feature"
          : "Σ_i (z_j − v_ij)² / (‖z − v_i‖ r_i): each axis distance split by squared coordinates";
    return { columns: this.columns, spe, t2, pyod, values: { spe, t2, pyod }[kind], combine: "sum", method };
  }

  protected scoreMatrix(m: Matrix): Float64Array {
    return this.scoreAs(m, this.options.score);
  }

  /** 1/λ_i, or 0 for an axis whose variance is rounding noise (below 1e-12 of the largest), which T² leaves out. */
  private inverseVariance(): Float64Array {
    const top = this.explainedVariance[0] ?? 0;
    return Float64Array.from(this.explainedVariance, (l) => (l > 1e-12 * top && l > 0 ? 1 / l : 0));
  }

  private scoreAs(m: Matrix, kind: PcaScore): Float64Array {
    const { rows: n, cols: d, data } = m;
    const { mean, scale, axes, k } = this;
    const out = new Float64Array(n);
    // Scale folded into the axes: p_i = Σ_j (x_j − μ_j) · (a_ij / σ_j). Centring stays explicit so that a large
    // offset (ns counters) does not cancel against the projection.
    const w = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) w[i * d + j] = axes[i * d + j]! / scale[j]!;
    // SPE as the sum of squared projections on the discarded axes (not ‖z‖² − kept), which avoids cancellation
    // when the residual is tiny next to ‖z‖².
    const from = kind === "spe" ? k : 0;
    const to = kind === "spe" ? d : k;
    const inv = this.inverseVariance();
    const invRatio = Float64Array.from(this.explainedVarianceRatio, (r) => 1 / Math.max(r, PYOD_RATIO_FLOOR));
    const xc = new Float64Array(d);
    const p = new Float64Array(d);
    for (let r = 0, b = 0; r < n; r++, b += d) {
      let zz = 0;
      for (let j = 0; j < d; j++) {
        xc[j] = data[b + j]! - mean[j]!;
        zz += (xc[j]! / scale[j]!) ** 2;
      }
      project(xc, w, d, from, to, p);
      let s = 0;
      if (kind === "spe") for (let i = from; i < to; i++) s += p[i]! * p[i]!;
      else if (kind === "t2") for (let i = from; i < to; i++) s += p[i]! * p[i]! * inv[i]!;
      // ‖z − v_i‖² = ‖z‖² − 2 z·v_i + 1 for a unit axis v_i.
      else for (let i = from; i < to; i++) s += Math.sqrt(Math.max(0, zz - 2 * p[i]! + 1)) * invRatio[i]!;
      out[r] = s;
    }
    return out;
  }

  /**
   * scikit-learn 1.2's sign rule (svd_flip on U): each axis points so that the training row with the largest
   * |projection| on it projects positively. Only the PyOD score depends on the signs, so only it pays this pass.
   */
  private flipSigns(m: Matrix): void {
    const { rows: n, cols: d, data } = m;
    const w = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) w[i * d + j] = this.axes[i * d + j]! / this.scale[j]!;
    const best = new Float64Array(d);
    const xc = new Float64Array(d);
    const p = new Float64Array(d);
    for (let r = 0, b = 0; r < n; r++, b += d) {
      for (let j = 0; j < d; j++) xc[j] = data[b + j]! - this.mean[j]!;
      project(xc, w, d, 0, d, p);
      for (let i = 0; i < d; i++) if (Math.abs(p[i]!) > Math.abs(best[i]!)) best[i] = p[i]!;
    }
    for (let i = 0; i < d; i++)
      if (best[i]! < 0) for (let j = 0; j < d; j++) this.axes[i * d + j] = -this.axes[i * d + j]!;
  }
}

/** p[i] = Σ_j xc[j] · w[i·d + j] for i in [from, to), four axes per pass over the row (independent sums). */
function project(xc: Float64Array, w: Float64Array, d: number, from: number, to: number, p: Float64Array): void {
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
    p[i] = p0;
    p[i + 1] = p1;
    p[i + 2] = p2;
    p[i + 3] = p3;
  }
  for (; i < to; i++) {
    const a = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += xc[j]! * w[a + j]!;
    p[i] = s;
  }
}
