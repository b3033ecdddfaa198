// Makes datasets/redis-injected/: a labelled capture of this machine serving a Redis workload, with anomalies
// injected at known times (the Redis cases of the Python/BCC system bpflab descends from, and more).
// Run as root after setup: npx tsx scripts/make-dataset.ts [--out datasets/redis-injected] [--duration 60s]

import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { capture } from "../kernel/capture/engine.js";
import { saveCapture } from "../kernel/capture/capture-files.js";
import { parseDuration } from "../kernel/capture/duration.js";
import { InjectedAnomaly, writeLabelsCsv } from "../kernel/analysis/labels.js";
import { packageRoot } from "../kernel/paths.js";

const PORT = 6390; // not Redis's default, so that a Redis already running here is left alone
const { values } = parseArgs({ options: { out: { type: "string" }, duration: { type: "string" } } });
const out = resolve(values.out ?? join(packageRoot(), "datasets", "redis-injected"));
const durationMs = parseDuration(values.duration ?? "60s", "duration", 40_000, 600_000);
const workload = join(packageRoot(), "test", "workloads", ".output", "workload");
const bin = join("/tmp", `bpflab-dataset-${process.pid}`);
mkdirSync(bin, { recursive: true });
/** A link to the workload whose name becomes the process's comm. */
const named = (name: string) => {
  const p = join(bin, name);
  symlinkSync(workload, p);
  return p;
};

const cli = (...args: string[]) => spawnSync("redis-cli", ["-p", String(PORT), ...args], { encoding: "utf8" });
const mono = () => process.hrtime.bigint();
const log = (s: string) => process.stderr.write(`make-dataset: ${s}\n`);

interface Pending {
  kind: string;
  pid: number;
  comm: string;
  start: bigint;
  end?: bigint;
  description: string;
}
const injected: Pending[] = [];
const children: ChildProcess[] = [];

function startRedis(): ChildProcess {
  const redis = spawn(
    "redis-server",
    [
      "--port",
      String(PORT),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--enable-debug-command",
      "yes",
      "--daemonize",
      "no",
    ],
    { stdio: "ignore" },
  );
  children.push(redis);
  for (let i = 0; i < 100 && cli("PING").stdout.trim() !== "PONG"; i++) spawnSync("sleep", ["0.05"]);
  return redis;
}

/** Runs `argv` as an injected anomaly of `kind`, labelled from now until it exits. */
function inject(kind: string, argv: string[], description: string, labelPid?: number): void {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: "ignore" });
  children.push(child);
  const rec: Pending = {
    kind,
    pid: labelPid ?? child.pid!,
    comm: argv[0]!.replace(/^.*\//, "").slice(0, 15),
    start: mono(),
    description,
  };
  injected.push(rec);
  child.on("exit", () => {
    rec.end = mono();
  });
  log(`t=${kind}: ${argv.join(" ")}`);
}

