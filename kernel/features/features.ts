// Feature extraction from a capture: one row per (time window, entity), built from what each collector declares
// (collectors/feature-decl.ts), keys kept beside the matrix so every detector score maps back to a process and a
// moment; silent windows of live processes get rows, partial windows are flagged, unmeasured cells are known.

import type { Capture } from "../capture/capture.js";
import type { FeatureDecl } from "../collectors/feature-decl.js";
import { collectorOfFrame } from "../collectors/registry.js";
import { DetectorInputError, OptionError } from "../errors.js";
import { ColumnData, ColumnSpec, Frame } from "../frame/frame.js";
import type { Matrix } from "../detectors/matrix.js";
import { aggregateFrame, FeatureAcc, RatioFeature } from "./aggregate.js";
import { Entities, EntityKind } from "./entities.js";
import { processFacts } from "./process-facts.js";
import { RowIndex } from "./row-index.js";
import { fillSilence, intervalCoverage, IntervalCoverage } from "./silence.js";
import { addSustained } from "./sustained.js";
import { addIdle } from "./idle.js";
import { parseWindow } from "./window.js";

export type { EntityKind } from "./entities.js";

export interface FeatureOptions {
  /** What one row describes: a process (default), a thread, a process name or a cgroup. */
  by?: EntityKind;
  /** Window length: "1s" (default), "500ms", "2m" or seconds. */
  window?: string | number;
  /** How many values of a breakdown (syscalls by name, ...) get their own columns (default: the collector's). */
  topSyscalls?: number;
  /**
   * These syscalls get their own columns instead of the top ones (e.g. a baseline capture's features built with
   * the scored capture's syscalls, so both have the same columns); one without calls gets zeros.
   */
  syscalls?: readonly string[];
  /** Give a live process a row of zeros in every window of its life it did nothing in (default true; by pid). */
  fillSilence?: boolean;
}

/** The feature matrix and, row for row, who and when each row is. */
export interface Features {
  /** Rows ordered by window, then entity. Column names carry units (oncpu_ns, syscall_mean_latency_ns, ...). */
  matrix: Matrix;
  /**
   * Keys per row: t_s (window start, s since capture start), ts (window start, µs since epoch), then the entity
   * columns: pid + comm (by pid; comm = the process name), tid + pid + comm (by tid; the thread's name), comm (by
   * comm: the process name), cgroup_id (by cgroup).
   */
  keys: Frame;
  windowS: number;
  /**
   * Per row, when known: bits PARTIAL_START (the window holds the entity's exec or fork), PARTIAL_EXIT (its exit)
   * and PARTIAL_CAPTURE_END (the capture's incomplete last window); SILENT marks a row added for a window the
   * process was alive but seen by no collector; 0 = a full window with data.
   */
  partial?: Uint8Array;
  /**
   * Per cell (row × column, row-major): 1 = no measurement (a maximum, mean or gauge with no row in the window, a
   * ratio of nothing, the old sched collector's off-CPU time before a thread's first switch-out). The matrix holds
   * 0 there, so detectors get finite values; the history mode skips these cells.
   */
  missing?: Uint8Array;
  /** Per column: the frame (collector) it comes from, e.g. "sched", "syscalls", "memory". */
  sources?: string[];
}

// Columns that identify rows or clocks; never features in the generic path.
const KEY_COLUMNS = new Set([
  "ts",
  "t_s",
  "ts_ns",
  "pid",
  "tid",
  "ppid",
  "comm",
  "process",
  "cgroup_id",
  "nr",
  "exit_code",
]);

/**
 * Builds per-window, per-entity features from every frame of a capture, as each collector declares them
 * (sched: on/run-queue/off-CPU time, switches; syscalls: counts, errors, latency, per-syscall columns for the top
 * syscalls; process: forks credited to the parent, execs, exits; memory, net, ufunc: theirs). A frame no collector
 * declares contributes the sum of each i64 column and the mean of each f64 column (non-additive: a rate, an rtt)
 * as <frame>_<column>, plus <frame>_rows. A (window, entity) seen by one collector only gets 0 (sums) or missing
 * (other aggregates) elsewhere.
 *
 * @example
 *   const { matrix, keys } = features(cap, { by: "pid", window: "1s" });
 *   const s = new IsolationForest().fit(matrix).score(matrix); // s[i] belongs to keys row i
 */
