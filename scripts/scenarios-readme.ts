// The README of datasets/scenarios, written by make-scenarios.ts from the catalog and the manifest.

import { listScenarios } from "../kernel/scenarios/plan.js";
import type { CorpusManifest } from "../kernel/scenarios/corpus.js";
import { defaultScenarioCollectors } from "../kernel/scenarios/run-scenario.js";

const MiB = 2 ** 20;

export function corpusReadme(m: CorpusManifest, kernel: string): string {
  const bytes = m.captures.reduce((a, c) => a + Object.values(c.files).reduce((s, f) => s + f.bytes, 0), 0);
  const kinds = listScenarios();
  const rows = m.captures.map((c) => {
    const a = c.labels.find((l) => l.role === "anomaly");
    const size = Object.values(c.files).reduce((s, f) => s + f.bytes, 0);
    return (
      `| ${c.dir} | ${c.elapsedS.toFixed(1)} | ` +
      (a
        ? `${a.comm} (${a.new_process ? "new" : "running"}) | ${a.start_s.toFixed(1)}–${a.end_s.toFixed(1)} | ` +
          `${a.signal} ${a.direction} | ${fmt(a.magnitude)} ${a.magnitude_unit}`
        : "— | — | — | —") +
      ` | ${c.foreignCpu ?? ""} | ${(size / 1024).toFixed(0)} |`
    );
  });
  return `# scenarios: a labelled corpus of real anomalies

${m.captures.length} captures (${(bytes / MiB).toFixed(1)} MiB) made by \`scripts/make-scenarios.ts\` with bpflab ${m.bpflabVersion}
on Linux ${kernel} (a 2-vCPU VM), ${m.made}. Each is a capture of this machine (collectors ${defaultScenarioCollectors().join(", ")}
at 1 s intervals) under a seeded baseline load, with one anomaly injected at a seeded time after at least
15 s of normal load, and its ground truth in \`labels.parquet\`. The \`baseline\` captures run the same baselines
with nothing injected, for measuring false alarms. Remake it (as root, about 55 minutes) with
\`npx tsx scripts/make-scenarios.ts\`; one kind with \`--only NAME\`, and \`--resume\` to go on with an interrupted run. Licence: MIT, bpflab's own data.

## What runs

The baseline of a seed (\`planScenario(name, { seed }).baseline\`): a periodic batch job (CPU burst and an output
file every 4–9 s), a request/response service on loopback TCP and its client (Poisson arrivals at a slowly swelling
rate, request and response sizes spread over two orders of magnitude), a logger appending lines with bursts and an
fsync every 2–5 s, a metrics agent reading /proc and pushing a datagram every 1–2 s, two idle daemons, a queue
worker running short jobs under a file lock, a latency-sensitive loop pinned to the last CPU, and redis-server
(Debian's, on a private unix socket, appendonly everysec, 100–250k keys) with its client doing GET/SET. The
rates, periods and sizes come from the seed. They are real processes (\`kernel/scenarios/native\`), started before
the capture and stopped after it.

An anomaly runs either in a new process named after it, or — depending on the seed — in a thread of a baseline
process that was behaving normally until then (\`new_process\` in the labels says which):

| scenario | injects | where | signal of the anomalous process |
|---|---|---|---|
${kinds
  .filter((k) => k.name !== "baseline")
  .map(
    (k) =>
      `| ${k.name} | ${k.summary} (${k.lengthS[0]}–${k.lengthS[1]} s) | ${k.hosts.join(", ")} | ${k.signals.join(", ")} |`,
  )
  .join("\n")}

## Labels

\`labels.parquet\` (the capture's \`labels\` frame: \`scenarioLabels(await loadCapture(dir))\`) has one row per
labelled process: \`kind\`, \`role\` (**anomaly**: the process whose own behaviour is the anomaly, what a detector
should point at; **cause**: another process that brought it about, such as the lock holder or the client sending
DEBUG SLEEP; **affected**: one whose numbers move as a side effect), \`pid\`, \`comm\`, \`new_process\`, \`start_s\`
and \`end_s\` (seconds since the capture began, from the processes' own CLOCK_MONOTONIC reports), \`signal\` and
\`direction\` (the primary signal: \`collector:column\` or \`collector:key column\`, e.g. \`syscalls:getppid count\`;
\`signalSeries(cap, pid, signal)\` computes it per window), \`signals\` (all of them), \`magnitude\` and
\`magnitude_unit\` (exactly what the injector did: calls made, forks, bytes sent, fsyncs; seconds otherwise) and
\`description\`. The capture's metadata holds the whole plan (\`scenarioOf(cap).plan\`) and the pid of every
process the scenario started (\`processes\`).

Rows of processes that were neither the scenario's (bpflab itself, the baseline, the injected processes and their
children) nor the kernel's threads were removed: other users' work on the shared machine that made the corpus
would be unlabelled anomalies. \`foreign\` below is how busy those others kept the CPUs (s/s); it slows the load
down but is not in the data. A memory leak frees its memory when it ends; redis's memory goes back down (its
allocator returns it over ~10 s after the keys are deleted).

\`manifest.json\` lists every capture with its scenario, seed, kernel, duration, the size and sha256 of each file,
and its labels (\`readCorpus\`, \`verifyCorpus\` in kernel/scenarios/corpus.ts).

## Captures

| capture | s | anomalous process | labelled (s) | signal | injected | foreign | KiB |
|---|---:|---|---|---|---|---:|---:|
${rows.join("\n")}
`;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? x.toLocaleString("en") : x.toFixed(2);
}
