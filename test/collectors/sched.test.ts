// sched collector against processes that burn a known amount of CPU or sleep a known time.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import { histBelowNs } from "../../kernel/collectors/histogram.js";
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

/** `col` of `pid`'s rows summed per interval (its threads together, or thread `tid`'s only), in time order. */
function perInterval(f: Frame, pid: number, col: string, tid?: number): number[] {
  return intervals(f, pid, col, tid).map(([, x]) => x);
}

/** [t_s, `col` summed] of `pid`'s (or its thread `tid`'s) rows per interval, in time order. */
function intervals(f: Frame, pid: number, col: string, tid?: number): [number, number][] {
  const pids = f.numeric("pid"),
    tids = f.numeric("tid"),
    t = f.numeric("t_s"),
    v = f.numeric(col);
  const out = new Map<number, number>();
  for (let i = 0; i < f.length; i++)
    if (pids[i] === pid && (tid === undefined || tids[i] === tid)) out.set(t[i]!, (out.get(t[i]!) ?? 0) + v[i]!);
  return [...out.entries()].sort((a, b) => a[0] - b[0]);
}

/** The starve workload's report: per thread ("spinner", "woken", "hog"), its tid and (not the hog) its wait. */
function starveTruth(text: string): Map<string, { tid: number; waitNs: number }> {
  return new Map(
    text
      .trim()
      .split("\n")
      .map((l) => l.split(" "))
      .map(([who, tid, ns]) => [who!, { tid: Number(tid), waitNs: Number(ns) }]),
  );
}

/** Each interval's real length in ns, from its t_s to the next one's: a boundary comes when user space gets to
 * it, tens of ms late on a loaded machine. The last one's end is not in the frame: 1.1 × 250 ms for it. */
function intervalLengths(f: Frame): (t: number) => number {
  const starts = [...new Set(f.numeric("t_s"))].sort((a, b) => a - b);
  const ns = new Map(starts.map((t, i) => [t, i + 1 < starts.length ? (starts[i + 1]! - t) * 1e9 : 275e6]));
  return (t) => ns.get(t)!;
}

/** Thread `tid`'s waits in a sched_hist frame: the sums of their buckets' lower and upper bounds, the longest's
 * lower bound. */
