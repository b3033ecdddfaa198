// From a capture to incidents: features per (window, process), a detection mode (each process against its own
// history, everything against a baseline, or the whole capture unsupervised), incidents merged from anomalous
// windows, and drivers in the user's terms. Used by `bpflab detect`, `bpflab demo` and the notebooks.

import type { Capture } from "../capture/capture.js";
import { observerPid } from "../capture/capture-meta.js";
import { DetectorInputError, OptionError } from "../errors.js";
import type { Cell } from "../frame/frame.js";
import { quantile } from "../detectors/detector.js";
import type { Detector } from "../detectors/detector.js";
import { canExplain } from "../detectors/contributions.js";
import { createDetector } from "../detectors/registry.js";
import { explain } from "../detectors/explain.js";
import { columnOf, takeRows, Matrix } from "../detectors/matrix.js";
import type { EntityKind, Features } from "../features/features.js";
import { poolOf, poolPeers } from "./worker-pools.js";
import { Driver, topDrivers } from "./drivers.js";
import { EnvelopeOptions, HistoryScorer, ReferenceSpec } from "./history-scores.js";
import { buildIncidents, IncidentCore } from "./incidents.js";
import { evaluateIncidents, Evaluation } from "./evaluate.js";
import type { IntervalLabel } from "./interval-labels.js";
import { IDLE } from "../features/idle.js";
import { LATE } from "../features/silence.js";
import { logScale, prepareRows, resolutionScale, unscale } from "./reference.js";

export { logScale };

/**
 * - "history": each process against its own earlier windows (the baseline's, when given), against its peers (same
 *   command name) when it has too little history, and against every process when it has no peers (default);
 * - "baseline": every row against the pooled normal rows of a baseline (novelty detection), with any detectors;
 * - "unsupervised": detectors fitted on the whole capture, no notion of normal.
 */
export type DetectionMode = "history" | "baseline" | "unsupervised";

export const DETECTION_MODES: readonly DetectionMode[] = ["history", "baseline", "unsupervised"];

/**
 * History mode: a window scoring at least this (Σ z²: one feature 3 scales outside its normal range) is anomalous,
 * and an incident needs its windows' scores to add up to DEFAULT_HISTORY_THRESHOLD (one window 5 scales out, or a
 * milder anomaly lasting several windows).
 */
export const DEFAULT_HISTORY_ROW_THRESHOLD = 9;

/**
 * Features the history mode does not score (they stay in the matrix). Block I/O is charged to whoever issued it at
 * the block layer, which is mostly not the process whose work it is (writeback runs in kworkers, an unlink
 * discards, readahead reads ahead): a process's disk work shows in its own system calls (write, fsync,
 * fdatasync) and blocked time. Latencies summed or maxed across system calls mix waits that are idle by design
 * (nanosleep, epoll_wait, a lock) with service time; the per-call means (sys_<call>_mean_latency_ns) stay.
 */
function unscored(column: string): boolean {
  return /^disk_/.test(column) || /^syscall_(max_|mean_)?latency_ns$/.test(column) || waitingCallLatency(column);
}

/**
 * Calls made to wait: for a futex (a condition variable's sleepers), a timer, file descriptors, a child or a
 * signal. How long they took is how long the caller chose to be idle (its blocked time says it already), so a
 * longer wait is no fault: redis's background threads wait seconds on a futex whenever there is nothing to do.
 * Their counts are still scored (many short futex waits are user-space lock contention).
 */
function waitingCallLatency(column: string): boolean {
  return WAITING_CALL_LATENCY.test(column);
}
const WAITING_CALL_LATENCY =
  /^sys_(futex|futex_waitv|clock_nanosleep|nanosleep|epoll_wait|epoll_pwait|epoll_pwait2|poll|ppoll|select|pselect6|wait4|waitid|pause|rt_sigtimedwait|rt_sigsuspend|accept|accept4)_(mean_|max_)?latency_ns$/;
export const DEFAULT_HISTORY_THRESHOLD = 25;

/**
 * Features whose fall is no fault: waiting less (run queue, locks, I/O queues), faster calls, and less blocked time
 * (which mirrors more CPU time). A stalled process shows in what it stops doing: CPU time, calls, switches.
 */
function upOnly(column: string): boolean {
  return column === "offcpu_ns" || /runq|latency|_wait|_queue|_service/.test(column);
}

