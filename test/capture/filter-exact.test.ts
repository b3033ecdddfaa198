// The pid filter is exact without the process collector: after 9,000 forks a child's 200,000 getppid calls are
// all counted (the tracker frees exited processes, so the map never fills), and while a fork storm runs beside
// the traced tree (pids reused all the time) no process outside the tree is traced.

import { spawn } from "node:child_process";
import { describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
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
});
