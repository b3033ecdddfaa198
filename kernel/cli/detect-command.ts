// `bpflab detect DIR`: ranks the (window, process) rows of a saved capture by anomaly and prints the top ones.

import { parseArgs } from "node:util";
import { OptionError } from "../errors.js";
import { loadCapture } from "../capture/capture-files.js";
import { AnomalyReport, findAnomalies } from "../analysis/anomalies.js";
import type { EntityKind } from "../features/features.js";
import { textTable } from "./summary.js";

export async function cmdDetect(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      detector: { type: "string", multiple: true },
      by: { type: "string" },
      window: { type: "string" },
      top: { type: "string" },
      "rank-by": { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (positionals.length !== 1)
    throw new OptionError("detect takes one folder", "bpflab detect DIR (written by bpflab capture)");
  const top = values.top === undefined ? 10 : Number(values.top);
  if (!Number.isInteger(top) || top <= 0) throw new OptionError(`bad --top: ${values.top}`, "pass a positive integer");
  const cap = await loadCapture(positionals[0]!);
  const report = findAnomalies(cap, {
    ...(values.detector ? { detectors: values.detector } : {}),
    ...(values.by ? { by: values.by as EntityKind } : {}),
    ...(values.window ? { window: values.window } : {}),
    ...(values["rank-by"] ? { rankBy: values["rank-by"] } : {}),
    top,
  });
  if (values.json) {
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
