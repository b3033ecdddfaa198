// Feature extraction from a capture: one row per (time window, entity) with CPU, syscall and process-event
// columns, keys kept beside the matrix so every detector score maps back to a process and a moment.

import type { Capture } from "../capture/capture.js";
import { DetectorInputError, OptionError } from "../errors.js";
import { ColumnData, ColumnSpec, Frame, isStringColumn } from "../frame/frame.js";
import type { Matrix } from "../detectors/matrix.js";
import { GrowColumn, RowIndex } from "./row-index.js";
import { parseWindow } from "./window.js";

export type EntityKind = "pid" | "tid" | "comm" | "cgroup";

export interface FeatureOptions {
  /** What one row describes: a process (default), a thread, a command name or a cgroup. */
  by?: EntityKind;
  /** Window length: "1s" (default), "500ms", "2m" or seconds. */
  window?: string | number;
  /** How many syscalls (by total count over the capture) get their own columns (default 8). */
  topSyscalls?: number;
  /**
   * These syscalls get their own columns instead of the top ones (e.g. a baseline capture's features built with
   * the scored capture's syscalls, so both have the same columns); one without calls gets zeros.
   */
  syscalls?: readonly string[];
}

/** The feature matrix and, row for row, who and when each row is. */
export interface Features {
  /** Rows ordered by window, then entity. Column names carry units (oncpu_ns, syscall_mean_latency_ns, ...). */
  matrix: Matrix;
  /**
   * Keys per row: t_s (window start, s since capture start), ts (window start, µs since epoch), then the entity
   * columns: pid + comm (by pid), tid + pid + comm (by tid), comm (by comm), cgroup_id (by cgroup).
   */
  keys: Frame;
  windowS: number;
  /**
   * Per row, when known (fillSilence sets it): bits PARTIAL_START (the window holds the entity's exec or fork),
   * PARTIAL_EXIT (its exit) and PARTIAL_CAPTURE_END (the capture's incomplete last window); 0 = a full window.
   */
  partial?: Uint8Array;
}

// Columns that identify rows or clocks; never summed as features by the generic path.
const KEY_COLUMNS = new Set(["ts", "t_s", "ts_ns", "pid", "tid", "ppid", "comm", "cgroup_id", "nr", "exit_code"]);

