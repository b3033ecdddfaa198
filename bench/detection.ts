// The detection benchmark: every detection method (the default pipeline, the history mode variants, and each
// detector in the baseline mode) on every labelled scenario capture of a corpus: is the injected incident the top
// incident, found at all, explained by its cause; false alarms per hour of normal time; time to detect; VUS-PR.
//
// Usage: npx tsx bench/detection.ts [--corpus DIR]... [--seeds 1,2,3] [--methods default,history-warmup,...]
//        [--options '{"threshold": 40}'] [--json] [--false-alarms]
//   DIR: a folder of scenario captures (each a folder with labels.parquet; default datasets/scenarios), or one
//   capture. --seeds keeps only those seeds (report on seeds you did not tune on). --false-alarms lists each
//   false alarm (capture, who, when, score, leading drivers): what to look at when tuning. No root needed.

import { join } from "node:path";
import { parseArgs } from "node:util";
import { findAnomalies, FindAnomaliesOptions } from "../kernel/analysis/anomalies.js";
import { entityKeys, labelsFromFrame, matchLabels } from "../kernel/analysis/interval-labels.js";
import { loadCapture } from "../kernel/capture/capture-files.js";
import type { Capture } from "../kernel/capture/capture.js";
import { timeSeriesMetrics } from "../kernel/compare/time-series-metrics.js";
import { processFacts } from "../kernel/features/process-facts.js";
import { labelledCaptures } from "../kernel/scenarios/corpus.js";

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
  /** The top incident's peak is the labelled anomaly's process or its labelled cause's (a noisy neighbour's host). */
  topOrCause: boolean | null;
  found: boolean | null;
  rank: number | null;
  driversNameCause: boolean | null;
  ttdS: number | null;
  /**
   * Unlabelled incidents on the scenario's own processes (its baseline load, known to be normal) that begin in normal
   * time, away from the injection.
   */
  falseAlarms: number;
  /** Those false alarms: who, when, score and leading drivers. */
  falseAlarmList: { who: string; startS: number; endS: number; score: number; cause: string }[];
  /** Unlabelled incidents on the scenario's processes that begin during the injection: its side effects. */
  collateral: number;
  /** Incidents on processes foreign to the scenario (whatever else ran on the machine: unlabelled, not known normal). */
  foreign: number;
  /** The top incident among the scenario's own processes is the injected one. */
  topOwn: boolean | null;
  normalHours: number;
  vusPr: number | null;
}

interface ScenarioInfo {
  name: string;
  seed: number;
  warmupS: number;
  /** Names of the scenario's baseline processes (their roles are their comms). */
  processes: string[];
  scope?: string;
}

type ScenarioMetaLike = {
  scenario?: {
    name: string;
    seed: number;
    scope?: string;
    plan: { warmupS: number; baseline: { processes: { role: string }[] } };
  };
};

