// The detection benchmark: every detection method (the default pipeline, the history mode variants, and each
// detector in the baseline mode) on every labelled scenario capture of a corpus: is the injected incident the top
// incident, found at all, explained by its cause; false alarms per hour of normal time; time to detect; VUS-PR.
//
// Usage: npx tsx bench/detection.ts [--corpus DIR]... [--seeds 1,2,3] [--methods default,history-warmup,...]
//        [--options '{"threshold": 40}'] [--json]
//   DIR: a folder of scenario captures (each a folder with labels.parquet; default datasets/scenarios), or one
//   capture. --seeds keeps only those seeds (report on seeds you did not tune on). No root needed.

import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { findAnomalies, FindAnomaliesOptions } from "../kernel/analysis/anomalies.js";
import { entityKeys, labelsFromFrame, matchLabels } from "../kernel/analysis/interval-labels.js";
import { loadCapture } from "../kernel/capture/capture-files.js";
import type { Capture } from "../kernel/capture/capture.js";
import { timeSeriesMetrics } from "../kernel/compare/time-series-metrics.js";
import { processFacts } from "../kernel/features/process-facts.js";

interface Method {
  name: string;
  what: string;
  options: (warmupS: number) => FindAnomaliesOptions;
}

const METHODS: Method[] = [
  { name: "default", what: "bpflab detect DIR (history mode, causal)", options: () => ({}) },
  {
    name: "history-warmup",
    what: "history mode, --baseline-until the scenario's warm-up",
    options: (w) => ({ baselineUntil: w }),
  },
  ...["zscore", "iforest", "pca", "hbos", "ecod", "knn", "lof"].map((d) => ({
    name: `baseline:${d}`,
    what: `baseline mode, ${d} fitted on the warm-up's rows`,
    options: (w: number) => ({ mode: "baseline" as const, baselineUntil: w, detectors: [d] }),
  })),
  {
    name: "unsupervised:zscore",
    what: "the old default: zscore + iforest on the whole capture",
    options: () => ({ mode: "unsupervised" as const, detectors: ["zscore", "iforest"] }),
  },
];

interface CaseResult {
  method: string;
  scenario: string;
  seed: number;
  /** The top incident is the labelled anomaly's own process (null: no injection in this capture). */
  top: boolean | null;
  /** The top incident is any labelled process of the injection (anomaly, cause or affected). */
  topAny: boolean | null;
  found: boolean | null;
  rank: number | null;
  driversNameCause: boolean | null;
  ttdS: number | null;
  /**
   * Unlabelled incidents on the scenario's own processes (its baseline load, known to be normal) that begin in normal
   * time, away from the injection.
   */
  falseAlarms: number;
  /** Unlabelled incidents on the scenario's processes that begin during the injection: its side effects. */
  collateral: number;
  /** Incidents on processes foreign to the scenario (whatever else ran on the machine: unlabelled, not known normal). */
  foreign: number;
  /** The top incident among the scenario's own processes is the injected one. */
  topOwn: boolean | null;
  normalHours: number;
  vusPr: number | null;
}

function captures(dirs: string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    if (existsSync(join(d, "labels.parquet"))) out.push(d);
    else if (existsSync(d) && statSync(d).isDirectory()) {
      for (const e of readdirSync(d).sort()) if (existsSync(join(d, e, "labels.parquet"))) out.push(join(d, e));
    }
  }
  return out;
}

interface ScenarioInfo {
  name: string;
  seed: number;
  warmupS: number;
  /** Names of the scenario's baseline processes (their roles are their comms). */
  processes: string[];
}

type ScenarioMetaLike = {
  scenario?: { name: string; seed: number; plan: { warmupS: number; baseline: { processes: { role: string }[] } } };
};