export interface FindAnomaliesOptions {
  /** How rows are compared (default "history"; "unsupervised" when only `detectors` are given without a baseline). */
  mode?: DetectionMode;
  /** Another capture of the same system behaving normally (same collectors). */
  baseline?: Capture;
  /** This capture's first part is normal: "20s", or seconds. */
  baselineUntil?: string | number;
  /**
   * Detectors of the baseline and unsupervised modes (default zscore then iforest); tabular ones, not the
   * time-series forecasters. The history mode has its own per-process score.
   */
  detectors?: string[];
  /** What orders rows and incidents: a detector's own score (default: the first), or "consensus". */
  rankBy?: string;
  by?: EntityKind;
  window?: string | number;
  /** How many top rows to report (default 10); incidents are all reported. */
  top?: number;
  /**
   * What makes an incident: history mode: the sum of its windows' scores (default 25); baseline: its peak score
   * (default: the highest score of the reference rows); unsupervised: its peak (default: the 99th percentile).
   */
  threshold?: number;
  /** History mode: the score at which a window counts as anomalous (default 9). */
  rowThreshold?: number;
  /** Ground truth to evaluate the incidents against (incidents found, false alarms per hour, time to detect). */
  labels?: readonly IntervalLabel[];
  /** Tuning of the history mode's normal ranges. */
  history?: EnvelopeOptions;
  /**
   * Rank bpflab's own process too (default false): the capturing process is the observer, and its saves and
   * drains are not what the user is looking for. Its rows still count among every process's (the population).
   */
  includeSelf?: boolean;
  seed?: number;
}

export interface Anomaly {
  rank: number;
  /** Row of `features.matrix` / `features.keys`. */
  row: number;
  t_s: number;
  /** µs since epoch. */
  ts: number;
  /** The entity's key columns: pid + comm, tid + pid + comm, comm, or cgroup_id. */
  entity: Record<string, Cell>;
  /** Mean percentile rank over the scores, 0..1: 1 = the most anomalous row for every one. */
  consensus: number;
  percentiles: Record<string, number>;
  scores: Record<string, number>;
  /** The features that make up the ranking score, largest share first, with their normal values. */
  drivers: Driver[];
}

export interface Incident {
  rank: number;
  start_s: number;
  end_s: number;
  /** The highest ranking score of its rows. */
  score: number;
  /** The entity of the peak row. */
  entity: Record<string, Cell>;
  /** Every entity involved (related processes merged in), the peak's first. */
  entities: Record<string, Cell>[];
  /**
   * What makes up the score of its peak entity (the other, related entities' rows add to `score` but are not in
   * the drivers): the contributions of that entity's windows summed per feature (history mode), or of the peak
   * window (other modes); shares are of that entity's part, with the peak window's values beside the baseline.
   */
  drivers: Driver[];
  /** Rows (of features) it is made of, in time order. */
  rows: number[];
  peakRow: number;
  /** With labels: the kind of the labelled anomaly it matches, or null. */
  label?: string | null;
  /** Its processes that waited on another of its processes through it (sched_waits): blocked, or queued. */
  waitedOn?: IncidentCore["waitedOn"];
  /** Processes outside it its peak process waited on through it (a lock's holder, a CPU hog). */
  blockedBy?: IncidentCore["blockedBy"];
}

export interface AnomalyReport {
  mode: DetectionMode;
  /** What ordered rows and incidents: a score's name or "consensus". */
  rankedBy: string;
  features: Features;
  /** Features left out because they were constant (no information, and scaling detectors cannot use them). */
  dropped: string[];
  /** Each score, one per features row ("history" in history mode, detector names otherwise). */
  scores: Record<string, Float64Array>;
  consensus: Float64Array;
  threshold: number;
  /** The reference normal rows were compared with, in words. */
  reference: string;
  /** Rows before this time (s) are the reference period and never flagged (baselineUntil). */
  scoredFromS: number;
  incidents: Incident[];
  top: Anomaly[];
  evaluation?: Evaluation;
}

/**
 * Finds incidents in a capture: rows (window × process) scored by the chosen mode, anomalous windows merged into
 * incidents, each explained by the features that make up its score, with their normal values.
 * @example
 *   const r = findAnomalies(cap, { baselineUntil: "20s" });
 *   r.incidents[0]; // { start_s, end_s, score, entity: { pid, comm }, drivers: [{ feature, value, baseline, share, text }] }
 */
