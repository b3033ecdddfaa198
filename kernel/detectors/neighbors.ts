// kNN-distance and LOF detectors: exact neighbours from a kd-tree, kept in typed arrays (n × k).

import { OptionError } from "../errors.js";
import { BaseDetector, CommonOptions } from "./detector.js";
import { KdTree } from "./kd-tree.js";
import type { Contributions, Explainable } from "./contributions.js";
import { Matrix, MatrixInput, toMatrix } from "./matrix.js";

export interface NeighborOptions extends CommonOptions {
  /** Neighbours per row (kNN default 5, LOF default 20; capped at training rows − 1). */
  k?: number;
}

/** Distances and ids of the k nearest training rows of every row of `m`, row-major n × k. */
export interface Neighbors {
  k: number;
  dist: Float64Array;
  ids: Int32Array;
}

/**
 * Neighbours of every row of `m` among the training rows. When `m` is the training matrix itself (same data
 * array), each row's own entry is left out, as scikit-learn's kneighbors() does for the fitted data.
 */
export function neighborsOf(tree: KdTree, train: Matrix, m: Matrix, k: number): Neighbors {
  const self = m.data === train.data;
  const dist = new Float64Array(m.rows * k);
  const ids = new Int32Array(m.rows * k);
  const dBuf = new Float64Array(k);
  const iBuf = new Int32Array(k);
  for (let r = 0; r < m.rows; r++) {
    tree.query(m.data, r * m.cols, k, dBuf, iBuf, self ? r : -1);
    dist.set(dBuf, r * k);
    ids.set(iBuf, r * k);
  }
  return { k, dist, ids };
}

abstract class NeighborDetector extends BaseDetector {
  readonly k: number;
  protected tree?: KdTree;
  protected kEff = 0;
  /** Neighbours of the training rows themselves (self left out), computed once. */
  private trainNb?: Neighbors;

  constructor(opts: NeighborOptions, defaultK: number, who: string) {
    super(opts);
    this.k = opts.k ?? defaultK;
    if (!Number.isInteger(this.k) || this.k < 1) {
      throw new OptionError(`${who}: k must be an integer ≥ 1, got ${opts.k}`, `use ${defaultK}`);
    }
    this.minRows = 2;
  }

  protected fitMatrix(m: Matrix): void {
    this.kEff = Math.min(this.k, m.rows - 1);
    this.tree = new KdTree(m);
    this.trainNb = undefined;
  }

  /** Neighbours of `m`'s rows among the training rows (cached when `m` is the training matrix). */
  protected neighbors(m: Matrix): Neighbors {
    const own = this.fitting ?? this.train!;
    if (m.data !== own.data) return neighborsOf(this.tree!, own, m, this.kEff);
    this.trainNb ??= neighborsOf(this.tree!, m, m, this.kEff);
    return this.trainNb;
  }

  /** The matrix being fitted, while fit runs (BaseDetector sets `train` only after fitMatrix returns). */
  protected fitting?: Matrix;
}

/**
 * kNN distance (Ramaswamy et al. 2000; PyOD's KNN with method "largest"): the distance to the k-th nearest training
 * row, or the mean over the k nearest with `method: "mean"`. Features are not scaled: standardise first if their
 * units differ.
 */
export class KnnDistance extends NeighborDetector implements Explainable {
  readonly name = "knn";
  readonly method: "largest" | "mean";

  constructor(opts: NeighborOptions & { method?: "largest" | "mean" } = {}) {
    super(opts, 5, "knn");
    this.method = opts.method ?? "largest";
    if (this.method !== "largest" && this.method !== "mean") {
      throw new OptionError(`knn: method must be "largest" or "mean", got ${String(opts.method)}`, 'use "largest"');
    }
  }

  /**
   * A Euclidean distance splits exactly over features: (x_j − n_j)² / distance, for the k-th neighbour ("largest")
   * or averaged over the k nearest ("mean"), so the values sum to the score.
   */
  contributions(X: MatrixInput, row: number): Contributions {
    const m = this.checked(toMatrix(X));
    const k = this.kEff;
    const nb = this.neighbors(m);
    const train = this.train!;
    const d = m.cols;
    const out = new Float64Array(d);
    const use = this.method === "largest" ? [k - 1] : [...Array(k).keys()];
    for (const i of use) {
      const dist = nb.dist[row * k + i]!;
      const o = nb.ids[row * k + i]! * d;
      if (dist > 0)
        for (let j = 0; j < d; j++) out[j]! += (m.data[row * d + j]! - train.data[o + j]!) ** 2 / dist / use.length;
    }
    return { values: out, combine: "sum", method: "(x_j − neighbour_j)² ÷ distance" };
  }

  protected scoreMatrix(m: Matrix): Float64Array {
    const k = this.kEff;
    const nb = this.neighbors(m);
    const out = new Float64Array(m.rows);
    for (let r = 0; r < m.rows; r++) {
      if (this.method === "largest") out[r] = nb.dist[r * k + k - 1]!;
      else {
        let s = 0;
        for (let i = 0; i < k; i++) s += nb.dist[r * k + i]!;
        out[r] = s / k;
      }
    }
    return out;
  }
}

/**
 * Local outlier factor (Breunig et al. 2000) with scikit-learn's definitions: reach-dist(a, b) = max(d(a, b),
 * k-distance(b)), lrd = 1 / (mean reach-dist + 1e-10), LOF = mean of neighbours' lrd / own lrd. Scores ≈ 1 for
 * inliers, larger for outliers (scikit-learn's −score_samples).
 */
export class Lof extends NeighborDetector {
  readonly name = "lof";
  /** k-distance and lrd of every training row, from fit. */
  private kDist: Float64Array = new Float64Array(0);
  private lrd: Float64Array = new Float64Array(0);

  constructor(opts: NeighborOptions = {}) {
    super(opts, 20, "lof");
  }

  protected override fitMatrix(m: Matrix): void {
    super.fitMatrix(m);
    const k = this.kEff;
    this.fitting = m;
    const nb = this.neighbors(m);
    this.fitting = undefined;
    this.kDist = new Float64Array(m.rows);
    for (let r = 0; r < m.rows; r++) this.kDist[r] = nb.dist[r * k + k - 1]!;
    this.lrd = this.lrdOf(nb, m.rows);
  }

  protected scoreMatrix(m: Matrix): Float64Array {
    const k = this.kEff;
    const nb = this.neighbors(m);
    const lrd = m.data === this.train!.data ? this.lrd : this.lrdOf(nb, m.rows);
    const out = new Float64Array(m.rows);
    for (let r = 0; r < m.rows; r++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += this.lrd[nb.ids[r * k + i]!]!;
      out[r] = s / k / lrd[r]!;
    }
    return out;
  }

  private lrdOf(nb: Neighbors, rows: number): Float64Array {
    const k = nb.k;
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += Math.max(nb.dist[r * k + i]!, this.kDist[nb.ids[r * k + i]!]!);
      out[r] = 1 / (s / k + 1e-10);
    }
    return out;
  }
}