function scenarioOf(cap: Capture, dir: string): ScenarioInfo {
  const s = (cap.meta as ScenarioMetaLike).scenario;
  if (s) {
    const processes = s.plan.baseline.processes.map((p) => p.role);
    return { name: s.name, seed: s.seed, warmupS: s.plan.warmupS, processes };
  }
  const m = /^(.*)-s(\d+)$/.exec(dir.replace(/^.*\//, ""));
  return { name: m?.[1] ?? dir, seed: Number(m?.[2] ?? 0), warmupS: 15, processes: [] };
}

function runCase(cap: Capture, dir: string, method: Method, extra: FindAnomaliesOptions = {}): CaseResult {
  const sc = scenarioOf(cap, dir);
  const labels = cap.frames["labels"] ? labelsFromFrame(cap.frames["labels"], `${dir}/labels`) : [];
  const r = findAnomalies(cap, { ...method.options(sc.warmupS), ...extra, ...(labels.length ? { labels } : {}) });
  const ev = r.evaluation;
  const anomaly = ev?.perLabel.find((l) => l.role === "anomaly") ?? ev?.perLabel[0];
  let vus: number | null = null;
  if (labels.length) {
    const { rowLabels } = matchLabels(
      r.features,
      labels.filter((l) => l.role === "anomaly" || !l.role),
    );
    const scored = [...rowLabels.keys()].filter((i) => r.features.keys.numeric("t_s")[i]! >= r.scoredFromS);
    const score = r.scores[r.rankedBy] ?? r.consensus;
    if (scored.some((i) => rowLabels[i])) {
      vus = timeSeriesMetrics(
        Uint8Array.from(scored, (i) => rowLabels[i]!),
        Float64Array.from(scored, (i) => score[i]!),
        {
          t: Float64Array.from(scored, (i) => r.features.keys.numeric("t_s")[i]!),
          stepS: r.features.windowS,
          series: ((k) => scored.map((i) => k[i]!))(entityKeys(r.features)),
        },
      ).vus_pr;
    }
  }
  const elapsedS = cap.meta.elapsedMs / 1000;
  // The scenario's own processes: its baseline load (by name, running since before the capture: a process of the
  // same name started during it belongs to another run on this machine) and the labelled ones.
  const names = new Set(sc.processes);
  const started = processFacts(cap).startS;
  const labelled = new Set(labels.flatMap((l) => l.pids ?? []));
  const isOwn = (i: (typeof r.incidents)[number]): boolean => {
    const pid = Number(i.entity.pid);
    return labelled.has(pid) || (names.has(String(i.entity.comm)) && !started.has(pid));
  };
  const anomalyPids = new Set(labels.filter((l) => l.role === "anomaly" || !l.role).flatMap((l) => l.pids ?? []));
  // The injection's time, widened by two windows: what starts then is its effect, not a false alarm.
  const tol = 2 * r.features.windowS;
  const during = (i: (typeof r.incidents)[number]): boolean =>
    labels.some((l) => i.start_s < l.end_s + tol && i.end_s > l.start_s - tol);
  const firstOwn = r.incidents.find(isOwn);
  return {
    method: method.name,
    scenario: sc.name,
    seed: sc.seed,
    top: anomaly ? ev!.topIncident?.role === "anomaly" || (ev!.topIncident !== null && !anomaly.role) : null,
    topAny: anomaly ? ev!.topIncident !== null : null,
    found: anomaly ? anomaly.detected : null,
    rank: anomaly?.rank ?? null,
    driversNameCause: anomaly?.driversNameCause ?? null,
    ttdS: anomaly?.timeToDetectS ?? null,
    falseAlarms: r.incidents.filter((i) => isOwn(i) && !i.label && !during(i)).length,
    collateral: r.incidents.filter((i) => isOwn(i) && !i.label && during(i)).length,
    foreign: r.incidents.filter((i) => !isOwn(i) && !i.label).length,
    topOwn: anomalyPids.size ? Boolean(firstOwn?.label && anomalyPids.has(Number(firstOwn.entity.pid))) : null,
    normalHours: ev ? ev.normalHours : (elapsedS - r.scoredFromS) / 3600,
    vusPr: vus,
  };
}

function pct(n: number, d: number): string {
  return d ? `${n}/${d}` : "-";
}

function summarise(results: CaseResult[], methods: Method[]): string {
  const kinds = [...new Set(results.filter((r) => r.top !== null).map((r) => r.scenario))].sort();
  const lines: string[] = [];
  lines.push(
    "| method | top incident = injected process: kinds (every seed) | captures | among the scenario's processes | found | top-3 drivers name the cause | false alarms / 10 min of normal time (scenario's processes) | side effects during injections (per capture) | other processes' incidents / 10 min | median time to detect (s) | mean VUS-PR |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const m of methods) {
    const rs = results.filter((r) => r.method === m.name);
    const inj = rs.filter((r) => r.top !== null);
    const kindsAll = kinds.filter((k) => inj.filter((r) => r.scenario === k).every((r) => r.top)).length;
    const hours = rs.reduce((a, r) => a + r.normalHours, 0);
    const per10 = (n: number): string => (hours > 0 ? ((n / hours) * (10 / 60)).toFixed(2) : "-");
    const ttd = inj.flatMap((r) => (r.ttdS === null ? [] : [r.ttdS])).sort((a, b) => a - b);
    const vus = inj.flatMap((r) => (r.vusPr === null ? [] : [r.vusPr]));
    const named = inj.filter((r) => r.found && r.driversNameCause !== null);
    const cells = [
      m.name,
      `${kindsAll} of ${kinds.length}`,
      pct(inj.filter((r) => r.top).length, inj.length),
      pct(inj.filter((r) => r.topOwn).length, inj.length),
      pct(inj.filter((r) => r.found).length, inj.length),
      pct(named.filter((r) => r.driversNameCause).length, named.length),
      per10(rs.reduce((a, r) => a + r.falseAlarms, 0)),
      inj.length ? (inj.reduce((a, r) => a + r.collateral, 0) / inj.length).toFixed(1) : "-",
      per10(rs.reduce((a, r) => a + r.foreign, 0)),
      ttd.length ? ttd[(ttd.length - 1) >> 1]!.toFixed(1) : "-",
      vus.length ? (vus.reduce((a, b) => a + b, 0) / vus.length).toFixed(3) : "-",
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  lines.push(
    "",
    "Per scenario kind: captures whose top incident is the injected process (in brackets: among the scenario's own " +
      "processes), and false alarms on the scenario's processes:",
    "",
    `| scenario | ${methods.map((m) => m.name).join(" | ")} |`,
    `|---|${methods.map(() => "---:").join("|")}|`,
  );
  for (const k of [...new Set(results.map((r) => r.scenario))].sort()) {
    const cells = methods.map((m) => {
      const rs = results.filter((r) => r.method === m.name && r.scenario === k);
      const fa = rs.reduce((a, r) => a + r.falseAlarms, 0);
      if (rs.every((r) => r.top === null)) return `FA ${fa}`;
      return `${rs.filter((r) => r.top).length}/${rs.length} (${rs.filter((r) => r.topOwn).length}), FA ${fa}`;
    });
    lines.push(`| ${k} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      corpus: { type: "string", multiple: true },
      seeds: { type: "string" },
      methods: { type: "string" },
      json: { type: "boolean" },
      options: { type: "string" },
    },
  });
  const dirs = captures(values.corpus?.length ? values.corpus : [join(__dirname, "..", "datasets", "scenarios")]);
  const seeds = values.seeds ? new Set(values.seeds.split(",").map(Number)) : undefined;
  const methods = values.methods ? METHODS.filter((m) => values.methods!.split(",").includes(m.name)) : METHODS;
  if (!dirs.length) {
    process.stderr.write("no scenario captures found (give --corpus DIR; datasets/scenarios holds the shipped ones)\n");
    process.exitCode = 2;
    return;
  }
  const results: CaseResult[] = [];
  for (const dir of dirs) {
    const cap = await loadCapture(dir);
    if (seeds && !seeds.has(scenarioOf(cap, dir).seed)) continue;
    for (const m of methods) {
      try {
        results.push(runCase(cap, dir, m, values.options ? (JSON.parse(values.options) as FindAnomaliesOptions) : {}));
      } catch (e) {
        process.stderr.write(`${dir} ${m.name}: ${(e as Error).message.split("\n")[0]}\n`);
      }
    }
    process.stderr.write(`${dir}: done\n`);
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(results, null, 1) + "\n");
    return;
  }
  const used = [...new Set(results.map((r) => `${r.scenario}-s${r.seed}`))].length;
  process.stdout.write(
    `${used} captures, seeds ${[...new Set(results.map((r) => r.seed))].sort((a, b) => a - b).join(", ")}\n\n` +
      methods.map((m) => `- ${m.name}: ${m.what}`).join("\n") +
      "\n\n" +
      summarise(results, methods) +
      "\n",
  );
}

void main();