function waitsOf(h: Frame, tid: number): { lo: number; hi: number; longest: number } {
  const tids = h.numeric("tid"),
    le = h.numeric("le_ns"),
    n = h.numeric("count");
  const w = { lo: 0, hi: 0, longest: 0 };
  for (let i = 0; i < h.length; i++) {
    if (tids[i] !== tid) continue;
    w.lo += histBelowNs(le[i]!) * n[i]!;
    w.hi += le[i]! * n[i]!;
    w.longest = Math.max(w.longest, histBelowNs(le[i]!));
  }
  return w;
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

  liveIt("sched_waits names who ended a block: a pipe's writer, never a timer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bpflab-pipe-wait-"));
    // both CPUs busy, so the timer interrupt that ends the child's sleep interrupts a burner, not the idle task:
    // only the interrupt filter keeps the burner from being named the child's waker
    const burners = [0, 1].map(() =>
      spawn(process.execPath, ["-e", "const e = Date.now() + 15000; while (Date.now() < e);"], { stdio: "ignore" }),
    );
    try {
      const report = join(dir, "child");
      const cap = await capture({
        collectors: ["sched"],
        duration: "20s",
        command: [workloadPath(), "pipe-wait", "1500", report],
      });
      const [, childPid, slept] = readFileSync(report, "utf8").trim().split(" ").map(Number);
      const w = cap.frame("sched_waits");
      const rows = [...Array(w.length).keys()];
      const pid = w.numeric("pid"),
        kind = w.strings("kind"),
        waker = w.numeric("by_pid"),
        waits = w.numeric("waits"),
        max = w.numeric("max_wait_ns");
      // the parent: a block of ~1.5 s on the pipe, ended by its child's write (and maybe a short one in waitpid,
      // ended by the child's exit)
      const parent = rows.filter((r) => pid[r] === cap.meta.pid && waker[r] === childPid && kind[r] === "wakeup");
      expect(parent.length).toBeGreaterThanOrEqual(1);
      const longest = Math.max(...parent.map((r) => max[r]!)) / 1e6;
      expect(longest).toBeGreaterThan(slept! / 1e6 - 5);
      expect(longest).toBeLessThan(slept! / 1e6 + 50);
      expect(parent.reduce((a, r) => a + waits[r]!, 0)).toBeLessThanOrEqual(2);
      expect(w.strings("by_process")[parent[0]!]).toBe("workload");
      // the child's sleep ended at a timer's interrupt: no process woke it
      expect(rows.filter((r) => pid[r] === childPid && kind[r] === "wakeup" && max[r]! > 1e9)).toEqual([]);
    } finally {
      for (const b of burners) b.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  liveIt("sched_waits names whose CPU a queued thread waited for", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bpflab-queue-behind-"));
    try {
      const report = join(dir, "child");
      // the child wakes on its timer while its SCHED_FIFO parent burns their one CPU for 400 ms more
      const cap = await capture({
        collectors: ["sched"],
        duration: "20s",
        command: [workloadPath(), "queue-behind", "400", report],
      });
      const [, childPid, lateNs] = readFileSync(report, "utf8").trim().split(" ").map(Number);
      const w = cap.frame("sched_waits");
      const rows = [...Array(w.length).keys()].filter((r) => w.numeric("pid")[r] === childPid);
      const behind = rows.filter((r) => w.strings("kind")[r] === "cpu" && w.numeric("by_pid")[r] === cap.meta.pid);
      const queued = behind.reduce((a, r) => a + w.numeric("wait_ns")[r]!, 0);
      // what the child itself saw: from its wakeup time to running again (a timer's slack later than the wakeup)
      expect(queued / 1e6).toBeGreaterThan(0.95 * (lateNs! / 1e6));
      expect(queued / 1e6).toBeLessThan(lateNs! / 1e6 + 5);
      expect(w.strings("by_process")[behind[0]!]).toBe("workload");
      // its timer's wakeup is nobody's
      expect(rows.filter((r) => w.strings("kind")[r] === "wakeup")).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

  liveIt(
    "a thread starved of its CPU is charged run-queue time interval by interval, its histogram whole waits",
    async () => {
      // On one CPU a SCHED_FIFO hog spins 2 s: a spinning thread (preempted by it) and one that wakes 300 ms into
      // it wait on the run queue behind it. Each must show that wait in every 250 ms interval it spans (not one row
      // of seconds at its switch-in after nothing), adding up to the time it really was runnable and not running.
      const dir = mkdtempSync(join(tmpdir(), "bpflab-starve-"));
      try {
        const out = join(dir, "truth");
        const cap = await capture({
          collectors: { sched: { histogram: true } },
          duration: "20s",
          interval: "250ms",
          command: [workloadPath(), "starve", "2000", out],
        });
        expect(cap.meta.commandExitCode).toBe(0);
        const truth = starveTruth(readFileSync(out, "utf8"));
        const f = cap.frame("sched");
        const length = intervalLengths(f);
        for (const [who, waitMs] of [
          ["spinner", 2000],
          ["woken", 1700],
        ] as const) {
          const { tid, waitNs } = truth.get(who)!;
          // the truth (wall time minus CPU time of a thread that never blocks) is about the hog's length
          expect(waitNs / 1e6, who).toBeGreaterThan(waitMs * 0.9);
          const rows = intervals(f, cap.meta.pid!, "runq_ns", tid).filter(([, v]) => v > 0);
          // one thread waits at most its interval's length per interval: charged up to the boundary's own stamp
          for (const [t, v] of rows) expect(v, `${who} at ${t} s`).toBeLessThan(length(t) + 1e6);
          // about all of each interval behind the hog (it is throttled ~50 ms a second: then the starved threads
          // run), and no silent interval between the first and the last it waits in
          const full = rows.filter(([t, v]) => v > 0.9 * length(t));
          expect(full.length, who).toBeGreaterThanOrEqual(Math.floor(waitMs / 250) - 3);
          for (let i = 1; i < rows.length; i++) expect(rows[i]![0] - rows[i - 1]![0], who).toBeLessThan(0.3);
          const total = rows.reduce((a, [, v]) => a + v, 0);
          expect(total / waitNs, who).toBeGreaterThan(0.9);
          expect(total / waitNs, who).toBeLessThan(1.1);
          // the histogram counts each wait once, whole, at its switch-in: its buckets bracket the same total, and
          // hold a wait longer than any interval (pieces cut at the boundaries would all be shorter)
          const w = waitsOf(cap.frame("sched_hist"), tid);
          expect(total, who).toBeGreaterThanOrEqual(w.lo);
          expect(total, who).toBeLessThanOrEqual(w.hi);
          expect(w.longest, who).toBeGreaterThan(Math.max(...rows.map(([t]) => length(t))));
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  liveIt("a thread starved since before the capture is charged run-queue time interval by interval", async () => {
    // the hog has been running for ~400 ms when the capture starts and outlasts it: the spinner, behind it all
    // along, is first seen by the boundary iterator, not by a switch; its wait is then known from the capture's
    // start and charged in every interval, not all at its first switch-in
    const dir = mkdtempSync(join(tmpdir(), "bpflab-starve-"));
    const starver = spawn(workloadPath(), ["starve", "4000", join(dir, "truth")], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const cap = await capture({ collectors: ["sched"], duration: "2s", interval: "250ms", pid: starver.pid! });
      // the spinner is the first thread it starts (the process's lowest tid after its own)
      const f = cap.frame("sched");
      const tids = [...new Set(f.numeric("tid"))].filter((t) => t !== starver.pid).sort((a, b) => a - b);
      const length = intervalLengths(f);
      const runq = intervals(f, starver.pid!, "runq_ns", tids[0]);
      const oncpu = new Map(intervals(f, starver.pid!, "oncpu_ns", tids[0]));
      expect(runq.length).toBeGreaterThanOrEqual(7);
      for (const [t, v] of runq) expect(v, `at ${t} s`).toBeLessThan(length(t) + 1e6);
      expect(runq.filter(([t, v]) => v > 0.9 * length(t)).length).toBeGreaterThanOrEqual(4);
      // it never blocks: each interval but the last (whose end is not in the frame) it either ran or waited
      let waited = 0,
        lived = 0;
      for (const [t, v] of runq.slice(0, -1)) {
        waited += v + oncpu.get(t)!;
        lived += length(t);
      }
      expect(waited / lived).toBeGreaterThan(0.95);
      expect(waited / lived).toBeLessThan(1.02);
    } finally {
      starver.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
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
