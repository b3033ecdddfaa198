// `bpflab detect ROOT` on a fleet dataset: across hosts (one model over the fleet) or --per-host, narrowed by
// --host, --from and --to. The ranking itself is findAnomalies' (detect-command.ts formats it).

import type { AnomalyReport, FindAnomaliesOptions } from "../analysis/anomalies.js";
import { loadDataset } from "../dataset/load-dataset.js";
import { findAnomaliesAcrossHosts, findAnomaliesByHost } from "../dataset/fleet-anomalies.js";
import type { Invocation, OptionSpec } from "./command.js";

export const datasetDetectOptions: OptionSpec[] = [
  {
    flags: "--host <NAME>",
    description: "dataset: only this host (repeatable)",
    repeatable: true,
    split: true,
    group: "Datasets:",
  },
  {
    flags: "--from <TIME>",
    description: "dataset: rows from this time (ISO 8601, e.g. 2026-12-01T10:00Z)",
    group: "Datasets:",
  },
  { flags: "--to <TIME>", description: "dataset: rows before this time", group: "Datasets:" },
  {
    flags: "--per-host",
    description: "dataset: rank each host on its own instead of across hosts",
    group: "Datasets:",
  },
];

/** Runs detection on a dataset root and prints it with `formatAnomalies` (detect's); returns the exit code. */
export async function detectDataset(
  root: string,
  inv: Invocation,
  opts: FindAnomaliesOptions,
  formatAnomalies: (r: AnomalyReport) => string,
): Promise<number> {
  const hosts = inv.strings("host");
  const from = inv.string("from");
  const to = inv.string("to");
  const ds = await loadDataset(root, {
    ...(hosts.length ? { hosts } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  });
  if (inv.flag("per-host")) {
    const reports = findAnomaliesByHost(ds, opts);
    if (inv.json) {
      process.stdout.write(
        JSON.stringify(Object.fromEntries([...reports].map(([h, r]) => [h, r.top])), null, 2) + "\n",
      );
    } else {
      process.stdout.write([...reports].map(([h, r]) => `host ${h}: ${formatAnomalies(r)}`).join("\n\n") + "\n");
    }
    return 0;
  }
  const r = findAnomaliesAcrossHosts(ds, opts);
  if (inv.json) process.stdout.write(JSON.stringify(r.top, null, 2) + "\n");
  else process.stdout.write(`across ${r.hosts.length} hosts (${r.hosts.join(", ")}): ${formatAnomalies(r)}\n`);
  return 0;
}