/**
 * Builds per-window, per-entity features from a capture's "sched", "syscalls" and "process" frames:
 * - sched: oncpu_ns, runq_ns, offcpu_ns, vol_switches, invol_switches, migrations (sums per window);
 * - syscalls: syscalls_count, syscall_errors, syscall_error_rate, syscall_mean_latency_ns, syscall_max_latency_ns,
 *   and for the `topSyscalls` most frequent syscalls sys_<name>_count and sys_<name>_mean_latency_ns;
 * - process: forks (credited to the parent, ppid), execs, exits;
 * - any other frame with t_s and the entity column: the sum of each i64/f64 column as <collector>_<column>, plus
 *   <collector>_rows, so new collectors add features without code here.
 * A missing collector contributes no columns; a (window, entity) seen by one collector only gets 0 elsewhere.
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
  const topK = opts.topSyscalls ?? 8;
  const rows = new RowIndex();
  const cols = new Map<string, GrowColumn>();
  const col = (name: string): GrowColumn => {
    let c = cols.get(name);
    if (!c) cols.set(name, (c = new GrowColumn()));
    return c;
  };
  const ents = new Entities(by);
  const frames = capture.frames;
  let tsOrigin: number | undefined = capture.meta?.wallStartUs;

  for (const [name, frame] of Object.entries(frames)) {
    // A scenario capture's ground truth is not a collector's data.
    if (name === "labels") continue;
    if (frame.length === 0 || !frame.has("t_s") || !ents.usable(frame, name === "process")) continue;
    const t = frame.numeric("t_s");
    if (tsOrigin === undefined && frame.has("ts")) tsOrigin = frame.numeric("ts")[0]! - t[0]! * 1e6;
    const ent = ents.ids(frame, name === "process");
    const rowOf = new Int32Array(frame.length);
    for (let i = 0; i < frame.length; i++) rowOf[i] = rows.row(Math.floor(t[i]! / windowS), ent[i]!);

    if (name === "syscalls") addSyscalls(frame, rowOf, col, topK, opts.syscalls);
    else if (name === "process") addProcess(frame, rowOf, col);
    else {
      const prefix = name === "sched" ? "" : `${name}_`;
      for (const spec of frame.schema) {
        if (KEY_COLUMNS.has(spec.name) || (spec.type !== "i64" && spec.type !== "f64")) continue;
        const v = frame.numeric(spec.name);
        const c = col(prefix + spec.name);
        for (let i = 0; i < frame.length; i++) c.add(rowOf[i]!, v[i]!);
      }
      if (name !== "sched") {
        const c = col(`${name}_rows`);
        for (let i = 0; i < frame.length; i++) c.add(rowOf[i]!, 1);
      }
    }
  }
  if (rows.length === 0) {
    throw new DetectorInputError(
      `features: no rows: the capture has no frame with t_s and a ${ents.column} column, or they are empty`,
      `frames present: ${Object.keys(frames).join(", ") || "none"}; capture sched or syscalls for longer`,
    );
  }
  return assemble(rows, cols, ents, windowS, tsOrigin ?? 0);
}

function addSyscalls(
  frame: Frame,
  rowOf: Int32Array,
  col: (n: string) => GrowColumn,
  topK: number,
  named?: readonly string[],
): void {
  const count = frame.numeric("count");
  const errors = frame.has("errors") ? frame.numeric("errors") : undefined;
  const lat = frame.has("latency_ns") ? frame.numeric("latency_ns") : undefined;
  const maxLat = frame.has("max_latency_ns") ? frame.numeric("max_latency_ns") : undefined;
  const n = frame.length;
  const total = col("syscalls_count");
  for (let i = 0; i < n; i++) total.add(rowOf[i]!, count[i]!);
  if (errors) {
    const c = col("syscall_errors");
    for (let i = 0; i < n; i++) c.add(rowOf[i]!, errors[i]!);
  }
  if (lat) {
    const c = col("syscall_latency_ns");
    for (let i = 0; i < n; i++) c.add(rowOf[i]!, lat[i]!);
  }
  if (maxLat) {
    const c = col("syscall_max_latency_ns");
    for (let i = 0; i < n; i++) c.max(rowOf[i]!, maxLat[i]!);
  }
  if (!frame.has("syscall") || (topK <= 0 && !named)) return;
  const sc = frame.column("syscall");
  if (!isStringColumn(sc)) return;
  const perCode = new Float64Array(sc.dict.length);
  for (let i = 0; i < n; i++) perCode[sc.codes[i]!]! += count[i]!;
  const top = named
    ? named.map((nm) => sc.dict.indexOf(nm))
    : [...perCode.keys()]
        .filter((k) => perCode[k]! > 0)
        .sort((a, b) => perCode[b]! - perCode[a]! || sc.dict[a]!.localeCompare(sc.dict[b]!))
        .slice(0, topK);
  for (const [k, code] of top.entries()) {
    const name = named ? named[k]! : sc.dict[code]!;
    const c = col(`sys_${name}_count`);
    const l = lat ? col(`sys_${name}_latency_ns`) : undefined;
    for (let i = 0; i < n; i++) {
      if (sc.codes[i] !== code) continue;
      c.add(rowOf[i]!, count[i]!);
      l?.add(rowOf[i]!, lat![i]!);
    }
  }
}

function addProcess(frame: Frame, rowOf: Int32Array, col: (n: string) => GrowColumn): void {
  if (!frame.has("event")) return;
  const ev = frame.strings("event");
  const names: Record<string, string> = { fork: "forks", exec: "execs", exit: "exits" };
  for (const c of Object.values(names)) col(c);
  for (let i = 0; i < frame.length; i++) {
    const c = names[ev[i]!];
    if (c) col(c).add(rowOf[i]!, 1);
  }
}

/** Maps each row of a frame to an entity id, and remembers labels (comm, pid) for the keys frame. */
class Entities {
  readonly column: string;
  private readonly byStr = new Map<string, number>();
  private readonly byBig = new Map<bigint, number>();
  strs: string[] = [];
  bigs: bigint[] = [];
  /** Last comm / pid seen per entity id (by pid and by tid). */
  comm = new Map<number, string>();
  pid = new Map<number, number>();

  constructor(readonly by: EntityKind) {
    this.column = by === "cgroup" ? "cgroup_id" : by;
  }

  usable(frame: Frame, isProcess: boolean): boolean {
    return frame.has(this.column) || (isProcess && this.by === "pid" && frame.has("ppid"));
  }

