// The capture engine: opens, configures, loads and attaches each collector's object, drains maps and rings
// on a timer, and releases everything in reverse order in `finally`, also on SIGINT/SIGTERM or an error.

import { hostname, release } from "node:os";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { OptionError } from "../errors.js";
import { FrameBuilder } from "../frame/frame-builder.js";
import type { Frame } from "../frame/frame.js";
import type { Collector, DecodeContext, FilterConfig } from "../collectors/collector.js";
import { getCollector } from "../collectors/registry.js";
import { BpfObject } from "../loader/bpf-object.js";
import type { BpfMap } from "../loader/bpf-map.js";
import { RingReader } from "../loader/ring-reader.js";
import { checkBtf, checkPrivileges } from "../loader/preflight.js";
import { log } from "../log.js";
import { Capture, CaptureMeta, SCHEMA_VERSION } from "./capture.js";
import { parseDuration } from "./duration.js";
import { checkPid, processTree, StoppedCommand } from "./target.js";
import { takeSignals } from "./signals.js";
import { BPFLAB_VERSION, objectDir } from "../paths.js";

export interface CaptureOptions {
  /** Collector names, or names mapped to their options: `{ syscalls: { latency: false } }`. */
  collectors: string[] | Record<string, Record<string, unknown>>;
  /** How long to capture: "10s", "500ms", "2m", or milliseconds. */
  duration: string | number;
  /** Aggregation interval of the in-kernel collectors (default "1s"). */
  interval?: string | number;
  /** Trace only this process and (with followChildren, the default) its descendants. */
  pid?: number;
  followChildren?: boolean;
  /** Start this command stopped, attach, let it run; the capture ends when it exits (or at `duration`). */
  command?: string[];
  /** Stops the capture early; the data captured until then is kept. */
  signal?: AbortSignal;
  /** Called after each interval is drained (live displays). */
  onInterval?: (p: CaptureProgress) => void;
  /** SIGINT/SIGTERM end the capture early instead of the process (default true). */
  handleSignals?: boolean;
  /** Kernel BTF to relocate against (default /sys/kernel/btf/vmlinux). */
  btfPath?: string;
}

export interface CaptureProgress {
  elapsedMs: number;
  durationMs: number;
  /** Rows so far per collector. */
  rows: Record<string, number>;
  /** Rows added by the interval just drained, per collector. */
  newRows: Record<string, number>;
  lost: Record<string, number>;
  /** The frames so far (a copy made on each call: call it only when you display them). */
  frames(): Record<string, Frame>;
}

/** One collector's live parts; everything here is released by `close()`. */
interface Session {
  collector: Collector<any>;
  opts: Record<string, unknown>;
  obj: BpfObject;
  builder: FrameBuilder;
  data?: BpfMap;
  lostMap?: BpfMap;
  reader?: RingReader;
  ctl?: BpfMap;
  /** Records the kernel could not store, read at the end. */
  lostTotal?: number;
}

const TICK_MS = 50;

/**
 * Captures for `duration` and returns one frame per collector. Needs root (or CAP_BPF + CAP_PERFMON).
 * Every link, map and fd is released before this returns or throws.
 * @example const cap = await capture({ collectors: ["sched", "syscalls"], duration: "10s" });
 */
