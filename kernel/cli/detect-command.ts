// `bpflab detect DIR`: ranks the (window, process) rows of a saved capture by anomaly and prints the top ones.

import { OptionError } from "../errors.js";
import { loadCapture } from "../capture/capture-files.js";
import { AnomalyReport, findAnomalies } from "../analysis/anomalies.js";
import type { EntityKind } from "../features/features.js";
import { detectorNames } from "../detectors/registry.js";
import { defineCommand, Invocation } from "./command.js";
import { textTable } from "../report/summary.js";
import { isDataset } from "../dataset/layout.js";
import { datasetDetectOptions, detectDataset } from "./detect-dataset.js";

export const detectCommand = defineCommand({
  name: "detect",
  summary: "rank the (window, process) rows of a saved capture by anomaly",
  args: [{ name: "dir", description: "a folder written by bpflab capture --out, or a dataset root", required: true }],
  json: true,
  options: [
    {
      flags: "--detector <NAME>",
      description: `detector to run (repeatable): ${detectorNames.join(", ")}`,
      repeatable: true,
      split: true,
      defaultText: "iforest, zscore",
    },
    {
      flags: "--by <KIND>",
      description: "one row per window and",
      choices: ["pid", "tid", "comm", "cgroup"],
      defaultText: "pid",
    },
    { flags: "-w, --window <W>", description: "window length", defaultText: "1s" },
    { flags: "-n, --top <N>", description: "how many anomalies to print", defaultText: "10" },
    {
      flags: "--rank-by <NAME>",
      description: "rank by one detector's score, or consensus",
      defaultText: "first detector",
    },
    { flags: "--seed <N>", description: "seed of the randomised detectors", defaultText: "0" },
    ...datasetDetectOptions,
  ],
  examples: [
    ["bpflab detect /tmp/cap", "top 10 anomalies by the default detectors"],
    ["bpflab detect /tmp/cap --detector iforest --detector pca --top 5", "two detectors, top 5"],
    ["bpflab detect datasets/redis-injected --by comm --window 2s", "per command name, 2 s windows"],
    ["bpflab detect /tmp/cap --rank-by consensus --json", "ranked by the consensus, as JSON"],
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
  if (top <= 0) throw new OptionError(`bad --top: ${top}`, "pass a positive integer");
  const opts = {
    ...(detectors.length ? { detectors } : {}),
    ...(by ? { by: by as EntityKind } : {}),
    ...(window ? { window } : {}),
    ...(rankBy ? { rankBy } : {}),
    ...(seed !== undefined ? { seed } : {}),
    top,
  };
  if (isDataset(dir)) return detectDataset(dir, inv, opts, formatAnomalies);
  const cap = await loadCapture(dir);
  const report = findAnomalies(cap, opts);
  if (inv.json) {
    process.stdout.write(JSON.stringify(report.top, null, 2) + "\n");
  } else {
    process.stdout.write(formatAnomalies(report) + "\n");
  }
  return 0;
}

/** The top anomalies as a text table: when, who, consensus, each detector's score, the driving features. */
export function formatAnomalies(r: AnomalyReport): string {
  const dets = Object.keys(r.scores);
  const head = ["#", "t (s)", "who", "consensus", ...dets, "driving features (share)"];
  const rows = r.top.map((a) => [
    a.rank,
    a.t_s.toFixed(1),
    Object.values(a.entity).join(" "),
    a.consensus.toFixed(3),
    ...dets.map((d) => a.scores[d]!.toFixed(3)),
    a.drivers
      .slice(0, 3)
      .map((d) => `${d.feature} (${(100 * d.share).toFixed(0)}%)`)
      .join(", "),
  ]);
  return (
    `${r.features.matrix.rows} (window, entity) rows × ${r.features.matrix.cols} features` +
    `${r.dropped.length ? ` (${r.dropped.length} constant ones dropped)` : ""}; detectors: ${dets.join(", ")}; ranked by ${r.rankedBy}\n` +
    textTable(head, rows)
  );
}
