// `bpflab compare`: compares detectors on labelled data (see kernel/compare/compare-cli.ts, which does the work).

import { OptionError } from "../errors.js";
import { runCompareCli } from "../compare/compare-cli.js";
import { detectorNames } from "../detectors/registry.js";
import { sequenceDetectorNames } from "../detectors/sequence/registry.js";
import type { EntityKind } from "../features/features.js";
import { parseWindow } from "../features/window.js";
import { defineCommand, Invocation } from "./command.js";
import { log } from "../log.js";

export const compareCommand = defineCommand({
  name: "compare",
  summary: "compare detectors on labelled data: a table, or a capture with interval labels",
  json: true,
  options: [
    { flags: "--data <FILE>", description: "a CSV (with a header row) or Parquet file, or a capture directory" },
    { flags: "--label <COLUMN>", description: "the 0/1 column that marks anomalies (tables)" },
    {
      flags: "--labels <FILE>",
      description: "interval labels (CSV/Parquet: kind, pid|comm|cgroup_id, start_s, end_s) matched by time and entity",
      defaultText: "a capture's own labels file",
    },
    { flags: "--time <COLUMN>", description: "time column of a table in seconds: the rows are a time series" },
    { flags: "--entity <COLUMN>", description: "entity column of a table: one series per value" },
    { flags: "--tolerance <D>", description: "an alarm within D of an incident detects it", defaultText: "one window" },
    {
      flags: "--by <KIND>",
      description: "captures: one row per window and",
      choices: ["pid", "tid", "comm", "cgroup"],
      defaultText: "pid",
    },
    { flags: "-w, --window <W>", description: "captures: window length", defaultText: "1s" },
    {
      flags: "--detector <NAME>",
      description: `detector to compare (repeatable): ${detectorNames.join(", ")}; with --sequence also ${sequenceDetectorNames.join(", ")}`,
      repeatable: true,
      split: true,
      defaultText: "iforest, pca",
    },
    {
      flags: "--sequence <TRACE:CALL>",
      description: "sequence data: a long-format table, one row per call (trace id and call columns); scores per trace",
    },
    { flags: "--fit <FILE>", description: "with --sequence: normal traces to fit on (--data is scored)" },
    { flags: "--seed <N>", description: "seed of the randomised detectors", defaultText: "0" },
    { flags: "--format <F>", description: "deprecated: use --json", choices: ["table", "json"], hidden: true },
  ],
  examples: [
    [
      "bpflab compare --data datasets/public/odds/cardio.csv --label label --detector iforest --detector pca",
      "two detectors on ODDS cardio",
    ],
    ["bpflab compare --data cardio.csv --label label --detector iforest,pca,hbos --json", "as JSON"],
    [
      "bpflab compare --data datasets/syscall-sequences/test.parquet --fit datasets/syscall-sequences/train.parquet --sequence trace:call --label label --detector stide,ngram,iforest",
      "syscall sequences: fit on normal traces, score each labelled trace",
    ],
    [
      "bpflab compare --data datasets/redis-injected --labels datasets/redis-injected/labels.csv --detector zscore,pca",
      "a labelled capture: adds VUS-PR, PA%K, incidents found, false alarms/h, time to detect",
    ],
  ],
  run: cmdCompare,
});

export async function cmdCompare(inv: Invocation): Promise<number> {
  const data = inv.string("data");
  const label = inv.string("label");
  const labels = inv.string("labels");
  if (!data) {
    throw new OptionError("no --data FILE given", "a CSV (with a header row) or Parquet file, or a capture directory");
  }
  const seed = inv.int("seed", {}, 0)!;
  const format = inv.string("format");
  if (format !== undefined) log.warn("compare --format is deprecated: use --json (same output)");
  const time = inv.string("time");
  const entity = inv.string("entity");
  const tolerance = inv.string("tolerance");
  const by = inv.string("by");
  const window = inv.string("window");
  const sequence = inv.string("sequence");
  const fit = inv.string("fit");
  if (fit && !sequence) {
    throw new OptionError(
      "--fit needs --sequence (novelty detection on tables is not supported yet)",
      "add --sequence TRACE:CALL",
    );
  }
  const out = await runCompareCli({
    data,
    ...(label ? { label } : {}),
    ...(labels ? { labels } : {}),
    ...(time ? { time } : {}),
    ...(entity ? { entity } : {}),
    ...(tolerance ? { toleranceS: parseWindow(tolerance) } : {}),
    ...(by ? { by: by as EntityKind } : {}),
    ...(window ? { window } : {}),
    ...(sequence ? { sequence } : {}),
    ...(fit ? { fit } : {}),
    detectors: inv.strings("detector"),
    format: inv.json || format === "json" ? "json" : "table",
    seed,
  });
  process.stdout.write(out + "\n");
  return 0;
}
