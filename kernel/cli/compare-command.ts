// `bpflab compare`: compares detectors on labelled CSV or Parquet data (see kernel/compare/compare-cli.ts).

import { OptionError } from "../errors.js";
import { runCompareCli } from "../compare/compare-cli.js";
import { detectorNames } from "../detectors/registry.js";
import { defineCommand, Invocation } from "./command.js";
import { log } from "../log.js";

export const compareCommand = defineCommand({
  name: "compare",
  summary: "compare detectors on labelled CSV or Parquet data (ROC-AUC, PR-AUC, F1, time)",
  json: true,
  options: [
    { flags: "--data <FILE>", description: "a CSV (with a header row) or Parquet file" },
    { flags: "--label <COLUMN>", description: "the 0/1 column that marks anomalies" },
    {
      flags: "--detector <NAME>",
      description: `detector to compare (repeatable): ${detectorNames.join(", ")}`,
      repeatable: true,
      split: true,
      defaultText: "iforest, pca",
    },
    { flags: "--seed <N>", description: "seed of the randomised detectors", defaultText: "0" },
    { flags: "--format <F>", description: "deprecated: use --json", choices: ["table", "json"], hidden: true },
  ],
  examples: [
    [
      "bpflab compare --data datasets/public/odds/cardio.csv --label label --detector iforest --detector pca",
      "two detectors on ODDS cardio",
    ],
    ["bpflab compare --data cardio.csv --label label --detector iforest,pca,hbos --json", "as JSON"],
  ],
  run: cmdCompare,
});

export async function cmdCompare(inv: Invocation): Promise<number> {
  const data = inv.string("data");
  const label = inv.string("label");
  if (!data) throw new OptionError("no --data FILE given", "a CSV (with a header row) or Parquet file");
  if (!label) throw new OptionError("no --label COLUMN given", "name the 0/1 column that marks anomalies");
  const seed = inv.int("seed", {}, 0)!;
  const format = inv.string("format");
  if (format !== undefined) log.warn("compare --format is deprecated: use --json (same output)");
  const out = await runCompareCli({
    data,
    label,
    detectors: inv.strings("detector"),
    format: inv.json || format === "json" ? "json" : "table",
    seed,
  });
  process.stdout.write(out + "\n");
  return 0;
}
