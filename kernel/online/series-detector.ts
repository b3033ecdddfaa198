// What the per-series online detectors (streaming z, EWMA) share: one series per (process, metric) fed every
// interval (0 when the process had no row), new metrics of known processes started at 0, short intervals skipped,
// quiet series forgotten, one alert per process naming the metrics that drove it, and a process too new to have
// a past of its own compared with what every established process did lately.

import type { Alert, AlertDriver, IntervalInput, OnlineDetector } from "./alert.js";
import { entityAlert, IntervalClock, IntervalPoint, intervalPoint, LEVELS, METRIC_FLOOR } from "./interval-series.js";

/**
 * A newcomer (a process seen for fewer intervals than the warm-up) alerts on a metric past NEWCOMER_FACTOR times
 * the most any established process had in one interval over the last NEWCOMER_SPAN intervals (and past that
 * factor times the metric's floor): its own series would learn a storm it starts with as its normal.
 */
export const NEWCOMER_FACTOR = 2;
export const NEWCOMER_SPAN = 30;

/**
 * An established process that made no system call in an interval, where each of its last SILENCE_SPAN intervals
 * had more than SILENCE_FACTOR times the syscalls floor, alerts once for that silence (a server stopped dead):
 * its own series cannot, since a fall to zero is at most 0.6745 / relativeFloor robust z's. A process with a few
 * jobs a second has quiet intervals among its recent ones and stays below; one that exited is not silent. The
 * factor 3 was chosen on fresh tuning captures (seed 301 of every scenario kind): 10 and 5 found nothing, 3 found
 * redis-server stopped by DEBUG SLEEP at ~450 calls a second, with no more false alerts on their baselines.
 */
export const SILENCE_SPAN = 10;
export const SILENCE_FACTOR = 3;

/** A series' verdict on one value: how far from what it expected (undefined while it warms up). */
export interface SeriesScore {
  score: number;
  expected: number;
}

export abstract class SeriesDetector<S> implements OnlineDetector {
  abstract readonly name: string;
  private series = new Map<string, { state: S; zeros: number }>();
  /** Intervals each entity ("comm pid", "system") has been seen for. */
  private age = new Map<string, number>();
  private clock = new IntervalClock();
  /** "entity\u0000gauge" → its last level (toGrowth). */
  private levels = new Map<string, number>();
  /** Per metric, the most any established process had in each of the last NEWCOMER_SPAN intervals. */
  private established = new Map<string, number[]>();
  /** Per process, its system calls in each of its last SILENCE_SPAN intervals (0 once it fell silent). */
  private calls = new Map<string, number[]>();

  constructor(
    /** |score| that raises an alert. */
    readonly threshold: number,
    /** Past intervals a new metric of a known process is given as zeros (the warm-up: enough to judge it). */
    private readonly backfill: number,
    /** Intervals at 0 after which a series is forgotten (a process gone). */
    private readonly forget: number,
  ) {}

  /** A new series' state. */
  protected abstract create(metric: string): S;
  /** Scores `x` against the series' past (undefined during warm-up), then learns it. */
  protected abstract step(s: S, x: number, metric: string): SeriesScore | undefined;

  /**
   * A gauge's level becomes its growth since the process's last reported level (LEVELS): a leak is memory that
   * keeps growing, whatever the process's size. Its first level is no growth; a level not reported is unchanged.
   */
  private toGrowth(point: IntervalPoint): void {
    for (const [e, v] of point.entities) {
      for (const [gauge, growth] of Object.entries(LEVELS)) {
        const x = v.values[gauge];
        if (x === undefined) continue;
        delete v.values[gauge];
        const key = `${e}\u0000${gauge}`;
        const last = this.levels.get(key);
        this.levels.set(key, x);
        v.values[growth] = last === undefined ? 0 : Math.max(0, x - last);
      }
    }
  }

  /**
   * Drivers of the newcomers in `point` (against the established processes' recent most, NEWCOMER_FACTOR), then
   * this interval's most per metric among the established ones, for the intervals to come.
   */
  private newcomers(point: IntervalPoint, drivers: Map<string, AlertDriver[]>): void {
    const most = new Map<string, number>();
    for (const [e, v] of point.entities) {
      if (e === "system") continue;
      const newcomer = (this.age.get(e) ?? 0) < this.backfill;
      for (const [metric, x] of Object.entries(v.values)) {
        if (!newcomer) {
          most.set(metric, Math.max(most.get(metric) ?? 0, x));
          continue;
        }
        const past = this.established.get(metric);
        // without a span of established processes to compare with (a capture's first intervals), nothing is news
        if (!past || past.length < this.backfill) continue;
        const base = Math.max(...past, METRIC_FLOOR[metric] ?? 0);
        if (!(base > 0) || !(x > NEWCOMER_FACTOR * base)) continue;
        const list = drivers.get(e) ?? [];
        if (list.some((d) => d.metric === metric)) continue;
        // scaled so that the factor is the threshold: twice as far past it (in log terms) scores twice as high
        list.push({
          metric,
          value: x,
          expected: base,
          score: (this.threshold * Math.log(x / base)) / Math.log(NEWCOMER_FACTOR),
        });
        drivers.set(e, list);
      }
    }
    // an interval without an established process (a capture's first ones) says nothing of what they do
    if (most.size === 0) return;
    const metrics = new Set([...this.established.keys(), ...most.keys()]);
    for (const m of metrics) {
      const past = this.established.get(m) ?? [];
      past.push(most.get(m) ?? 0);
      if (past.length > NEWCOMER_SPAN) past.shift();
      this.established.set(m, past);
    }
  }