export async function capture(options: CaptureOptions): Promise<Capture> {
  const plan = resolvePlan(options);
  checkPrivileges();
  checkBtf(options.btfPath);
  const sessions: Session[] = [];
  let cmd: StoppedCommand | undefined;
  let stopReason: string | undefined;
  const stop = (why: string) => {
    stopReason ??= why;
    wake?.();
  };
  let wake: (() => void) | undefined;
  const onAbort = () => stop("aborted");
  const handleSignals = options.handleSignals ?? true;
  const filter: FilterConfig = { tgid: 0, followChildren: options.followChildren ?? true };
  let interrupted = false;
  let started = false;
  const t0 = { mono: 0n, wallUs: 0 };
  const epochs: { mono: bigint; wallUs: number }[] = [];
  let elapsedMs = 0;

  let restoreSignals = () => {};
  if (handleSignals) {
    await new Promise<void>((r) => setImmediate(r)); // see takeSignals: not inside tslab's synchronous cell part
    restoreSignals = takeSignals((sig) => stop(sig));
  }
  options.signal?.addEventListener("abort", onAbort);
  try {
    if (options.command) {
      cmd = await StoppedCommand.start(options.command);
      filter.tgid = cmd.pid;
    } else if (plan.pid !== undefined) {
      filter.tgid = plan.pid;
    }

    let tracked: BpfMap | undefined;
    let forkTrackerKept = false;
    for (const { collector, opts } of plan.collectors) {
      const obj = BpfObject.open(join(objectDir(), `${collector.object}.bpf.o`), { btfPath: options.btfPath });
      const s: Session = { collector, opts, obj, builder: new FrameBuilder(collector.schema, 4096) };
      sessions.push(s);
      obj.map(".rodata").setInitialValue(collector.config(opts, filter));
      for (const p of collector.disabledPrograms?.(opts) ?? []) obj.setAutoload(p, false);
      // One fork tracker per capture is enough (they share the tracked map); none without a pid filter.
      for (const p of collector.forkTrackers) {
        const keep: boolean = filter.tgid !== 0 && !forkTrackerKept;
        obj.setAutoload(p, keep);
        forkTrackerKept ||= keep;
      }
      if (tracked) obj.map("tracked").reuseFd(tracked.fd);
      obj.load();
      tracked ??= obj.map("tracked");
      s.lostMap = obj.map("lost", { perCpu: true });
      s.ctl = obj.map("ctl");
      if (collector.source.kind === "aggregate") {
        s.data = obj.map(collector.source.map);
      } else {
        const src = collector.source;
        const ctx = decodeContext(t0, opts);
        s.reader = new RingReader(obj.map(src.ring), (view) => src.decode(view, s.builder, ctx));
      }
    }
    if (filter.tgid !== 0 && tracked) {
      const one = Buffer.from([1]);
      const pids = cmd ? [cmd.pid] : filter.followChildren ? processTree(filter.tgid) : [filter.tgid];
      for (const p of pids) tracked.update(u32(p), one);
    }

    t0.mono = process.hrtime.bigint();
    t0.wallUs = nowWallUs();
    epochs.push({ ...t0 });
    for (const s of sessions) {
      if (s.collector.attach) s.collector.attach(s.obj, s.opts, filter);
      else s.obj.attachAll();
    }
    started = true;
    log.info(`capturing ${plan.collectors.map((c) => c.collector.name).join(", ")} for ${plan.durationMs} ms`);
    cmd?.resume();
    cmd?.exited.then(() => stop("command exited"));

    const endAt = Date.now() + plan.durationMs;
    let nextBoundary = Date.now() + plan.intervalMs;
    let pending: number | undefined; // epoch to drain at the next tick, once no program can still write it
    let lastRows = rowCounts(sessions);
    while (stopReason === undefined) {
      const now = Date.now();
      const waitMs = Math.max(0, Math.min(TICK_MS, endAt - now, nextBoundary - now));
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, waitMs);
      });
      wake = undefined;
      for (const s of sessions) s.reader?.drain();
      if (pending !== undefined) {
        for (const s of sessions) drainEpoch(s, pending, epochs, t0, false);
        pending = undefined;
        const rows = rowCounts(sessions);
        options.onInterval?.(progress(sessions, t0, plan.durationMs, rows, lastRows));
        lastRows = rows;
      }
      if (Date.now() >= endAt) stopReason ??= "duration";
      if (stopReason === undefined && Date.now() >= nextBoundary) {
        pending = epochs.length - 1;
        const next = { mono: process.hrtime.bigint(), wallUs: nowWallUs() };
        epochs.push(next);
        for (const s of sessions) s.ctl!.update(u32(0), epochValue(epochs.length - 1));
        nextBoundary += plan.intervalMs;
      }
    }
    interrupted = stopReason !== "duration" && stopReason !== "command exited";
  } catch (e) {
    interrupted = true;
    throw e;
  } finally {
    if (started) {
      elapsedMs = Number(process.hrtime.bigint() - t0.mono) / 1e6;
      // Detach first so nothing changes while the last data is read.
      for (const s of sessions) s.obj.detach();
      for (const s of sessions) {
        try {
          s.reader?.drain();
          drainEpoch(s, -1, epochs, t0, true);
          s.lostTotal = readLost(s);
        } catch (e) {
          log.warn(`final read of ${s.collector.name} failed: ${(e as Error).message}`);
        }
      }
    }
    for (const s of sessions.reverse()) {
      s.reader?.close();
      s.obj.close();
    }
    sessions.reverse();
    restoreSignals();
    options.signal?.removeEventListener("abort", onAbort);
    if (cmd) await cmd.terminate();
  }

  // The caller's own decision (Ctrl-C, an interrupt, an abort): said in meta.interrupted, not as a warning.
  if (interrupted)
    log.info(`capture stopped early (${stopReason}); keeping ${(elapsedMs / 1000).toFixed(1)} s of data`);
  const meta: CaptureMeta = {
    bpflabVersion: BPFLAB_VERSION,
    schemaVersion: SCHEMA_VERSION,
    host: hostname(),
    kernel: release(),
    wallStartUs: t0.wallUs,
    monoStartNs: t0.mono.toString(),
    durationMs: plan.durationMs,
    elapsedMs,
    intervalMs: plan.intervalMs,
    collectors: plan.collectors.map((c) => c.collector.name),
    options: Object.fromEntries(plan.collectors.map((c) => [c.collector.name, c.opts])),
    lost: Object.fromEntries(sessions.map((s) => [s.collector.name, s.lostTotal ?? 0])),
    interrupted,
    ...(options.pid !== undefined ? { pid: options.pid } : {}),
    ...(cmd ? { command: cmd.argv, commandExitCode: cmd.exitCode ?? null, pid: cmd.pid } : {}),
  };
  const frames = Object.fromEntries(sessions.map((s) => [s.collector.name, s.builder.finish(s.collector.name)]));
  return new Capture(meta, frames);
}

