// `bpflab top`: a live, refreshing view of the busiest processes (on-CPU, syscalls/s) like top/tcptop, from the
// same numbers as the notebook's live(); optionally saving the capture.

import { capture } from "../capture/engine.js";
import type { Capture } from "../capture/capture.js";
import { saveCapture } from "../capture/capture-files.js";
import { parseDuration } from "../capture/duration.js";
import { LiveStats } from "../plots/live-stats.js";
import { defineCommand, Invocation } from "./command.js";
import { asPlanned, captureOptionSpecs, resolveCaptureOptions, withCells } from "./capture-options.js";
import { summaryJson, summaryOf } from "../report/summary.js";
import { TopScreen } from "./top-screen.js";

export const topCommand = defineCommand({
  name: "top",
  summary: "live view of the busiest processes, refreshed every interval, like top",
  description:
    "Captures (sched and syscalls by default) and redraws the busiest processes after every interval, with\n" +
    "their on-CPU share, syscalls per second and a sparkline of the recent intervals. Runs until Ctrl-C or\n" +
    "--duration. In a pipe it prints one block per interval, like top -b.",
  needsRoot: true,
  json: true,
  args: [{ name: "command", description: "a command to start and watch with its children (after --)", variadic: true }],
  options: () => [
    ...captureOptionSpecs({ collectors: "sched, syscalls", duration: "until Ctrl-C" }),
    { flags: "-n, --top <N>", description: "processes to list", defaultText: "as many as fit, at most 20" },
    { flags: "-o, --out <DIR>", description: "also save the capture into DIR" },
  ],
  examples: [
    ["sudo bpflab top", "busiest processes, refreshed every second, until Ctrl-C"],
    ["sudo bpflab top -i 2s -n 10", "every 2 s, top 10"],
    ["sudo bpflab top -c sched,syscalls,process -d 1m -o /tmp/cap", "one minute, saved"],
    ["sudo bpflab top -d 5s | tail -n 30", "batch mode: one block per interval"],
  ],
  run: runTop,
});

async function runTop(inv: Invocation): Promise<number> {
  const plan = await withCells(resolveCaptureOptions(inv, ["sched", "syscalls"]));
  const intervalMs = parseDuration(plan.options.interval ?? "1s", "interval", 10, 3_600_000);
  const topN = inv.int("top", { min: 1, max: 200 }) ?? Math.max(5, Math.min(20, (process.stdout.rows || 26) - 8));
  const screen = new TopScreen(new LiveStats(plan.names, intervalMs, { topN }), {
    pipe: "batch",
    untilStopped: plan.untilStopped,
  });
  screen.start(`bpflab top: attaching ${plan.names.join(", ")}…`);
  let cap: Capture;
  try {
    cap = await capture({ ...plan.options, onInterval: screen.onInterval });
  } finally {
    screen.done();
  }
  cap = asPlanned(cap, plan);
  const out = inv.string("out");
  const files = out ? await saveCapture(cap, out) : [];
  if (inv.json) process.stdout.write(JSON.stringify({ ...summaryJson(summaryOf(cap)), files }, null, 2) + "\n");
  else
    process.stdout.write(
      screen.finalText(cap, process.stdout.isTTY === true) + (files.length ? `\nwrote ${files.join(", ")}` : "") + "\n",
    );
  return 0;
}
