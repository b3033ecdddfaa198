// `bpflab compare`: compares detectors on labelled CSV or Parquet data (see kernel/compare/compare-cli.ts).

import { parseArgs } from "node:util";
import { OptionError } from "../errors.js";
import { runCompareCli } from "../compare/compare-cli.js";

export async function cmdCompare(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: "string" },
      label: { type: "string" },
      detector: { type: "string", multiple: true },
      format: { type: "string" },
      seed: { type: "string" },
    },
  });
  if (!values.data) throw new OptionError("no --data FILE given", "a CSV (with a header row) or Parquet file");
  if (!values.label) throw new OptionError("no --label COLUMN given", "name the 0/1 column that marks anomalies");
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new OptionError(`bad --seed: ${values.seed}`, "pass an integer");
  const out = await runCompareCli({
    data: values.data,
    label: values.label,
    detectors: values.detector ?? [],
    format: (values.format ?? "table") as "table" | "json",
    seed,
  });
  process.stdout.write(out + "\n");
  return 0;
}
