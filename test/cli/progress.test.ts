// Progress of a capture: a rewritten status line on a terminal (a pseudo-TTY made by script(1)), nothing but the
// final output in a pipe; without --duration a capture runs until Ctrl-C, without --out it writes nothing.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { liveIt } from "../helpers/live.js";
import { bpflab, cliArgv, root } from "./run-cli.js";
import { holdsBpfLinks } from "../helpers/bpf-links.js";

const sh = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

describe("capture progress", () => {
  liveIt("shows a status line on a terminal, updated every interval", () => {
    const cmd = [process.execPath, ...cliArgv, "capture", "-c", "sched,syscalls", "-d", "3s", "-i", "500ms"];
    // script(1) runs the command on a pseudo-terminal and copies what it writes (stdout and stderr) to ours.
    const r = spawnSync("script", ["-qec", cmd.map(sh).join(" "), "/dev/null"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, COLUMNS: "200" },
    });
    expect(r.status, r.stderr).toBe(0);
    const updates = r.stdout.split("\r\x1b[K").filter((l) => /events\/s/.test(l));
    expect(updates.length).toBeGreaterThanOrEqual(3);
    expect(updates.at(-1)).toMatch(/of 3\.0 s · [\d,]+ events\/s · [\d,]+ rows · 0 lost · busiest .+ \(\d+\)/);
    expect(r.stdout).toContain("top syscalls (syscalls):");
    expect(r.stdout).toContain("nothing saved");
  });

  liveIt("prints nothing but the final output in a pipe, and writes nothing without --out", () => {
    const cwd = mkdtempSync(join(tmpdir(), "bpflab-pipe-"));
    const r = bpflab(["capture", "-c", "sched", "-d", "1s", "-i", "250ms"], { cwd });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^capture of /);
    expect(readdirSync(cwd)).toEqual([]);
  });

  liveIt("without --duration captures until Ctrl-C, which is not an interruption then", async () => {
    const out = mkdtempSync(join(tmpdir(), "bpflab-until-"));
    const child = spawn(process.execPath, [...cliArgv, "capture", "-c", "sched", "-o", out, "--json"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    for (let i = 0; i < 400 && !holdsBpfLinks(child.pid!); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code, stderr).toBe(0);
    const j = JSON.parse(stdout) as { interrupted: boolean; elapsed_s: number; duration_s: number; files: string[] };
    expect(j.interrupted).toBe(false);
    expect(j.elapsed_s).toBeGreaterThan(1);
    expect(j.duration_s).toBeCloseTo(j.elapsed_s, 2);
    // the drops frame says nothing was lost; the cgroups frame holds the tree the capture saw
    expect(j.files).toEqual([
      join(out, "sched.parquet"),
      join(out, "sched_waits.parquet"),
      join(out, "drops.parquet"),
      join(out, "cgroups.parquet"),
    ]);
  });
});
