// Streaming robust z-scores: each (process, metric) series is compared, interval by interval, with the median and
// MAD of its own recent past; a value far from both raises an alert naming the metrics that drove it.

import type { Alert, AlertDriver, IntervalInput, OnlineDetector } from "./alert.js";
import { driverText } from "./alert.js";
import { intervalPoint } from "./interval-series.js";

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
}

interface Series {
  values: number[];
  /** Intervals seen (the series is 0 in intervals where the entity had no row). */
  seen: number;
}

/** The smallest spread assumed per metric, so that noise on a near-idle series is not an anomaly. */
const ABSOLUTE_FLOOR: Record<string, number> = { syscalls: 100, oncpu_ns: 10_000_000, forks: 2 };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * z = 0.6745 × (x − median) / max(MAD, relativeFloor × |median|, a floor per metric: 100 syscalls, 10 ms on-CPU,
 * 2 forks) over the series' last `history` intervals, once it has `warmup` of them. A process must have a past of
 * its own to be unusual; the machine-wide series ("system") catches what appears with a burst.
 * @example capture({ ..., online: [new StreamingZscore()], onAlert: (a) => console.log(a.message) })
 */
export class StreamingZscore implements OnlineDetector {
  readonly name = "zscore";
  readonly opts: Required<StreamingZscoreOptions>;
  private series = new Map<string, Series>();
  private intervals = 0;

  constructor(opts: StreamingZscoreOptions = {}) {
    this.opts = {
      history: opts.history ?? 30,
      warmup: opts.warmup ?? 5,
      threshold: opts.threshold ?? 8,
      relativeFloor: opts.relativeFloor ?? 0.1,
    };
  }

  update(p: IntervalInput, interval: number): Alert[] {
    const point = intervalPoint(p.chunk);
    const alerts: Alert[] = [];
    const { history, warmup, threshold, relativeFloor } = this.opts;
    // every series known so far gets this interval's value (0 when the entity had no row)
    const keys = new Set<string>(this.series.keys());
    for (const [e, v] of point.entities) for (const m of Object.keys(v.values)) keys.add(`${e}\u0000${m}`);
    const drivers = new Map<string, AlertDriver[]>();
    for (const key of keys) {
      const [e, metric] = key.split("\u0000") as [string, string];
      const x = point.entities.get(e)?.values[metric] ?? 0;
      let s = this.series.get(key);
      if (!s) {
        // a new series warms up like any other: a process cannot be unusual before it has a past (a burst of new
        // processes shows in the machine-wide series)
        s = { values: [], seen: 0 };
        this.series.set(key, s);
      }
      if (s.seen >= warmup) {
        const med = median(s.values);
        const mad = median(s.values.map((v) => Math.abs(v - med)));
        const spread = Math.max(mad, relativeFloor * Math.abs(med), ABSOLUTE_FLOOR[metric] ?? 1);
        const z = (0.6745 * (x - med)) / spread;
        if (Math.abs(z) > threshold) {
          const list = drivers.get(e) ?? [];
          list.push({ metric, value: x, expected: med, score: z });
          drivers.set(e, list);
        }
      }
      s.values.push(x);
      if (s.values.length > history) s.values.shift();
      s.seen++;
      // a series that has been all zeros for a whole history (a process gone) is forgotten: memory stays bounded
      if (x === 0 && s.values.length === history && s.values.every((v) => v === 0)) this.series.delete(key);
    }
    this.intervals++;
    for (const [e, list] of drivers) {
      list.sort((a, b) => Math.abs(b.score) - Math.abs(a.score));
      const ent = point.entities.get(e);
      const [comm, pid] = e === "system" ? ["system", 0] : [ent?.comm ?? e.replace(/ \d+$/, ""), ent?.pid ?? 0];
      const top = list[0]!;
      alerts.push({
        t_s: p.elapsedMs / 1000,
        interval,
        detector: this.name,
        entity: comm,
        pid,
        score: Math.abs(top.score),
        threshold,
        drivers: list,
        message: `${comm}${pid ? ` (${pid})` : ""}: ${list.map(driverText).join(", ")}`,
      });
    }
    return alerts;
  }
}
