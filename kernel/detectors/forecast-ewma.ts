// Forecast-residual detector for time series: an EWMA level (plus an optional seasonal profile) predicts each
// value from the past; the score is the standardised residual. Rows must be in time order.

import { OptionError } from "../errors.js";
import { BaseDetector, CommonOptions } from "./detector.js";
import type { Contributions, Explainable } from "./contributions.js";
import { columnOf, Matrix, MatrixInput, toMatrix } from "./matrix.js";
import { EwmaLevel } from "./ewma-level.js";

export interface ForecastEwmaOptions extends CommonOptions {
  /** Smoothing of the level, in (0, 1]: larger follows the series faster (default 0.3). */
  alpha?: number;
  /** Seasonal period in rows (e.g. 288 for daily seasonality at 5-minute steps); omit for none. */
  period?: number;
  /** Smoothing of the seasonal profile, in (0, 1] (default 0.1). */
  gamma?: number;
}

/**
 * Expects a 1-D series or a matrix whose rows are ordered by time (one column per metric). For each column the
 * one-step forecast is level + season[t mod period], updated after each value (Holt–Winters without trend); the
 * residual is scaled by 1.4826 · MAD of the training residuals, and a row's score is the root-sum-square of its
 * columns' scaled residuals. The first row has no forecast and scores 0. `score` restarts the recursion at the
 * first row given, so score the whole series (or a stretch long enough to warm up).
 */
export class ForecastEwma extends BaseDetector implements Explainable {
  readonly name = "forecast-ewma";
  readonly alpha: number;
  readonly period: number;
  readonly gamma: number;
  /** Residual scale per column, from fit. */
  residualScale: Float64Array = new Float64Array(0);
  protected override minRows = 3;

  constructor(opts: ForecastEwmaOptions = {}) {
    super(opts);
    this.alpha = opts.alpha ?? 0.3;
    this.period = opts.period ?? 0;
    this.gamma = opts.gamma ?? 0.1;
    if (!(this.alpha > 0 && this.alpha <= 1) || !(this.gamma > 0 && this.gamma <= 1)) {
      throw new OptionError(
        `forecast-ewma: alpha and gamma must be in (0, 1], got ${opts.alpha}, ${opts.gamma}`,
        "use alpha 0.3 and gamma 0.1",
      );
    }
    if (!Number.isInteger(this.period) || this.period < 0 || this.period === 1) {
      throw new OptionError(
        `forecast-ewma: period must be an integer ≥ 2 (rows per season), got ${opts.period}`,
        "omit it for no seasonality",
      );
    }
  }

  /** One-step-ahead residuals x_t − forecast_t of one series (residual 0 at t = 0). */
  residuals(x: Float64Array): Float64Array {
    const rec = new EwmaLevel(this.alpha, this.period, this.gamma);
    return Float64Array.from(x, (v) => rec.push(v));
  }

  protected fitMatrix(m: Matrix): void {
    this.residualScale = new Float64Array(m.cols);
    for (let j = 0; j < m.cols; j++) {
      const res = this.residuals(columnOf(m, j)).subarray(1);
      const abs = Float64Array.from(res, Math.abs).sort();
      let s = 1.4826 * abs[abs.length >> 1]!;
      if (!(s > 0)) s = abs.reduce((a, b) => a + b, 0) / abs.length || 1;
      this.residualScale[j] = s;
    }
  }

  /**
   * (scaled residual)² / score per column at row `row` of the series X (the recursion runs from X's first row, as
   * score does), so the values sum to the row's root-sum-square score.
   */
  contributions(X: MatrixInput, row: number): Contributions {
    const m = this.checked(toMatrix(X));
    const sq = Float64Array.from(
      m.columns,
      (_, j) => (this.residuals(columnOf(m, j))[row]! / this.residualScale[j]!) ** 2,
    );
    const score = Math.sqrt(sq.reduce((a, b) => a + b, 0));
    return {
      values: sq.map((v) => (score > 0 ? v / score : 0)),
      combine: "sum",
      method: "(forecast residual / its scale)² ÷ score",
    };
  }

  protected scoreMatrix(m: Matrix): Float64Array {
    const out = new Float64Array(m.rows);
    for (let j = 0; j < m.cols; j++) {
      const res = this.residuals(columnOf(m, j));
      const s = this.residualScale[j]!;
      for (let t = 0; t < m.rows; t++) out[t]! += (res[t]! / s) ** 2;
    }
    for (let t = 0; t < m.rows; t++) out[t] = Math.sqrt(out[t]!);
    return out;
  }
}
