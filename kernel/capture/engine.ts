// The capture engine: capture() as the sequence it is — check the plan, take the signals, start the target,
// open the tracker and one CollectorSession per collector, attach, then drain at each interval boundary into
// the sink until the duration, the command or a signal ends it; everything is released in reverse in `finally`.

import { hostname, release } from "node:os";
import type { Frame } from "../frame/frame.js";
import { checkBtf, checkPrivileges } from "../loader/preflight.js";
import { filterActive, type FilterConfig } from "../collectors/schema.js";
import { log } from "../log.js";
import { BPFLAB_VERSION } from "../paths.js";
import { Capture, CaptureMeta, SCHEMA_VERSION } from "./capture.js";
import { CaptureSink, MemorySink } from "./capture-sink.js";
import { CollectorSession } from "./collector-session.js";
import { dropsFrame, DROPS_FRAME, dropsSchema, dropWarnings } from "./drops.js";
import { CgroupTree, CGROUPS_FRAME, cgroupsSchema } from "./cgroup-tree.js";
import { EpochClock } from "./epoch-clock.js";
import { onlineRun } from "../online/online-run.js";
import { CaptureOptions, CaptureProgress, Plan, resolvePlan } from "./plan.js";
import { StopSwitch, takeSignals } from "./signals.js";
import { processTree, StoppedCommand } from "./target.js";
import { PidTracker } from "./tracker.js";

export type { CaptureOptions, CaptureProgress } from "./plan.js";

/** How often ring buffers are drained and the clock checked (records are submitted without wakeups). */
const TICK_MS = 50;

/**
 * Captures for `duration` and returns one frame per collector frame. Needs root (or CAP_BPF + CAP_PERFMON).
 * Every link, map and fd is released before this returns or throws; an interrupted capture returns what it had.
 * @example const cap = await capture({ collectors: ["sched", "syscalls"], duration: "10s" });
 */
