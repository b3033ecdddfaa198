// `bpflab capture`: capture this machine (or one process tree) for a duration or until Ctrl-C, with a status
// line on a terminal, then print the summary and (with --out / --dataset) save the Parquet files.

import { capture } from "../capture/engine.js";
import type { Capture } from "../capture/capture.js";
import { loadCapture } from "../capture/capture-files.js";
import type { CaptureSink } from "../capture/capture-sink.js";
import { SegmentWriter } from "../capture/segment-writer.js";
import { OutputDir, parseMode, prepareOutput } from "../capture/output-dir.js";
import { fmt, parseDuration } from "../capture/duration.js";
import { LiveStats } from "../plots/live-stats.js";
import { defineCommand, Invocation } from "./command.js";
import { OptionError } from "../errors.js";
import {
  asPlanned,
  asPlannedMeta,
  captureOptionSpecs,
  ResolvedCapture,
  resolveCaptureOptions,
  withCells,
} from "./capture-options.js";
import { TopScreen } from "./top-screen.js";
import { writeToDataset } from "../dataset/dataset-write.js";
import { ProgressLine } from "./progress-line.js";
import { summarize, summaryJson, summaryOf } from "../report/summary.js";
import { CaptureTriggers, resolveTriggers, ringLine, triggerOptionSpecs } from "./capture-triggers.js";

export const captureCommand = defineCommand({
  name: "capture",
  summary: "capture this machine, a process or a command; print a summary, save Parquet",
  description:
    "Captures with the chosen collectors for --duration, or until Ctrl-C (or until the command after -- exits).\n" +
    "On a terminal a status line shows progress; in a pipe only the final summary is printed.\n" +
    "Without --out or --dataset nothing is written.",
  needsRoot: true,
  json: true,
  args: [{ name: "command", description: "a command to start and trace with its children (after --)", variadic: true }],
  options: () => [
    ...captureOptionSpecs(),
    { flags: "-o, --out <DIR>", description: "write <collector>.parquet files into DIR (new or empty)" },
    {
      flags: "--dataset <ROOT>",
      description: "add the capture to a dataset: ROOT/collector=…/host=…/date=…/….parquet (Hive layout)",
    },
    { flags: "--force", description: "replace the capture already in --out (never other files)" },
    {
      flags: "--mode <MODE>",
      description: "file mode of the capture's files (they hold other users' command lines)",
      defaultText: "600",
    },
    { flags: "-f, --follow", description: "a live view like bpflab top while capturing (terminal only)" },
    ...triggerOptionSpecs,
  ],
  examples: [
    ["sudo bpflab capture -c sched -c syscalls -d 10s -o /tmp/cap", "whole machine, 10 s, saved"],
    ["sudo bpflab capture -c syscalls", "until Ctrl-C, summary only"],
    ["sudo bpflab capture -c syscalls,process -d 30s -o /tmp/cap -- make -j2", "a command and its children"],
    ["sudo bpflab capture -c sched -d 1m -p 1234 -o /tmp/cap", "a running process"],
    ["sudo bpflab capture -c ufunc --ufunc /bin/bash:readline -d 30s", "calls and latency of a function"],
    ["sudo bpflab capture -c syscalls --no-latency -d 10s --json", "counts only, summary as JSON"],
    ["sudo bpflab capture --config configs/whole-machine.json -o /tmp/cap", "settings from a JSON file"],
    ["sudo bpflab capture -c sched,syscalls -d 1m --follow -o /tmp/cap", "watch it live like top, then save"],
    ["sudo bpflab capture -c sched,syscalls -d 1h --dataset /data/fleet", "add to a multi-host dataset"],
    ["sudo bpflab capture -c syscalls --events --ring 10s -o /tmp/cap", "flight recorder: the last 10 s before Ctrl-C"],
    ["sudo bpflab capture -c syscalls,sched,process --events --online ewma,ngram", "EWMA and n-gram alerts"],
    ["sudo bpflab capture -c syscalls --alerts --ring 30s --ring-dumps /tmp/dumps", "save 30 s before each alert"],
  ],
  notes:
    "Ctrl-C ends the capture early: the probes detach and the data captured so far is kept (and saved).\n" +
    "With --ring, `kill -USR1 PID` triggers the flight recorder: it saves the window before that moment.",
  run: runCapture,
});

