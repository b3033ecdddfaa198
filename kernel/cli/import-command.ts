// `bpflab import DIR... --dataset ROOT`: adds saved captures to a fleet dataset (Hive layout, see dataset/).

import { loadCapture } from "../capture/capture-files.js";
import { writeToDataset } from "../dataset/dataset-write.js";
import { OptionError } from "../errors.js";
import { defineCommand } from "./command.js";

export const importCommand = defineCommand({
  name: "import",
  summary: "add saved captures to a multi-host dataset (Hive-partitioned Parquet)",
  description:
    "Adds each capture to ROOT/collector=<name>/host=<host>/date=<YYYY-MM-DD>/<start>-<id>.parquet, the layout\n" +
    "DuckDB, Spark and Polars read as one table per collector. Files are added, never replaced; folders are\n" +
    "created 0700 and files 0600. No root needed.",
  args: [
    { name: "dir", description: "capture folders written by bpflab capture --out", required: true, variadic: true },
  ],
  json: true,
  options: [{ flags: "--dataset <ROOT>", description: "the dataset root (created if missing)" }],
  examples: [
    ["bpflab import /tmp/cap --dataset /data/fleet", "one capture"],
    ["bpflab import web1-cap web2-cap --dataset /data/fleet", "captures of two hosts"],
    ['bpflab sql /data/fleet "SELECT host, count(*) FROM sched GROUP BY host"', "then query them as one table"],
  ],
  async run(inv) {
    const root = inv.string("dataset");
    if (!root) throw new OptionError("no --dataset ROOT given", "name the dataset root, e.g. --dataset /data/fleet");
    const written: { capture: string; host: string; files: string[] }[] = [];
    for (const dir of inv.args) {
      const cap = await loadCapture(dir);
      written.push({ capture: dir, host: cap.meta.host, files: await writeToDataset(cap, root) });
    }
    if (inv.json) process.stdout.write(JSON.stringify(written, null, 2) + "\n");
    else
      for (const w of written)
        process.stdout.write(
          `${w.capture} (host ${w.host}): ${w.files.length ? `${w.files.length} files into ${root}` : `already in ${root}`}\n`,
        );
    return 0;
  },
});
