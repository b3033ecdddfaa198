// The capture engine: capture() as the sequence it is — check the plan, take the signals, start the target,
// open the tracker and one CollectorSession per collector, attach, then drain at each interval boundary into
// the sink until the duration, the command or a signal ends it; everything is released in reverse in `finally`.

import { hostname, release } from "node:os";
import { checkBtf, checkPrivileges } from "../loader/preflight.js";
import { filterActive, type FilterConfig } from "../collectors/schema.js";
import { log } from "../log.js";
import { BPFLAB_VERSION } from "../paths.js";
import { Capture, CaptureMeta, SCHEMA_VERSION } from "./capture.js";
import { CaptureSink, MemorySink } from "./capture-sink.js";
import { CollectorSession } from "./collector-session.js";
import { finalDrain, lostPerBufferMeta, memoryFrames, pollLoop, stacksMeta } from "./drain-loop.js";
import { RingTriggers, ringStopped } from "./ring-triggers.js";
import { DROPS_FRAME, dropsSchema } from "./drops.js";
import { CgroupTree, CGROUPS_FRAME, cgroupsSchema } from "./cgroup-tree.js";
import { EpochClock } from "./epoch-clock.js";
import { guardInspectorSignal } from "./inspector-guard.js";
import { onlineRun } from "../online/online-run.js";
import { CaptureOptions, Plan, resolvePlan } from "./plan.js";
import { StopSwitch, takeSignals } from "./signals.js";
import { processTree, StoppedCommand } from "./target.js";
import { PidTracker } from "./tracker.js";

export type { CaptureOptions, CaptureProgress } from "./plan.js";

/**
 * Captures for `duration` and returns one frame per collector frame. Needs root (or CAP_BPF + CAP_PERFMON).
 * Every link, map and fd is released before this returns or throws; an interrupted capture returns what it had.
 * @example const cap = await capture({ collectors: ["sched", "syscalls"], duration: "10s" });
 */
