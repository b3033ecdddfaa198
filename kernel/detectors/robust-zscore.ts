// Robust z-score detector: distance of each feature from its median in units of the (scaled) MAD.

import { OptionError } from "../errors.js";
import { BaseDetector, CommonOptions, median } from "./detector.js";
import type { Contributions, Explainable } from "./contributions.js";
import { columnOf, Matrix, MatrixInput, toMatrix } from "./matrix.js";

export interface RobustZscoreOptions extends CommonOptions {
  /** How per-feature |z| combine into a row score: "max" (default, one extreme feature suffices) or "mean". */
  aggregate?: "max" | "mean";
  /**
   * Smallest scale: with it, a column constant in the fitting rows is scaled by it instead of refused (novelty
   * detection: a value never seen in the baseline is news, measured in these units). Default: none (refuse).
   */
  minScale?: number;
}

/**
 * Per feature z = (x − median) / (1.4826 · MAD), which equals the ordinary z-score for normal data but is not pulled
 * by the anomalies themselves. When more than half the values are equal (MAD = 0, common for error counts) the scale
 * falls back to 1.2533 · mean absolute deviation from the median (the same normal-consistency idea); a column with
 * no spread at all is refused (DetectorInputError) since it cannot be scaled.
 */
export class RobustZscore extends BaseDetector implements Explainable {
  readonly name = "zscore";
  readonly aggregate: "max" | "mean";
  readonly minScale: number;
  center: Float64Array = new Float64Array(0);
  scale: Float64Array = new Float64Array(0);
  protected override needsScale: boolean;
  protected override minRows = 2;

  constructor(opts: RobustZscoreOptions = {}) {
    super(opts);
    this.aggregate = opts.aggregate ?? "max";
    this.minScale = opts.minScale ?? 0;
    this.needsScale = this.minScale <= 0;
    if (this.aggregate !== "max" && this.aggregate !== "mean") {
      throw new OptionError(`zscore: aggregate must be "max" or "mean", got ${String(opts.aggregate)}`, 'use "max"');
    }
  }

  protected fitMatrix(m: Matrix): void {
    this.center = new Float64Array(m.cols);
    this.scale = new Float64Array(m.cols);
    for (let j = 0; j < m.cols; j++) {
      const col = columnOf(m, j);
      const med = median(col);
      const dev = col.map((v) => Math.abs(v - med));
      let s = 1.4826 * median(dev);
      if (s === 0) s = (1.2533 * dev.reduce((a, b) => a + b, 0)) / dev.length;
      s = Math.max(s, this.minScale);
      this.center[j] = med;
      this.scale[j] = s;
    }
  }

  /** |z| per feature of one row, for explanations. */
  zOf(m: Matrix, row: number): Float64Array {
    this.checked(m);
    const out = new Float64Array(m.cols);
    for (let j = 0; j < m.cols; j++) out[j] = Math.abs(m.data[row * m.cols + j]! - this.center[j]!) / this.scale[j]!;
    return out;
  }

  /** |z| per feature (the score is the largest) or |z|/d (the score is their sum) with aggregate "mean". */
  contributions(X: MatrixInput, row: number): Contributions {
    const z = this.zOf(toMatrix(X), row);
    if (this.aggregate === "max")
      return { values: z, combine: "max", method: "|robust z| of the feature (score = the largest)" };
    return { values: z.map((v) => v / z.length), combine: "sum", method: "|robust z| / features (score = their sum)" };
  }

  protected scoreMatrix(m: Matrix): Float64Array {
    const { rows, cols, data } = m;
    const out = new Float64Array(rows);
    const max = this.aggregate === "max";
    for (let r = 0, k = 0; r < rows; r++) {
      let acc = 0;
      for (let j = 0; j < cols; j++, k++) {
        const z = Math.abs(data[k]! - this.center[j]!) / this.scale[j]!;
        acc = max ? Math.max(acc, z) : acc + z;
      }
      out[r] = max ? acc : acc / cols;
    }
    return out;
  }
}
