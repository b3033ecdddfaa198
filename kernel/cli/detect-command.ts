// `bpflab detect DIR`: finds incidents in a saved capture (each process against its own history by default, or
// against a baseline), prints them with their causes, then the top rows. The work is kernel/analysis/.

import { OptionError } from "../errors.js";
import { loadCapture } from "../capture/capture-files.js";
import { AnomalyReport, DETECTION_MODES, DetectionMode, findAnomalies } from "../analysis/anomalies.js";
import { formatReport, reportJson, stringifyReport } from "../analysis/report-format.js";
import type { EntityKind } from "../features/features.js";
import { detectorNames } from "../detectors/registry.js";
import { defineCommand, Invocation } from "./command.js";
import { isDataset } from "../dataset/layout.js";
import { datasetDetectOptions, detectDataset } from "./detect-dataset.js";

export const detectCommand = defineCommand({
  name: "detect",
  summary: "find incidents in a saved capture: which process, when, and the cause against its baseline",
  args: [{ name: "dir", description: "a folder written by bpflab capture --out, or a dataset root", required: true }],
  json: true,
  options: [
    { flags: "--baseline <DIR>", description: "a capture of the same system behaving normally (same collectors)" },
    { flags: "--baseline-until <D>", description: "the capture's first D are normal, e.g. 20s" },
    {
      flags: "--mode <MODE>",
      description:
        "history: each process vs its own past (peers, everyone where it has none); baseline: vs the pooled baseline; unsupervised: the whole capture",
      choices: DETECTION_MODES,
      defaultText: "history",
    },
    { flags: "--labels <FILE>", description: "interval labels (CSV/Parquet) to grade the incidents against" },
    {
      flags: "--detector <NAME>",
      description: `baseline/unsupervised modes: detector to run (repeatable): ${detectorNames.join(", ")}`,
      repeatable: true,
      split: true,
      defaultText: "zscore, iforest",
    },
    { flags: "--threshold <X>", description: "rows scoring at least X form incidents", defaultText: "per mode" },
    {
      flags: "--by <KIND>",
      description: "one row per window and",
      choices: ["pid", "tid", "comm", "cgroup"],
      defaultText: "pid",
    },
    { flags: "-w, --window <W>", description: "window length", defaultText: "1s" },
    { flags: "-n, --top <N>", description: "how many rows to print after the incidents", defaultText: "10" },
    {
      flags: "--rank-by <NAME>",
      description: "rank by one detector's score, or consensus",
      defaultText: "first detector",
    },
    { flags: "--seed <N>", description: "seed of the randomised detectors", defaultText: "0" },
    { flags: "--include-self", description: "rank bpflab's own capturing process too (left out by default)" },
    ...datasetDetectOptions,
  ],
  examples: [
    ["bpflab detect /tmp/cap", "incidents: each process against its own earlier windows"],
    ["bpflab detect /tmp/cap --baseline-until 20s", "the first 20 s are normal"],
    ["bpflab detect /tmp/cap --baseline /tmp/quiet --json", "against another capture; the JSON scripts read"],
    ["bpflab detect /tmp/cap --mode unsupervised --detector iforest --detector pca", "two detectors, whole capture"],
    ["bpflab detect datasets/redis-injected --labels datasets/redis-injected/labels.csv", "graded against labels"],
    ["bpflab detect /data/fleet --from 2026-12-01T10:00Z", "a dataset: every host in one ranking"],
    ["bpflab detect /data/fleet --host web1,web2 --per-host", "each host against its own normal"],
  ],
  run: cmdDetect,
});

export async function cmdDetect(inv: Invocation): Promise<number> {
  const dir = inv.one("folder", "bpflab detect DIR (written by bpflab capture)");
  const top = inv.int("top", { min: 1 }, 10)!;
  const detectors = inv.strings("detector");
  const by = inv.string("by");
  const window = inv.string("window");
  const rankBy = inv.string("rank-by");
  const seed = inv.int("seed");
  const mode = inv.string("mode") as DetectionMode | undefined;
  const baselineDir = inv.string("baseline");
  const baselineUntil = inv.string("baseline-until");
  const labelsFile = inv.string("labels");
  const thresholdText = inv.string("threshold");
  const threshold = thresholdText === undefined ? undefined : Number(thresholdText);
  if (threshold !== undefined && !Number.isFinite(threshold)) {
    throw new OptionError(`bad --threshold: ${JSON.stringify(thresholdText)}`, "give a number, e.g. --threshold 25");
  }
  const opts = {
    ...(detectors.length ? { detectors } : {}),
    ...(by ? { by: by as EntityKind } : {}),
    ...(window ? { window } : {}),
    ...(rankBy ? { rankBy } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(mode ? { mode } : {}),
    ...(baselineUntil ? { baselineUntil } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(inv.flag("include-self") ? { includeSelf: true } : {}),
    top,
  };
  if (isDataset(dir)) return detectDataset(dir, inv, opts, formatAnomalies);
  const [cap, baseline, labels] = await Promise.all([
    loadCapture(dir),
    baselineDir ? loadCapture(baselineDir) : undefined,
    labelsFile ? import("../analysis/interval-labels.js").then((m) => m.readIntervalLabels(labelsFile)) : undefined,
  ]);
  const report = findAnomalies(cap, { ...opts, ...(baseline ? { baseline } : {}), ...(labels ? { labels } : {}) });
  process.stdout.write((inv.json ? stringifyReport(reportJson(report)) : formatReport(report)) + "\n");
  return 0;
}

/** A report as text: its incidents, then its top rows (what `bpflab detect` prints). */
export function formatAnomalies(r: AnomalyReport): string {
  return formatReport(r);
}