export async function capture(options: CaptureOptions): Promise<Capture> {
  const plan = resolvePlan(options);
  guardInspectorSignal(); // a root process: SIGUSR1 must not open Node's inspector (see there)
  checkPrivileges();
  checkBtf(plan.btfPath);
  const stop = new StopSwitch();
  let clock: EpochClock | undefined;
  let cmd: StoppedCommand | undefined;
  const sessions: CollectorSession[] = [];
  // a flight recorder (ring) keeps the last window of rows and stores it in the caller's sink at the end
  const ring = RingTriggers.open(plan, options, stop, () => ({
    ...startMeta(plan, clock, cmd),
    lost: Object.fromEntries(sessions.map((s) => [s.name, s.lost()])),
  }));
  const sink: CaptureSink = ring?.recorder ?? options.sink ?? new MemorySink();
  // online detectors see every interval before the caller's onInterval; their alerts become the `alerts` frame
  const online = onlineRun(
    options,
    (p) => {
      ring?.check(p, online.alerts);
      options.onInterval?.(p);
    },
    sink,
    process.pid,
  );
  const unwatch = stop.watch(options.signal);
  let releaseSignals = () => {};
  if (options.handleSignals ?? true) {
    await new Promise<void>((r) => setImmediate(r)); // see takeSignals: not inside tslab's synchronous cell part
    releaseSignals = takeSignals((sig) => stop.stop(sig));
  }
  const filter: FilterConfig = {
    tgid: plan.pid ?? 0,
    followChildren: plan.followChildren,
    ...(plan.cgroup ? { cgroup: plan.cgroup } : {}),
    ...(plan.comm !== undefined ? { comm: plan.comm } : {}),
  };
  let tracker: PidTracker | undefined;
  let begun = false;
  let failure: unknown;
  let elapsedMs = 0;
  let filterOverflow = 0;
  let commandTerminated = false;
  let cgroups: CgroupTree | undefined;
  try {
    if (plan.command) {
      cmd = await StoppedCommand.start(plan.command);
      filter.tgid = cmd.pid;
    }
    if (filterActive(filter)) tracker = PidTracker.open(filter, plan.maxTracked, plan.btfPath);
    // the cgroup tree before anything runs: ids seen later are looked up in it, new ones by a rescan
    cgroups = new CgroupTree();
    let ctl = tracker?.ctl;
    for (const p of plan.collectors) {
      const s = CollectorSession.open(p, {
        filter,
        maxTracked: plan.maxTracked,
        ...(plan.btfPath ? { btfPath: plan.btfPath } : {}),
        ...(tracker ? { tracked: tracker.tracked, filterGen: tracker.filterGen } : {}),
        ...(ctl ? { ctl } : {}),
        cgroups,
      });
      sessions.push(s);
      ctl ??= s.ctl;
    }
    tracker?.seed(
      cmd ? [cmd.pid] : !filter.tgid ? [] : filter.followChildren ? processTree(filter.tgid) : [filter.tgid],
    );
    clock = new EpochClock(ctl!, sessions[0]!.btf);
    // the tracker first: a fork must be tracked before the collectors' own fork programs look at it
    tracker?.attach();
    for (const s of sessions) s.attach(clock, filter);
    sink.begin(startMeta(plan, clock, cmd), [
      ...sessions.flatMap((s) => s.frames),
      { name: DROPS_FRAME, schema: dropsSchema },
      { name: CGROUPS_FRAME, schema: cgroupsSchema },
      ...online.sinkFrames(),
    ]);
    begun = true;
    ring?.start(clock.t0.mono, options.handleSignals ?? true);
    log.info(`capturing ${plan.collectors.map((c) => c.collector.name).join(", ")} for ${plan.durationMs} ms`);
    cmd?.resume();
    void cmd?.exited.then(() => stop.stop("command exited"));
    await pollLoop(plan, clock, sessions, sink, stop, online.tick, (s) => ring?.ready(s));
  } catch (e) {
    failure = e;
    stop.stop("error");
  } finally {
    if (clock) {
      elapsedMs = clock.elapsedMs();
      finalDrain(clock, sessions, begun ? sink : undefined, cgroups);
    }
    ring?.close();
    if (failure === undefined) ring?.flush();
    for (const s of [...sessions].reverse()) s.close();
    if (tracker) {
      try {
        filterOverflow = tracker.overflow();
        if (filterOverflow > 0)
          log.warn(
            `the process filter could not follow ${filterOverflow.toLocaleString("en-US")} new process(es): its map ` +
              `holds ${plan.maxTracked.toLocaleString("en-US")}; their events are missing. Raise --max-tracked ` +
              `(maxTracked in capture() or a config file)`,
          );
      } catch (e) {
        log.warn(`reading the pid filter's overflow failed: ${(e as Error).message}`);
      }
      tracker.close();
    }
    if (cmd) {
      commandTerminated = cmd.exitCode === undefined;
      await cmd.terminate();
    }
  }
  // The caller's own decision (Ctrl-C, an interrupt, an abort): said in meta.interrupted, not as a warning.
  const interrupted =
    failure !== undefined ||
    (stop.reason !== "duration" && stop.reason !== "command exited" && !ringStopped(stop.reason));
  const meta: CaptureMeta = {
    ...startMeta(plan, clock, cmd),
    elapsedMs,
    lost: Object.fromEntries(sessions.map((s) => [s.name, s.lostTotal ?? 0])),
    ...lostPerBufferMeta(sessions),
    ...stacksMeta(sessions),
    interrupted,
    ...(cmd ? { commandExitCode: cmd.exitCode ?? null, commandTerminated } : {}),
    ...(tracker ? { filterOverflow } : {}),
  };
  try {
    if (failure !== undefined) {
      if (begun) await sink.abort(meta);
      throw failure;
    }
    if (interrupted)
      log.info(`capture stopped early (${stop.reason}); keeping ${(elapsedMs / 1000).toFixed(1)} s of data`);
    const files = await sink.finish(meta);
    const frames = memoryFrames(sink);
    if (files.length) log.debug(`wrote ${files.join(", ")}`);
    return online.finish(new Capture(ring?.recorder.withRing(meta) ?? meta, frames), true);
  } finally {
    releaseSignals();
    unwatch();
  }
}

/** The metadata known when the capture starts (a capture cut off before its end is recovered with it). */
function startMeta(plan: Plan, clock: EpochClock | undefined, cmd: StoppedCommand | undefined): CaptureMeta {
  return {
    bpflabVersion: BPFLAB_VERSION,
    schemaVersion: SCHEMA_VERSION,
    host: hostname(),
    kernel: release(),
    wallStartUs: clock?.t0.wallUs ?? 0,
    monoStartNs: (clock?.t0.mono ?? 0n).toString(),
    durationMs: plan.durationMs,
    elapsedMs: 0,
    intervalMs: plan.intervalMs,
    collectors: plan.collectors.map((c) => c.collector.name),
    options: Object.fromEntries(plan.collectors.map((c) => [c.collector.name, c.opts])),
    lost: {},
    interrupted: false,
    capturedBy: process.pid,
    ...(plan.pid !== undefined ? { pid: plan.pid } : {}),
    ...(cmd ? { command: cmd.argv, pid: cmd.pid } : {}),
    ...(plan.cgroup ? { cgroup: plan.cgroup.path } : {}),
    ...(plan.comm !== undefined ? { comm: plan.comm } : {}),
  };
}
