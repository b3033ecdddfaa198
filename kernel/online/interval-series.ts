// The per-interval numbers the online detectors watch, from one interval's new rows: per process and for the
// whole system, syscalls made, on-CPU time, forks and network bytes, and per process memory growth (whichever
// collectors the capture has).

import type { Frame } from "../frame/frame.js";
import type { Alert, AlertDriver, IntervalInput } from "./alert.js";
import { driverText } from "./alert.js";

export interface IntervalPoint {
  /** "comm pid" → metric → value; "system" holds the machine's totals. */
  entities: Map<string, { comm: string; pid: number; values: Record<string, number> }>;
}

function add(
  p: IntervalPoint,
  comm: string,
  pid: number,
  metric: string,
  v: number,
  combine: (a: number, b: number) => number = (a, b) => a + b,
): void {
  const key = pid === 0 && comm === "system" ? "system" : `${comm} ${pid}`;
  let e = p.entities.get(key);
  if (!e) p.entities.set(key, (e = { comm, pid, values: {} }));
  const old = e.values[metric];
  e.values[metric] = old === undefined ? v : combine(old, v);
}

/** Sums `col` of `f` per process (and in total) into `metric`; each row counts 1 when `col` is undefined. */
function sum(p: IntervalPoint, f: Frame | undefined, metric: string, col?: string, observer?: number): void {
  if (!f || f.length === 0 || (col && !f.has(col))) return;
  const pid = f.numeric("pid");
  const comm = f.has("process") ? f.strings("process") : f.strings("comm");
  const v = col ? f.numeric(col) : undefined;
  let total = 0;
  for (let i = 0; i < f.length; i++) {
    if (pid[i] === observer) continue;
    const x = v ? v[i]! : 1;
    total += x;
    add(p, comm[i]!, pid[i]!, metric, x);
  }
  add(p, "system", 0, metric, total);
}

/** The largest value of gauge `col` per process (no machine total: levels of processes do not add up). */
function level(p: IntervalPoint, f: Frame | undefined, metric: string, col: string, observer?: number): void {
  if (!f || f.length === 0 || !f.has(col)) return;
  const pid = f.numeric("pid");
  const comm = f.has("process") ? f.strings("process") : f.strings("comm");
  const v = f.numeric(col);
  for (let i = 0; i < f.length; i++) if (pid[i] !== observer) add(p, comm[i]!, pid[i]!, metric, v[i]!, Math.max);
}

/** Gauges among the metrics: a series watches how much each grew since the process's last value (growth). */
export const LEVELS: Record<string, string> = { rss_bytes: "rss_growth_bytes" };

/**
 * The interval's point from its chunk of new rows: per process and machine-wide, system calls, on-CPU time, forks
 * and network bytes; per process, anonymous resident memory (a level). Run-queue and kernel lock waits are left
 * out: on a busy machine they jump by hundreds of ms an interval with nothing wrong, and on the tuning captures
 * they raised false alerts (runq: +12 to +28 at floors of 50–75 ms) and found nothing more, or one noisy
 * neighbour at a 150 ms floor that only a process of several threads can exceed.
 */
export function intervalPoint(chunk: Record<string, Frame>, observer?: number): IntervalPoint {
  const p: IntervalPoint = { entities: new Map() };
  sum(p, chunk["syscalls"], "syscalls", "count", observer);
  sum(p, chunk["sched"], "oncpu_ns", "oncpu_ns", observer);
  sum(p, chunk["net"], "net_bytes", "tx_bytes", observer);
  sum(p, chunk["net"], "net_bytes", "rx_bytes", observer);
  level(p, chunk["memory"], "rss_bytes", "rss_anon_bytes", observer);
  const proc = chunk["process"];
  if (proc && proc.length && proc.has("event")) {
    // a fork is the forking process's doing (ppid), as the features count it
    const ev = proc.strings("event"),
      ppid = proc.numeric("ppid"),
      comm = proc.strings("comm");
    let n = 0;
    for (let i = 0; i < proc.length; i++) {
      if (ev[i] !== "fork" || ppid[i] === observer) continue;
      add(p, comm[i]!, ppid[i]!, "forks", 1);
      n++;
    }
    if (n) add(p, "system", 0, "forks", n);
  }
  return p;
}

/** The smallest spread assumed per metric, so that noise on a near-idle series is not an anomaly. */
export const METRIC_FLOOR: Record<string, number> = {
  syscalls: 100,
  oncpu_ns: 10_000_000,
  forks: 2,
  net_bytes: 256 * 1024,
  rss_growth_bytes: 4 * 1024 * 1024,
};

/** The alert of one entity of `point` from its drivers (most unusual first). */
export function entityAlert(
  detector: string,
  p: IntervalInput,
  interval: number,
  point: IntervalPoint,
  key: string,
  drivers: AlertDriver[],
  threshold: number,
): Alert {
  drivers.sort((a, b) => Math.abs(b.score) - Math.abs(a.score));
  const ent = point.entities.get(key);
  // an entity without a row this interval (a series that fell to 0, a process gone silent) has its name in its key
  const m = /^(.*) (\d+)$/.exec(key);
  const [comm, pid] = key === "system" ? ["system", 0] : [ent?.comm ?? m?.[1] ?? key, ent?.pid ?? Number(m?.[2] ?? 0)];
  return {
    t_s: p.elapsedMs / 1000,
    interval,
    detector,
    entity: comm,
    pid,
    score: Math.abs(drivers[0]!.score),
    threshold,
    drivers,
    message: `${comm}${pid ? ` (${pid})` : ""}: ${drivers.map(driverText).join(", ")}`,
  };
}

/**
 * Tells a short interval (a capture's last, cut short by its end) from a full one: its counts are not comparable
 * with a full interval's, so the series detectors neither score nor learn from it. "Full" is the median length of
 * the last 9 intervals, not the longest: a capture's first interval, stretched by its setup, must not make every
 * later one look short.
 */
export class IntervalClock {
  private last = 0;
  private lengths: number[] = [];

  /** True when the interval `p` ends is under half as long as the recent median. */
  short(p: IntervalInput): boolean {
    const d = p.elapsedMs - this.last;
    this.last = p.elapsedMs;
    this.lengths.push(d);
    if (this.lengths.length > 9) this.lengths.shift();
    const sorted = [...this.lengths].sort((a, b) => a - b);
    return d < sorted[sorted.length >> 1]! / 2;
  }
}