export function features(
  capture: Capture | { frames: Readonly<Record<string, Frame>>; meta?: Capture["meta"] },
  opts: FeatureOptions = {},
): Features {
  const by = opts.by ?? "pid";
  if (!["pid", "tid", "comm", "cgroup"].includes(by)) {
    throw new OptionError(`features: by must be pid, tid, comm or cgroup, got ${JSON.stringify(by)}`, 'use by: "pid"');
  }
  const windowS = parseWindow(opts.window ?? "1s");
  const rows = new RowIndex();
  const ents = new Entities(by);
  // A scenario capture's ground truth and the engine's own drop counts are not what the processes did.
  const frames = Object.entries(capture.frames).filter(
    ([n, f]) => n !== "labels" && n !== "drops" && f.length > 0 && f.has("t_s"),
  );
  for (const [, f] of frames) ents.learnNames(f);
  let tsOrigin: number | undefined = capture.meta?.wallStartUs;
  const accs = new Map<string, FeatureAcc>();
  const ratios: RatioFeature[] = [];
  const source = new Map<string, string>();
  const firstSchedRow = new Map<number, number>();
  for (const [name, frame] of frames) {
    if (!ents.usable(frame)) continue;
    const t = frame.numeric("t_s");
    if (tsOrigin === undefined && frame.has("ts")) tsOrigin = frame.numeric("ts")[0]! - t[0]! * 1e6;
    const ent = ents.ids(frame);
    const rowOf = new Int32Array(frame.length);
    for (let i = 0; i < frame.length; i++) rowOf[i] = rows.row(Math.floor(t[i]! / windowS), ent[i]!);
    const credit = new Map<string, Float64Array>();
    const creditRow = (column: string, i: number): number => {
      let ids = credit.get(column);
      if (!ids) credit.set(column, (ids = ents.ids(frame, column)));
      return rows.row(Math.floor(t[i]! / windowS), ids[i]!);
    };
    const declared = collectorOfFrame(name)?.frames.find((f) => f.name === name)?.features;
    const decl = declared ? withTop(declared, opts.topSyscalls) : genericDecl(frame);
    const prefix = decl.prefix ?? `${name}_`;
    const named = name === "syscalls" ? opts.syscalls : undefined;
    const out = aggregateFrame(frame, decl, prefix, rowOf, creditRow, named);
    for (const [k, a] of out.accs) {
      if (!accs.has(k)) accs.set(k, a);
      if (!source.has(k)) source.set(k, name);
    }
    for (const r of out.ratios) if (!source.has(r.name)) source.set(r.name, name);
    ratios.push(...out.ratios.filter((r) => !ratios.some((x) => x.name === r.name)));
    if (!declared) {
      const a = new FeatureAcc("sum");
      for (let i = 0; i < frame.length; i++) a.add(rowOf[i]!, 1, t[i]!);
      accs.set(`${name}_rows`, a);
      source.set(`${name}_rows`, name);
    }
    if (name === "sched") for (let i = frame.length - 1; i >= 0; i--) firstSchedRow.set(ent[i]!, rowOf[i]!);
  }
  if (rows.length === 0) {
    throw new DetectorInputError(
      `features: no rows: the capture has no frame with t_s and a ${ents.column} column, or they are empty`,
      `frames present: ${Object.keys(capture.frames).join(", ") || "none"}; capture sched or syscalls for longer`,
    );
  }
  // Before schema 2 the sched collector charged blocked time at the switch-in that ended it, so a thread's first
  // window could not hold the blocking it was in when the capture began: unknown, not zero.
  const oldSched = (capture.meta?.schemaVersion ?? 2) < 2 ? new Set(firstSchedRow.values()) : new Set<number>();
  let f = assemble(
    rows,
    accs,
    ratios,
    ents,
    windowS,
    tsOrigin ?? 0,
    (r, col) => col === "offcpu_ns" && oldSched.has(r),
  );
  f.sources = f.matrix.columns.map((c) => source.get(c) ?? "");
  if ((opts.fillSilence ?? true) && capture.meta) {
    const sums = new Set([...accs].filter(([, a]) => a.agg === "sum").map(([k]) => k));
    f = fillSilence(f, processFacts(capture), {
      elapsedS: capture.meta.elapsedMs / 1000,
      hasProcessFrame: "process" in capture.frames,
      // Blocked time is not zero where no row reported it: the sched collector charges a live thread's blocking to
      // every interval (schema 2) or only at its switch-in (before), so a silent window's is unknown.
      absentIsZero: f.matrix.columns.map((c) => sums.has(c) && c !== "offcpu_ns"),
      ...intervalsOf(capture, windowS),
    });
  }
  // A level held for 3 s (a hog, a waiting queue) is not a burst; new collectors' columns get none by default.
  f = addSustained(f, ["oncpu_ns", "runq_ns"]);
  // Silence as a state: a window in which the process did nothing at all.
  return (opts.fillSilence ?? true) && capture.meta ? addIdle(f) : f;
}

/** The capture's interval coverage, from the sched frame's row times (a row per live thread per interval). */
function intervalsOf(
  capture: { frames: Readonly<Record<string, Frame>>; meta?: Capture["meta"] },
  windowS: number,
): { intervals?: IntervalCoverage } {
  const sched = capture.frames["sched"];
  if (!sched?.has("t_s") || !capture.meta?.intervalMs) return {};
  const intervals = intervalCoverage(sched.numeric("t_s"), capture.meta.intervalMs / 1000, windowS);
  return intervals ? { intervals } : {};
}

function withTop(decl: FeatureDecl, top: number | undefined): FeatureDecl {
  return top === undefined || !decl.breakdown ? decl : { ...decl, breakdown: { ...decl.breakdown, top } };
}

