// syscalls collector against a process that makes exactly N getppid(2) calls.

import { spawn } from "node:child_process";
import { describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import type { Frame } from "../../kernel/frame/frame.js";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

const N = 200_000;

/** Sum of `col` over the rows of `pid` whose syscall is `name`. */
function sumFor(f: Frame, pid: number, name: string, col: string): number {
  const pids = f.numeric("pid");
  const names = f.strings("syscall");
  const v = f.numeric(col);
  let s = 0;
  for (let i = 0; i < f.length; i++) if (pids[i] === pid && names[i] === name) s += v[i]!;
  return s;
}

describe("syscalls collector", () => {
  liveIt("counts exactly N getppid calls of the traced command, with latency", async () => {
    const cap = await capture({
      collectors: ["syscalls"],
      duration: "20s",
      interval: "200ms",
      command: [workloadPath(), "getppid", String(N)],
    });
    const f = cap.frame("syscalls");
    const pid = cap.meta.pid!;
    expect(cap.meta.commandExitCode).toBe(0);
    expect(sumFor(f, pid, "getppid", "count")).toBe(N);
    expect(sumFor(f, pid, "getppid", "errors")).toBe(0);
    const total = sumFor(f, pid, "getppid", "latency_ns");
    // getppid takes ~100 ns-10 µs; the average must be in that range, never 0 or absurd
    expect(total / N).toBeGreaterThan(20);
    expect(total / N).toBeLessThan(20_000);
    // spread over several 200 ms intervals? at least it has its own rows with the pid's comm
    const comms = new Set(f.strings("comm").filter((_, i) => f.numeric("pid")[i] === pid));
    expect(comms.has("workload")).toBe(true);
    // the command was filtered in the kernel: no other process appears
    expect(new Set(f.numeric("pid"))).toEqual(new Set([pid]));
    expect(cap.meta.lost.syscalls).toBe(0);
  });

  liveIt("counts the same without latency (sys_exit only)", async () => {
    const cap = await capture({
      collectors: { syscalls: { latency: false } },
      duration: "20s",
      command: [workloadPath(), "getppid", String(N)],
    });
    const f = cap.frame("syscalls");
    expect(sumFor(f, cap.meta.pid!, "getppid", "count")).toBe(N);
    expect(sumFor(f, cap.meta.pid!, "getppid", "latency_ns")).toBe(0);
  });

  liveIt("counts errors: a failing syscall returns -errno", async () => {
    // write(2) to a closed fd: the shell's `exec 3>&-; echo x >&3` fails with EBADF in the shell itself
    const cap = await capture({
      collectors: ["syscalls"],
      duration: "10s",
      command: ["/bin/sh", "-c", "exec 3>&-; for i in 1 2 3 4 5; do echo x >&3; done 2>/dev/null; true"],
    });
    const f = cap.frame("syscalls");
    const pids = f.numeric("pid"),
      errs = f.numeric("errors");
    let errors = 0;
    for (let i = 0; i < f.length; i++) if (pids[i] === cap.meta.pid) errors += errs[i]!;
    expect(errors).toBeGreaterThanOrEqual(5);
  });

  liveIt("sees the whole system without a filter, stamped per interval", async () => {
    // a second process for sure, even on an idle machine: one started mid-capture, not as `command`
    let other: number | undefined;
    const spans: number[] = [];
    const cap = await capture({
      collectors: ["syscalls"],
      duration: "1200ms",
      interval: "300ms",
      onInterval: (p) => {
        other ??= spawn(workloadPath(), ["getppid", "1000"], { stdio: "ignore" }).pid;
        spans.push(p.spanMs!);
      },
    });
    const f = cap.frame("syscalls");
    expect(f.length).toBeGreaterThan(0);
    const pids = new Set(f.numeric("pid"));
    expect(pids.has(process.pid)).toBe(true);
    expect(pids.has(other!)).toBe(true);
    const starts = [...new Set(f.numeric("t_s"))].sort((a, b) => a - b);
    expect(starts.length).toBeGreaterThanOrEqual(3);
    expect(starts[0]).toBe(0);
    // each interval handed on says how long it lasted: from its start to the next one's (so a late boundary on a
    // busy machine gives rates over the time the rows cover)
    expect(spans.length).toBeGreaterThanOrEqual(2);
    for (let k = 0; k < spans.length && k + 1 < starts.length; k++)
      expect(spans[k]!).toBeCloseTo((starts[k + 1]! - starts[k]!) * 1000, 2);
    // names resolve for this architecture
    expect(f.strings("syscall").some((s) => s.startsWith("sys_"))).toBe(false);
  });
});
