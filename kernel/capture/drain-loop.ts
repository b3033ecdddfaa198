// The capture's running part: drain the rings every tick and each finished interval at its boundary into the
// sink (with the progress handed to onInterval) until something stops it, then the final drain. engine.ts holds
// the sequence around it (set up, attach, release).

import type { Frame } from "../frame/frame.js";
import { log } from "../log.js";
import type { CaptureMeta } from "./capture-meta.js";
import { CaptureSink, MemorySink } from "./capture-sink.js";
import type { CgroupTree } from "./cgroup-tree.js";
import { CGROUPS_FRAME } from "./cgroup-tree.js";
import { CollectorSession, EVENT_SETTLE_NS } from "./collector-session.js";
import { dropsFrame, DROPS_FRAME, dropWarnings } from "./drops.js";
import type { EpochClock } from "./epoch-clock.js";
import { FlightRecorder } from "./flight-recorder.js";
import type { CaptureOptions, CaptureProgress, Plan } from "./plan.js";
import type { StopSwitch } from "./signals.js";

/**
 * How often ring buffers are drained and the clock checked (records are submitted without wakeups): every
 * TICK_MS while records arrive, backing off to IDLE_TICK_MS while the rings stay empty, since each wake-up costs
 * the capture CPU (at 50 ms, about a third of an idle profile capture's own). Rings are sized for IDLE_TICK_MS of
 * a storm: the first drain after a quiet spell can come that late.
 */
const TICK_MS = 50;
const IDLE_TICK_MS = 200;

/** Called after each interval's rows are in the sink: `drainedS` is how far (s) every frame's rows are complete. */
export type AfterInterval = (drainedS: number) => void;

/** Drains rings every tick and, at each interval boundary, the finished epoch, until something stops it. */
export async function pollLoop(
  plan: Plan,
  clock: EpochClock,
  sessions: CollectorSession[],
  sink: CaptureSink,
  stop: StopSwitch,
  onInterval: CaptureOptions["onInterval"],
  afterInterval?: AfterInterval,
): Promise<void> {
  const start = Date.now();
  const endAt = start + plan.durationMs;
  let nextBoundary = start + plan.intervalMs;
  let pending: number | undefined; // epoch to drain at the next tick, once no program can still write it
  let pendingEndS = 0; // where that epoch ends, in seconds since the start
  let tick = TICK_MS;
  while (stop.reason === undefined) {
    const now = Date.now();
    await stop.sleep(Math.max(0, Math.min(tick, endAt - now, nextBoundary - now)));
    // event rows are complete up to the drain's start minus the settle time (see CollectorSession.drainRings)
    const eventsToS = (clock.elapsedMs() * 1e6 - EVENT_SETTLE_NS) / 1e9;
    let records = 0;
    for (const s of sessions) records += s.drainRings();
    tick = records > 0 ? TICK_MS : Math.min(IDLE_TICK_MS, tick * 2);
    if (pending !== undefined) {
      for (const s of sessions) s.drainEpochs(pending, clock, false);
      const chunk = handOn(sessions, sink);
      onInterval?.(progress(plan, clock, sessions, sink, chunk, pending));
      afterInterval?.(Math.min(pendingEndS, eventsToS));
      pending = undefined;
    }
    const behind = sink.ready?.();
    if (behind) await behind; // bounded memory first: what the rings cannot hold meanwhile is counted as lost
    if (Date.now() >= endAt) stop.stop("duration");
    if (stop.reason === undefined && Date.now() >= nextBoundary) {
      pendingEndS = clock.elapsedMs() / 1000;
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
export function finalDrain(
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
      s.stackSummary = s.summary();
    });
  }
  if (!sink) return;
  guard("saving the last interval", () => void handOn(sessions, sink));
  guard("reading lost records per process", () => {
    for (const s of sessions) s.lostPids = s.lostByPid();
    const drops = dropsFrame(sessions.map((s) => ({ collector: s.name, byPid: s.lostPids ?? new Map() })));
    sink.append(DROPS_FRAME, drops);
    const lost = Object.fromEntries(sessions.map((s) => [s.name, s.lostTotal ?? 0]));
    // records lost in event rings (per CPU, per frame), apart from full maps: the fix differs
    const ringLost = Object.fromEntries(
      sessions.map((s) => [
        s.name,
        Object.values(s.lostBuffers ?? {}).reduce((a, l) => a + l.reduce((x, y) => x + y, 0), 0),
      ]),
    );
    for (const w of dropWarnings(lost, drops, ringLost)) log.warn(w);
  });
  // the cgroups the capture saw, for the ids in its rows (paths, containers, units)
  if (cgroups) guard("recording the cgroup tree", () => sink.append(CGROUPS_FRAME, cgroups.frame()));
}

/** Event frames' losses per CPU ring, when any collector streams events. */
export function lostPerBufferMeta(sessions: CollectorSession[]): Pick<CaptureMeta, "lostPerBuffer"> {
  const all = Object.assign({}, ...sessions.map((s) => s.lostBuffers ?? {})) as Record<string, number[]>;
  return Object.keys(all).length ? { lostPerBuffer: all } : {};
}

/** Stack collectors' lost stacks and binaries, when any ran. */
export function stacksMeta(sessions: CollectorSession[]): Pick<CaptureMeta, "stacks"> {
  const withStacks = sessions.filter((s) => s.stackSummary);
  return withStacks.length ? { stacks: Object.fromEntries(withStacks.map((s) => [s.name, s.stackSummary!])) } : {};
}

/** Moves each session's new rows into the sink; returns them. */
export function handOn(sessions: CollectorSession[], sink: CaptureSink): Record<string, Frame> {
  const chunk: Record<string, Frame> = {};
  for (const s of sessions) {
    for (const [name, f] of Object.entries(s.take())) {
      chunk[name] = f;
      sink.append(name, f);
    }
  }
  return chunk;
}

export function progress(
  plan: Plan,
  clock: EpochClock,
  sessions: CollectorSession[],
  sink: CaptureSink,
  chunk: Record<string, Frame>,
  /** The epoch the chunk holds, when it is one whole interval. */
  epoch?: number,
): CaptureProgress {
  const span = epoch === undefined ? undefined : Number(clock.stamp(epoch + 1).mono - clock.stamp(epoch).mono) / 1e6;
  return {
    elapsedMs: clock.elapsedMs(),
    durationMs: plan.durationMs,
    ...(span !== undefined && span > 0 ? { spanMs: span } : {}),
    rows: Object.assign({}, ...sessions.map((s) => s.rows())) as Record<string, number>,
    newRows: Object.fromEntries(Object.entries(chunk).map(([k, f]) => [k, f.length])),
    chunk,
    lost: Object.fromEntries(sessions.map((s) => [s.name, s.lost()])),
    ...(sink instanceof FlightRecorder
      ? { ring: { heldRows: sink.heldRows, heldBytes: sink.heldBytes, windowMs: sink.windowMs } }
      : {}),
    frames: () => memoryFrames(sink),
  };
}

/** The rows of an in-memory sink (or of the one a flight recorder stores into); none for a disk sink. */
export function memoryFrames(sink: CaptureSink): Record<string, Frame> {
  const inner = sink instanceof FlightRecorder ? sink.target : sink;
  return inner instanceof MemorySink ? inner.frames() : {};
}
