// The pid filter is exact without the process collector: after 9,000 forks a child's 200,000 getppid calls are
// all counted (the tracker frees exited processes, so the map never fills), and while a fork storm runs beside
// the traced tree (pids reused all the time) no process outside the tree is traced; a tree larger than the map is
// counted and said.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import { setLogSink } from "../../kernel/log.js";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

describe("the pid filter, in the kernel", () => {
  liveIt(
    "counts exactly 200,000 getppid of a child forked after 9,000 others, and nothing of a fork storm beside",
    async () => {
      const w = workloadPath();
      // the storm: an unrelated process forking as fast as it can, reusing the pids our children leave
      const storm = spawn("stress-ng", ["--fork", "2", "--timeout", "60s", "--quiet"], { stdio: "ignore" });
      try {
        const cap = await capture({
          collectors: ["syscalls"],
          duration: "120s",
          interval: "500ms",
          command: ["/bin/sh", "-c", `"$0" forkwait 9000 && "$0" getppid 200000`, w],
        });
        expect(cap.meta.commandExitCode).toBe(0);
        const f = cap.frame("syscalls");
        const sys = f.strings("syscall"),
          count = f.numeric("count"),
          proc = f.strings("process");
        let getppid = 0;
        for (let i = 0; i < f.length; i++) if (sys[i] === "getppid" && proc[i] === "workload") getppid += count[i]!;
        expect(getppid).toBe(200_000);
        // only the traced tree: the shell and the workloads it ran
        expect([...new Set(proc)].sort()).toEqual(["sh", "workload"]);
        expect(cap.meta.lost.syscalls).toBe(0);
        expect(cap.meta.filterOverflow).toBe(0);
      } finally {
        storm.kill("SIGKILL");
      }
    },
    180_000,
  );

  liveIt(
    "a tree larger than maxTracked: what the filter could not follow is counted and said, with the fix",
    async () => {
      const warnings: string[] = [];
      const prev = setLogSink((level, msg) => {
        if (level === "warn") warnings.push(msg);
      });
      try {
        // 100 children alive at once (each sleeps 3 s) against a map of 32: the shell and 31 are followed.
        const cap = await capture({
          collectors: ["syscalls"],
          duration: "60s",
          interval: "500ms",
          maxTracked: 32,
          command: ["/bin/sh", "-c", "i=0; while [ $i -lt 100 ]; do sleep 3 & i=$((i+1)); done; wait"],
        });
        expect(cap.meta.commandExitCode).toBe(0);
        // 100 sleeps + the shell = 101 processes, 32 fit; a subshell or two of sh may add to those lost.
        expect(cap.meta.filterOverflow).toBeGreaterThanOrEqual(101 - 32);
        expect(cap.meta.filterOverflow).toBeLessThanOrEqual(101 - 32 + 5);
        const w = warnings.find((m) => m.startsWith("the process filter could not follow"));
        expect(w).toContain(`${cap.meta.filterOverflow} new process(es)`);
        expect(w).toContain("its map holds 32");
        expect(w).toContain("Raise --max-tracked");
      } finally {
        setLogSink(prev);
      }
    },
    120_000,
  );

  liveIt(
    "bpflab capture --max-tracked sets the map's size, and the CLI prints the overflow warning",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "bpflab-max-tracked-"));
      try {
        const out = join(dir, "cap");
        const r = spawnSync(
          process.execPath,
          [
            "--import",
            "tsx",
            join(__dirname, "../../kernel/cli/main.ts"),
            "capture",
            "-c",
            "syscalls",
            "--max-tracked",
            "32",
            "-o",
            out,
            "--",
            "/bin/sh",
            "-c",
            "i=0; while [ $i -lt 100 ]; do sleep 3 & i=$((i+1)); done; wait",
          ],
          { encoding: "utf8" },
        );
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/the process filter could not follow \d+ new process\(es\): its map holds 32/);
        const cap = await loadCapture(out);
        expect(cap.meta.filterOverflow).toBeGreaterThanOrEqual(101 - 32);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
