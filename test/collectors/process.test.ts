// process collector against a parent that forks K children with known exit codes.

import { describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

describe("process collector", () => {
  liveIt("reports K forks and K exits with their exit codes, and the exec with its args", async () => {
    const K = 25;
    const cap = await capture({
      collectors: ["process"],
      duration: "20s",
      command: [workloadPath(), "fork", String(K)],
    });
    const f = cap.frame("process");
    const pid = cap.meta.pid!;
    const ev = f.strings("event"),
      pids = f.numeric("pid"),
      ppids = f.numeric("ppid");
    const codes = f.values("exit_code") as number[];
    const forks = [],
      exits: number[] = [];
    for (let i = 0; i < f.length; i++) {
      if (ev[i] === "fork" && ppids[i] === pid) forks.push(pids[i]!);
      if (ev[i] === "exit" && ppids[i] === pid) exits.push(codes[i]!);
    }
    expect(forks.length).toBe(K);
    expect(exits.length).toBe(K);
    expect(exits.sort((a, b) => a - b)).toEqual(Array.from({ length: K }, (_, i) => i % 7).sort((a, b) => a - b));
    const exec = f.rows().find((r) => r.event === "exec" && r.pid === pid)!;
    expect(exec.exe).toBe(workloadPath()); // `exe` since schema 2 (was `filename`)
    expect(exec.args).toBe(`${workloadPath()} fork ${K}`);
    const exit = f.rows().find((r) => r.event === "exit" && r.pid === pid)!;
    expect(exit.exit_code).toBe(0);
    expect(exit.lifetime_ns as number).toBeGreaterThan(0);
    expect(cap.meta.lost.process).toBe(0);
    // events are in time order and stamped in wall-clock time within the capture
    const t = f.numeric("t_s");
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThanOrEqual(t[i - 1]!);
    expect(f.numeric("ts")[0]! / 1000).toBeGreaterThan(Date.now() - 60_000);
  });

  liveIt("reports a killed process as 128 + signal", async () => {
    const cap = await capture({ collectors: ["process"], duration: "10s", command: ["/bin/sh", "-c", "kill -9 $$"] });
    const f = cap.frame("process");
    const exit = f.rows().find((r) => r.event === "exit" && r.pid === cap.meta.pid);
    expect(exit?.exit_code).toBe(137);
    expect(cap.meta.commandExitCode).toBe(137);
  });
});