async function main(): Promise<void> {
  const redis = startRedis();
  log(`redis-server pid ${redis.pid} on 127.0.0.1:${PORT}; loading 300,000 keys`);
  spawnSync("redis-benchmark", ["-p", String(PORT), "-t", "set", "-r", "300000", "-n", "300000", "-P", "32", "-q"], {
    stdio: "ignore",
  });
  // The normal load: bursts of GET/SET from two clients every half second, for the whole capture.
  const load = spawn(
    "/bin/sh",
    [
      "-c",
      `while true; do redis-benchmark -p ${PORT} -t get,set -r 300000 -n 4000 -c 2 -q >/dev/null; sleep 0.5; done`,
    ],
    { stdio: "ignore", detached: true },
  );
  children.push(load);

  const s = durationMs / 60_000; // the schedule below is for 60 s; it stretches with --duration
  const plan: [number, () => void][] = [
    [
      12 * s,
      () =>
        inject(
          "redis-blocked",
          ["redis-cli", "-p", String(PORT), "DEBUG", "SLEEP", "3"],
          "DEBUG SLEEP 3: redis-server's main thread blocks for 3 s; its clients stall",
          redis.pid!,
        ),
    ],
    [
      22 * s,
      () =>
        inject(
          "redis-keys-storm",
          ["/bin/sh", "-c", `for i in $(seq 12); do redis-cli -p ${PORT} KEYS '*' >/dev/null; done`],
          "12 KEYS * over 300,000 keys: redis-server burns CPU on O(n) scans",
          redis.pid!,
        ),
    ],
    [
      32 * s,
      () =>
        inject(
          "syscall-storm",
          [named("rogue-syscalls"), "getppid", "3000000"],
          "a process making 3,000,000 getppid calls",
        ),
    ],
    [
      42 * s,
      () => inject("fork-storm", [named("fork-storm"), "fork", "400"], "a process forking 400 short-lived children"),
    ],
    [
      50 * s,
      () =>
        inject("cpu-hog", [named("cpu-hog"), "burn", String(Math.round(2500 * s))], "a process spinning on the CPU"),
    ],
  ];
  let next = 0;
  const cap = await capture({
    collectors: ["sched", "syscalls", "process"],
    duration: durationMs,
    interval: "1s",
    onInterval: (p) => {
      while (next < plan.length && p.elapsedMs >= plan[next]![0] * 1000) plan[next++]![1]();
    },
  });
  for (const c of children) {
    try {
      if (c.pid) process.kill(c === load ? -c.pid : c.pid, "SIGTERM");
    } catch {
      /* gone */
    }
  }
  const t0 = BigInt(cap.meta.monoStartNs);
  const endS = cap.meta.elapsedMs / 1000;
  const labels: InjectedAnomaly[] = injected.map((a) => ({
    kind: a.kind,
    pid: a.pid,
    comm: a.pid === redis.pid ? "redis-server" : a.comm,
    start_s: Number(a.start - t0) / 1e9,
    end_s: a.end ? Math.min(endS, Number(a.end - t0) / 1e9) : endS,
    description: a.description,
  }));
  rmSync(out, { recursive: true, force: true });
  const files = await saveCapture(cap, out);
  writeFileSync(join(out, "labels.csv"), writeLabelsCsv(labels));
  writeFileSync(join(out, "README.md"), readme(cap.meta.kernel, cap.meta.elapsedMs, labels));
  rmSync(bin, { recursive: true, force: true });
  log(`wrote ${files.length} Parquet files and labels.csv to ${out}`);
}

function readme(kernel: string, elapsedMs: number, labels: InjectedAnomaly[]): string {
  return `# redis-injected: a labelled bpflab capture

Made by \`scripts/make-dataset.ts\` (bpflab's own capture; run it as root to make a new one) on Linux ${kernel}:
${(elapsedMs / 1000).toFixed(1)} s of the whole machine (collectors sched, syscalls, process; interval 1 s) while
redis-server served 300,000 keys on 127.0.0.1:${PORT} to a steady load (redis-benchmark GET/SET bursts every
0.5 s), with these anomalies injected at known times:

| kind | pid | comm | start (s) | end (s) | what |
|---|---:|---|---:|---:|---|
${labels.map((l) => `| ${l.kind} | ${l.pid} | ${l.comm} | ${l.start_s.toFixed(2)} | ${l.end_s.toFixed(2)} | ${l.description} |`).join("\n")}

\`labels.csv\` holds the same table. A (window, process) row of \`features(cap, { by: "pid" })\` is an anomaly when
its pid is a labelled pid and its window overlaps the labelled time (\`labelRows\` in kernel/analysis/labels.ts).
Everything else that ran on the machine (the tools of the session that made it) is unlabelled background.
Licence: same as bpflab (MIT).
`;
}

main().catch((e) => {
  process.stderr.write(`make-dataset failed: ${(e as Error).stack}\n`);
  for (const c of children) c.kill("SIGKILL");
  process.exitCode = 1;
});
