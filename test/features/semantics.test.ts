// Features that mean what they say: the process name from the thread-group leader, silent windows of live
// processes as rows, partial windows flagged, unmeasured cells marked missing (not scored as zero).

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { features } from "../../kernel/features/features.js";
import { LATE, PARTIAL_CAPTURE_END, PARTIAL_EXIT, PARTIAL_START, SILENT } from "../../kernel/features/silence.js";
import type { ColumnSpec } from "../../kernel/frame/frame.js";
import { at, base, cap, frame } from "./sample-captures.js";

const schedCols: ColumnSpec[] = [
  "oncpu_ns",
  "runq_ns",
  "offcpu_ns",
  "vol_switches",
  "invol_switches",
  "migrations",
].map((name) => ({ name, type: "i64" as const }));
const schedRow = (t: number, pid: number, tid: number, comm: string, on: number, process?: string) => ({
  ...at(t),
  pid,
  tid,
  comm,
  ...(process !== undefined ? { process } : {}),
  cgroup_id: 7n,
  oncpu_ns: on,
  runq_ns: 0,
  offcpu_ns: 1e8,
  vol_switches: 1,
  invol_switches: 0,
  migrations: 0,
});
const sysCols: ColumnSpec[] = [
  { name: "syscall", type: "str" },
  { name: "count", type: "i64" },
  { name: "errors", type: "i64" },
  { name: "latency_ns", type: "i64" },
  { name: "max_latency_ns", type: "i64" },
];
const procCols: ColumnSpec[] = [
  { name: "event", type: "str" },
  { name: "ppid", type: "u32" },
];

