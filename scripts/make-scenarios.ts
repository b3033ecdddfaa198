// Makes datasets/scenarios/: the labelled scenario corpus. Each scenario kind for several seeds, plus longer
// no-injection captures of the same baseline, each a capture of this machine (scope "scenario": the scenario's
// and the kernel's processes) with labels.parquet, a manifest with checksums and labels, and a README.
// Run as root after setup (about 55 minutes):
//   npx tsx scripts/make-scenarios.ts [--out datasets/scenarios] [--seeds 4] [--duration 40s] [--only NAME]... [--resume]

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { release } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { packageRoot, BPFLAB_VERSION } from "../kernel/paths.js";
import { runScenario, scenarioOf } from "../kernel/scenarios/run-scenario.js";
import { scenarioLabels } from "../kernel/scenarios/labels.js";
import { labelEffect } from "../kernel/scenarios/signal-series.js";
import { listScenarios } from "../kernel/scenarios/plan.js";
import { CorpusEntry, CorpusManifest, fileSums, MANIFEST_FILE, readCorpus } from "../kernel/scenarios/corpus.js";
import { corpusReadme } from "./scenarios-readme.js";

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    seeds: { type: "string" },
    duration: { type: "string" },
    "baseline-duration": { type: "string" },
    baselines: { type: "string" },
    only: { type: "string", multiple: true },
    "max-foreign": { type: "string" },
    resume: { type: "boolean" },
  },
});
const root = resolve(values.out ?? join(packageRoot(), "datasets", "scenarios"));
const seeds = Number(values.seeds ?? 4);
const duration = values.duration ?? "40s";
const baselineDuration = values["baseline-duration"] ?? "120s";
const baselines = Number(values.baselines ?? 5);
/** Retry a capture when the rest of the machine used more CPU than this (s/s) meanwhile (default: never). */
const maxForeign = Number(values["max-foreign"] ?? Infinity);
const say = (s: string) => process.stderr.write(`make-scenarios: ${s}\n`);
// Ctrl-C or SIGTERM: the running scenario stops (its processes end), the manifest keeps the finished captures.
const stop = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => stop.abort());

interface Job {
  scenario: string;
  seed: number;
  duration: string;
}

async function makeOne(job: Job): Promise<CorpusEntry> {
  const dir = `${job.scenario}/s${job.seed}`;
  const path = join(root, dir);
  for (let attempt = 1; ; attempt++) {
    rmSync(path, { recursive: true, force: true });
    mkdirSync(join(root, job.scenario), { recursive: true, mode: 0o755 });
    const cap = await runScenario(job.scenario, {
      seed: job.seed,
      duration: job.duration,
      scope: "scenario",
      out: path,
      handleSignals: false,
      signal: stop.signal,
    });
    if (stop.signal.aborted) {
      rmSync(path, { recursive: true, force: true });
      throw new Error("stopped (SIGINT/SIGTERM); the captures finished before are in the manifest");
    }
    const meta = scenarioOf(cap)!;
    const labels = scenarioLabels(cap);
    const problems: string[] = [];
    if (cap.meta.interrupted) problems.push("interrupted");
    if (meta.plan.injection && labels.length === 0) problems.push("no labels");
    for (const l of labels.filter((x) => x.role === "anomaly")) {
      // what test/scenarios/corpus.test.ts asks of a capture: the anomaly began within 1.5 s of its planned time
      const late = l.start_s - (meta.plan.injectAtS ?? l.start_s);
      if (late >= 1.5) problems.push(`${l.comm} began ${late.toFixed(2)} s after the planned injection`);
      const e = labelEffect(cap, l);
      if (!e.moved)
        problems.push(`${l.comm} ${l.signal} ${l.direction}: ${e.before.toPrecision(3)} → ${e.during.toPrecision(3)}`);
    }
    const foreign = meta.foreignCpu ?? 0;
    if (foreign > maxForeign) problems.push(`the rest of the machine used ${foreign} CPU s/s`);
    say(
      `${dir}: ${labels.length} labels, foreign CPU ${foreign} s/s${problems.length ? `; ${problems.join("; ")}` : ""}`,
    );
    if (problems.length === 0 || attempt >= 3) {
      if (problems.length) say(`${dir}: kept after ${attempt} attempts despite: ${problems.join("; ")}`);
      return {
        dir,
        scenario: job.scenario,
        seed: job.seed,
        kernel: cap.meta.kernel,
        durationS: meta.plan.durationS,
        elapsedS: Math.round(cap.meta.elapsedMs) / 1000,
        scope: meta.scope,
        foreignCpu: meta.foreignCpu ?? null,
        files: fileSums(path),
        labels,
      };
    }
    await new Promise((r) => setTimeout(r, 20_000)); // let the other work pass
  }
}

async function main(): Promise<void> {
  const kinds = listScenarios()
    .map((s) => s.name)
    .filter((n) => n !== "baseline" && (!values.only || values.only.includes(n)));
  const jobs: Job[] = [
    ...kinds.flatMap((scenario) => Array.from({ length: seeds }, (_, i) => ({ scenario, seed: i + 1, duration }))),
    ...(!values.only || values.only.includes("baseline")
      ? Array.from({ length: baselines }, (_, i) => ({ scenario: "baseline", seed: i + 1, duration: baselineDuration }))
      : []),
  ];
  mkdirSync(root, { recursive: true, mode: 0o755 });
  // with --only, the other captures of an existing manifest stay
  let old: CorpusEntry[];
  try {
    old = readCorpus(root).captures.map((c) => {
      const { path, ...entry } = c;
      void path;
      return entry;
    });
  } catch {
    old = []; // no corpus yet
  }
  const made: CorpusEntry[] = [];
  for (const [i, job] of jobs.entries()) {
    // --resume: a capture the manifest holds already is kept (an interrupted run goes on; more seeds are added)
    if (values.resume && old.some((o) => o.dir === `${job.scenario}/s${job.seed}`)) continue;
    say(`${i + 1}/${jobs.length}: ${job.scenario} seed ${job.seed} (${job.duration})`);
    made.push(await makeOne(job));
    writeManifest([...old.filter((o) => !made.some((m) => m.dir === o.dir)), ...made]);
  }
  say(`wrote ${made.length} captures to ${root}`);
}

function writeManifest(captures: CorpusEntry[]): void {
  captures.sort((a, b) => a.dir.localeCompare(b.dir, "en", { numeric: true }));
  const manifest: CorpusManifest = {
    name: "bpflab scenarios",
    bpflabVersion: BPFLAB_VERSION,
    license: "MIT (bpflab's own data)",
    made: new Date().toISOString().slice(0, 10),
    captures,
  };
  writeFileSync(join(root, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + "\n");
  writeFileSync(join(root, "README.md"), corpusReadme(manifest, release()));
}

main().catch((e) => {
  process.stderr.write(`make-scenarios failed: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