export function findAnomalies(cap: Capture, opts: FindAnomaliesOptions = {}): AnomalyReport {
  const hasBaseline = Boolean(opts.baseline) || opts.baselineUntil !== undefined;
  const mode: DetectionMode = opts.mode ?? (opts.detectors?.length && !hasBaseline ? "unsupervised" : "history");
  if (!DETECTION_MODES.includes(mode)) {
    throw new OptionError(`unknown mode ${JSON.stringify(mode)}`, `modes: ${DETECTION_MODES.join(", ")}`);
  }
  if (mode === "baseline" && !hasBaseline) {
    throw new OptionError(
      "the baseline mode needs a baseline",
      "give a baseline capture (--baseline DIR) or the normal first part of this one (--baseline-until 20s)",
    );
  }
  const p = prepareRows(cap, {
    ...(opts.by ? { by: opts.by } : {}),
    ...(opts.window !== undefined ? { window: opts.window } : {}),
    ...(opts.baseline ? { baseline: opts.baseline } : {}),
    ...(opts.baselineUntil !== undefined ? { baselineUntil: opts.baselineUntil } : {}),
  });
  const { f, X, matrix } = p;
  if (X.rows < 8) {
    throw new DetectorInputError(
      `only ${X.rows} (window, ${opts.by ?? "pid"}) rows in this capture: too few to rank`,
      "capture for longer, use a shorter window, or capture the whole machine rather than one pid",
    );
  }
  const t = f.keys.numeric("t_s");
  const window = Int32Array.from(t, (v) => Math.round(v / f.windowS));
  const fromWindow = p.untilWindow ?? 0;
  const scores: Record<string, Float64Array> = {};
  let rankBy: string;
  let threshold: number;
  let reference: string;
  let explainRow: (row: number) => {
    contributions: ArrayLike<number>;
    score: number;
    baseline: (j: number) => number;
    reference?: (j: number) => "own" | "peers" | "all";
    /** Each column's own z² before its group kept only its largest (history mode): what moved alongside. */
    deviations?: ArrayLike<number>;
  };
  let resolution: ((j: number) => number) | undefined;
  let combine: "max" | "sum" = "max";
  let rowThreshold: number | undefined;
  let idleRuns: Uint8Array | undefined;

  if (mode === "history") {
    const names = f.keys.has("comm") ? f.keys.strings("comm") : f.keys.values(f.keys.columnNames[2]!).map(String);
    const peer = poolPeers(names);
    const pooled = Uint8Array.from(names, (c) => (poolOf(c) ? 1 : 0));
    const entity = entityIds(f);
    const ref: ReferenceSpec = p.baseline
      ? {
          kind: "external",
          X: resolutionScale(p.baseline.matrix, f.windowS).X,
          peer: p.baseline.peer,
          ...(p.baseline.f.partial ? { partial: p.baseline.f.partial } : {}),
          ...(p.baseline.f.missing ? { missing: p.baseline.f.missing } : {}),
        }
      : p.untilWindow !== undefined
        ? { kind: "until", window: p.untilWindow }
        : { kind: "causal" };
    const { X: H, res } = resolutionScale(matrix, f.windowS);
    resolution = (j) => res[j]!;
    const wakeups = X.columns.indexOf("vol_switches");
    const scorer = new HistoryScorer(
      H,
      {
        entity,
        peer,
        window,
        pooled,
        ...(f.partial ? { partial: f.partial } : {}),
        ...(f.missing ? { missing: f.missing } : {}),
      },
      ref,
      {
        learnBelow: opts.rowThreshold ?? DEFAULT_HISTORY_ROW_THRESHOLD,
        ...(f.sources ? { groups: f.sources } : {}),
        noPopulation: X.columns.map((c) => /latency|_mean_|_rate$|_max_ns$/.test(c)),
        upOnly: X.columns.map(upOnly),
        lifecycle: X.columns.map((c) => c === "exits" || c === "execs"),
        commonMode: true,
        rare: X.columns.map((c) => c === IDLE),
        rareEvents: X.columns.map((c) => c === "oom_kills"),
        ...(wakeups >= 0 ? { arrivals: { column: wakeups, count: (v: number) => unscale(v, res[wakeups]!) } } : {}),
        // A level this process reached before, and came back from, is its normal (a batch job's periodic burst):
        // news is beyond the most it did, not beyond its 95th percentile.
        quantiles: [0.05, 1],
        ignore: X.columns.map(unscored),
        ...opts.history,
      },
    );
    scores["history"] = scorer.scores;
    rankBy = "history";
    threshold = opts.threshold ?? DEFAULT_HISTORY_THRESHOLD;
    combine = "sum";
    rowThreshold = opts.rowThreshold ?? DEFAULT_HISTORY_ROW_THRESHOLD;
    reference = p.baseline
      ? "each process against the baseline capture's processes of the same name"
      : p.untilWindow !== undefined
        ? `each process against its own windows before ${p.untilWindow * f.windowS} s`
        : "each process against its own earlier windows";
    idleRuns = silentRuns(scorer, entity, window, X.columns, rowThreshold);
    explainRow = (row) => {
      const env = scorer.envelope(row);
      const z = scorer.deviations(row, env, true);
      return {
        contributions: scorer.contributions(row, env),
        deviations: z.map((v) => v * v),
        score: scorer.scores[row]!,
        baseline: (j) => unscale(env.center[j]!, res[j]!),
        reference: (j) => env.source[j]!,
      };
    };
  } else {
    const names = opts.detectors?.length ? opts.detectors : ["zscore", "iforest"];
    rankBy = opts.rankBy ?? names[0]!;
    if (rankBy !== "consensus" && !names.includes(rankBy)) {
      throw new OptionError(
        `rankBy "${rankBy}" is not one of the detectors run (${names.join(", ")})`,
        'name one of them, or "consensus"',
      );
    }
    const refRows =
      mode === "unsupervised" || p.baseline ? undefined : [...window.keys()].filter((r) => window[r]! < fromWindow);
    const fitOn: Matrix = p.baseline ? p.baseline.X : refRows ? takeRows(X, refRows) : X;
    const rawRef: Matrix = p.baseline ? p.baseline.matrix : refRows ? takeRows(matrix, refRows) : matrix;
    const dets = new Map<string, Detector>();
    for (const n of names) {
      // A feature constant over the reference is still news when it moves: the z-score scales it by a floor (the
      // history mode's factor of 1.65 on these log features) instead of refusing it.
      const extra = n === "zscore" && mode === "baseline" ? { minScale: 0.5 } : {};
      const det = createDetector(n, { seed: opts.seed ?? 0, ...extra }).fit(fitOn);
      dets.set(n, det);
      scores[n] = det.score(X);
    }
    const key = rankBy === "consensus" ? consensusOf(scores, names) : scores[rankBy]!;
    if (opts.threshold !== undefined) threshold = opts.threshold;
    else if (mode === "baseline") {
      const refScores = rankBy === "consensus" ? undefined : dets.get(rankBy)!.score(fitOn);
      threshold = refScores ? Math.max(...refScores) : quantile(key, 0.99);
    } else threshold = quantile(key, 0.99);
    reference =
      mode === "unsupervised"
        ? "the whole capture (unsupervised)"
        : p.baseline
          ? "all rows of the baseline capture"
          : `all rows before ${fromWindow * f.windowS} s`;
    const medians = Float64Array.from(rawRef.columns, (_, j) => quantile(columnOf(rawRef, j), 0.5));
    // Explained by the ranking detector itself, or (consensus, LOF) by the first detector that can explain.
    const explainer = [rankBy, ...names].map((n) => dets.get(n)).find((d) => d && canExplain(d));
    explainRow = (row) => {
      if (!explainer)
        return { contributions: new Float64Array(X.cols), score: key[row]!, baseline: (j) => medians[j]! };
      const e = explain(explainer, X, row);
      return { contributions: e.contribution, score: e.score, baseline: (j) => medians[j]! };
    };
  }

  const selfPid = opts.includeSelf ? undefined : observerPid(cap.meta);
  const fullScore = scores[rankBy] ?? consensusOf(scores, Object.keys(scores));
  const rankScore = withoutPid(fullScore, f, selfPid);
  if (rankScore !== fullScore) reference += `; bpflab's own process (pid ${selfPid}) is not ranked`;
  if (mode === "history") {
    const late = new Set<number>();
    f.partial?.forEach((flags, r) => {
      if (flags & LATE) late.add(window[r]!);
    });
    if (late.size) {
      reference += `; ${late.size} window${late.size > 1 ? "s" : ""} the capture's intervals missed or overran (the machine held it up) not scored`;
    }
  }
  const consensus = consensusOf(scores, Object.keys(scores));
  // A group (a collector's columns) scores only its largest deviation, so a column that moved as far beside it
  // (fsync calls beside the pwrite64 calls they follow) contributes nothing, yet is as much the cause: named with it.
  const companionsOf = (dev: ArrayLike<number> | undefined) =>
    dev && f.sources ? { deviations: dev, group: f.sources } : undefined;
  const drivers = (row: number): Driver[] => {
    const e = explainRow(row);
    return topDrivers(
      X.columns,
      e.contributions,
      e.score,
      (j) => matrix.data[row * matrix.cols + j]!,
      e.baseline,
      f.windowS,
      5,
      resolution,
      e.reference,
      companionsOf(e.deviations),
    );
  };
  const keyNames = f.keys.columnNames.filter((c) => c !== "t_s" && c !== "ts");
  const keyVals = Object.fromEntries(keyNames.map((k) => [k, f.keys.values(k)]));
  const entityOf = (row: number): Record<string, Cell> =>
    Object.fromEntries(keyNames.map((k) => [k, keyVals[k]![row]!]));

  // An incident summed over windows is explained by its peak entity's windows' contributions summed (they add up
  // to that entity's part of the score), shown with the peak window's values; a peak-scored one by its peak window.
  const entityKey = entityIds(f);
  const incidentDrivers = (rows: number[], peak: number): Driver[] => {
    if (combine === "max") return drivers(peak);
    const sum = new Float64Array(X.cols);
    // Each feature is shown at the window where it contributed most, beside that window's baseline.
    const best = new Float64Array(X.cols).fill(-1);
    const at = new Int32Array(X.cols).fill(peak);
    const expl = new Map<number, ReturnType<typeof explainRow>>();
    let total = 0;
    let dev: Float64Array | undefined;
    for (const r of rows) {
      if (entityKey[r] !== entityKey[peak]) continue;
      const e = explainRow(r);
      expl.set(r, e);
      total += e.score;
      for (let j = 0; j < X.cols; j++) {
        const c = e.contributions[j]!;
        sum[j]! += c;
        if (Math.abs(c) > best[j]!) {
          best[j] = Math.abs(c);
          at[j] = r;
        }
      }
      if (e.deviations) {
        dev ??= new Float64Array(X.cols);
        for (let j = 0; j < X.cols; j++) dev[j]! += e.deviations[j]!;
      }
    }
    // A companion is shown at the window where it deviated most (it contributed nothing: its group's leader did).
    if (dev) {
      const bestDev = new Float64Array(X.cols).fill(-1);
      for (const r of expl.keys()) {
        const d = expl.get(r)!.deviations!;
        for (let j = 0; j < X.cols; j++) {
          if (sum[j]! <= 0 && d[j]! > bestDev[j]!) {
            bestDev[j] = d[j]!;
            at[j] = r;
          }
        }
      }
    }
    const of = (j: number) => expl.get(at[j]!) ?? explainRow(at[j]!);
    return topDrivers(
      X.columns,
      sum,
      total,
      (j) => matrix.data[at[j]! * matrix.cols + j]!,
      (j) => of(j).baseline(j),
      f.windowS,
      5,
      resolution,
      (j) => of(j).reference?.(j) ?? "own",
      companionsOf(dev),
    );
  };
  const incidents: Incident[] = buildIncidents(f, rankScore, threshold, p.facts, {
    fromWindow,
    combine,
    ...(rowThreshold !== undefined ? { rowThreshold } : {}),
    ...(idleRuns ? { alsoFlag: idleRuns } : {}),
  }).map((c, i) => ({
    rank: i + 1,
    start_s: c.start_s,
    end_s: c.end_s,
    score: c.score,
    entity: c.entities[0]!,
    entities: c.entities,
    drivers: incidentDrivers(c.rows, c.peakRow),
    rows: c.rows,
    peakRow: c.peakRow,
    ...(c.waitedOn ? { waitedOn: c.waitedOn } : {}),
    ...(c.blockedBy ? { blockedBy: c.blockedBy } : {}),
  }));

  const pct = Object.fromEntries(Object.entries(scores).map(([n, s]) => [n, percentileRanks(s)]));
  const ts = f.keys.numeric("ts");
  // Ties are common (scores saturate on the same extreme feature value): the consensus breaks them.
  const order = [...rankScore.keys()]
    .filter((r) => window[r]! >= fromWindow)
    .sort((a, b) => rankScore[b]! - rankScore[a]! || consensus[b]! - consensus[a]!);
  const top = order.slice(0, opts.top ?? 10).map((row, i): Anomaly => ({
    rank: i + 1,
    row,
    t_s: t[row]!,
    ts: ts[row]!,
    entity: entityOf(row),
    consensus: consensus[row]!,
    percentiles: Object.fromEntries(Object.keys(scores).map((n) => [n, pct[n]![row]!])),
    scores: Object.fromEntries(Object.keys(scores).map((n) => [n, scores[n]![row]!])),
    drivers: drivers(row),
  }));
  const report: AnomalyReport = {
    mode,
    rankedBy: rankBy,
    features: f,
    dropped: p.dropped,
    scores,
    consensus,
    threshold,
    reference,
    scoredFromS: fromWindow * f.windowS,
    incidents,
    top,
  };
  if (opts.labels) report.evaluation = evaluateIncidents(report, opts.labels, cap.meta.elapsedMs / 1000);
  return report;
}

