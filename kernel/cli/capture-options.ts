// The options every capturing command shares (capture, top): collectors, duration, interval, target, config
// file and the collectors' own flags, and their translation into CaptureOptions.

import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { OptionError } from "../errors.js";
import { bpf } from "../cell/cell.js";
import type { Collector } from "../collectors/schema.js";
import { collectors } from "../collectors/registry.js";
import type { CaptureOptions } from "../capture/engine.js";
import { Capture, type CaptureMeta } from "../capture/capture.js";
import { readCaptureConfig } from "../capture/config-file.js";
import { parseDuration } from "../capture/duration.js";
import type { Invocation, OptionSpec } from "./command.js";
import { applyCollectorFlags, collectorFlags } from "./collector-flags.js";

/** The longest capture, also what "until Ctrl-C" runs for at most (the engine's bound). */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;

/** The shared options; `defaults` are what help shows for collectors and duration. */
export function captureOptionSpecs(defaults: { collectors?: string; duration?: string } = {}): OptionSpec[] {
  return [
    {
      flags: "-c, --collector <NAME>",
      description: `collector to run (repeat, or comma-separate): ${Object.keys(collectors).join(", ")}`,
      repeatable: true,
      split: true,
      ...(defaults.collectors ? { defaultText: defaults.collectors } : {}),
    },
    {
      flags: "-d, --duration <D>",
      description: "how long: 10s, 500ms, 2m, 1h (a bare number is seconds)",
      defaultText: defaults.duration ?? "until Ctrl-C, or until the command exits",
    },
    {
      flags: "-i, --interval <I>",
      description: "aggregation interval of the per-interval collectors",
      defaultText: "1s",
    },
    { flags: "-p, --pid <PID>", description: "only this process and its descendants" },
    {
      flags: "--cgroup <PATH>",
      description: "only processes in this cgroup v2 or below it (e.g. /system.slice/redis.service)",
    },
    { flags: "--comm <NAME>", description: "only processes of this name (as ps -o comm shows it)" },
    {
      flags: "--max-tracked <N>",
      description: "processes the pid/command filter can follow at once; beyond it they are counted as lost",
      defaultText: "8192",
    },
    { flags: "--config <FILE>", description: "capture settings from JSON (configs/*.json); flags override it" },
    {
      flags: "--bpf <FILE>",
      description:
        "a collector written in BPF C (FILE.bpf.c): its hash, array and ring maps become frames (repeatable)",
      repeatable: true,
    },
    ...collectorFlags(collectors).map((f) => f.spec),
  ];
}

export interface ResolvedCapture {
  options: CaptureOptions;
  /** Collector names, in order. */
  names: string[];
  /** No duration was given: the capture runs until Ctrl-C (or its command exits). */
  untilStopped: boolean;
  /** --bpf files, compiled by withCells(). */
  bpfFiles: string[];
}