  ids(frame: Frame, isProcess: boolean): Float64Array {
    const n = frame.length;
    const out = new Float64Array(n);
    const comm = frame.has("comm") ? frame.column("comm") : undefined;
    const commAt = (i: number): string | undefined =>
      comm && isStringColumn(comm) ? comm.dict[comm.codes[i]!] : undefined;
    // A fork is credited to the process that forked: its ppid (pid and tid views), not the new child.
    const ev = isProcess && frame.has("event") && frame.has("ppid") ? frame.strings("event") : undefined;
    const ppid = ev ? frame.numeric("ppid") : undefined;
    if (this.by === "pid" || this.by === "tid") {
      const v = frame.numeric(this.column);
      const pidCol = frame.has("pid") ? frame.numeric("pid") : undefined;
      for (let i = 0; i < n; i++) {
        const fork = ev !== undefined && ev[i] === "fork";
        const id = fork ? ppid![i]! : v[i]!;
        out[i] = id;
        if (!fork) {
          const c = commAt(i);
          if (c !== undefined) this.comm.set(id, c);
          if (pidCol) this.pid.set(id, pidCol[i]!);
        }
      }
    } else if (this.by === "comm") {
      for (let i = 0; i < n; i++) out[i] = this.intern(commAt(i) ?? "");
    } else {
      const c = frame.column("cgroup_id");
      for (let i = 0; i < n; i++) {
        const b = c instanceof BigUint64Array ? c[i]! : BigInt(Math.trunc(Number((c as Float64Array)[i])));
        let id = this.byBig.get(b);
        if (id === undefined) {
          id = this.bigs.length;
          this.bigs.push(b);
          this.byBig.set(b, id);
        }
        out[i] = id;
      }
    }
    return out;
  }

  private intern(s: string): number {
    let id = this.byStr.get(s);
    if (id === undefined) {
      id = this.strs.length;
      this.strs.push(s);
      this.byStr.set(s, id);
    }
    return id;
  }
}

function assemble(
  rows: RowIndex,
  cols: Map<string, GrowColumn>,
  ents: Entities,
  windowS: number,
  tsOrigin: number,
): Features {
  const n = rows.length;
  const sortKey = (r: number): string | number => rows.entity[r]!;
  const order = [...Array(n).keys()].sort(
    (a, b) =>
      rows.window[a]! - rows.window[b]! ||
      (ents.by === "comm"
        ? ents.strs[rows.entity[a]!]!.localeCompare(ents.strs[rows.entity[b]!]!)
        : (sortKey(a) as number) - (sortKey(b) as number)),
  );
  // Derived ratios are computed after summing, so they are per window, not averages of per-row ratios.
  const count = cols.get("syscalls_count");
  const derived = new Map<string, (r: number) => number>();
  if (count && cols.has("syscall_errors"))
    derived.set("syscall_error_rate", (r) => ratio(cols.get("syscall_errors")!.get(r), count.get(r)));
  if (count && cols.has("syscall_latency_ns"))
    derived.set("syscall_mean_latency_ns", (r) => ratio(cols.get("syscall_latency_ns")!.get(r), count.get(r)));
  const names: string[] = [];
  const getters: ((r: number) => number)[] = [];
  for (const [name, c] of cols) {
    if (name === "syscall_latency_ns") continue; // replaced by the mean
    const m = /^sys_(.+)_latency_ns$/.exec(name);
    if (m) {
      const cnt = cols.get(`sys_${m[1]}_count`)!;
      names.push(`sys_${m[1]}_mean_latency_ns`);
      getters.push((r) => ratio(c.get(r), cnt.get(r)));
      continue;
    }
    names.push(name);
    getters.push((r) => c.get(r));
    if (name === "syscall_errors" && derived.has("syscall_error_rate")) {
      names.push("syscall_error_rate");
      getters.push(derived.get("syscall_error_rate")!);
    }
    if (name === "syscalls_count" && derived.has("syscall_mean_latency_ns")) {
      names.push("syscall_mean_latency_ns");
      getters.push(derived.get("syscall_mean_latency_ns")!);
    }
  }
  const d = names.length;
  const data = new Float64Array(n * d);
  order.forEach((r, i) => {
    for (let j = 0; j < d; j++) data[i * d + j] = getters[j]!(r);
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
  if (ents.by === "pid" || ents.by === "tid") {
    if (ents.by === "tid") {
      schema.push({ name: "tid", type: "u32" });
      kc.tid = Uint32Array.from(order, (r) => rows.entity[r]!);
    }
    schema.push({ name: "pid", type: "u32" }, { name: "comm", type: "str" });
    kc.pid = Uint32Array.from(order, (r) =>
      ents.by === "pid" ? rows.entity[r]! : (ents.pid.get(rows.entity[r]!) ?? 0),
    );
    kc.comm = strCol(order.map((r) => ents.comm.get(rows.entity[r]!) ?? ""));
  } else if (ents.by === "comm") {
    schema.push({ name: "comm", type: "str" });
    kc.comm = strCol(order.map((r) => ents.strs[rows.entity[r]!]!));
  } else {
    schema.push({ name: "cgroup_id", type: "u64" });
    kc.cgroup_id = BigUint64Array.from(order, (r) => ents.bigs[rows.entity[r]!]!);
  }
  return { matrix: { data, rows: n, cols: d, columns: names }, keys: new Frame("keys", schema, kc, n), windowS };
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}