export async function capture(options: CaptureOptions): Promise<Capture> {
  const plan = resolvePlan(options);
  // online detectors see every interval before the caller's onInterval; their alerts become the `alerts` frame
  const online = onlineRun(options, options.onInterval);
  checkPrivileges();
  checkBtf(plan.btfPath);
  const sink = options.sink ?? new MemorySink();
  const stop = new StopSwitch();
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
  const sessions: CollectorSession[] = [];
  let tracker: PidTracker | undefined;
  let cmd: StoppedCommand | undefined;
  let clock: EpochClock | undefined;
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
        ...(tracker ? { tracked: tracker.tracked } : {}),
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
    ]);
    begun = true;
    log.info(`capturing ${plan.collectors.map((c) => c.collector.name).join(", ")} for ${plan.durationMs} ms`);
    cmd?.resume();
    void cmd?.exited.then(() => stop.stop("command exited"));
    await pollLoop(plan, clock, sessions, sink, stop, online.tick);
  } catch (e) {
    failure = e;
    stop.stop("error");
  } finally {
    if (clock) {
      elapsedMs = clock.elapsedMs();
      finalDrain(clock, sessions, begun ? sink : undefined, cgroups);
    }
    for (const s of [...sessions].reverse()) s.close();
    if (tracker) {
      try {
        filterOverflow = tracker.overflow();
        if (filterOverflow > 0)
          log.warn(
            `the process filter could not follow ${filterOverflow.toLocaleString("en-US")} new process(es): its map ` +
              `holds ${plan.maxTracked.toLocaleString("en-US")}; their events are missing. Raise maxTracked ` +
              `(capture option or config file)`,
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
  const interrupted = failure !== undefined || (stop.reason !== "duration" && stop.reason !== "command exited");
  const meta: CaptureMeta = {
    ...startMeta(plan, clock, cmd),
    elapsedMs,
    lost: Object.fromEntries(sessions.map((s) => [s.name, s.lostTotal ?? 0])),
    ...lostPerBufferMeta(sessions),
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
    const frames = sink instanceof MemorySink ? sink.frames() : {};
    if (files.length) log.debug(`wrote ${files.join(", ")}`);
    return online.finish(new Capture(meta, frames));
  } finally {
    releaseSignals();
    unwatch();
  }
}

/** Drains rings every tick and, at each interval boundary, the finished epoch, until something stops it. */
async function pollLoop(
  plan: Plan,
  clock: EpochClock,
  sessions: CollectorSession[],
  sink: CaptureSink,
  stop: StopSwitch,
  onInterval: CaptureOptions["onInterval"],
): Promise<void> {
  const start = Date.now();
  const endAt = start + plan.durationMs;
  let nextBoundary = start + plan.intervalMs;
  let pending: number | undefined; // epoch to drain at the next tick, once no program can still write it
  while (stop.reason === undefined) {
    const now = Date.now();
    await stop.sleep(Math.max(0, Math.min(TICK_MS, endAt - now, nextBoundary - now)));
    for (const s of sessions) s.drainRings();
    if (pending !== undefined) {
      for (const s of sessions) s.drainEpochs(pending, clock, false);
      const chunk = handOn(sessions, sink);
      onInterval?.(progress(plan, clock, sessions, sink, chunk));
      pending = undefined;
    }
    if (Date.now() >= endAt) stop.stop("duration");
    if (stop.reason === undefined && Date.now() >= nextBoundary) {
      pending = clock.advance();
      for (const s of sessions) s.runBoundary();
      nextBoundary += plan.intervalMs;
    }
  }
}

/**
 * The end: charge what is still going on (blocked threads) to the last interval, detach so nothing changes,
 * then read every remaining record and entry. Never throws: a failing read is logged, the rest still runs.
 */
function finalDrain(
  clock: EpochClock,
  sessions: CollectorSession[],
  sink: CaptureSink | undefined,
  cgroups: CgroupTree | undefined,
): void {
  const guard = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      log.warn(`${what} failed: ${(e as Error).message}`);
    }
  };
  guard("final interval boundary", () => {
    clock.end();
    for (const s of sessions) s.runBoundary();
  });
  for (const s of sessions) s.detach();
  for (const s of sessions) {
    guard(`final read of ${s.name}`, () => {
      s.drainRings(true);
      s.drainEpochs(-1, clock, true);
      s.lostTotal = s.lost();
      s.lostBuffers = s.lostPerBuffer();
    });
  }
  if (!sink) return;
  guard("saving the last interval", () => void handOn(sessions, sink));
  guard("reading lost records per process", () => {
    for (const s of sessions) s.lostPids = s.lostByPid();
    const drops = dropsFrame(sessions.map((s) => ({ collector: s.name, byPid: s.lostPids ?? new Map() })));
    sink.append(DROPS_FRAME, drops);
    const lost = Object.fromEntries(sessions.map((s) => [s.name, s.lostTotal ?? 0]));
    for (const w of dropWarnings(lost, drops)) log.warn(w);
  });
  // the cgroups the capture saw, for the ids in its rows (paths, containers, units)
  if (cgroups) guard("recording the cgroup tree", () => sink.append(CGROUPS_FRAME, cgroups.frame()));
}

/** Event frames' losses per CPU ring, when any collector streams events. */
function lostPerBufferMeta(sessions: CollectorSession[]): Pick<CaptureMeta, "lostPerBuffer"> {
  const all = Object.assign({}, ...sessions.map((s) => s.lostBuffers ?? {})) as Record<string, number[]>;
  return Object.keys(all).length ? { lostPerBuffer: all } : {};
}

/** Moves each session's new rows into the sink; returns them. */
function handOn(sessions: CollectorSession[], sink: CaptureSink): Record<string, Frame> {
  const chunk: Record<string, Frame> = {};
  for (const s of sessions) {
    for (const [name, f] of Object.entries(s.take())) {
      chunk[name] = f;
      sink.append(name, f);
    }
  }
  return chunk;
}

function progress(
  plan: Plan,
  clock: EpochClock,
  sessions: CollectorSession[],
  sink: CaptureSink,
  chunk: Record<string, Frame>,
): CaptureProgress {
  return {
    elapsedMs: clock.elapsedMs(),
    durationMs: plan.durationMs,
    rows: Object.assign({}, ...sessions.map((s) => s.rows())) as Record<string, number>,
    newRows: Object.fromEntries(Object.entries(chunk).map(([k, f]) => [k, f.length])),
    chunk,
    lost: Object.fromEntries(sessions.map((s) => [s.name, s.lost()])),
    frames: () => (sink instanceof MemorySink ? sink.frames() : {}),
  };
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
    ...(plan.pid !== undefined ? { pid: plan.pid } : {}),
    ...(cmd ? { command: cmd.argv, pid: cmd.pid } : {}),
    ...(plan.cgroup ? { cgroup: plan.cgroup.path } : {}),
    ...(plan.comm !== undefined ? { comm: plan.comm } : {}),
  };
}
