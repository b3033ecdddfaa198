// `bpflab replay DIR`: plays a saved capture back as if it were live, through the same refreshing view as
// `bpflab top` (and the same online detectors as a capture), without root.

import { loadCapture } from "../capture/load-capture.js";
import { replay } from "../capture/replay.js";
import { OptionError } from "../errors.js";
import { LiveStats } from "../plots/live-stats.js";
import { summaryJson, summaryOf } from "../report/summary.js";
import { defineCommand } from "./command.js";
import { TopScreen } from "./top-screen.js";
import { log } from "../log.js";
import { alertLine, onlineDetectorsOf, onlineOptionSpecs } from "./online-flags.js";
import type { Alert } from "../online/alert.js";

export const replayCommand = defineCommand({
  name: "replay",
  summary: "play a saved capture back interval by interval, as a live view (no root)",
  description:
    "Reads a capture saved with --out and hands it out one interval at a time, at the capture's own pace or\n" +
    "--speed times faster, to the live view bpflab top shows: what the capture looked like as it ran.",
  args: [{ name: "dir", description: "a folder written by bpflab capture --out", required: true }],
  json: true,
  options: [
    { flags: "--speed <X>", description: "playback speed: 1 = real time, 10 = ten times faster, inf = no waiting" },
    { flags: "-n, --top <N>", description: "processes to list", defaultText: "as many as fit, at most 20" },
    ...onlineOptionSpecs,
  ],
  examples: [
    ["bpflab replay datasets/redis-injected", "the capture at its own pace"],
    ["bpflab replay datasets/redis-injected --speed 10", "ten times faster"],
    ["bpflab replay /tmp/cap --speed inf --json", "as fast as possible; the summary as JSON"],
    ["bpflab replay datasets/redis-injected --speed inf --alerts", "with online alerts, one line each"],
    ["bpflab replay datasets/scenarios/fork-storm/s1 --speed inf --online zscore,ewma", "two online detectors"],
  ],
  async run(inv) {
    const dir = inv.one("folder", "bpflab replay DIR (a folder written by bpflab capture --out)");
    const given = inv.string("speed") ?? "1";
    const speed = /^inf(inity)?$/i.test(given) ? Infinity : Number(given);
    if (!(speed > 0)) throw new OptionError(`--speed ${given}: not a speed`, "give a number above 0, or inf");
    const cap = await loadCapture(dir);
    const topN = inv.int("top", { min: 1, max: 200 }) ?? Math.max(5, Math.min(20, (process.stdout.rows || 26) - 8));
    const screen = new TopScreen(new LiveStats(cap.meta.collectors, cap.meta.intervalMs, { topN }), {
      pipe: inv.json ? "silent" : "batch",
      untilStopped: false,
    });
    screen.start(`bpflab replay: ${dir}…`);
    let played;
    try {
      const online = onlineDetectorsOf(inv);
      if (online?.some((d) => d.name === "ngram") && !cap.frames["syscalls_events"])
        log.warn(`${dir} has no syscall events (capture -c syscalls --events): the ngram detector sees nothing`);
      played = await replay(cap, {
        speed,
        onInterval: screen.onInterval,
        ...(online ? { online, onAlert: (a: Alert) => process.stderr.write(alertLine(a)) } : {}),
      });
    } finally {
      screen.done();
    }
    if (inv.json) process.stdout.write(JSON.stringify(summaryJson(summaryOf(played)), null, 2) + "\n");
    else process.stdout.write(screen.finalText(played, process.stdout.isTTY === true) + "\n");
    return 0;
  },
});
