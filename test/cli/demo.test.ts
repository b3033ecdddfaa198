// The README's main job: a labelled scenario run on this machine, whose injected incident detection must find,
// with drivers that name the injected cause.

import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { liveIt } from "../helpers/live.js";

describe("bpflab demo", () => {
  liveIt(
    "runs a scenario, saves it with its labels, and finds the injected incident with its real cause",
    async () => {
      const out = join(mkdtempSync(join(tmpdir(), "bpflab-demo-")), "out");
      // Not spawnSync: on a loaded machine the scenario's start-up takes longer; the test's timeout covers it.
      const demo = spawn(
        process.execPath,
        ["--import", "tsx", join(__dirname, "../../kernel/cli/main.ts"), "demo", "--out", out, "--duration", "30s"],
        { cwd: join(__dirname, "../.."), stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      demo.stdout.on("data", (d) => (stdout += String(d)));
      demo.stderr.on("data", (d) => (stderr += String(d)));
      const code = await new Promise<number | null>((r) => demo.on("exit", r));
      expect(code, stderr).toBe(0);
      expect(readdirSync(out)).toEqual(
        expect.arrayContaining(["sched.parquet", "syscalls.parquet", "labels.parquet", "report.json", "report.txt"]),
      );
      const rep = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as {
        injected: { pids: number[]; comm: string };
        found: boolean;
        rank: number | null;
        driversNameCause: boolean | null;
        incidents: { rank: number; entity: { pid: number }; drivers: { feature: string }[] }[];
      };
      expect(rep.found, stdout).toBe(true);
      // The scenario's own processes only (scope "scenario"): the injected one is among the first incidents.
      expect(rep.rank!, stdout).toBeLessThanOrEqual(3);
      const inc = rep.incidents[rep.rank! - 1]!;
      expect(rep.injected.pids).toContain(inc.entity.pid);
      // The default scenario is a getppid storm: its incident's drivers say so.
      expect(rep.driversNameCause, stdout).toBe(true);
      expect(inc.drivers.slice(0, 3).some((d) => /getppid/.test(d.feature))).toBe(true);
      expect(stdout).toMatch(/FOUND: the injected syscall-storm .* its drivers name the injected cause/);
    },
    300_000,
  );
});
