// The `labels` frame of a scenario capture: one row per labelled process (the anomalous one, its cause, the
// affected), with its time window in capture seconds, the signals it moves and how much was injected.

import type { Capture } from "../capture/capture.js";
import { DatasetError } from "../errors.js";
import type { ColumnSpec, Frame } from "../frame/frame.js";
import { FrameBuilder } from "../frame/frame-builder.js";
import type { RunningBaseline } from "./baseline.js";
import type { InjectionRun } from "./inject.js";
import type { ScenarioProcess } from "./scenario-process.js";
import type { LabelSpec, ScenarioLabel, ScenarioPlan } from "./scenario-types.js";

/** The name of the frame (and of labels.parquet beside the collectors' files). */
export const LABELS_FRAME = "labels";

export const LABEL_SCHEMA: readonly ColumnSpec[] = [
  { name: "kind", type: "str", description: "the scenario: cpu-hog, blocked, redis-aof-stall, ..." },
  { name: "role", type: "str", description: "anomaly (the process to find), cause or affected" },
  { name: "pid", type: "u32", description: "process id (tgid)" },
  { name: "comm", type: "str", description: "process name" },
  { name: "new_process", type: "bool", description: "started for the anomaly (false: a running process turned)" },
  { name: "start_s", type: "f64", unit: "s", description: "start, seconds since the capture began" },
  { name: "end_s", type: "f64", unit: "s", description: "end, seconds since the capture began" },
  { name: "signal", type: "str", description: 'primary signal, "collector:column" or "collector:key column"' },
  { name: "direction", type: "str", description: "up or down: how the primary signal moves" },
  { name: "signals", type: "str", description: '"; "-separated "collector:column up|down", primary first' },
  { name: "magnitude", type: "f64", description: "how much was injected (see magnitude_unit)" },
  { name: "magnitude_unit", type: "str", description: "s, bytes, forks, calls, fsyncs, ..." },
  { name: "description", type: "str", description: "what was injected, in words" },
];

/**
 * The labels of a finished injection. Times come from the processes' own CLOCK_MONOTONIC reports, relative to
 * the capture's start `t0` (ns) and clipped to [0, elapsedS]; an injection cut short ends at the capture's end.
 * Signals of collectors not in `collectors` (the capture's) are left out.
 */
export function buildLabels(
  plan: ScenarioPlan,
  run: InjectionRun | undefined,
  base: RunningBaseline,
  cap: Capture,
): Frame {
  const t0 = BigInt(cap.meta.monoStartNs);
  const elapsedS = cap.meta.elapsedMs / 1000;
  const collectors = new Set(cap.meta.collectors);
  const b = new FrameBuilder(LABEL_SCHEMA, 16);
  const inj = plan.injection;
  const rel = (ns: bigint) => Math.min(elapsedS, Math.max(0, Number(ns - t0) / 1e9));
  // a running host reports at the end; cut off before it, it started at the time it was given (if that came)
  const told = run?.atNs !== undefined && run.atNs < t0 + BigInt(Math.round(elapsedS * 1e9)) ? run.atNs : undefined;
  const hostStart = run?.host.times("start", run.from)[0] ?? told;
  if (inj && run && hostStart !== undefined) {
    const hostEnd = run.host.times("end", run.from)[0];
    const seen = new Set<number>();
    for (const spec of inj.labels) {
      const proc = who(spec, run, base);
      if (!proc || seen.has(proc.pid)) continue; // one row per process: the first role it has
      seen.add(proc.pid);
      let [from, to] = [hostStart, hostEnd];
      if (spec.window === "waits") [from, to] = waitWindow(proc, hostStart, hostEnd) ?? [from, to];
      const start = rel(from);
      let end = to !== undefined ? rel(to) : elapsedS;
      if (spec.window === "exit") end = exitTime(cap, proc.pid) ?? (proc.exitedAt ? rel(proc.exitedAt) : elapsedS);
      // only the signals this capture can show (disk ones need the disk collector)
      const signals = spec.signals.filter((x) => collectors.has(x.slice(0, x.indexOf(":"))));
      if (signals.length === 0) continue;
      const [signal = "", direction = "up"] = signals[0]!.split(/ (?=up$|down$)/);
      const mag = spec.magnitude;
      const src = mag?.from === "companion" ? run.companion : run.host;
      const r = b.beginRow();
      const set = (c: string, v: string | number) =>
        typeof v === "string" ? b.setStr(b.index(c), r, v) : b.setNum(b.index(c), r, v);
      set("kind", plan.scenario);
      set("role", spec.role);
      set("pid", proc.pid);
      set("comm", proc.name.slice(0, 15));
      set("new_process", Number(spec.who === "companion" || (spec.who === "host" && inj.host.kind === "new")));
      set("start_s", start);
      set("end_s", end);
      set("signal", signal);
      set("direction", direction);
      set("signals", signals.join("; "));
      set("magnitude", mag ? Number(src?.stat(mag.stat) ?? NaN) : Math.round((end - start) * 1000) / 1000);
      set("magnitude_unit", mag ? mag.unit : "s");
      set("description", inj.description);
    }
  }
  return b.finish(LABELS_FRAME);
}

