// Isolation forest with scikit-learn's semantics (sklearn.ensemble.IsolationForest), stored as flat typed-array
// trees so scoring a million rows walks contiguous memory. Pairs with iforest-explain.ts (per-feature attribution).

import { OptionError } from "../errors.js";
import { BaseDetector, CommonOptions } from "./detector.js";
import { Contributions, Explainable, proportional } from "./contributions.js";
import { iforestAttribution } from "./iforest-explain.js";
import { Matrix, MatrixInput, toMatrix } from "./matrix.js";
import { Rng } from "./rng.js";

export interface IsolationForestOptions extends CommonOptions {
  /** Number of trees (default 100). */
  nEstimators?: number;
  /**
   * Rows drawn per tree: "auto" = min(256, n) (default); a number ≤ 1 is a fraction of n, a larger integer a count
   * (capped at n, as scikit-learn does).
   */
  maxSamples?: "auto" | number;
  /** Features per tree: a number ≤ 1 is a fraction of the columns (default 1.0 = all), a larger integer a count. */
  maxFeatures?: number;
  /** Draw each tree's rows with replacement (default false). */
  bootstrap?: boolean;
}

/** scikit-learn's FEATURE_THRESHOLD: a feature whose range in a node is at most this is treated as constant. */
const FEATURE_THRESHOLD = 1e-7;
const EULER_GAMMA = 0.5772156649015329;

/**
 * Average path length of an unsuccessful search in a binary search tree of n points, c(n), with the
 * harmonic-number approximation scikit-learn uses (`_average_path_length`).
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/**
 * Isolation forest (Liu, Ting & Zhou 2008) as scikit-learn builds it: each tree gets `maxSamples` rows (without
 * replacement unless `bootstrap`) and, when `maxFeatures` < 1, a random subset of features; a node splits on a
 * uniformly chosen non-constant feature at a threshold uniform between the node's min and max; trees stop at depth
 * ceil(log2(maxSamples)). A row's path length is its leaf depth plus c(rows in that leaf), and its score is
 * 2^(−mean path length / c(maxSamples)) in (0, 1]; 0.5 is scikit-learn's "auto" cut (offset −0.5).
 *
 * One difference: scikit-learn converts X to float32 before building trees; this uses the doubles as given, which
 * only matters for features whose values differ below float32 precision.
 *
 * @example
 *   const f = new IsolationForest({ seed: 1 }).fit(X);
 *   const s = f.score(X); // Float64Array, higher = more anomalous
 */
export class IsolationForest extends BaseDetector implements Explainable {
  readonly name = "iforest";
  readonly nEstimators: number;
  readonly options: Required<Omit<IsolationForestOptions, "seed">>;
  /** Rows per tree after fit (scikit-learn's max_samples_). */
  maxSamples = 0;
  /** Flat forest: node i of any tree. `feature[i]` = column index, or −1 for a leaf. */
  feature: Int32Array = new Int32Array(0);
  thresholds: Float64Array = new Float64Array(0);
  /** Index of the left child; the right child is `left[i] + 1`. */
  left: Int32Array = new Int32Array(0);
  /** For leaves: depth + c(rows in leaf), the path length a row ending there gets. */
  leafPath: Float64Array = new Float64Array(0);
  /** Node index of each tree's root. */
  roots: Int32Array = new Int32Array(0);

  constructor(opts: IsolationForestOptions = {}) {
    super(opts);
    this.options = {
      nEstimators: opts.nEstimators ?? 100,
      maxSamples: opts.maxSamples ?? "auto",
      maxFeatures: opts.maxFeatures ?? 1,
      bootstrap: opts.bootstrap ?? false,
    };
    this.nEstimators = this.options.nEstimators;
    if (!Number.isInteger(this.nEstimators) || this.nEstimators < 1) {
      throw new OptionError(`iforest: nEstimators must be an integer ≥ 1, got ${opts.nEstimators}`, "use e.g. 100");
    }
    const ms = this.options.maxSamples;
    if (ms !== "auto" && !(typeof ms === "number" && ms > 0 && (ms <= 1 || Number.isInteger(ms)))) {
      throw new OptionError(
        `iforest: maxSamples must be "auto", a fraction in (0, 1] or an integer count, got ${ms}`,
        'use "auto" (min(256, n)) unless you have a reason',
      );
    }
    const mf = this.options.maxFeatures;
    if (!(mf > 0 && (mf <= 1 || Number.isInteger(mf)))) {
      throw new OptionError(
        `iforest: maxFeatures must be a fraction in (0, 1] or an integer count, got ${mf}`,
        "use 1.0 (all features) unless you have a reason",
      );
    }
  }