/** `score` with the rows of process `pid` at zero (when the rows are per process or thread), so it never ranks. */
function withoutPid(score: Float64Array, f: Features, pid: number | undefined): Float64Array {
  if (pid === undefined || !f.keys.has("pid")) return score;
  const pids = f.keys.numeric("pid");
  if (!pids.includes(pid)) return score;
  return score.map((v, i) => (pids[i] === pid ? 0 : v));
}

/** A number or string per row naming its entity (pid, tid, comm or cgroup). */
function entityIds(f: Features): (number | string)[] {
  const k = f.keys;
  if (k.has("tid")) return Array.from(k.numeric("tid"));
  if (k.has("pid")) return Array.from(k.numeric("pid"));
  if (k.has("comm")) return k.strings("comm");
  return k.values("cgroup_id").map(String);
}

function consensusOf(scores: Record<string, Float64Array>, names: string[]): Float64Array {
  const first = scores[names[0]!]!;
  const out = new Float64Array(first.length);
  for (const n of names) {
    const p = percentileRanks(scores[n]!);
    for (let i = 0; i < out.length; i++) out[i]! += p[i]! / names.length;
  }
  return out;
}

/** Rank of each score among all, scaled to 0..1 (ties share their mean rank). */
export function percentileRanks(s: Float64Array): Float64Array {
  const n = s.length;
  const idx = Array.from(s.keys()).sort((a, b) => s[a]! - s[b]!);
  const out = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && s[idx[j + 1]!] === s[idx[i]!]) j++;
    const r = n > 1 ? (i + j) / 2 / (n - 1) : 1;
    for (let k = i; k <= j; k++) out[idx[k]!] = r;
    i = j + 1;
  }
  return out;
}

