// Live captures through the CLI with --out, which spills Parquet segments as it goes: a SIGKILL at 5 s of a 20 s
// capture keeps at least 4 s that read back and recover; a 60 s capture at 10 ms intervals under load keeps its
// memory flat instead of growing with its rows.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect } from "vitest";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { liveIt } from "../helpers/live.js";

const cli = join(__dirname, "../../kernel/cli/main.ts");
const root = mkdtempSync(join(tmpdir(), "bpflab-spill-live-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function startCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

/** Resolves once the capture began writing (its start record is in the output folder), or rejects after 60 s. */
async function started(dir: string): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    const priv = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith(".bpflab-")) : undefined;
    if (priv && existsSync(join(dir, priv, "capture.json"))) return;
    if (Date.now() > until) throw new Error(`the capture into ${dir} never started`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

describe("captures spilled to disk while they run", () => {
  liveIt(
    "SIGKILL at 5 s of a 20 s capture: at least 4 s on disk, read back cut off, then recovered",
    async () => {
      const dir = join(root, "killed");
      const child = startCli(["capture", "-c", "sched", "-c", "syscalls", "-d", "20s", "-i", "100ms", "-o", dir]);
      const exited = new Promise((r) => child.on("exit", r));
      await started(dir);
      await new Promise((r) => setTimeout(r, 5000));
      child.kill("SIGKILL");
      await exited;

      const cut = await loadCapture(dir);
      expect(cut.meta.complete).toBe(false);
      expect(cut.meta.durationMs).toBe(20_000);
      expect(cut.meta.elapsedMs).toBeGreaterThanOrEqual(4000);
      for (const c of ["sched", "syscalls"]) {
        const t = cut.frame(c).numeric("t_s");
        expect(t.length).toBeGreaterThan(0);
        // Rows of intervals starting at 0 s through at least 3.9 s: 4 s of data with 100 ms intervals.
        expect(Math.max(...t)).toBeGreaterThanOrEqual(3.9);
        expect(Math.min(...t)).toBeLessThan(0.2);
      }
      const show = spawnSync(process.execPath, ["--import", "tsx", cli, "show", dir], { encoding: "utf8" });
      expect(show.status).toBe(0);
      expect(show.stdout).toMatch(/CUT OFF: this capture did not finish/);
      expect(show.stdout).toMatch(/bpflab recover/);

      const rec = spawnSync(process.execPath, ["--import", "tsx", cli, "recover", dir], { encoding: "utf8" });
      expect(rec.status, rec.stderr).toBe(0);
      expect(rec.stdout).toMatch(/recovered \d+\.\d s of 20\.0 s from \d+ segment/);
      const back = await loadCapture(dir);
      expect(back.meta.complete).toBeUndefined();
      expect(back.meta.interrupted).toBe(true);
      for (const c of ["sched", "syscalls"]) expect(back.frame(c).length).toBe(cut.frame(c).length);
    },
    120_000,
  );

  liveIt(
    "memory: a 60 s capture at 10 ms under load keeps RSS at 60 s within 1.35x of RSS at 10 s",
    async () => {
      const dir = join(root, "long");
      // Load: forking processes and a mix of syscalls on both cores, so every interval brings new rows.
      const load = spawn("stress-ng", ["--fork", "2", "--syscall", "1", "-t", "80s", "--quiet"], { stdio: "ignore" });
      try {
        const child = startCli(["capture", "-c", "sched", "-c", "syscalls", "-d", "60s", "-i", "10ms", "-o", dir]);
        let out = "";
        child.stdout!.on("data", (d) => (out += String(d)));
        const exited = new Promise<number | null>((r) => child.on("exit", r));
        await started(dir);
        const t0 = Date.now();
        const samples: [number, number][] = [];
        while (Date.now() - t0 < 59_500) {
          await new Promise((r) => setTimeout(r, 2500));
          samples.push([Math.round((Date.now() - t0) / 1000), rssKb(child.pid!)]);
        }
        const code = await exited;
        expect(code).toBe(0);
        const at = (s: number) => samples.reduce((best, x) => (Math.abs(x[0] - s) < Math.abs(best[0] - s) ? x : best));
        const r10 = at(10)[1];
        const r60 = at(59)[1];
        // Figures for the record: RSS over time (MB).
        process.stderr.write(
          `RSS over time (s: MB): ${samples.map(([s, kb]) => `${s}: ${(kb / 1024).toFixed(0)}`).join(", ")}\n`,
        );
        expect(r60 / r10).toBeLessThan(1.35);
        const cap = await loadCapture(dir);
        // Enough rows that keeping them all in memory would show: ~150 bytes a row held in frames.
        const rows = cap.frame("sched").length + cap.frame("syscalls").length;
        expect(rows).toBeGreaterThan(300_000);
        expect(out).toMatch(/wrote .*sched\.parquet/);
      } finally {
        load.kill("SIGKILL");
      }
    },
    180_000,
  );
});
