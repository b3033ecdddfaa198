// Streaming robust z-scores: each (process, metric) series is compared, interval by interval, with the median and
// MAD of its own recent past; a value far from both raises an alert naming the metrics that drove it.

import { METRIC_FLOOR } from "./interval-series.js";
import { SeriesDetector, SeriesScore } from "./series-detector.js";

export interface StreamingZscoreOptions {
  /** Intervals of history each series keeps (default 30). */
  history?: number;
  /** Intervals a series needs before it can alert (default 5). */
  warmup?: number;
  /** |robust z| that raises an alert (default 8). */
  threshold?: number;
  /**
   * Smallest spread assumed, as a fraction of the median (default 0.1): a series that never moved does not alert
   * on a change of a few percent.
   */
  relativeFloor?: number;
  /** Alert only on a value beyond the history's range as well (default true; see the class). */
  beyondRange?: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * z = 0.6745 × (x − median) / max(MAD, relativeFloor × |median|, a floor per metric: 100 syscalls, 10 ms on-CPU,
 * 2 forks) over the series' last `history` intervals, once it has `warmup` of them. With `beyondRange` (default)
 * x must also lie outside everything the history holds: a series idle most of the time but with periodic bursts
 * (a batch job) has a MAD of 0, and without it every burst would be an anomaly. A known process's new metric starts
 * from zeros; a process too new for a past of its own is compared with what the established ones did lately
 * (SeriesDetector's newcomer rule); the machine-wide series ("system") sees the total.
 * @example capture({ ..., online: [new StreamingZscore()], onAlert: (a) => console.log(a.message) })
 */
export class StreamingZscore extends SeriesDetector<number[]> {
  readonly name = "zscore";
  readonly opts: Required<StreamingZscoreOptions>;

  constructor(opts: StreamingZscoreOptions = {}) {
    const o = {
      history: opts.history ?? 30,
      warmup: opts.warmup ?? 5,
      threshold: opts.threshold ?? 8,
      relativeFloor: opts.relativeFloor ?? 0.1,
      beyondRange: opts.beyondRange ?? true,
    };
    // a series all zeros for a whole history is forgotten
    super(o.threshold, o.warmup, o.history);
    this.opts = o;
  }

  protected create(): number[] {
    return [];
  }

  protected step(values: number[], x: number, metric: string): SeriesScore | undefined {
    const { history, warmup, relativeFloor, beyondRange } = this.opts;
    let out: SeriesScore | undefined;
    if (values.length >= warmup) {
      const med = median(values);
      const mad = median(values.map((v) => Math.abs(v - med)));
      const spread = Math.max(mad, relativeFloor * Math.abs(med), METRIC_FLOOR[metric] ?? 1);
      const z = (0.6745 * (x - med)) / spread;
      const outside = !beyondRange || (z > 0 ? x > Math.max(...values) : x < Math.min(...values));
      out = { score: outside ? z : 0, expected: med };
    }
    values.push(x);
    if (values.length > history) values.shift();
    return out;
  }
}
