// Event mode (syscalls_events, sched_events) against processes whose syscalls and switches are known exactly:
// every event arrives, in order, or is counted lost, per ring.

import { describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import type { Frame } from "../../kernel/frame/frame.js";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { liveIt, resources } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

/** Rows of `f` whose `col` equals `v`, as indices. */
function rowsWhere(f: Frame, col: string, v: number): number[] {
  const c = f.numeric(col);
  const out: number[] = [];
  for (let i = 0; i < f.length; i++) if (c[i] === v) out.push(i);
  return out;
}

function isSorted(f: Frame): boolean {
  const ts = f.column("ts_ns") as BigUint64Array;
  for (let i = 1; i < ts.length; i++) if (ts[i]! < ts[i - 1]!) return false;
  return true;
}

/** Ids of the kernel's per-CPU event rings (named ev_cpu<N> by percpu-rings.ts), whoever made them. */
function eventRings(): number[] {
  const list = JSON.parse(execFileSync("bpftool", ["map", "list", "-j"], { encoding: "utf8" }) || "[]") as {
    id: number;
    name?: string;
  }[];
  return list.filter((m) => /^ev_cpu\d+$/.test(m.name ?? "")).map((m) => m.id);
}

describe("event mode", () => {
  liveIt(
    "frees every ring, mapping and fd after the capture",
    async () => {
      const before = resources();
      const cap = await capture({
        collectors: { syscalls: { events: true }, sched: { events: true } },
        duration: "300ms",
      });
      expect(cap.frame("syscalls_events").length).toBeGreaterThan(0);
      expect(resources().bpfFds).toEqual(before.bpfFds);
      // the rings go when the last reference (the outer map, freed after an RCU grace period) drops
      const until = Date.now() + 15_000;
      while (eventRings().length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(eventRings()).toEqual([]);
      const maps = readFileSync("/proc/self/maps", "utf8");
      expect(maps).not.toMatch(/anon_inode:bpf-ringbuf/);
    },
    60_000,
  );

  liveIt(
    "2,000,000 getppid calls give 2,000,000 rows, nothing lost, in time order",
    async () => {
      const N = 2_000_000;
      // Rings that hold the whole burst (2 M records of 88 bytes with the ring's header: 176 MB, were they all on
      // one CPU): the claim is that every record reaches the frame, once and in order, however late the consumer
      // runs. The 16 MiB default holds 0.2 s of this loop's calls, and a CI run beside other test files starved the
      // consumer longer than that and lost 101,766 records, counted (the storm test below: rows + lost is exact).
      const cap = await capture({
        collectors: { syscalls: { events: true, ringKb: 262144 } },
        duration: "60s",
        interval: "500ms",
        command: [workloadPath(), "getppid", String(N)],
      });
      const f = cap.frame("syscalls_events");
      const pid = cap.meta.pid!;
      const names = f.strings("syscall");
      const mine = rowsWhere(f, "pid", pid);
      expect(mine.filter((i) => names[i] === "getppid").length).toBe(N);
      expect(cap.meta.lost.syscalls).toBe(0);
      expect(cap.meta.lostPerBuffer?.syscalls_events?.every((n) => n === 0)).toBe(true);
      // filtered in the kernel: only the command's rows cross
      expect(new Set(f.numeric("pid"))).toEqual(new Set([pid]));
      expect(isSorted(f)).toBe(true);
      // the event rows agree with the in-kernel counts of the same capture
      const agg = cap.frame("syscalls");
      const aggNames = agg.strings("syscall"),
        counts = agg.numeric("count");
      let counted = 0;
      for (let i = 0; i < agg.length; i++) if (aggNames[i] === "getppid") counted += counts[i]!;
      expect(counted).toBe(N);
      const lat = f.numeric("latency_ns"),
        ret = f.numeric("ret");
      const i0 = mine.find((i) => names[i] === "getppid")!;
      expect(lat[i0]).toBeGreaterThan(0);
      expect(ret[i0]).toBeGreaterThan(0); // the parent's pid
      expect(f.strings("comm")[i0]).toBe("workload");
      // the cgroup columns, filled as the rows are decoded: the command runs in this process's cgroup
      const own = readFileSync("/proc/self/cgroup", "utf8").match(/^0::(\S+)$/m)?.[1];
      const cgroups = f.strings("cgroup");
      if (own) expect(new Set(mine.map((i) => cgroups[i]))).toEqual(new Set([own]));
    },
    120_000,
  );

  liveIt(
    "a storm that overflows the rings: rows + lost equals the calls made, exactly",
    async () => {
      const N = 1_000_000;
      const cap = await capture({
        collectors: { syscalls: { events: true, ringKb: 64, eventSyscalls: ["getppid"] } },
        duration: "60s",
        command: [workloadPath(), "threads", "2", String(N / 2)],
      });
      const f = cap.frame("syscalls_events");
      const lost = cap.meta.lostPerBuffer!.syscalls_events!;
      expect(lost.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      // the syscall-set filter: nothing else crossed
      expect(new Set(f.strings("syscall"))).toEqual(new Set(["getppid"]));
      expect(f.length + lost.reduce((a, b) => a + b, 0)).toBe(N);
      expect(cap.meta.lost.syscalls).toBeGreaterThanOrEqual(lost.reduce((a, b) => a + b, 0));
      expect(isSorted(f)).toBe(true);
    },
    120_000,
  );

  liveIt(
    "two threads on two CPUs: each thread's calls arrive, merged into time order",
    async () => {
      const N = 400_000;
      const cap = await capture({
        collectors: { syscalls: { events: true, eventSyscalls: ["getppid"] } },
        duration: "60s",
        interval: "200ms",
        command: [workloadPath(), "threads", "2", String(N / 2)],
      });
      const f = cap.frame("syscalls_events");
      const lost = cap.meta.lost.syscalls!;
      const tids = f.numeric("tid");
      const per = new Map<number, number>();
      for (let i = 0; i < f.length; i++) per.set(tids[i]!, (per.get(tids[i]!) ?? 0) + 1);
      expect(f.length + lost).toBe(N);
      expect(per.size).toBe(2);
      expect(isSorted(f)).toBe(true);
    },
    120_000,
  );

  liveIt(
    "a known sequence of distinct syscalls comes back exactly, in order, for its thread",
    async () => {
      const K = 5000;
      const seq = ["getppid", "getuid", "getgid", "geteuid", "getegid", "gettid", "getpgrp", "getsid"];
      const cap = await capture({
        collectors: { syscalls: { events: true, eventSyscalls: seq } },
        duration: "30s",
        interval: "100ms",
        command: [workloadPath(), "sequence", String(K)],
      });
      const f = cap.frame("syscalls_events");
      const rows = rowsWhere(f, "tid", cap.meta.pid!);
      const names = f.strings("syscall");
      const got = rows.map((i) => names[i]);
      const want: string[] = [];
      for (let k = 0; k < K; k++) want.push(...seq);
      expect(got.length).toBe(want.length);
      expect(got).toEqual(want);
      expect(cap.meta.lost.syscalls).toBe(0);
      // gettid returns the thread's own id
      const ret = f.numeric("ret");
      const gt = rows.find((i) => names[i] === "gettid")!;
      expect(ret[gt]).toBe(cap.meta.pid);
    },
    60_000,
  );

  liveIt(
    "sched_events: one row per switch out of the traced threads, equal to the counted switches",
    async () => {
      const cap = await capture({
        collectors: { sched: { events: true } },
        duration: "30s",
        interval: "200ms",
        command: [workloadPath(), "pingpong", "20000"],
      });
      const ev = cap.frame("sched_events");
      const agg = cap.frame("sched");
      expect(cap.meta.lost.sched).toBe(0);
      // switches out, per thread of the traced processes, from the events and from the in-kernel counts
      const fromEvents = new Map<number, number>();
      const tid = ev.numeric("tid");
      for (let i = 0; i < ev.length; i++) if (tid[i]) fromEvents.set(tid[i]!, (fromEvents.get(tid[i]!) ?? 0) + 1);
      const fromCounts = new Map<number, number>();
      const at = agg.numeric("tid"),
        vol = agg.numeric("vol_switches"),
        invol = agg.numeric("invol_switches");
      for (let i = 0; i < agg.length; i++) fromCounts.set(at[i]!, (fromCounts.get(at[i]!) ?? 0) + vol[i]! + invol[i]!);
      const traced = [...fromCounts.keys()].filter((t) => fromCounts.get(t)! > 0);
      expect(traced.length).toBeGreaterThanOrEqual(2);
      for (const t of traced) expect(fromEvents.get(t) ?? 0).toBe(fromCounts.get(t));
      // 20,000 round trips over pipes: the threads block (S) waiting for each other many times
      const states = ev.strings("prev_state");
      expect(states.filter((s) => s === "S").length).toBeGreaterThan(1000);
      expect(states.every((s) => /^[RSDTtXI]$/.test(s))).toBe(true);
      expect(isSorted(ev)).toBe(true);
    },
    60_000,
  );
});
