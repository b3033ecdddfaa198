// `bpflab demo`, the README's main job: run a labelled scenario on this machine (a realistic baseline load, one
// anomaly injected after a normal warm-up), capture it, find its incidents against each process's own normal
// (the warm-up), and report whether the injected one is found and whether its drivers name the real cause.

import { OptionError } from "../errors.js";
import { parseDuration } from "../capture/duration.js";
import { findAnomalies } from "../analysis/anomalies.js";
import { labelsFromFrame } from "../analysis/interval-labels.js";
import { formatReport, reportJson, stringifyReport } from "../analysis/report-format.js";
import { runScenario, scenarioOf } from "../scenarios/run-scenario.js";
import { listScenarios } from "../scenarios/plan.js";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { summarize } from "../report/summary.js";
import { defineCommand, Invocation } from "./command.js";

const DEFAULT_SCENARIO = "syscall-storm";

export const demoCommand = defineCommand({
  name: "demo",
  summary: "the main job: run a labelled scenario on this machine, find its incidents, check the cause",
  needsRoot: true,
  json: true,
  options: [
    { flags: "-o, --out <DIR>", description: "where to save the capture and report", defaultText: "out/demo-<time>" },
    {
      flags: "-d, --duration <D>",
      description: "how long to capture (6 s to 10 m; 15 s of it is the normal warm-up from 30 s on)",
      defaultText: "30s",
    },
    {
      flags: "--scenario <NAME>",
      description: "which anomaly to inject (bpflab scenario list)",
      defaultText: DEFAULT_SCENARIO,
    },
    { flags: "-s, --seed <S>", description: "the scenario's seed (baseline, time, parameters)", defaultText: "1" },
  ],
  examples: [
    ["sudo bpflab demo", "30 s: a running metrics agent storms getppid at ~18 s; incidents and their causes"],
    ["sudo bpflab demo --scenario cpu-hog --seed 3 -o /tmp/demo --json", "another anomaly, the report as JSON"],
  ],
  run: cmdDemo,
});

export async function cmdDemo(inv: Invocation): Promise<number> {
  const name = inv.string("scenario") ?? DEFAULT_SCENARIO;
  if (!listScenarios().some((s) => s.name === name) || name === "baseline") {
    throw new OptionError(`no scenario "${name}" to inject`, "see bpflab scenario list");
  }
  const seedText = inv.string("seed") ?? "1";
  if (!/^\d{1,10}$/.test(seedText))
    throw new OptionError(`--seed must be an integer, got ${seedText}`, "e.g. --seed 3");
  const durationMs = parseDuration(inv.string("duration") ?? "30s", "duration", 6000, 600_000);
  const out = resolve(
    inv.string("out") ?? join("out", `demo-${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}`),
  );
  const log = (t: string) => process.stderr.write(`demo: ${t}\n`);
  let started = false;
  // Scope "scenario": the scenario's processes and the kernel's; other users' work on a shared machine would be
  // unlabelled anomalies, and scoring every process of a busy machine takes minutes on 2 CPUs.
  const cap = await runScenario(name, {
    seed: Number(seedText),
    duration: durationMs,
    out,
    scope: "scenario",
    // Said once the capture runs (a bad --out is a one-line error before anything starts).
    onInterval: () => {
      if (started) return;
      started = true;
      log(`running scenario ${name} (seed ${seedText}) for ${durationMs / 1000} s on this machine; capture in ${out}`);
    },
  });
  const meta = scenarioOf(cap)!;
  const labels = cap.frames["labels"] ? labelsFromFrame(cap.frames["labels"], `${out}/labels`) : [];
  // "What is different from normal?": each process against its own windows of the warm-up, before any injection.
  const report = findAnomalies(cap, { baselineUntil: meta.plan.warmupS, labels, by: "pid", window: "1s", top: 10 });
  const ev = report.evaluation!;
  const anomaly = ev.perLabel.find((l) => l.role === "anomaly") ?? ev.perLabel[0];
  const injected = labels.find((l) => l.role === "anomaly") ?? labels[0];
  const inc = anomaly?.rank ? report.incidents[anomaly.rank - 1] : undefined;
  const verdict =
    anomaly && inc
      ? `FOUND: the injected ${anomaly.kind} (${injected?.comm} pid ${injected?.pids?.join(",")}) is incident #${inc.rank} ` +
        `of ${report.incidents.length}, detected ${anomaly.timeToDetectS?.toFixed(1)} s after it began; its drivers ` +
        `${anomaly.driversNameCause ? "name the injected cause" : "do NOT name the injected cause"} (${injected?.signals ?? injected?.signal}): ` +
        inc.drivers
          .slice(0, 3)
          .map((d) => d.text)
          .join("; ")
      : `NOT FOUND: no incident covers the injected ${injected?.kind ?? name} (${injected?.comm})`;
  const text = [
    summarize(cap),
    "",
    `injected: ${meta.plan.injection?.description ?? "nothing"} (t = ${meta.plan.injectAtS} s)`,
    "",
    formatReport(report, { incidents: 8 }),
    "",
    verdict,
    "",
    `capture saved to ${out}; replay it with: bpflab detect ${out} --baseline-until ${meta.plan.warmupS}s --labels ${out}/labels.parquet`,
  ].join("\n");
  const json =
    stringifyReport({
      scenario: name,
      seed: meta.seed,
      injected: injected ?? null,
      found: Boolean(inc),
      rank: inc?.rank ?? null,
      driversNameCause: anomaly?.driversNameCause ?? null,
      ...reportJson(report),
    }) + "\n";
  process.stdout.write(inv.json ? json : text + "\n");
  writeFileSync(join(out, "report.txt"), text + "\n", { mode: 0o600, flag: "wx" });
  writeFileSync(join(out, "report.json"), json, { mode: 0o600, flag: "wx" });
  return 0;
}