function scenarioOf(cap: Capture, dir: string): ScenarioInfo {
  const s = (cap.meta as ScenarioMetaLike).scenario;
  if (s) {
    const processes = s.plan.baseline.processes.map((p) => p.role);
    return { name: s.name, seed: s.seed, warmupS: s.plan.warmupS, processes, ...(s.scope ? { scope: s.scope } : {}) };
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
    // Scope "scenario": the capture holds only the scenario's and the kernel's processes, all of them normal.
    if (sc.scope === "scenario") return true;
    const pid = Number(i.entity.pid);
    return labelled.has(pid) || (names.has(String(i.entity.comm)) && !started.has(pid));
  };
  const anomalyPids = new Set(labels.filter((l) => l.role === "anomaly" || !l.role).flatMap((l) => l.pids ?? []));
  // The injection's time, widened by two windows: what starts then is its effect, not a false alarm.
  const tol = 2 * r.features.windowS;
  const during = (i: (typeof r.incidents)[number]): boolean =>
    labels.some((l) => i.start_s < l.end_s + tol && i.end_s > l.start_s - tol);
  const firstOwn = r.incidents.find(isOwn);
  const falseAlarms = r.incidents.filter((i) => isOwn(i) && !i.label && !during(i));
  return {
    method: method.name,
    scenario: sc.name,
    seed: sc.seed,
    top: anomaly ? ev!.topIncident?.role === "anomaly" || (ev!.topIncident !== null && !anomaly.role) : null,
    topAny: anomaly ? ev!.topIncident !== null : null,
    topOrCause: anomaly
      ? ev!.topIncident?.role === "anomaly" ||
        ev!.topIncident?.role === "cause" ||
        (ev!.topIncident !== null && !anomaly.role)
      : null,
    found: anomaly ? anomaly.detected : null,
    rank: anomaly?.rank ?? null,
    driversNameCause: anomaly?.driversNameCause ?? null,
    ttdS: anomaly?.timeToDetectS ?? null,
    falseAlarms: falseAlarms.length,
    falseAlarmList: falseAlarms.map((i) => ({
      who: `${i.entity.pid} ${i.entity.comm}`,
      startS: i.start_s,
      endS: i.end_s,
      score: i.score,
      cause: i.drivers
        .slice(0, 3)
        .map((d) => d.text)
        .join("; "),
    })),
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

function median(xs: number[]): number | null {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[(s.length - 1) >> 1]! : null;
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

const fixed = (v: number | null, d: number): string => (v === null ? "-" : v.toFixed(d));

/** False alarms per 10 minutes of normal time over these results. */
function per10(rs: CaseResult[]): string {
  const hours = rs.reduce((a, r) => a + r.normalHours, 0);
  return hours > 0 ? ((rs.reduce((a, r) => a + r.falseAlarms, 0) / hours) * (10 / 60)).toFixed(2) : "-";
}

/** One method's cells over some results: top, found, drivers, FA, TTD, VUS-PR. */
function cells(rs: CaseResult[]): string[] {
  const inj = rs.filter((r) => r.top !== null);
  const named = inj.filter((r) => r.found && r.driversNameCause !== null);
  return [
    pct(inj.filter((r) => r.top).length, inj.length),
    pct(inj.filter((r) => r.topAny).length, inj.length),
    pct(inj.filter((r) => r.found).length, inj.length),
    pct(named.filter((r) => r.driversNameCause).length, named.length),
    per10(inj),
    fixed(median(inj.flatMap((r) => (r.ttdS === null ? [] : [r.ttdS]))), 1),
    fixed(mean(inj.flatMap((r) => (r.vusPr === null ? [] : [r.vusPr]))), 3),
  ];
}

function summarise(results: CaseResult[], methods: Method[]): string {
  const kinds = [...new Set(results.filter((r) => r.top !== null).map((r) => r.scenario))].sort();
  const head =
    "top incident = injected process | top incident = a labelled process (anomaly or its cause) | found (event-wise recall) | top-3 drivers name the cause | false alarms / 10 min of normal time | median time to detect (s) | mean VUS-PR";
  const lines: string[] = [];
  const def = methods[0]!;
  lines.push(
    `${def.name} (${def.what}), per scenario kind:`,
    "",
    `| scenario | ${head} |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const k of kinds) {
    lines.push(`| ${k} | ${cells(results.filter((r) => r.method === def.name && r.scenario === k)).join(" | ")} |`);
  }
  lines.push(`| all | ${cells(results.filter((r) => r.method === def.name)).join(" | ")} |`);
  lines.push(
    "",
    "Every method: scenario kinds whose top incident is the injected process for every seed (and whose top " +
      "incident's peak is the injected process or its labelled cause for every seed), the same columns over all " +
      "scenario captures, and false alarms on the baseline captures (nothing injected):",
    "",
    `| method | kinds (every seed) | kinds (every seed, peak the anomaly or its cause) | ${head} | false alarms / 10 min of baseline captures |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const m of methods) {
    const rs = results.filter((r) => r.method === m.name);
    const inj = rs.filter((r) => r.top !== null);
    const every = kinds.filter((k) => inj.filter((r) => r.scenario === k).every((r) => r.top)).length;
    const everyAny = kinds.filter((k) => inj.filter((r) => r.scenario === k).every((r) => r.topOrCause)).length;
    const base = rs.filter((r) => r.top === null);
    lines.push(
      `| ${m.name} | ${every} of ${kinds.length} | ${everyAny} of ${kinds.length} | ${cells(rs).join(" | ")} | ${per10(base)} |`,
    );
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
      "false-alarms": { type: "boolean" },
      options: { type: "string" },
    },
  });
  const dirs = labelledCaptures(
    values.corpus?.length ? values.corpus : [join(__dirname, "..", "datasets", "scenarios")],
  );
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
  const baseMin = results.filter((r) => r.top === null && r.method === methods[0]!.name);
  process.stdout.write(
    `${used} captures (${baseMin.length} baseline, ${(baseMin.reduce((a, r) => a + r.normalHours, 0) * 60).toFixed(1)} min), ` +
      `seeds ${[...new Set(results.map((r) => r.seed))].sort((a, b) => a - b).join(", ")}\n\n` +
      methods.map((m) => `- ${m.name}: ${m.what}`).join("\n") +
      "\n\n" +
      summarise(results, methods) +
      "\n",
  );
  if (values["false-alarms"]) {
    process.stdout.write("\nfalse alarms (capture, method, who, when, score, leading drivers):\n");
    for (const r of results)
      for (const a of r.falseAlarmList)
        process.stdout.write(
          `${r.scenario}-s${r.seed} ${r.method}: ${a.who} ${a.startS}–${a.endS} s, ${a.score.toFixed(1)}: ${a.cause}\n`,
        );
  }
}

void main();