describe("feature semantics", () => {
  it("names a process by its thread-group leader, not by the thread seen last", () => {
    const sched = frame(
      "sched",
      [...base, ...schedCols],
      [schedRow(0.1, 500, 500, "myserver", 1e6), schedRow(0.2, 500, 501, "worker-1", 1e6)],
    );
    expect(features(cap({ sched })).keys.strings("comm")).toEqual(["myserver"]);
    // Schema 2 captures carry the leader's name on every row (`process`).
    const s2 = frame(
      "sched",
      [...base, { name: "process", type: "str" }, ...schedCols],
      [
        schedRow(0.1, 600, 601, "Compositor", 1e6, "chromium"),
        schedRow(0.3, 600, 602, "ThreadPoolForeg", 1e6, "chromium"),
      ],
    );
    expect(features(cap({ sched: s2 })).keys.strings("comm")).toEqual(["chromium"]);
  });

  it("gives a live process a row in every window it was silent in, sums zero and maxima missing", () => {
    const syscalls = frame(
      "syscalls",
      [...base, ...sysCols],
      [
        {
          ...at(0.5),
          pid: 7,
          tid: 7,
          comm: "d",
          cgroup_id: 1n,
          syscall: "read",
          count: 2,
          errors: 0,
          latency_ns: 50,
          max_latency_ns: 30,
        },
        {
          ...at(3.5),
          pid: 7,
          tid: 7,
          comm: "d",
          cgroup_id: 1n,
          syscall: "read",
          count: 4,
          errors: 0,
          latency_ns: 80,
          max_latency_ns: 40,
        },
      ],
    );
    const f = features(cap({ syscalls }, { elapsedMs: 4000, durationMs: 4000 }));
    expect(f.keys.numeric("t_s")).toEqual(Float64Array.from([0, 1, 2, 3]));
    const col = (c: string) => f.matrix.columns.indexOf(c);
    const d = f.matrix.cols;
    expect(f.matrix.data[1 * d + col("syscalls_count")]).toBe(0); // silent: no calls, a true zero
    expect(f.missing![1 * d + col("syscall_max_latency_ns")]).toBe(1); // no call, so no slowest call either
    expect(f.missing![1 * d + col("syscall_mean_latency_ns")]).toBe(1);
    expect(f.missing![0 * d + col("syscall_mean_latency_ns")]).toBe(0);
    expect(f.matrix.data[0 * d + col("syscall_mean_latency_ns")]).toBe(25);
  });

  it("flags the windows holding a process's start, its exit and the capture's incomplete end", () => {
    const sched = frame(
      "sched",
      [...base, ...schedCols],
      [schedRow(0.2, 1, 1, "init", 1e6), schedRow(1.6, 900, 900, "job", 1e6), schedRow(2.4, 900, 900, "job", 1e6)],
    );
    const process = frame(
      "process",
      [...base, ...procCols],
      [
        { ...at(1.5), pid: 900, tid: 900, comm: "job", cgroup_id: 7n, event: "exec", ppid: 1 },
        { ...at(3.2), pid: 900, tid: 900, comm: "job", cgroup_id: 7n, event: "exit", ppid: 1 },
      ],
    );
    const f = features(cap({ sched, process }, { elapsedMs: 4500, durationMs: 4500 }));
    const rows = f.keys.rows().map((r, i) => [r.pid, r.t_s, f.partial![i]]);
    // init (no exit seen) lives to the capture's end, silent after its one row; the job's rows run from its exec
    // to its exit (whose event row makes that window not silent).
    expect(rows).toEqual([
      [1, 0, 0],
      [1, 1, SILENT],
      [900, 1, PARTIAL_START],
      [1, 2, SILENT],
      [900, 2, 0],
      [1, 3, SILENT],
      [900, 3, PARTIAL_EXIT],
      [1, 4, PARTIAL_CAPTURE_END | SILENT],
    ]);
  });

  it("a reused pid is silent only while a process holds it, not between one's exit and the next one's fork", () => {
    // pid_max is 32,768 on a small machine: a fork storm reuses every pid many times. Without lives, the pid's
    // first fork to its last exit was one process, silent in every window between (a fork storm's capture made
    // 9.8 million silent rows and ran out of memory).
    const sched = frame(
      "sched",
      [...base, ...schedCols],
      [schedRow(0.6, 900, 900, "a", 1e6), schedRow(6.5, 900, 900, "b", 1e6)],
    );
    const process = frame(
      "process",
      [...base, ...procCols],
      [
        { ...at(0.5), pid: 900, tid: 900, comm: "a", cgroup_id: 7n, event: "fork", ppid: 1 },
        { ...at(1.4), pid: 900, tid: 900, comm: "a", cgroup_id: 7n, event: "exit", ppid: 1 },
        { ...at(6.2), pid: 900, tid: 900, comm: "b", cgroup_id: 7n, event: "fork", ppid: 1 },
        { ...at(6.3), pid: 900, tid: 900, comm: "b", cgroup_id: 7n, event: "exec", ppid: 1 },
      ],
    );
    const f = features(cap({ sched, process }, { elapsedMs: 9000, durationMs: 9000 }));
    // (pid 1, the parent, has rows of its own: its forks)
    const rows = f.keys
      .rows()
      .map((r, i) => [r.pid, r.t_s, f.partial![i]])
      .filter(([pid]) => pid === 900);
    expect(rows).toEqual([
      [900, 0, PARTIAL_START],
      [900, 1, PARTIAL_EXIT],
      [900, 6, PARTIAL_START], // the exec does not begin a third process
      [900, 7, SILENT],
      [900, 8, SILENT],
    ]);
  });

  it("a window no interval ended in gets no silent rows, and one holding an overrun interval is flagged late", () => {
    // 1 s intervals, as the sched collector stamps them (every live thread, every interval end), until the machine
    // held the capture up: the interval ending at 5.1 s ran 2.1 s, so window 4 has no interval end and window 5
    // holds two windows' time. A worker (pid 7) has a row in every interval, init (pid 1) only in the first and last.
    const ends = [1, 2, 3, 5.1, 6];
    const rows = ends.flatMap((t) => [schedRow(t, 7, 7, "worker", 2e7)]);
    rows.push(schedRow(1, 1, 1, "init", 1e6), schedRow(6, 1, 1, "init", 1e6));
    const sched = frame("sched", [...base, ...schedCols], rows);
    const f = features(cap({ sched }, { elapsedMs: 6500, durationMs: 6500, intervalMs: 1000 }));
    const got = f.keys.rows().map((r, i) => [r.pid, r.t_s, f.partial![i]]);
    expect(got).toEqual([
      [1, 1, 0],
      [7, 1, 0],
      [1, 2, SILENT],
      [7, 2, 0],
      [1, 3, SILENT],
      [7, 3, 0],
      [1, 5, SILENT | LATE],
      [7, 5, LATE],
      [1, 6, PARTIAL_CAPTURE_END],
      [7, 6, PARTIAL_CAPTURE_END],
    ]);
    // The idle state is measured in full windows only: init idle, the worker busy; neither in the late window.
    const j = f.matrix.columns.indexOf("idle");
    const idle = got.map((_, i) => (f.missing![i * f.matrix.cols + j] ? null : f.matrix.data[i * f.matrix.cols + j]));
    expect(idle).toEqual([0, 0, 1, 0, 1, 0, null, null, null, null]);
  });

  it("before schema 2, off-CPU time in a thread's first window is unknown, not zero", () => {
    const sched = frame(
      "sched",
      [...base, ...schedCols],
      [schedRow(0.1, 5, 5, "a", 1e6), schedRow(1.1, 5, 5, "a", 1e6)],
    );
    const off = (v: number) => {
      const f = features(cap({ sched }, { schemaVersion: v }));
      const j = f.matrix.columns.indexOf("offcpu_ns");
      return [0, 1].map((r) => f.missing![r * f.matrix.cols + j]);
    };
    expect(off(1)).toEqual([1, 0]);
    expect(off(2)).toEqual([0, 0]);
  });

  it("on the shipped capture every pid has one name and every live process a row per window", async () => {
    const c = await loadCapture(join(__dirname, "../../datasets/redis-injected"));
    const f = features(c);
    const names = new Map<number, Set<string>>();
    const pid = f.keys.numeric("pid");
    const comm = f.keys.strings("comm");
    pid.forEach((p, i) => names.set(p, (names.get(p) ?? new Set()).add(comm[i]!)));
    expect([...names.values()].every((s) => s.size === 1)).toBe(true);
    // redis-server, blocked by DEBUG SLEEP from 12.1 s to 15.2 s, still has its rows then (silence is visible).
    const redis = [...pid.keys()].filter((i) => comm[i] === "redis-server").map((i) => f.keys.numeric("t_s")[i]!);
    for (const t of [12, 13, 14, 15]) expect(redis).toContain(t);
  });
});