function who(spec: LabelSpec, run: InjectionRun, base: RunningBaseline): ScenarioProcess | undefined {
  if (spec.who === "host") return run.host;
  if (spec.who === "companion") return run.companion;
  return base.procs.get(spec.who);
}

/** When process `pid` exited, seconds since the capture began, from the process frame's exit event. */
function exitTime(cap: Capture, pid: number): number | undefined {
  const f = cap.frames.process;
  if (!f || f.length === 0) return undefined;
  const ev = f.strings("event");
  const pids = f.numeric("pid");
  const t = f.numeric("t_s");
  for (let i = 0; i < f.length; i++) if (pids[i] === pid && ev[i] === "exit") return t[i];
  return undefined;
}

/** The queue worker's lock waits that overlap the holder's time: from the first wait's start to the last's end. */
function waitWindow(worker: ScenarioProcess, start: bigint, end: bigint | undefined): [bigint, bigint] | undefined {
  const stop = (end ?? BigInt(Number.MAX_SAFE_INTEGER)) + 50_000_000n;
  let lo: bigint | undefined;
  let hi: bigint | undefined;
  for (const r of worker.reports) {
    if (r.kind !== "wait" || r.fields.length < 2) continue;
    const a = BigInt(r.fields[0]!);
    const z = BigInt(r.fields[1]!);
    if (z < start || a > stop) continue;
    lo = lo === undefined || a < lo ? a : lo;
    hi = hi === undefined || z > hi ? z : hi;
  }
  return lo !== undefined && hi !== undefined ? [lo, hi] : undefined;
}

/**
 * The labels of a scenario capture (live or loaded) as objects; they work with labelRows (analysis/labels.ts).
 * @example scenarioLabels(await loadCapture("datasets/scenarios/cpu-hog-s1")).filter((l) => l.role === "anomaly")
 */
export function scenarioLabels(cap: Capture): ScenarioLabel[] {
  const f = cap.frames[LABELS_FRAME];
  if (!f) {
    throw new DatasetError(
      "this capture has no labels frame",
      "labels come with scenario captures: runScenario(...) or `bpflab scenario run`; datasets/scenarios holds some",
    );
  }
  return f.rows().map((r) => ({
    kind: String(r.kind),
    role: String(r.role) as ScenarioLabel["role"],
    pid: Number(r.pid),
    comm: String(r.comm),
    new_process: r.new_process === true,
    start_s: Number(r.start_s),
    end_s: Number(r.end_s),
    signal: String(r.signal),
    direction: String(r.direction) as ScenarioLabel["direction"],
    signals: String(r.signals),
    magnitude: Number(r.magnitude),
    magnitude_unit: String(r.magnitude_unit),
    description: String(r.description),
  }));
}