/** CaptureOptions from the flags (over `--config`), every value checked; `fallbackCollectors` when none given. */
export function resolveCaptureOptions(inv: Invocation, fallbackCollectors?: string[]): ResolvedCapture {
  const cfgPath = inv.string("config");
  const cfg = cfgPath ? readCaptureConfig(cfgPath) : {};
  const cfgSpec: Record<string, Record<string, unknown>> = Array.isArray(cfg.collectors)
    ? Object.fromEntries(cfg.collectors.map((c) => [c, {}]))
    : (cfg.collectors ?? {});
  const given = inv.strings("collector");
  const names = given.length
    ? [...new Set(given)]
    : Object.keys(cfgSpec).length
      ? Object.keys(cfgSpec)
      : fallbackCollectors;
  const bpfFiles = inv.strings("bpf");
  if ((!names || names.length === 0) && bpfFiles.length === 0) {
    throw new OptionError("no --collector given", `name one or more of: ${Object.keys(collectors).join(", ")}`);
  }
  for (const n of names ?? []) {
    if (!collectors[n])
      throw new OptionError(
        `unknown collector "${n}"`,
        `known collectors: ${Object.keys(collectors).join(", ")} (see \`bpflab collectors\`)`,
      );
  }
  const spec = applyCollectorFlags(inv, collectorFlags(collectors), names ?? [], cfgSpec);
  let pid: number | undefined;
  if (inv.string("pid") !== undefined) {
    pid = inv.int("pid", { min: 1 });
    if (pid === undefined)
      throw new OptionError(`bad --pid: ${inv.string("pid")}`, "pass a process id, see `pgrep NAME`");
  }
  let maxTracked: number | undefined;
  if (inv.string("max-tracked") !== undefined) {
    maxTracked = inv.int("max-tracked", { min: 1, max: 1 << 22 });
    if (maxTracked === undefined)
      throw new OptionError(`bad --max-tracked: ${inv.string("max-tracked")}`, "pass a number of processes");
  }
  if (inv.args.length > 0) {
    throw new OptionError(
      `unexpected argument ${JSON.stringify(inv.args[0])}`,
      `to trace a command, put it after --: bpflab ${inv.command} -c sched -- ${inv.args.join(" ")}`,
    );
  }
  const durationText = inv.string("duration") ?? cfg.duration;
  const untilStopped = durationText === undefined;
  // Checked here too, so a bad value is a usage error before anything touches the kernel.
  const durationMs = untilStopped ? MAX_DURATION_MS : parseDuration(durationText, "duration", 10, MAX_DURATION_MS);
  const command = inv.rest.length ? [...inv.rest] : cfg.command;
  const interval = inv.string("interval") ?? cfg.interval;
  const options: CaptureOptions = {
    ...cfg,
    collectors: spec,
    duration: durationMs,
    ...(interval !== undefined ? { interval } : {}),
    ...(pid !== undefined ? { pid } : {}),
    ...(maxTracked !== undefined ? { maxTracked } : {}),
    ...(inv.string("cgroup") !== undefined ? { cgroup: inv.string("cgroup")! } : {}),
    ...(inv.string("comm") !== undefined ? { comm: inv.string("comm")! } : {}),
    ...(command?.length ? { command } : {}),
  };
  return { options, names: names ?? [], untilStopped, bpfFiles };
}

/**
 * The plan with each --bpf file compiled into a collector (named after the file: opens.bpf.c → opens), so a
 * compile error or a verifier rejection is reported, with its line, before anything is captured.
 */
export async function withCells(plan: ResolvedCapture): Promise<ResolvedCapture> {
  if (plan.bpfFiles.length === 0) return plan;
  const spec: Record<string, Record<string, unknown> | Collector> = Array.isArray(plan.options.collectors)
    ? Object.fromEntries(plan.options.collectors.map((c) => (typeof c === "string" ? [c, {}] : [c.name, c])))
    : { ...plan.options.collectors };
  const names = [...plan.names];
  for (const file of plan.bpfFiles) {
    let source: string;
    try {
      source = readFileSync(file, "utf8");
    } catch (e) {
      throw new OptionError(
        `--bpf ${file}: ${(e as NodeJS.ErrnoException).code ?? "cannot read it"}`,
        "give a BPF C file",
      );
    }
    const name = basename(file)
      .replace(/\.bpf\.c$|\.c$/, "")
      .replace(/[^A-Za-z0-9_]/g, "_");
    if (spec[name])
      throw new OptionError(`--bpf ${file}: a collector ${name} is already in this capture`, "rename the file");
    spec[name] = await bpf({ name, source });
    names.push(name);
  }
  return { ...plan, names, options: { ...plan.options, collectors: spec } };
}

/**
 * The capture as the user meant it: without a duration, Ctrl-C is how it ends, not an interruption, and the
 * duration is what it ran.
 */
export function asPlanned(cap: Capture, plan: ResolvedCapture): Capture {
  if (!plan.untilStopped) return cap;
  return new Capture(asPlannedMeta(cap.meta, plan), { ...cap.frames });
}

/** The metadata part of asPlanned (what a capture spilled to disk records in its files). */
export function asPlannedMeta(meta: CaptureMeta, plan: ResolvedCapture): CaptureMeta {
  if (!plan.untilStopped) return meta;
  return { ...meta, durationMs: Math.round(meta.elapsedMs), interrupted: false };
}
