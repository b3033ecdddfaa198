// `bpflab recover DIR`: finishes a capture that was cut off (bpflab killed, crashed, power lost) from its segments.

import { recoverCapture } from "../capture/recover.js";
import { defineCommand } from "./command.js";

export const recoverCommand = defineCommand({
  name: "recover",
  summary: "finish a capture that was cut off (bpflab killed, crashed, power lost) from its segments",
  description:
    "A capture with --out is written as Parquet segments while it runs. If bpflab stops before the end, the\n" +
    "folder keeps them: `bpflab show` reads them as they are, and recover merges them into the capture's files\n" +
    "(marked interrupted, with what is missing). Leftovers of a save that was killed are removed.",
  args: [{ name: "dir", description: "the folder the capture was written to (--out)", required: true }],
  json: true,
  examples: [
    ["sudo bpflab recover /tmp/cap", "merge the segments of a killed capture into sched.parquet, ..."],
    ["bpflab show /tmp/cap", "then look at it as usual"],
  ],
  async run(inv) {
    const dir = inv.one("folder", "bpflab recover DIR (a folder a capture was being written to)");
    const r = await recoverCapture(dir);
    if (inv.json) {
      process.stdout.write(JSON.stringify({ ...r, meta: r.meta ?? null }, null, 2) + "\n");
      return 0;
    }
    for (const name of r.removed) process.stderr.write(`removed ${name}: leftover of a save that was killed\n`);
    if (r.paths.length === 0) {
      process.stdout.write(`${dir}: nothing to recover (no cut-off capture in it)\n`);
      return 0;
    }
    const m = r.meta!;
    process.stdout.write(
      `recovered ${(m.elapsedMs / 1000).toFixed(1)} s of ${(m.durationMs / 1000).toFixed(1)} s from ${r.segments} ` +
        `segment(s); missing: ${(m.missing ?? []).join("; ") || "nothing"}\nwrote ${r.paths.join(", ")}\n`,
    );
    return 0;
  },
});