  /** Drivers of the established processes that fell silent this interval (SILENCE_FACTOR), then their counts. */
  private silences(p: IntervalInput, point: IntervalPoint, drivers: Map<string, AlertDriver[]>): void {
    const floor = METRIC_FLOOR["syscalls"]!;
    const exited = new Set<number>();
    const proc = p.chunk["process"];
    if (proc && proc.length && proc.has("event")) {
      const ev = proc.strings("event"),
        pid = proc.numeric("pid");
      for (let i = 0; i < proc.length; i++) if (ev[i] === "exit") exited.add(pid[i]!);
    }
    for (const e of this.age.keys()) {
      if (e === "system" || (this.age.get(e) ?? 0) < this.backfill) continue;
      const ent = point.entities.get(e);
      const x = ent?.values["syscalls"] ?? 0;
      const past = this.calls.get(e) ?? [];
      const pid = ent?.pid ?? Number(/ (\d+)$/.exec(e)?.[1] ?? 0);
      if (x === 0 && !exited.has(pid) && past.length >= SILENCE_SPAN) {
        const least = Math.min(...past);
        if (least > SILENCE_FACTOR * floor) {
          const list = drivers.get(e) ?? [];
          const score = (this.threshold * Math.log(least / floor)) / Math.log(SILENCE_FACTOR);
          list.push({ metric: "syscalls", value: 0, expected: least, score: -score });
          drivers.set(e, list);
        }
      }
      past.push(x);
      if (past.length > SILENCE_SPAN) past.shift();
      this.calls.set(e, past);
    }
  }

  /** Series tracked now (bounded by the processes active in the last `forget` intervals). */
  get size(): number {
    return this.series.size;
  }

  update(p: IntervalInput, interval: number): Alert[] {
    // a capture's last interval, cut short, has counts no full interval would: neither scored nor learnt
    if (this.clock.short(p)) return [];
    const point = intervalPoint(p.chunk, p.observer);
    this.toGrowth(point);
    const keys = new Set<string>(this.series.keys());
    for (const [e, v] of point.entities) for (const m of Object.keys(v.values)) keys.add(`${e}\u0000${m}`);
    const drivers = new Map<string, AlertDriver[]>();
    const live = new Set<string>();
    for (const key of keys) {
      const [e, metric] = key.split("\u0000") as [string, string];
      const x = point.entities.get(e)?.values[metric] ?? 0;
      let s = this.series.get(key);
      if (!s) {
        s = { state: this.create(metric), zeros: 0 };
        // a known process's first fork is news: it forked 0 times in every interval it was seen before, so the
        // series starts with those zeros instead of warming up on the storm itself (a new process has no past)
        for (let i = Math.min(this.age.get(e) ?? 0, this.backfill); i > 0; i--) this.step(s.state, 0, metric);
        this.series.set(key, s);
      }
      const v = this.step(s.state, x, metric);
      if (v && Math.abs(v.score) > this.threshold) {
        const list = drivers.get(e) ?? [];
        list.push({ metric, value: x, expected: v.expected, score: v.score });
        drivers.set(e, list);
      }
      s.zeros = x === 0 ? s.zeros + 1 : 0;
      // memory stays bounded: a series quiet for `forget` intervals (its process gone, most often) is dropped
      if (s.zeros >= this.forget) this.series.delete(key);
      else live.add(e);
    }
    this.newcomers(point, drivers);
    this.silences(p, point, drivers);
    for (const e of point.entities.keys()) this.age.set(e, (this.age.get(e) ?? 0) + 1);
    for (const e of this.age.keys()) if (!live.has(e)) this.age.delete(e);
    // bounded like the series: the levels and call counts of processes no longer tracked are dropped
    for (const key of this.levels.keys()) if (!this.age.has(key.split("\u0000")[0]!)) this.levels.delete(key);
    for (const e of this.calls.keys()) if (!this.age.has(e)) this.calls.delete(e);
    const alerts: Alert[] = [];
    for (const [e, list] of drivers) alerts.push(entityAlert(this.name, p, interval, point, e, list, this.threshold));
    return alerts;
  }
}
