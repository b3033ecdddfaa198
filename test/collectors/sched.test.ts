// sched collector against processes that burn a known amount of CPU or sleep a known time.

import { spawn } from "node:child_process";
import { describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import type { Frame } from "../../kernel/frame/frame.js";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

function sumFor(f: Frame, pid: number, col: string): number {
  const pids = f.numeric("pid");
  const v = f.numeric(col);
  let s = 0;
  for (let i = 0; i < f.length; i++) if (pids[i] === pid) s += v[i]!;
  return s;
}

/** `col` of `pid`'s rows summed per interval (its threads together), in time order. */
function perInterval(f: Frame, pid: number, col: string): number[] {
  const pids = f.numeric("pid"),
    t = f.numeric("t_s"),
    v = f.numeric(col);
  const out = new Map<number, number>();
  for (let i = 0; i < f.length; i++) if (pids[i] === pid) out.set(t[i]!, (out.get(t[i]!) ?? 0) + v[i]!);
  return [...out.entries()].sort((a, b) => a[0] - b[0]).map(([, x]) => x);
}

describe("sched collector", () => {
  liveIt("measures a 600 ms CPU burn within 5%", async () => {
    const X = 600;
    const cap = await capture({
      collectors: ["sched"],
      duration: "20s",
      interval: "250ms",
      command: [workloadPath(), "burn", String(X)],
    });
    const f = cap.frame("sched");
    const oncpu = sumFor(f, cap.meta.pid!, "oncpu_ns") / 1e6;
    expect(oncpu).toBeGreaterThan(X * 0.95);
    expect(oncpu).toBeLessThan(X * 1.05);
    // a 600 ms burn spans several 250 ms intervals: sched_stat_runtime charges each one, not only the last
    const t = f.numeric("t_s");
    const pids = f.numeric("pid");
    const intervals = new Set<number>();
    for (let i = 0; i < f.length; i++)
      if (pids[i] === cap.meta.pid && f.numeric("oncpu_ns")[i]! > 0) intervals.add(t[i]!);
    expect(intervals.size).toBeGreaterThanOrEqual(2);
  });

  liveIt("measures a 500 ms sleep as off-CPU time within 5%", async () => {
    const Y = 500;
    const cap = await capture({
      collectors: ["sched"],
      duration: "20s",
      command: [workloadPath(), "sleep", String(Y)],
    });
    const f = cap.frame("sched");
    const offcpu = sumFor(f, cap.meta.pid!, "offcpu_ns") / 1e6;
    expect(offcpu).toBeGreaterThan(Y * 0.95);
    expect(offcpu).toBeLessThan(Y * 1.05);
    expect(sumFor(f, cap.meta.pid!, "vol_switches")).toBeGreaterThanOrEqual(1);
    // sleeping costs (almost) no CPU
    expect(sumFor(f, cap.meta.pid!, "oncpu_ns") / 1e6).toBeLessThan(50);
  });

  liveIt("charges a long sleep to every interval it spans, so a blocked thread is never silent", async () => {
    const cap = await capture({
      collectors: ["sched"],
      duration: "20s",
      interval: "250ms",
      command: [workloadPath(), "sleep", "2000"],
    });
    const f = cap.frame("sched");
    // 2 s asleep over 250 ms intervals: at least 6 whole intervals of ~250 ms each, then the total is exact
    const full = perInterval(f, cap.meta.pid!, "offcpu_ns").filter((v) => v > 0.9 * 250e6 && v < 1.1 * 250e6);
    expect(full.length).toBeGreaterThanOrEqual(6);
    const total = sumFor(f, cap.meta.pid!, "offcpu_ns") / 1e6;
    expect(total).toBeGreaterThan(2000 * 0.95);
    expect(total).toBeLessThan(2000 * 1.05);
  });

  liveIt("a thread asleep since before the capture is charged interval by interval, never more than one", async () => {
    // asleep before the capture starts, woken (it exits) 2 s into it: its off-CPU time is the capture's part of
    // the sleep, spread over the intervals it spans, not all charged at the wakeup
    const sleeper = spawn(workloadPath(), ["sleep", "3000"], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 700));
      const cap = await capture({ collectors: ["sched"], duration: "3s", interval: "250ms", pid: sleeper.pid! });
      const f = cap.frame("sched");
      const values = perInterval(f, sleeper.pid!, "offcpu_ns");
      // one thread: at most one interval's length (and the scheduling slack of a boundary) per interval
      expect(Math.max(...values)).toBeLessThan(1.1 * 250e6);
      expect(values.filter((v) => v > 0.9 * 250e6).length).toBeGreaterThanOrEqual(6);
      // all of it: from the capture's start to the wakeup at ~2.3 s (the sleep began ~0.7 s before the capture)
      const total = sumFor(f, sleeper.pid!, "offcpu_ns") / 1e6;
      expect(total).toBeGreaterThan(2300 * 0.8);
      expect(total).toBeLessThan(2300 * 1.2);
    } finally {
      sleeper.kill();
    }
  });

  liveIt("sees run-queue waits when two burners share one CPU's worth of time", async () => {
    // three burners on two CPUs: someone must wait
    const w = workloadPath();
    const cap = await capture({
      collectors: ["sched"],
      duration: "20s",
      command: ["/bin/sh", "-c", `${w} burn 300 & ${w} burn 300 & ${w} burn 300 & wait`],
    });
    const f = cap.frame("sched");
    const comms = f.strings("comm");
    let runq = 0,
      invol = 0,
      oncpu = 0;
    for (let i = 0; i < f.length; i++) {
      if (comms[i] !== "workload") continue;
      runq += f.numeric("runq_ns")[i]!;
      invol += f.numeric("invol_switches")[i]!;
      oncpu += f.numeric("oncpu_ns")[i]!;
    }
    expect(oncpu / 1e6).toBeGreaterThan(900 * 0.95);
    expect(runq / 1e6).toBeGreaterThan(50);
    expect(invol).toBeGreaterThan(0);
  });
});
