// The `bpflab compare` command's work: read a labelled CSV or Parquet file, compare detectors, format the result.

import { extname } from "node:path";
import { OptionError } from "../errors.js";
import type { Frame } from "../frame/frame.js";
import { detectorNames } from "../detectors/registry.js";
import { compareDetectors, CompareRow } from "./compare.js";
import { readCsv } from "./read-csv.js";

export interface CompareCliArgs {
  /** CSV (header row) or Parquet file with feature columns and a 0/1 label column. */
  data: string;
  /** Label column name. */
  label: string;
  /** Registry names, in output order; default iforest and pca. */
  detectors: string[];
  format: "table" | "json";
  seed?: number;
}

/**
 * Runs the comparison and returns the text to print. json: an array of { detector, roc_auc, pr_auc, best_f1,
 * fit_ms, score_ms }; table: a header line and one aligned row per detector with every metric.
 *
 * @example await runCompareCli({ data: "datasets/public/odds/cardio.csv", label: "label", detectors: ["iforest"], format: "table" })
 */
export async function runCompareCli(args: CompareCliArgs): Promise<string> {
  if (args.format !== "table" && args.format !== "json") {
    throw new OptionError(
      `--format must be table or json, got ${JSON.stringify(args.format)}`,
      "use --format table (default) or --format json",
    );
  }
  const dets = args.detectors.length ? args.detectors : ["iforest", "pca"];
  for (const d of dets) {
    if (!(detectorNames as string[]).includes(d)) {
      throw new OptionError(`unknown detector "${d}"`, `known detectors: ${detectorNames.join(", ")}`);
    }
  }
  const frame = await readData(args.data);
  const r = compareDetectors(frame, dets, { label: args.label, seed: args.seed ?? 0 });
  if (args.format === "json") {
    return JSON.stringify(
      r.rows.map((x) => ({
        detector: x.detector,
        roc_auc: x.roc_auc,
        pr_auc: x.pr_auc,
        best_f1: x.best_f1,
        fit_ms: x.fit_ms,
        score_ms: x.score_ms,
      })),
      null,
      2,
    );
  }
  const positives = r.labels.reduce((a, b) => a + b, 0);
  return (
    `${args.data}: ${r.labels.length} rows, ${positives} anomalies (${((100 * positives) / r.labels.length).toFixed(2)} %)\n` +
    formatTable(r.rows) +
    `\npeak MB: resident memory added during fit + score (${r.memoryMethod})`
  );
}

async function readData(path: string): Promise<Frame> {
  const ext = extname(path).toLowerCase();
  if (ext === ".parquet") {
    const { readParquet } = await import("../frame/parquet.js");
    try {
      return (await readParquet(path)).frame;
    } catch {
      // Not written by bpflab (no schema metadata): map its types.
      return (await readParquet(path, { foreign: true })).frame;
    }
  }
  if (ext === ".csv" || ext === ".txt") return readCsv(path);
  throw new OptionError(
    `--data ${path}: unknown file type "${ext}"`,
    "give a .csv (with a header row) or a .parquet file",
  );
}

/** Aligned text table of compare rows (libbpf-tools style: a header line, then rows). */
export function formatTable(rows: CompareRow[]): string {
  const head = ["DETECTOR", "ROC-AUC", "PR-AUC", "BEST-F1", "F1@CONT", "PA-F1", "FIT-MS", "SCORE-MS", "PEAK-MB"];
  const body = rows.map((r) => [
    r.detector,
    r.roc_auc.toFixed(4),
    r.pr_auc.toFixed(4),
    r.best_f1.toFixed(4),
    r.f1_at_contamination.toFixed(4),
    r.point_adjusted_f1.toFixed(4),
    r.fit_ms.toFixed(1),
    r.score_ms.toFixed(1),
    (r.peak_mem_bytes / 2 ** 20).toFixed(1),
  ]);
  const w = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, j) => (j === 0 ? c.padEnd(w[j]!) : c.padStart(w[j]!))).join("  ");
  return [line(head), ...body.map(line)].join("\n");
}