/** What an undeclared frame gives: sums of its integer columns, means of its float ones. */
function genericDecl(frame: Frame): FeatureDecl {
  const columns: Record<string, "sum" | "mean"> = {};
  for (const s of frame.schema) {
    if (KEY_COLUMNS.has(s.name)) continue;
    if (s.type === "i64" || s.type === "i32") columns[s.name] = "sum";
    else if (s.type === "f64") columns[s.name] = "mean";
  }
  return { columns };
}

function assemble(
  rows: RowIndex,
  accs: Map<string, FeatureAcc>,
  ratios: RatioFeature[],
  ents: Entities,
  windowS: number,
  tsOrigin: number,
  unknown: (row: number, column: string) => boolean,
): Features {
  const n = rows.length;
  const order = [...Array(n).keys()].sort(
    (a, b) =>
      rows.window[a]! - rows.window[b]! ||
      (ents.by === "comm"
        ? ents.strs[rows.entity[a]!]!.localeCompare(ents.strs[rows.entity[b]!]!)
        : rows.entity[a]! - rows.entity[b]!),
  );
  // A ratio sits right after its numerator; a ratio replaces a breakdown's total latency (its mean says more).
  const names: string[] = [];
  const getters: ((r: number) => number)[] = [];
  const replaced = new Set(
    ratios.filter((r) => /^sys_.+_latency_ns$|^syscall_latency_ns$/.test(r.num)).map((r) => r.num),
  );
  for (const [name, a] of accs) {
    if (!replaced.has(name)) {
      names.push(name);
      getters.push((r) => (unknown(r, name) ? NaN : a.get(r)));
    }
    for (const q of ratios.filter((x) => x.num === name || (replaced.has(x.num) && x.den === name))) {
      if (names.includes(q.name)) continue;
      const num = accs.get(q.num)!;
      const den = accs.get(q.den)!;
      names.push(q.name);
      const least = q.minDen;
      const measured = least === undefined ? (v: number) => v > 0 : (v: number) => v >= least;
      getters.push((r) => (measured(den.get(r)) ? num.get(r) / den.get(r) : NaN));
    }
  }
  const d = names.length;
  const data = new Float64Array(n * d);
  const missing = new Uint8Array(n * d);
  order.forEach((r, i) => {
    for (let j = 0; j < d; j++) {
      const v = getters[j]!(r);
      if (Number.isNaN(v)) missing[i * d + j] = 1;
      else data[i * d + j] = v;
    }
  });
  const schema: ColumnSpec[] = [
    { name: "t_s", type: "f64", unit: "s", description: "window start, seconds since capture start" },
    { name: "ts", type: "timestamp", unit: "us since epoch", description: "window start, wall clock" },
  ];
  const kc: Record<string, ColumnData> = {
    t_s: Float64Array.from(order, (r) => rows.window[r]! * windowS),
    ts: Float64Array.from(order, (r) => tsOrigin + rows.window[r]! * windowS * 1e6),
  };
  const strCol = (vals: string[]): ColumnData => {
    const dict: string[] = [];
    const idx = new Map<string, number>();
    const codes = Uint32Array.from(vals, (v) => {
      let k = idx.get(v);
      if (k === undefined) idx.set(v, (k = dict.push(v) - 1));
      return k;
    });
    return { codes, dict };
  };
  if (ents.by === "pid") {
    schema.push({ name: "pid", type: "u32" }, { name: "comm", type: "str", description: "process name" });
    kc.pid = Uint32Array.from(order, (r) => rows.entity[r]!);
    kc.comm = strCol(order.map((r) => ents.nameOfPid(rows.entity[r]!)));
  } else if (ents.by === "tid") {
    schema.push({ name: "tid", type: "u32" }, { name: "pid", type: "u32" }, { name: "comm", type: "str" });
    kc.tid = Uint32Array.from(order, (r) => rows.entity[r]!);
    kc.pid = Uint32Array.from(order, (r) => ents.pidOfTid.get(rows.entity[r]!) ?? rows.entity[r]!);
    kc.comm = strCol(order.map((r) => ents.threadName.get(rows.entity[r]!) ?? ents.nameOfPid(rows.entity[r]!)));
  } else if (ents.by === "comm") {
    schema.push({ name: "comm", type: "str", description: "process name" });
    kc.comm = strCol(order.map((r) => ents.strs[rows.entity[r]!]!));
  } else {
    schema.push({ name: "cgroup_id", type: "u64" }, { name: "cgroup", type: "str", description: "cgroup v2 path" });
    kc.cgroup_id = BigUint64Array.from(order, (r) => ents.bigs[rows.entity[r]!]!);
    kc.cgroup = strCol(order.map((r) => ents.pathOfCgroup(ents.bigs[rows.entity[r]!]!)));
  }
  return {
    matrix: { data, rows: n, cols: d, columns: names },
    keys: new Frame("keys", schema, kc, n),
    windowS,
    missing,
  };
}
