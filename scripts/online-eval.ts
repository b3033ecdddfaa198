// Measures the online detectors on the labelled scenario corpus (datasets/scenarios): each capture is replayed at
// full speed through every detector; per capture, the alerts raised before the labelled anomaly (and on the
// baseline captures, all of them: false alerts) and the first alert on the labelled process after its start.
//   npx tsx scripts/online-eval.ts [--only fork-storm,syscall-storm,baseline] [--detectors zscore,ewma] [--corpus DIR]...
// --corpus: other labelled captures (a folder of them, or a corpus) instead of the shipped corpus, e.g. for tuning.
// Latency is in intervals: 0 = the alert came at the end of the interval the anomaly started in.

import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { loadCapture } from "../kernel/capture/load-capture.js";
import { replay } from "../kernel/capture/replay.js";
import type { Alert } from "../kernel/online/alert.js";
import { createOnlineDetectors } from "../kernel/online/online-registry.js";
import { packageRoot } from "../kernel/paths.js";
import { labelledCaptures, readCorpus } from "../kernel/scenarios/corpus.js";
import { scenarioLabels } from "../kernel/scenarios/labels.js";

const { values } = parseArgs({
  options: { only: { type: "string" }, detectors: { type: "string" }, corpus: { type: "string", multiple: true } },
});
const only = values.only?.split(",");
const names = (values.detectors ?? "zscore,ewma").split(",");
const entries = values.corpus?.length
  ? labelledCaptures(values.corpus).map((path) => ({
      path,
      dir: basename(path),
      scenario: basename(path).replace(/-s\d+$/, ""),
    }))
  : readCorpus(join(packageRoot(), "datasets", "scenarios")).captures;

interface Row {
  capture: string;
  detector: string;
  before: number;
  falseEntities: string;
  latency: number | undefined;
  /** Of the first alert on anything (the machine-wide series included) after the start. */
  anyLatency: number | undefined;
  entity: string;
}
async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const entry of entries) {
    if (only && !only.includes(entry.scenario)) continue;
    const cap = await loadCapture(entry.path);
    const I = cap.meta.intervalMs / 1000;
    const label = scenarioLabels(cap).find((l) => l.role === "anomaly");
    for (const name of names) {
      const seen: Alert[] = [];
      await replay(cap, { speed: Infinity, online: createOnlineDetectors([name]), onAlert: (a) => seen.push(a) });
      const start = label?.start_s ?? Infinity;
      // an alert at the end of an interval that ended before the anomaly started is false
      const before = seen.filter((a) => a.t_s <= Math.floor(start / I) * I);
      if (process.env.EVAL_VERBOSE)
        for (const a of seen) process.stderr.write(`  ${entry.dir} ${name} ${a.t_s.toFixed(0)} ${a.message}\n`);
      const hit = label
        ? seen.find((a) => a.t_s > start && (a.pid === label.pid || a.entity === label.comm))
        : undefined;
      const any = label ? seen.find((a) => a.t_s > start) : undefined;
      rows.push({
        capture: entry.dir,
        detector: name,
        before: before.length,
        falseEntities: [...new Set(before.map((a) => `${a.entity}:${a.drivers[0]!.metric}`))].join(" "),
        latency: hit ? Math.round(hit.t_s / I) - 1 - Math.floor(start / I) : undefined,
        anyLatency: any ? Math.round(any.t_s / I) - 1 - Math.floor(start / I) : undefined,
        entity: label ? `${label.comm}${label.new_process ? " (new)" : ""}` : "—",
      });
    }
  }
  for (const r of rows) {
    const lat = r.entity === "—" ? "" : r.latency === undefined ? "missed" : String(r.latency);
    process.stdout.write(
      `${r.capture.padEnd(24)} ${r.detector.padEnd(7)} ${r.entity.padEnd(22)} false ${String(r.before).padStart(3)}  ` +
        `latency ${lat.padEnd(6)} any ${String(r.anyLatency ?? "-").padEnd(3)} ${r.falseEntities}\n`,
    );
  }
  // per detector: false alerts over all normal stretches, and latencies on the labelled processes
  for (const name of names) {
    const mine = rows.filter((r) => r.detector === name);
    const labelled = mine.filter((r) => r.entity !== "—");
    const within2 = labelled.filter((r) => r.latency !== undefined && r.latency <= 2).length;
    const baseline = mine.filter((r) => r.entity === "—").reduce((a, r) => a + r.before, 0);
    process.stdout.write(
      `${name}: false alerts ${mine.reduce((a, r) => a + r.before, 0)} (on baseline captures ${baseline}), ` +
        `on the labelled process within 2 intervals ${within2}/${labelled.length}\n`,
    );
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`online-eval: ${(e as Error).stack}\n`);
  process.exit(1);
});
