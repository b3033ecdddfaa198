// `bpflab demo`, the README's main job: capture this whole machine while a planted anomaly runs, save the
// capture, rank anomalies and report whether the planted one is found (and what drives it).

import { spawn } from "node:child_process";
import { chmodSync, constants, copyFileSync, existsSync, lstatSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { OptionError } from "../errors.js";
import { capture } from "../capture/engine.js";
import { parseDuration } from "../capture/duration.js";
import { writeCapture } from "../capture/capture-files.js";
import { OutputDir, prepareOutput } from "../capture/output-dir.js";
import { findAnomalies } from "../analysis/anomalies.js";
import { packageRoot } from "../paths.js";
import { summarize } from "../report/summary.js";
import { formatAnomalies } from "./detect-command.js";
import { defineCommand, Invocation } from "./command.js";

/** comm of the planted process: the name of the link it is executed through (15 characters, comm's limit). */
export const PLANTED_COMM = "planted-anomaly";

export const demoCommand = defineCommand({
  name: "demo",
  summary: "the main job: capture this machine with a planted anomaly, detect it, report",
  needsRoot: true,
  json: true,
  options: [
    { flags: "-o, --out <DIR>", description: "where to save the capture and report", defaultText: "out/demo-<time>" },
    { flags: "-d, --duration <D>", description: "how long to capture (6 s to 10 m)", defaultText: "12s" },
  ],
  examples: [
    ["sudo bpflab demo", "12 s capture, planted getppid burst, top anomalies"],
    ["sudo bpflab demo -d 30s -o /tmp/demo --json", "longer, the report as JSON"],
  ],
  run: cmdDemo,
});

export async function cmdDemo(inv: Invocation): Promise<number> {
  const values = { out: inv.string("out"), duration: inv.string("duration"), json: inv.json };
  const durationMs = parseDuration(values.duration ?? "12s", "duration", 6000, 600_000);
  const outDir = await prepareOutput(
    resolve(values.out ?? join("out", `demo-${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}`)),
  );
  try {
    return await runDemo(outDir, durationMs, values.json);
  } catch (e) {
    outDir.discard();
    throw e;
  } finally {
    outDir.close();
  }
}

/**
 * A private folder only this user can write, whose parent no other user can rename it out of (root's /run, else a
 * sticky or private temp folder): the planted workload is copied there and run from there, never from a path in
 * a folder someone else could swap.
 */
function privateRunDir(): string {
  for (const parent of ["/run", tmpdir()]) {
    try {
      const st = lstatSync(parent);
      const uid = process.geteuid?.() ?? st.uid;
      const othersWrite = (st.mode & 0o022) !== 0;
      const sticky = (st.mode & 0o1000) !== 0; // S_ISVTX: only owners may rename entries
      if (st.isDirectory() && (st.uid === uid || st.uid === 0) && (!othersWrite || sticky)) {
        return mkdtempSync(join(parent, "bpflab-demo-"));
      }
    } catch {
      // not there or not usable: try the next
    }
  }
  throw new OptionError(
    "no private place to run the demo's workload from",
    "set TMPDIR to a folder only you can write (e.g. a new folder made with mkdir -m 700)",
  );
}

async function runDemo(outDir: OutputDir, durationMs: number, asJson: boolean): Promise<number> {
  const workload = join(packageRoot(), "test", "workloads", ".output", "workload");
  if (!existsSync(workload)) {
    throw new OptionError(
      `the demo's workload ${workload} is not built`,
      "run the README's setup (bash scripts/setup.sh)",
    );
  }
  // Run from a copy in a folder only we can write: its name gives the process its comm.
  const runDir = privateRunDir();
  const planted = join(runDir, PLANTED_COMM);
  copyFileSync(workload, planted, constants.COPYFILE_EXCL);
  chmodSync(planted, 0o700);
  try {
    return await demoCapture(outDir, durationMs, planted, asJson);
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

async function demoCapture(outDir: OutputDir, durationMs: number, planted: string, asJson: boolean): Promise<number> {
  const out = outDir.path;

  const plantAtMs = Math.round(durationMs * 0.45);
  const log = (s: string) => process.stderr.write(`demo: ${s}\n`);
  log(
    `capturing this machine (sched, syscalls, process) for ${durationMs / 1000} s; at t = ${plantAtMs / 1000} s a ` +
      `process "${PLANTED_COMM}" starts that makes 3,000,000 getppid calls in a burst: the anomaly to find`,
  );
  let plantedPid: number | undefined;
  const timer = setTimeout(() => {
    const child = spawn(planted, ["getppid", "3000000"], { stdio: "ignore" });
    plantedPid = child.pid;
    log(`planted pid ${plantedPid}`);
  }, plantAtMs);
  // A steady background load, so there is normal activity to stand out from (when stress-ng is installed).
  const background = existsSync("/usr/bin/stress-ng")
    ? spawn(
        "/usr/bin/stress-ng",
        ["--cpu", "1", "--cpu-load", "15", "--timeout", `${Math.ceil(durationMs / 1000)}s`, "--quiet"],
        { stdio: "ignore" },
      )
    : undefined;
  let cap;
  try {
    cap = await capture({ collectors: ["sched", "syscalls", "process"], duration: durationMs, interval: "1s" });
  } finally {
    clearTimeout(timer);
    background?.kill("SIGTERM");
  }
  const files = await writeCapture(cap, outDir);
  const report = findAnomalies(cap, { detectors: ["zscore", "iforest"], by: "pid", window: "1s", top: 10 });
  const hit = report.top.find((a) => a.entity.pid === plantedPid || a.entity.comm === PLANTED_COMM);
  const verdict = hit
    ? `FOUND: the planted anomaly (pid ${plantedPid}) is #${hit.rank} of ${report.features.matrix.rows} rows, driven by ` +
      hit.drivers
        .slice(0, 3)
        .map((d) => `${d.feature} = ${fmtNum(d.value)}`)
        .join(", ")
    : `NOT FOUND in the top ${report.top.length}: the planted pid ${plantedPid} did not stand out`;
  const text = [
    summarize(cap),
    "",
    "top anomalies (window = 1 s, one row per process per window):",
    formatAnomalies(report),
    "",
    verdict,
    "",
    `capture saved to ${out} (${files.length} Parquet files); replay it with: bpflab show ${out}`,
  ].join("\n");
  const json =
    JSON.stringify(
      {
        meta: cap.meta,
        plantedPid,
        plantedComm: PLANTED_COMM,
        found: Boolean(hit),
        rank: hit?.rank ?? null,
        top: report.top,
        dropped: report.dropped,
      },
      null,
      2,
    ) + "\n";
  process.stdout.write(asJson ? json : text + "\n");
  outDir.writeFile("report.txt", text + "\n");
  outDir.writeFile("report.json", json);
  return 0;
}

function fmtNum(v: number): string {
  return Math.abs(v) >= 1e4 ? v.toExponential(2) : String(Math.round(v * 100) / 100);
}
