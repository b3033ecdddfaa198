// What a capture will do, checked in full before anything touches the kernel: the collectors with their
// resolved options and frames, the duration and interval, the target process. Every mistake is an OptionError.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { OptionError } from "../errors.js";
import type { Frame } from "../frame/frame.js";
import type { Collector, FrameDecl } from "../collectors/schema.js";
import { getCollector } from "../collectors/registry.js";
import { objectDir } from "../paths.js";
import type { CaptureSink } from "./capture-sink.js";
import type { Capture } from "./capture.js";
import type { OnlineOptions } from "../online/alert.js";
import { parseDuration } from "./duration.js";
import { checkPid } from "./target.js";
import { resolveCgroupFilter } from "./cgroup-filter.js";

export interface CaptureOptions extends OnlineOptions {
  /**
   * Collector names (or collectors made with `bpf()` from a cell's C), or names mapped to their options:
   * `{ syscalls: { latency: false } }` (a cell's collector maps to itself: `{ opens: opensCollector }`).
   */
  collectors: (string | Collector)[] | Record<string, Record<string, unknown> | Collector>;
  /** How long to capture: "10s", "500ms", "2m", or a number of milliseconds. */
  duration: string | number;
  /** Aggregation interval of the in-kernel collectors (default "1s"). */
  interval?: string | number;
  /** Trace only this process and (with followChildren, the default) its descendants. */
  pid?: number;
  /**
   * Trace only processes in this cgroup v2 or below it: its path below the cgroup2 mount
   * ("/system.slice/redis-server.service") or the directory itself ("/sys/fs/cgroup/system.slice/...").
   */
  cgroup?: string;
  /** Trace only processes of this name (the thread-group leader's comm as ps shows it, at most 15 bytes). */
  comm?: string;
  followChildren?: boolean;
  /** Start this command stopped, attach, let it run; the capture ends when it exits (or at `duration`). */
  command?: string[];
  /** Stops the capture early; the data captured until then is kept. An already-aborted signal stops it at once. */
  signal?: AbortSignal;
  /** Called after each interval is drained, with that interval's new rows (live displays). */
  onInterval?: (p: CaptureProgress) => void;
  /** SIGINT/SIGTERM/SIGHUP end the capture early instead of the process (default true). */
  handleSignals?: boolean;
  /** Kernel BTF to relocate against (default /sys/kernel/btf/vmlinux, or BPFLAB_BTF_PATH). */
  btfPath?: string;
  /** Processes the pid filter can follow at once (default 8192); children beyond it are counted as lost. */
  maxTracked?: number;
  /** Where rows go while capturing (default: kept in memory and returned). */
  sink?: CaptureSink;
  /**
   * Flight recorder: keep only the last `ring` of rows ("30s"), in bounded memory, and store that window when the
   * capture ends: at `duration`, on Ctrl-C, or at the first trigger (ringTrigger, an online alert, SIGUSR1),
   * which ends the capture unless `onRingDump` is given. The result's `meta.ring` says what the window is.
   */
  ring?: string | number;
  /** Called after each interval (with that interval's progress): true triggers the flight recorder. */
  ringTrigger?: (p: CaptureProgress) => boolean;
  /** An online detector's alert triggers the flight recorder (default true when `ring` is set). */
  ringOnAlert?: boolean;
  /**
   * With a flight recorder: each trigger hands the window before it to this callback (as a Capture, once the
   * data up to the trigger is in: within about an interval) and the capture goes on. A returned promise's
   * rejection is logged.
   */
  onRingDump?: (dump: Capture) => void | Promise<void>;
}

