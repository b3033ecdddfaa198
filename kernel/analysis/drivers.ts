// The drivers of an anomaly in the user's terms: the features whose contributions make up the score, each with its
// value beside its normal value ("getppid calls 2.4 M/s, 1,800× its baseline of 1,300/s").

import { IDLE } from "../features/idle.js";

/** One feature's part in a score. */
export interface Driver {
  feature: string;
  /** The feature's value in the row (raw units: per window for counts and times, bytes for gauges). */
  value: number;
  /** Its normal value: the median of the reference the row was compared with (same units). */
  baseline: number;
  /** Contribution / score: the shares of a row's drivers add up to 1 over all its features. */
  share: number;
  /** value above or below the baseline. */
  direction: "up" | "down";
  /** Whose normal `baseline` is: the entity's own past, its peers' (same name), or every process's. */
  reference?: "own" | "peers" | "all";
  /** The cause in words, e.g. "getppid calls 2.4 M/s, 1,800× its baseline (1,300/s)", with its companions'. */
  text: string;
  /**
   * Columns of the same group (collector) that moved as far, the same way: the group's score is its largest
   * deviation alone, so they add nothing to it, but they are as much the cause (fsync beside pwrite64).
   */
  with?: Companion[];
}

/** A column that moved with a driver (see Driver.with). */
export interface Companion {
  feature: string;
  value: number;
  baseline: number;
  text: string;
}

/** Each column's own z² (before a group keeps its largest) and its group: to find a driver's companions. */
export interface CompanionSource {
  deviations: ArrayLike<number>;
  group: readonly string[];
}

/** A companion moved at least this share of its driver's own z². */
const COMPANION_SHARE = 0.5;
/** At most this many companions per driver. */
const MAX_COMPANIONS = 2;

/**
 * The `n` largest contributions of a row as drivers. `contributions` add up to `score` (detectors/contributions.ts
 * or HistoryScorer); `value` and `baseline` give each feature's raw value and normal value.
 */
export function topDrivers(
  columns: readonly string[],
  contributions: ArrayLike<number>,
  score: number,
  value: (j: number) => number,
  baseline: (j: number) => number,
  windowS: number,
  n = 5,
  resolution?: (j: number) => number,
  reference?: (j: number) => "own" | "peers" | "all",
  companions?: CompanionSource,
): Driver[] {
  const describe = (j: number): string =>
    describeDriver(columns[j]!, value(j), baseline(j), windowS, resolution?.(j), reference?.(j));
  const up = (j: number): boolean => value(j) >= baseline(j);
  const silenced = silencedByIdle(columns, contributions, value, baseline, companions?.deviations);
  const contrib = silenced?.contributions ?? contributions;
  const shown = [...columns.keys()]
    // What raises the score: the largest contributions first (a negative one lowered it).
    .filter((j) => contrib[j]! > 0)
    .sort((a, b) => contrib[b]! - contrib[a]!)
    .slice(0, n);
  // what is named already, as quantities (lock_mutex_wait_ns, lock_max_wait_ns: both lock_wait_ns)
  const named = new Set(shown.map((j) => quantity(columns[j]!)));
  const withOf = (j: number): Companion[] => {
    if (silenced && j === silenced.idle) {
      // the same quantity once (CPU time, and CPU time held: both zero)
      const seen = new Set<string>();
      return silenced.folded
        .filter((k) => !seen.has(quantity(columns[k]!)) && seen.add(quantity(columns[k]!)))
        .slice(0, MAX_IDLE_COMPANIONS)
        .map((k) => ({ feature: columns[k]!, value: value(k), baseline: baseline(k), text: describe(k) }));
    }
    if (!companions) return [];
    const { deviations: d, group } = companions;
    const candidates = [...columns.keys()]
      .filter(
        (k) =>
          group[k] === group[j] &&
          !(contrib[k]! > 0) &&
          d[k]! >= COMPANION_SHARE * d[j]! &&
          up(k) === up(j) &&
          // calls beside calls, times beside times: a slow sleep and more writes are two findings, not one
          measure(columns[k]!) === measure(columns[j]!) &&
          // the total of all calls beside one call's count says nothing more
          !(columns[k] === "syscalls_count" && /^sys_/.test(columns[j]!)),
      )
      .sort((a, b) => d[b]! - d[a]!);
    const w: number[] = [];
    for (const k of candidates) {
      if (w.length === MAX_COMPANIONS) break;
      // the same quantity seen another way (its mean or max, one lock type of all) says nothing more
      const q = quantity(columns[k]!);
      if (named.has(q)) continue;
      named.add(q);
      w.push(k);
    }
    return w.map((k) => ({ feature: columns[k]!, value: value(k), baseline: baseline(k), text: describe(k) }));
  };
  return shown.map((j) => {
    const v = value(j);
    const b = baseline(j);
    const ref = reference?.(j);
    const w = withOf(j);
    return {
      feature: columns[j]!,
      value: v,
      baseline: b,
      share: score !== 0 ? contrib[j]! / score : 0,
      direction: v >= b ? "up" : "down",
      ...(ref ? { reference: ref } : {}),
      text: w.length ? `${describe(j)}, with ${listed(w.map((c) => c.text))}` : describe(j),
      ...(w.length ? { with: w } : {}),
    };
  });
}