/**
 * Rows of a user process's silent runs: consecutive windows it spent idle where idleness is rare for it and its
 * normal has system calls, whose scores together reach a flagged row's. Each such window is as surprising as the
 * state is rare for it (z² = 2 ln 1/p), so a run of k of them is the surprise of the run, and a worker stuck on a
 * lock for 6 s is found although no one of its windows alone would be (a quiet second or two of a worker with a
 * few jobs a second stays below). Kernel threads make no system calls: their idleness follows other work.
 */
function silentRuns(
  scorer: HistoryScorer,
  entity: ArrayLike<number | string>,
  window: Int32Array,
  columns: readonly string[],
  rowThreshold: number,
): Uint8Array | undefined {
  const idle = columns.indexOf(IDLE);
  const calls = columns.indexOf("syscalls_count");
  if (idle < 0 || calls < 0) return undefined;
  const X = scorer.X;
  const byEntity = new Map<number | string, number[]>();
  for (let r = 0; r < X.rows; r++) {
    if (!(scorer.scores[r]! > 0) || X.data[r * X.cols + idle]! <= 0) continue;
    const env = scorer.envelope(r);
    const z = scorer.deviations(r, env, true);
    // the state scored, and its system calls fell to zero from a normal that has them
    if (!(z[idle]! > 0) || !(z[calls]! < 0)) continue;
    const list = byEntity.get(entity[r]!) ?? [];
    list.push(r);
    byEntity.set(entity[r]!, list);
  }
  const out = new Uint8Array(X.rows);
  let any = false;
  for (const rows of byEntity.values()) {
    rows.sort((a, b) => window[a]! - window[b]!);
    for (let i = 0; i < rows.length;) {
      let k = i + 1;
      while (k < rows.length && window[rows[k]!]! === window[rows[k - 1]!]! + 1) k++;
      const run = rows.slice(i, k);
      if (run.length > 1 && run.reduce((a, r) => a + scorer.scores[r]!, 0) >= rowThreshold) {
        for (const r of run) out[r] = 1;
        any = true;
      }
      i = k;
    }
  }
  return any ? out : undefined;
}