  protected fitMatrix(m: Matrix): void {
    const { rows: n, cols: d, data } = m;
    const ms = this.options.maxSamples;
    const psi = ms === "auto" ? Math.min(256, n) : ms <= 1 ? Math.max(1, Math.floor(ms * n)) : Math.min(ms, n);
    const mf = this.options.maxFeatures;
    const nf = mf <= 1 ? Math.max(1, Math.floor(mf * d)) : Math.min(mf, d);
    this.maxSamples = psi;
    const maxDepth = Math.ceil(Math.log2(Math.max(psi, 2)));
    const rng = new Rng(this.seed);
    const T = this.nEstimators;
    const cap = T * (2 * psi - 1);
    const feature = new Int32Array(cap);
    const thr = new Float64Array(cap);
    const left = new Int32Array(cap);
    const leafPath = new Float64Array(cap);
    const roots = new Int32Array(T);
    // Per-tree scratch, reused: the tree's rows copied column-major (scans of one feature in a node are contiguous).
    const rowsIdx = new Int32Array(psi);
    const sub = new Float64Array(psi * nf);
    const order = new Int32Array(psi);
    const feats = new Int32Array(nf);
    const candidates = new Int32Array(nf);
    const stack = new Int32Array(4 * (2 * psi));
    let next = 0;

    for (let t = 0; t < T; t++) {
      if (nf < d) rng.sampleWithoutReplacement(d, nf, feats);
      else for (let j = 0; j < d; j++) feats[j] = j;
      if (this.options.bootstrap) for (let i = 0; i < psi; i++) rowsIdx[i] = rng.int(n);
      else rng.sampleWithoutReplacement(n, psi, rowsIdx);
      for (let i = 0; i < psi; i++) {
        const base = rowsIdx[i]! * d;
        for (let f = 0; f < nf; f++) sub[f * psi + i] = data[base + feats[f]!]!;
        order[i] = i;
      }
      roots[t] = next;
      // Depth-first with an explicit stack of (node, start, end, depth) over `order`.
      let sp = 0;
      stack[sp++] = next++;
      stack[sp++] = 0;
      stack[sp++] = psi;
      stack[sp++] = 0;
      while (sp > 0) {
        const depth = stack[--sp]!;
        const end = stack[--sp]!;
        const start = stack[--sp]!;
        const node = stack[--sp]!;
        const size = end - start;
        let split = -1;
        let lo = 0;
        let hi = 0;
        if (depth < maxDepth && size >= 2) {
          // Uniform choice among features not found constant in this node (scikit-learn's random splitter with
          // max_features=1 draws until it meets a non-constant feature).
          let nc = nf;
          for (let f = 0; f < nf; f++) candidates[f] = f;
          while (nc > 0) {
            const pick = rng.int(nc);
            const f = candidates[pick]!;
            const col = f * psi;
            lo = Infinity;
            hi = -Infinity;
            for (let i = start; i < end; i++) {
              const v = sub[col + order[i]!]!;
              if (v < lo) lo = v;
              if (v > hi) hi = v;
            }
            if (hi <= lo + FEATURE_THRESHOLD) {
              candidates[pick] = candidates[--nc]!;
              continue;
            }
            split = f;
            break;
          }
        }
        if (split < 0) {
          feature[node] = -1;
          leafPath[node] = depth + averagePathLength(size);
          continue;
        }
        let cut = lo + rng.next() * (hi - lo);
        if (cut >= hi) cut = lo; // as scikit-learn: a threshold equal to the max would leave the right side empty
        const col = split * psi;
        let i = start;
        let j = end - 1;
        while (i <= j) {
          if (sub[col + order[i]!]! <= cut) i++;
          else {
            const tmp = order[i]!;
            order[i] = order[j]!;
            order[j--] = tmp;
          }
        }
        const l = next;
        next += 2;
        feature[node] = feats[split]!;
        thr[node] = cut;
        left[node] = l;
        stack[sp++] = l + 1;
        stack[sp++] = i;
        stack[sp++] = end;
        stack[sp++] = depth + 1;
        stack[sp++] = l;
        stack[sp++] = start;
        stack[sp++] = i;
        stack[sp++] = depth + 1;
      }
    }
    this.feature = feature.slice(0, next);
    this.thresholds = thr.slice(0, next);
    this.left = left.slice(0, next);
    this.leafPath = leafPath.slice(0, next);
    this.roots = roots;
  }

  /** Mean path length E[h(x)] per row (before normalisation), the quantity the score is built from. */
  meanPathLength(m: Matrix): Float64Array {
    const { rows, cols, data } = m;
    const { feature, thresholds: thr, left, leafPath, roots } = this;
    const T = roots.length;
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      let sum = 0;
      for (let t = 0; t < T; t++) {
        let node = roots[t]!;
        let f = feature[node]!;
        // Branch-free child pick (right = left + 1): the comparison is a coin flip per node, so a branch would
        // mispredict half the time; this measured ~40 % faster on 1M rows.
        while (f >= 0) {
          node = left[node]! + +(data[base + f]! > thr[node]!);
          f = feature[node]!;
        }
        sum += leafPath[node]!;
      }
      out[r] = sum / T;
    }
    return out;
  }

  protected scoreMatrix(m: Matrix): Float64Array {
    const h = this.meanPathLength(m);
    const c = averagePathLength(this.maxSamples);
    // c(1) = 0 (a single training row): every path is 0 too, and scikit-learn's score is then 2^-0 = 1... for all
    // rows; keep that rather than dividing 0 by 0.
    for (let i = 0; i < h.length; i++) h[i] = c > 0 ? Math.pow(2, -h[i]! / c) : 1;
    return h;
  }

  /**
   * The row's score split over features in proportion to their depth-weighted splits on its paths
   * (iforestAttribution: a feature that isolates the row in few splits gets much), so the values sum to the score.
   */
  contributions(X: MatrixInput, row: number): Contributions {
    const m = this.checked(toMatrix(X));
    const score = this.scoreMatrix({ ...m, rows: 1, data: m.data.subarray(row * m.cols, (row + 1) * m.cols) })[0]!;
    return {
      values: proportional(iforestAttribution(this, m, row).weight, score),
      combine: "sum",
      method: "score shared in proportion to each feature's Σ 1/path-length over the row's splits on it",
    };
  }

  /** scikit-learn's contamination="auto" cut: rows scoring above 0.5 are anomalies. */
  override threshold(contamination?: number): number {
    return contamination === undefined ? 0.5 : super.threshold(contamination);
  }
}
