// Alerts of the online detectors: what fired, when, on which process, how far from normal, and why.

import type { ColumnSpec } from "../frame/frame.js";
import { Frame } from "../frame/frame.js";
import { FrameBuilder } from "../frame/frame-builder.js";

export interface AlertDriver {
  /** The metric ("syscalls", "oncpu_ns", "forks", "ngram_nll"). */
  metric: string;
  value: number;
  /** What the detector expected (the series' median, or its running mean). */
  expected: number;
  /** How unusual: a robust z-score, or a negative log-likelihood. */
  score: number;
}

export interface Alert {
  /** Seconds since the capture's start at the end of the interval that raised it. */
  t_s: number;
  interval: number;
  detector: string;
  /** The process it is about ("system" for the whole machine), and its pid (0 for system). */
  entity: string;
  pid: number;
  score: number;
  threshold: number;
  drivers: AlertDriver[];
  message: string;
}

/** What an online detector sees of each interval (a capture's or replay's progress is one). */
export interface IntervalInput {
  elapsedMs: number;
  /** The interval's new rows, per frame. */
  chunk: Record<string, Frame>;
  /**
   * The capturing bpflab process: the observer, whose drains and saves are no anomaly of the system observed.
   * The detectors leave its rows out (its own series and the machine's totals), as offline detection does.
   */
  observer?: number;
}

/** A detector that learns as intervals arrive and raises alerts as soon as one looks wrong. */
export interface OnlineDetector {
  readonly name: string;
  /** Called once per interval, in order, with that interval's progress; returns the alerts it raises. */
  update(p: IntervalInput, interval: number): Alert[];
}

/** The online detectors by name (online-registry.ts makes them): streaming robust z, EWMA forecast, n-gram. */
export type OnlineDetectorName = "zscore" | "ewma" | "ngram";

/** The options capture() and replay() take for online detection. */
export interface OnlineOptions {
  /**
   * Detectors run at every interval: instances (StreamingZscore, OnlineEwma, StreamingNgram) or names, each name
   * a new detector with its defaults; "ngram" needs syscall events (`syscalls: { events: true }`).
   */
  online?: (OnlineDetector | OnlineDetectorName)[];
  /** Called with each alert as soon as an interval raises it. */
  onAlert?: (a: Alert) => void;
}

/** The columns of the `alerts` frame. */
export const ALERT_SCHEMA: readonly ColumnSpec[] = [
  { name: "t_s", type: "f64", unit: "s", description: "end of the interval that raised the alert" },
  { name: "interval", type: "u32", description: "interval number" },
  { name: "detector", type: "str", description: "online detector" },
  { name: "entity", type: "str", description: "process name (or system)" },
  { name: "pid", type: "u32", description: "process id (0: system)" },
  { name: "score", type: "f64", description: "how unusual (robust z, NLL)" },
  { name: "threshold", type: "f64", description: "the score that raises an alert" },
  { name: "drivers", type: "str", description: "metric=value (expected ~x, score s), most unusual first" },
  { name: "message", type: "str", description: "the alert in words" },
];

/** The alerts as a frame (`alerts`), one row each. */
export function alertsFrame(alerts: readonly Alert[]): Frame {
  const b = new FrameBuilder(ALERT_SCHEMA);
  for (const a of alerts) {
    const r = b.beginRow();
    b.setNum(0, r, a.t_s);
    b.setNum(1, r, a.interval);
    b.setStr(2, r, a.detector);
    b.setStr(3, r, a.entity);
    b.setNum(4, r, a.pid);
    b.setNum(5, r, a.score);
    b.setNum(6, r, a.threshold);
    b.setStr(7, r, a.drivers.map(driverText).join("; "));
    b.setStr(8, r, a.message);
  }
  return b.finish("alerts");
}

export function driverText(d: AlertDriver): string {
  const f = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : v.toPrecision(3));
  return `${d.metric}=${f(d.value)} (expected ~${f(d.expected)}, score ${d.score.toFixed(1)})`;
}