/** "a", "a and b", "a, b and c". */
function listed(items: readonly string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** At most this many of the columns an idle window silenced are shown beside it. */
const MAX_IDLE_COMPANIONS = 3;

/**
 * In a window the entity spent idle (no CPU time, no system calls) where idleness is rare for it, every column that
 * fell to zero from a normal value above it fell because it did nothing: "system calls 0/s", "voluntary switches
 * 0/s" and "net rx calls 0/s" are one finding, that it stopped, not three. Their contributions are the idle
 * column's (so the shares still add up to the score), and the largest of them are shown beside it: by how far each
 * fell (`deviations`, each column's own z² where the scorer leaves such falls out of the score), else by its
 * contribution.
 */
function silencedByIdle(
  columns: readonly string[],
  contributions: ArrayLike<number>,
  value: (j: number) => number,
  baseline: (j: number) => number,
  deviations?: ArrayLike<number>,
): { contributions: Float64Array; idle: number; folded: number[] } | undefined {
  const idle = columns.indexOf(IDLE);
  if (idle < 0 || !(contributions[idle]! > 0) || value(idle) < 1) return undefined;
  const c = Float64Array.from(contributions);
  const fell = (j: number): number => Math.max(c[j]!, deviations?.[j] ?? 0);
  const folded = [...columns.keys()]
    .filter((j) => j !== idle && fell(j) > 0 && value(j) === 0 && baseline(j) > 0)
    .sort((a, b) => fell(b) - fell(a));
  for (const j of folded) {
    c[idle]! += c[j]!;
    c[j] = 0;
  }
  return folded.length ? { contributions: c, idle, folded } : undefined;
}

/** The kind of number a column holds: a time, a byte count or amount, or a rate of things (calls, switches). */
function measure(feature: string): "time" | "bytes" | "rate" {
  return /_ns$/.test(feature) ? "time" : /_bytes$/.test(feature) ? "bytes" : "rate";
}

/** What a column measures, without how it is summarised: lock_mutex_wait_ns, lock_max_wait_ns → lock_wait_ns; held (sustained_) or not. */
function quantity(feature: string): string {
  return feature
    .replace(/^sustained_/, "")
    .replace(/_(?:mean|max)_/g, "_")
    .replace(/^lock_[a-z-]+_(wait_ns|waits)$/, "lock_$1");
}

/** The features a driver names: its own and its companions'. */
export function namedFeatures(d: Pick<Driver, "feature" | "with">): string[] {
  return [d.feature, ...(d.with ?? []).map((c) => c.feature)];
}

interface Unit {
  what: string;
  /** Turns a per-window value into the number shown. */
  show: (v: number) => string;
}

/** How a feature reads: its name in words and how its value prints. */
function unitOf(feature: string, windowS: number): Unit {
  const perS = (v: number): string => `${num(v / windowS)}/s`;
  const cpu = (v: number): string => `${num((100 * v) / (windowS * 1e9))} % of a CPU`;
  const dur = (v: number): string => duration(v);
  let m = /^sys_(.+)_count$/.exec(feature);
  if (m) return { what: `${m[1]} calls`, show: perS };
  m = /^sys_(.+)_mean_latency_ns$/.exec(feature);
  if (m) return { what: `${m[1]} latency`, show: dur };
  m = /^sys_(.+)_max_latency_ns$/.exec(feature);
  if (m) return { what: `slowest ${m[1]}`, show: dur };
  const fixed: Record<string, Unit> = {
    oncpu_ns: { what: "CPU time", show: cpu },
    runq_ns: { what: "run-queue wait", show: (v) => `${duration(v / windowS)}/s` },
    offcpu_ns: { what: "blocked time (over its threads)", show: (v) => `${duration(v / windowS)}/s` },
    vol_switches: { what: "voluntary switches", show: perS },
    invol_switches: { what: "preemptions", show: perS },
    migrations: { what: "CPU migrations", show: perS },
    syscalls_count: { what: "system calls", show: perS },
    syscall_errors: { what: "failed system calls", show: perS },
    syscall_error_rate: { what: "system-call error rate", show: (v) => `${num(100 * v)} %` },
    syscall_mean_latency_ns: { what: "mean system-call latency", show: dur },
    syscall_max_latency_ns: { what: "slowest system call", show: dur },
    forks: { what: "forks", show: perS },
    execs: { what: "execs", show: perS },
    exits: { what: "exits", show: perS },
    oom_kills: { what: "OOM kills", show: (v) => num(v) },
  };
  if (fixed[feature]) return fixed[feature]!;
  const held = /^sustained_(.+)$/.exec(feature);
  if (held && fixed[held[1]!]) {
    const u = fixed[held[1]!]!;
    return { what: `${u.what} held for 3 s`, show: u.show };
  }
  if (/_bytes$/.test(feature) && /rss|swap|shmem/.test(feature)) {
    return {
      what: feature
        .replace(/^memory_/, "")
        .replace(/_bytes$/, "")
        .replace(/_/g, " "),
      show: bytes,
    };
  }
  if (/_bytes$/.test(feature)) {
    return { what: feature.replace(/_bytes$/, " bytes").replace(/_/g, " "), show: (v) => `${bytes(v / windowS)}/s` };
  }
  if (/_ns$/.test(feature)) return { what: feature.replace(/_ns$/, "").replace(/_/g, " "), show: dur };
  return { what: feature.replace(/_/g, " "), show: perS };
}

/**
 * "getppid calls 2.4 M/s, 1,800× its baseline (1,300/s)"; "CPU time 0 % of a CPU, down from 35 %". A baseline
 * below `floor` (the smallest amount worth noticing) is "next to none": a ratio to it would be meaningless.
 */
export function describeDriver(
  feature: string,
  value: number,
  baseline: number,
  windowS: number,
  floor = 0,
  reference: "own" | "peers" | "all" = "own",
): string {
  if (feature === "idle") {
    // value: 1 for an idle window; baseline: the share of its reference windows that were idle.
    const whose = reference === "own" ? "its baseline" : reference === "peers" ? "its peers'" : "a typical process's";
    return `idle (no CPU time, no system calls), idle in ${num(100 * baseline)} % of ${whose} windows`;
  }
  const u = unitOf(feature, windowS);
  const v = u.show(value);
  const b = u.show(baseline);
  const whose = reference === "own" ? "its baseline" : reference === "peers" ? "its peers'" : "a typical process's";
  if (baseline <= 0) return value > 0 ? `${u.what} ${v}, none in ${whose}` : `${u.what} ${v}`;
  if (baseline < floor && value > baseline) return `${u.what} ${v}, next to none in ${whose} (${b})`;
  const ratio = value / baseline;
  if (ratio >= 1.5) return `${u.what} ${v}, ${num(ratio)}× ${whose} (${b})`;
  if (ratio <= 1 / 1.5) return `${u.what} ${v}, down from ${b} (${whose})`;
  return `${u.what} ${v} (${whose}: ${b})`;
}

/** 3 significant digits with a k/M/G suffix: 2.4 M, 1,800, 0.35. */
function num(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)} G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)} M`;
  if (a >= 1e4) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return Math.round(v).toLocaleString("en-US");
  if (a >= 1 || a === 0) return String(+v.toPrecision(3));
  return String(+v.toPrecision(2));
}

function duration(ns: number): string {
  if (ns >= 1e9) return `${+(ns / 1e9).toPrecision(3)} s`;
  if (ns >= 1e6) return `${+(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${+(ns / 1e3).toPrecision(3)} µs`;
  return `${Math.round(ns)} ns`;
}

function bytes(b: number): string {
  if (b >= 2 ** 30) return `${+(b / 2 ** 30).toPrecision(3)} GiB`;
  if (b >= 2 ** 20) return `${+(b / 2 ** 20).toPrecision(3)} MiB`;
  if (b >= 2 ** 10) return `${+(b / 2 ** 10).toPrecision(3)} KiB`;
  return `${Math.round(b)} B`;
}