export interface CaptureProgress {
  elapsedMs: number;
  durationMs: number;
  /**
   * How long the interval just drained lasted (ms), boundary to boundary: the interval asked for, unless the
   * machine was too busy to end it on time (then longer, and the next one shorter). Rates divide by this.
   */
  spanMs?: number;
  /** Rows so far per frame. */
  rows: Record<string, number>;
  /** Rows added by the interval just drained, per frame. */
  newRows: Record<string, number>;
  /** The rows the interval just drained added, per frame (only those: accumulate them to keep a history). */
  chunk: Record<string, Frame>;
  /** Records the kernel could not store so far, per collector. */
  lost: Record<string, number>;
  /** With a flight recorder (`ring`): what it holds now (rows, bytes of columns) and its window. */
  ring?: { heldRows: number; heldBytes: number; windowMs: number };
  /**
   * @deprecated Every row so far, per frame: joins the whole capture on each call, and is empty when the rows
   * go to disk. Accumulate `chunk` instead.
   */
  frames(): Record<string, Frame>;
}

/** One collector of the plan: its resolved options and the frames they enable. */
export interface CollectorPlan {
  collector: Collector;
  opts: Record<string, unknown>;
  frames: readonly (FrameDecl & { schema: Frame["schema"] })[];
}

export interface Plan {
  collectors: CollectorPlan[];
  durationMs: number;
  intervalMs: number;
  pid?: number;
  command?: string[];
  /** The cgroup filter, resolved to its id and depth. */
  cgroup?: { id: bigint; level: number; path: string };
  comm?: string;
  followChildren: boolean;
  btfPath?: string;
  maxTracked: number;
  /** Flight recorder window (ms), when `ring` is set. */
  ringMs?: number;
}

const KNOWN = [
  "collectors",
  "duration",
  "interval",
  "pid",
  "cgroup",
  "comm",
  "followChildren",
  "command",
  "signal",
  "onInterval",
  "handleSignals",
  "btfPath",
  "maxTracked",
  "sink",
  "online",
  "onAlert",
  "ring",
  "ringTrigger",
  "ringOnAlert",
  "onRingDump",
];

/** A Collector object (from the registry, or made by bpf() from a cell's C). */
function isCollector(x: unknown): x is Collector {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as Collector).name === "string" &&
    typeof (x as Collector).resolveOptions === "function" &&
    typeof (x as Collector).framesFor === "function"
  );
}