async function runCapture(inv: Invocation): Promise<number> {
  const plan = await withCells(resolveCaptureOptions(inv));
  const triggers = await resolveTriggers(inv);
  let failed = true;
  const files: string[] = [];
  let cap: Capture;
  try {
    cap = await captureInto(inv, plan, triggers, files);
    failed = false;
  } finally {
    triggers.close(failed);
  }
  if (inv.json) {
    const extra = { files, ...(cap.meta.ring ? { ring: cap.meta.ring } : {}), alerts: triggers.alerts.length };
    process.stdout.write(JSON.stringify({ ...summaryJson(summaryOf(cap)), ...extra }, null, 2) + "\n");
  } else {
    process.stdout.write(summarize(cap) + "\n");
    const ring = ringLine(cap);
    if (ring) process.stdout.write(`\n${ring}\n`);
    if (triggers.options.online?.length)
      process.stdout.write(`\n${triggers.alerts.length} alert(s) from the online detector(s)\n`);
    process.stdout.write(
      files.length
        ? `\nwrote ${files.join(", ")}\n`
        : "\n(nothing saved: add --out DIR or --dataset ROOT to keep it)\n",
    );
  }
  // With a traced command that ended on its own, its exit status is ours (as `time CMD` or `strace CMD` do), so
  // scripts see failures; a command the capture ended (at --duration, on Ctrl-C) is not a failure.
  return cap.meta.command && !cap.meta.commandTerminated ? (cap.meta.commandExitCode ?? 0) : 0;
}

/** The capture into --out and --dataset (files written go to `files`); the Capture as saved. */
async function captureInto(
  inv: Invocation,
  plan: ResolvedCapture,
  triggers: CaptureTriggers,
  files: string[],
): Promise<Capture> {
  const dataset = inv.string("dataset");
  const outDir = await openOut(inv);
  let cap: Capture;
  try {
    // With --out, intervals are spilled to Parquet segments as they come: memory stays bounded and a killed
    // capture keeps what it wrote (bpflab recover). The summary then reads the finished files.
    const sink = outDir ? new SegmentWriter(outDir, { finalMeta: (m) => asPlannedMeta(m, plan) }) : undefined;
    cap = await captureWithProgress(inv, { ...plan, options: { ...plan.options, ...triggers.options } }, sink);
    if (outDir && sink) {
      files.push(...sink.files);
      cap = await loadCapture(outDir.path);
    }
    if (dataset) files.push(...(await writeToDataset(cap, dataset)));
    files.push(...(await triggers.dumps()));
  } catch (e) {
    outDir?.discard(); // a capture that failed before writing anything leaves no empty folder behind
    throw e;
  } finally {
    outDir?.close();
  }
  return cap;
}

/** The --out folder, checked and held open before anything attaches (a bad --out fails at once). */
export async function openOut(inv: Invocation): Promise<OutputDir | undefined> {
  const out = inv.string("out");
  const mode = inv.string("mode");
  if (!out) {
    if (inv.flag("force") || (mode !== undefined && inv.string("ring-dumps") === undefined))
      throw new OptionError("--force and --mode need --out", "add --out DIR");
    return undefined;
  }
  return prepareOutput(out, { force: inv.flag("force"), ...(mode !== undefined ? { mode: parseMode(mode) } : {}) });
}

/** Runs the capture with the status line (or the --follow view) on stderr when it is a terminal. */
export async function captureWithProgress(
  inv: Invocation,
  plan: ResolvedCapture,
  sink?: CaptureSink,
): Promise<Capture> {
  const intervalMs = parseDuration(plan.options.interval ?? "1s", "interval", 10, 3_600_000);
  const what =
    `capturing ${plan.names.join(", ")}${plan.untilStopped ? " until Ctrl-C" : ` for ${fmt(Number(plan.options.duration))}`}` +
    `${plan.options.command ? ` while running: ${plan.options.command.join(" ")}` : ""}…`;
  const view = inv.flag("follow")
    ? new TopScreen(
        new LiveStats(plan.names, intervalMs, { topN: Math.max(5, Math.min(20, (process.stderr.rows || 26) - 8)) }),
        {
          sink: process.stderr,
          pipe: "silent",
          untilStopped: plan.untilStopped,
          title: "bpflab capture",
        },
      )
    : new ProgressLine(new LiveStats(plan.names, intervalMs), { untilStopped: plan.untilStopped });
  view.start(what);
  try {
    return asPlanned(await capture({ ...plan.options, onInterval: view.onInterval, ...(sink ? { sink } : {}) }), plan);
  } finally {
    view.done();
  }
}