interface Plan {
  collectors: { collector: Collector<any>; opts: Record<string, unknown> }[];
  durationMs: number;
  intervalMs: number;
  pid?: number;
}

/** Validates every option before anything touches the kernel. */
function resolvePlan(o: CaptureOptions): Plan {
  if (!o || typeof o !== "object")
    throw new OptionError("capture() needs options", 'e.g. capture({ collectors: ["sched"], duration: "5s" })');
  const entries: [string, Record<string, unknown>][] = Array.isArray(o.collectors)
    ? o.collectors.map((n) => [n, {}])
    : Object.entries(o.collectors ?? {});
  if (entries.length === 0) {
    throw new OptionError(
      "no collectors given",
      'name at least one, e.g. collectors: ["sched", "syscalls"] (see `bpflab collectors`)',
    );
  }
  const seen = new Set<string>();
  const collectors = entries.map(([name, opts]) => {
    const collector = getCollector(name);
    if (seen.has(name)) throw new OptionError(`collector ${name} given twice`, "name each collector once");
    seen.add(name);
    return { collector, opts: collector.resolveOptions(opts ?? {}) as Record<string, unknown> };
  });
  const durationMs = parseDuration(o.duration, "duration", 10, 7 * 24 * 3_600_000);
  const intervalMs = parseDuration(o.interval ?? "1s", "interval", 10, 3_600_000);
  if (o.pid !== undefined && o.command !== undefined) {
    throw new OptionError("pass pid or command, not both", "pid traces a running process; command starts one");
  }
  const pid = o.pid !== undefined ? checkPid(o.pid) : undefined;
  for (const c of collectors) {
    const path = join(objectDir(), `${c.collector.object}.bpf.o`);
    if (!existsSync(path)) {
      throw new OptionError(
        `collector ${c.collector.name}: ${path} is missing`,
        "build the BPF objects with `npm run build:bpf` (part of the README's setup command)",
      );
    }
  }
  return { collectors, durationMs, intervalMs, ...(pid !== undefined ? { pid } : {}) };
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

function epochValue(epoch: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(epoch >>> 0);
  return b;
}

function decodeContext(t0: { mono: bigint; wallUs: number }, options: Record<string, unknown>): DecodeContext {
  return {
    options,
    intervalWallUs: 0,
    intervalRelS: 0,
    wallUs: (ns) => Math.round(t0.wallUs + Number(ns - t0.mono) / 1000),
    relS: (ns) => Number(ns - t0.mono) / 1e9,
  };
}

/**
 * Decodes the entries of `epoch` (all epochs when `all`) and deletes them from the map (unless `all`: the
 * object is about to close). Entries of epochs still being written are left alone.
 */
function drainEpoch(
  s: Session,
  epoch: number,
  epochs: { mono: bigint; wallUs: number }[],
  t0: { mono: bigint; wallUs: number },
  all: boolean,
): void {
  const src = s.collector.source;
  if (src.kind !== "aggregate" || !s.data) return;
  const { keys, values, count } = s.data.readAll();
  const kv = new DataView(keys.buffer, keys.byteOffset, keys.length);
  const vv = new DataView(values.buffer, values.byteOffset, values.length);
  const ctx = decodeContext(t0, s.opts);
  const del = Buffer.alloc(count * src.keySize);
  let ndel = 0;
  for (let i = 0; i < count; i++) {
    const ko = i * src.keySize;
    const e = kv.getUint32(ko + src.epochOffset, true);
    if (!all && e > epoch) continue;
    const stamp = epochs[e] ?? epochs[epochs.length - 1]!;
    ctx.intervalWallUs = stamp.wallUs;
    ctx.intervalRelS = Number(stamp.mono - t0.mono) / 1e9;
    src.decode(kv, ko, vv, i * src.valueSize, s.builder, ctx);
    if (!all) keys.copy(del, ndel++ * src.keySize, ko, ko + src.keySize);
  }
  if (ndel > 0) s.data.deleteKeys(del, ndel);
}

function readLost(s: Session): number {
  const v = s.lostMap?.lookup(u32(0));
  if (!v) return 0;
  let n = 0;
  for (let o = 0; o + 8 <= v.length; o += 8) n += Number(v.readBigUInt64LE(o));
  return n;
}

function rowCounts(sessions: Session[]): Record<string, number> {
  return Object.fromEntries(sessions.map((s) => [s.collector.name, s.builder.length]));
}

function progress(
  sessions: Session[],
  t0: { mono: bigint },
  durationMs: number,
  rows: Record<string, number>,
  last: Record<string, number>,
): CaptureProgress {
  return {
    elapsedMs: Number(process.hrtime.bigint() - t0.mono) / 1e6,
    durationMs,
    rows,
    newRows: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v - (last[k] ?? 0)])),
    lost: Object.fromEntries(sessions.map((s) => [s.collector.name, readLost(s)])),
    frames: () => Object.fromEntries(sessions.map((s) => [s.collector.name, s.builder.snapshot(s.collector.name)])),
  };
}

/** Wall clock in whole µs (Parquet TIMESTAMP precision), sub-ms accurate unlike Date.now(). */
function nowWallUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