/** Validates every option before anything touches the kernel. */
export function resolvePlan(o: CaptureOptions): Plan {
  if (!o || typeof o !== "object") {
    throw new OptionError("capture() needs options", 'e.g. capture({ collectors: ["sched"], duration: "5s" })');
  }
  for (const k of Object.keys(o)) {
    if (!KNOWN.includes(k))
      throw new OptionError(`capture has no option "${k}"`, `its options are: ${KNOWN.join(", ")}`);
  }
  const given: unknown = o.collectors;
  let entries: [string | Collector, unknown][];
  if (Array.isArray(given)) {
    if (!given.every((n) => typeof n === "string" || isCollector(n))) {
      throw new OptionError(
        "collectors must be names or collectors made by bpf()",
        'e.g. collectors: ["sched", "syscalls"], or [await bpf({ name: "opens", source }), "sched"]',
      );
    }
    entries = given.map((n) => [n as string | Collector, {}]);
  } else if (given && typeof given === "object") {
    entries = Object.entries(given).map(([k, v]) => (isCollector(v) ? [v, {}] : [k, v]));
  } else {
    throw new OptionError(
      `collectors must be a list of names or an object of names to options, got ${JSON.stringify(given)}`,
      'e.g. collectors: ["sched", "syscalls"] or { syscalls: { latency: false } } (see `bpflab collectors`)',
    );
  }
  if (entries.length === 0) {
    throw new OptionError(
      "no collectors given",
      'name at least one, e.g. collectors: ["sched", "syscalls"] (see `bpflab collectors`)',
    );
  }
  const seen = new Set<string>();
  const frameNames = new Map<string, string>();
  const collectors = entries.map(([given, opts]): CollectorPlan => {
    const collector = typeof given === "string" ? getCollector(given) : given;
    const name = collector.name;
    if (seen.has(name)) throw new OptionError(`collector ${name} given twice`, "name each collector once");
    seen.add(name);
    const resolved = collector.resolveOptions(opts ?? {});
    const frames = collector.framesFor(resolved);
    for (const f of frames) {
      const other = frameNames.get(f.name);
      if (other) {
        throw new OptionError(
          `collectors ${other} and ${name} both make a frame "${f.name}"`,
          "rename the map in the cell (each map becomes a frame of its name)",
        );
      }
      frameNames.set(f.name, name);
    }
    return { collector, opts: resolved, frames };
  });
  const durationMs = parseDuration(o.duration, "duration", 10, 7 * 24 * 3_600_000);
  const intervalMs = parseDuration(o.interval ?? "1s", "interval", 10, 3_600_000);
  if (o.pid !== undefined && o.command !== undefined) {
    throw new OptionError("pass pid or command, not both", "pid traces a running process; command starts one");
  }
  if (
    o.command !== undefined &&
    (!Array.isArray(o.command) || o.command.length === 0 || o.command.some((a) => typeof a !== "string"))
  ) {
    throw new OptionError(
      `command must be a list of strings, got ${JSON.stringify(o.command)}`,
      'e.g. command: ["stress-ng", "--cpu", "1", "-t", "5"] (no shell: each argument its own string)',
    );
  }
  if (o.followChildren !== undefined && typeof o.followChildren !== "boolean") {
    throw new OptionError(
      `followChildren must be true or false, got ${JSON.stringify(o.followChildren)}`,
      "default true",
    );
  }
  const maxTracked = o.maxTracked ?? 8192;
  if (!Number.isInteger(maxTracked) || maxTracked < 1 || maxTracked > 1 << 22) {
    throw new OptionError(`maxTracked must be a whole number from 1 to ${1 << 22}, got ${maxTracked}`, "default 8192");
  }
  const pid = o.pid !== undefined ? checkPid(o.pid) : undefined;
  const cgroup = o.cgroup !== undefined ? resolveCgroupFilter(o.cgroup) : undefined;
  if (o.comm !== undefined) {
    if (typeof o.comm !== "string" || o.comm.length === 0 || Buffer.byteLength(o.comm) > 15 || o.comm.includes("\0")) {
      throw new OptionError(
        `comm must be a process name of 1 to 15 bytes, got ${JSON.stringify(o.comm)}`,
        "the kernel keeps 15 bytes of a name: use what `ps -o comm` shows",
      );
    }
  }
  const ringMs = o.ring !== undefined ? parseDuration(o.ring, "ring", 10, 7 * 24 * 3_600_000) : undefined;
  if (ringMs === undefined) {
    for (const k of ["ringTrigger", "ringOnAlert", "onRingDump"] as const) {
      if (o[k] !== undefined)
        throw new OptionError(`${k} needs a flight recorder`, 'add ring: "30s" (the window kept)');
    }
  }
  for (const k of ["ringTrigger", "onRingDump"] as const) {
    if (o[k] !== undefined && typeof o[k] !== "function")
      throw new OptionError(`${k} must be a function`, "e.g. ringTrigger: (p) => p.elapsedMs > 60_000");
  }
  for (const c of collectors) {
    const path = c.collector.objectPath ?? join(objectDir(), `${c.collector.object}.bpf.o`);
    if (!existsSync(path)) {
      throw new OptionError(
        `collector ${c.collector.name}: ${path} is missing`,
        "build the BPF objects with `npm run build:bpf` (part of the README's setup command)",
      );
    }
  }
  return {
    collectors,
    durationMs,
    intervalMs,
    followChildren: o.followChildren ?? true,
    maxTracked,
    ...(pid !== undefined ? { pid } : {}),
    ...(cgroup ? { cgroup } : {}),
    ...(o.comm !== undefined ? { comm: o.comm } : {}),
    ...(o.command ? { command: o.command } : {}),
    ...(o.btfPath ? { btfPath: o.btfPath } : {}),
    ...(ringMs !== undefined ? { ringMs } : {}),
  };
}
