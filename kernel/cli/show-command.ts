// `bpflab show DIR`: the summary of a saved capture, or its rows (--head N), as text or JSON. No root needed.

import { loadCapture } from "../capture/capture-files.js";
import { defineCommand } from "./command.js";
import { summarize, summaryJson, summaryOf } from "../report/summary.js";
import { frameRowsJson, frameRowsText } from "./rows.js";
import { OptionError } from "../errors.js";

export const showCommand = defineCommand({
  name: "show",
  summary: "summarise a saved capture, or print its rows (no root needed)",
  args: [{ name: "dir", description: "a folder written by bpflab capture --out", required: true }],
  json: true,
  options: [
    { flags: "-n, --head <N>", description: "print the first N rows of each frame (or of --frame) instead" },
    { flags: "--frame <NAME>", description: "with --head: only this collector's frame" },
  ],
  examples: [
    ["bpflab show /tmp/cap", "headline, rows and lost events, top processes and syscalls"],
    ["bpflab show /tmp/cap --json", "the same as JSON"],
    ["bpflab show /tmp/cap --head 20 --frame syscalls", "the first 20 rows of syscalls"],
    ["bpflab show datasets/redis-injected --head 5 --json", "rows as JSON objects"],
  ],
  async run(inv) {
    const dir = inv.one("folder", "bpflab show DIR (a folder written by bpflab capture --out)");
    const head = inv.int("head", { min: 0 });
    const only = inv.string("frame");
    if (only !== undefined && head === undefined) throw new OptionError("--frame needs --head N", "e.g. --head 10");
    const cap = await loadCapture(dir);
    if (head === undefined) {
      process.stdout.write((inv.json ? JSON.stringify(summaryJson(summaryOf(cap)), null, 2) : summarize(cap)) + "\n");
      return 0;
    }
    const frames = only ? [cap.frame(only)] : cap.collectors.map((c) => cap.frame(c));
    if (inv.json) {
      const obj = Object.fromEntries(frames.map((f) => [f.name, frameRowsJson(f, head)]));
      process.stdout.write(JSON.stringify(obj, null, 2) + "\n");
    } else {
      process.stdout.write(frames.map((f) => frameRowsText(f, head)).join("\n\n") + "\n");
    }
    return 0;
  },
});
