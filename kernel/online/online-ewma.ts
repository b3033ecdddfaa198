// Online EWMA forecasts: each (process, metric) series predicts its next interval from an exponentially weighted
// level (the offline forecaster's recursion, optionally seasonal) and an exponentially weighted residual spread;
// an interval outside the forecast band by more than k σ raises an alert naming the metrics that left it.

import { OptionError } from "../errors.js";
import { EwmaLevel } from "../detectors/ewma-level.js";
import { METRIC_FLOOR } from "./interval-series.js";
import { SeriesDetector, SeriesScore } from "./series-detector.js";

export interface OnlineEwmaOptions {
  /** Smoothing of the level, in (0, 1] (default 0.3, as the offline forecaster). */
  alpha?: number;
  /** Smoothing of the residual variance, in (0, 1] (default 0.1: about the last 10 intervals). */
  beta?: number;
  /** Seasonal period in intervals (e.g. 60 for a job every minute at 1 s intervals); omit for none. */
  period?: number;
  /** Intervals a series learns before it can alert (default 5). */
  warmup?: number;
  /** |residual| / σ that raises an alert (default 8). */
  threshold?: number;
  /** Smallest σ assumed, as a fraction of the level (default 0.1): a flat series does not alert on a few percent. */
  relativeFloor?: number;
  /** Intervals at 0 after which a series is forgotten (a process gone; default 30). */
  forget?: number;
}

interface Series {
  level: EwmaLevel;
  /** Exponentially weighted mean squared residual. */
  variance: number;
}

/** Residuals beyond this many σ move the level only as far as this (Huber's ψ). */
const CLIP = 2;

/**
 * Per series, forecast f = level (+ season), residual r = x − f and σ = max(√v, relativeFloor·|level|, a floor
 * per metric: 100 syscalls, 10 ms on-CPU, 2 forks), where v is the exponentially weighted mean of r² (weights
 * 1/n for the first 1/β values, so a young series is not stuck with its first residual). Once a series has
 * `warmup` intervals, |r|/σ > threshold alerts. After warm-up the level learns from r clipped to ±2σ (robust
 * exponential smoothing, Gelper, Fried & Croux 2010), so one burst does not drag the forecast towards it, and v
 * from r clipped to the band's edge (±threshold·σ), so a burst widens the band (the next one like it, in a series
 * of periodic bursts, is normal) without one huge value hiding everything for tens of intervals. A lasting shift
 * is absorbed over a few tens of intervals. As with the streaming z, a known process's new metric starts from
 * zeros, and a process too new for a past of its own is compared with the established ones (SeriesDetector).
 * @example capture({ ..., online: [new OnlineEwma({ period: 60 })], onAlert: (a) => console.log(a.message) })
 */
export class OnlineEwma extends SeriesDetector<Series> {
  readonly name = "ewma";
  readonly opts: Required<OnlineEwmaOptions>;

  constructor(opts: OnlineEwmaOptions = {}) {
    const o = {
      alpha: opts.alpha ?? 0.3,
      beta: opts.beta ?? 0.1,
      period: opts.period ?? 0,
      warmup: opts.warmup ?? 5,
      threshold: opts.threshold ?? 8,
      relativeFloor: opts.relativeFloor ?? 0.1,
      forget: opts.forget ?? 30,
    };
    super(o.threshold, o.warmup, o.forget);
    this.opts = o;
    const { alpha, beta, period, warmup } = o;
    if (!(alpha > 0 && alpha <= 1) || !(beta > 0 && beta <= 1))
      throw new OptionError(`ewma: alpha and beta must be in (0, 1], got ${alpha}, ${beta}`, "defaults 0.3, 0.1");
    if (!Number.isInteger(period) || period < 0 || period === 1)
      throw new OptionError(`ewma: period must be a whole number of intervals ≥ 2, got ${period}`, "omit it");
    if (!Number.isInteger(warmup) || warmup < 2)
      throw new OptionError(`ewma: warmup must be a whole number of intervals ≥ 2, got ${warmup}`, "default 5");
  }

  protected create(): Series {
    return { level: new EwmaLevel(this.opts.alpha, this.opts.period), variance: 0 };
  }

  protected step(s: Series, x: number, metric: string): SeriesScore | undefined {
    const { beta, warmup, threshold, relativeFloor } = this.opts;
    const n = s.level.count;
    const f = s.level.forecast();
    let out: SeriesScore | undefined;
    let level = x;
    let spread = x - f;
    if (n >= warmup) {
      const sigma = Math.max(
        Math.sqrt(s.variance),
        relativeFloor * Math.abs(s.level.current),
        METRIC_FLOOR[metric] ?? 1,
      );
      const z = (x - f) / sigma;
      out = { score: z, expected: f };
      level = f + Math.max(-CLIP, Math.min(CLIP, z)) * sigma;
      spread = Math.max(-threshold, Math.min(threshold, z)) * sigma;
    }
    s.level.push(level);
    if (n >= 1) s.variance += Math.max(beta, 1 / n) * (spread * spread - s.variance);
    return out;
  }
}
