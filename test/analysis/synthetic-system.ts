// A seeded synthetic machine for detection tests that need exact truth without the kernel: a dozen processes with
// steady, noisy sched and syscalls rows per second, and optionally one injected anomaly at a known time and pid.

import { Capture } from "../../kernel/capture/capture.js";
import { Rng } from "../../kernel/detectors/rng.js";
import type { ColumnSpec, Frame } from "../../kernel/frame/frame.js";
import { base, frame, meta } from "../features/sample-captures.js";

export type Injection = "syscall-storm" | "cpu-hog" | "blocked" | "fork-storm" | "durable-writes" | "server-blocked";

export interface SyntheticOptions {
  seed?: number;
  durationS?: number;
  injection?: Injection;
  /** Injection time [start, end) in seconds. */
  at?: [number, number];
  /** server-blocked: the sched_waits frame that says whom the client waited on (default true). */
  waits?: boolean;
  /** cpu-hog: svc-0 (pid 100) queues 600 ms/s behind the hog, and sched_waits says so (kind "cpu"). */
  victim?: boolean;
  /** cpu-hog with victim: the hog queues too, `mutual` × 600 ms/s behind svc-0 (contention both ways). */
  mutual?: number;
  /** blocked: the service's block ends when svc-3 (pid 103, a lock's holder, say) wakes it (a sched_waits row). */
  holder?: boolean;
  /**
   * The service makes 50 calls of `syscall` every window, 100 ms each, `factor` times longer in [start, end):
   * alone, without an injection (a futex's sleepers waiting longer, or reads getting slower).
   */
  slower?: { syscall: string; factor: number };
  /**
   * A slow queue worker (pid WORKER_PID: 2–4 jobs a window, 10 ms of CPU and 4 calls each, never a window without
   * one) that does nothing in windows [start, end): a quiet spell, alone, without an injection.
   */
  quiet?: [number, number];
}

const schedCols: ColumnSpec[] = [
  "oncpu_ns",
  "runq_ns",
  "offcpu_ns",
  "vol_switches",
  "invol_switches",
  "migrations",
].map((name) => ({ name, type: "i64" as const }));
const sysCols: ColumnSpec[] = [
  { name: "syscall", type: "str" },
  { name: "count", type: "i64" },
  { name: "errors", type: "i64" },
  { name: "latency_ns", type: "i64" },
  { name: "max_latency_ns", type: "i64" },
];
const waitCols: ColumnSpec[] = [
  { name: "kind", type: "str" },
  { name: "by_pid", type: "u32" },
  { name: "by_tid", type: "u32" },
  { name: "by_process", type: "str" },
  { name: "waits", type: "i64" },
  { name: "wait_ns", type: "i64" },
  { name: "max_wait_ns", type: "i64" },
];
const procCols: ColumnSpec[] = [
  { name: "event", type: "str" },
  { name: "ppid", type: "u32" },
];

/** The steady service that "blocked" silences, and the pid of the new process the other injections start. */
export const SERVICE_PID = 4242;
export const INJECTED_PID = 5000;
/** server-blocked: the service's busy client, silenced too, because it waits on the service's replies. */
export const CLIENT_PID = 4243;
/** quiet: the slow queue worker. */
export const WORKER_PID = 4300;

/**
 * The capture and its truth. Processes: pids 100..111, each with its own CPU share (0.5–30 %), its own syscall mix
 * and rate, ±20 % noise per second. Injections: a new process "storm" making 2M getppid calls/s; a new "hog" using a
 * whole CPU; service pid 4242 (running throughout) going silent (no CPU, no calls), or making every write durable
 * (1,200 pwrite64 and 600 fsync calls/s, neither made before); a "forker" forking 150/s (new processes are pid 5000).
 */
export function syntheticSystem(opts: SyntheticOptions = {}): {
  cap: Capture;
  truth?: { pid: number; start: number; end: number };
} {
  const rng = new Rng(opts.seed ?? 1);
  const T = opts.durationS ?? 40;
  const [a, b] = opts.at ?? [20, 26];
  const sched: Record<string, number | string | bigint>[] = [];
  const sys: Record<string, number | string | bigint>[] = [];
  const proc: Record<string, number | string | bigint>[] = [];
  const calls = ["read", "write", "epoll_wait", "futex", "openat", "close", "recvfrom", "sendto"];
  const procs = Array.from({ length: 12 }, (_, i) => ({
    pid: 100 + i,
    comm: `svc-${i}`,
    cpu: 5e6 + rng.next() * 3e8,
    mix: calls.filter(() => rng.next() < 0.5).concat("read"),
    rate: 20 + rng.next() * 2000,
  }));
  procs.push({ pid: SERVICE_PID, comm: "service", cpu: 1e8, mix: ["epoll_wait", "read", "write"], rate: 800 });
  const server = opts.injection === "server-blocked";
  // steadier and busier than the service: on its own it would score the higher of the two
  if (server) procs.push({ pid: CLIENT_PID, comm: "client", cpu: 2e8, mix: ["read", "write"], rate: 3000 });
  const waits: Record<string, number | string | bigint>[] = [];
  const noise = () => 0.8 + 0.4 * rng.next();
  const id = (pid: number, comm: string, t: number) => ({
    ts: 1_700_000_000_000_000 + t * 1e6,
    t_s: t,
    pid,
    tid: pid,
    comm,
    cgroup_id: BigInt(pid),
  });
  for (let t = 0; t < T; t++) {
    for (const p of procs) {
      const silent =
        ((opts.injection === "blocked" && p.pid === SERVICE_PID) ||
          (server && (p.pid === SERVICE_PID || p.pid === CLIENT_PID))) &&
        t >= a &&
        t < b;
      const on = silent ? 0 : p.cpu * noise();
      const queued = opts.injection === "cpu-hog" && opts.victim && p.pid === 100 && t >= a && t < b;
      sched.push({
        ...id(p.pid, p.comm, t + 0.01),
        oncpu_ns: Math.round(on),
        runq_ns: Math.round(queued ? 6e8 : on * 0.05 * noise()),
        offcpu_ns: Math.round(1e9 - on),
        vol_switches: silent ? 0 : Math.round(p.rate / 10),
        invol_switches: silent ? 0 : Math.round(2 * noise()),
        migrations: 0,
      });
      if (silent) continue;
      for (const s of p.mix) {
        const count = Math.round((p.rate / p.mix.length) * noise());
        sys.push({
          ...id(p.pid, p.comm, t + 0.02),
          syscall: s,
          count,
          errors: 0,
          latency_ns: count * 2000,
          max_latency_ns: 9000,
        });
      }
    }
    const inside = t >= a && t < b;
    if (opts.injection === "cpu-hog" && opts.victim && opts.mutual && inside)
      waits.push({
        ...id(INJECTED_PID, "hog", t + 0.5),
        kind: "cpu",
        by_pid: 100,
        by_tid: 100,
        by_process: "svc-0",
        waits: 30,
        wait_ns: Math.round(opts.mutual * 6e8),
        max_wait_ns: 4e7,
      });
    if (opts.injection === "cpu-hog" && opts.victim && inside)
      waits.push({
        ...id(100, "svc-0", t + 0.03),
        kind: "cpu",
        by_pid: INJECTED_PID,
        by_tid: INJECTED_PID,
        by_process: "hog",
        waits: 30,
        wait_ns: 6e8,
        max_wait_ns: 4e7,
      });
    if (opts.injection === "blocked" && opts.holder && t === b)
      waits.push({
        ...id(SERVICE_PID, "service", t + 0.03),
        kind: "wakeup",
        by_pid: 103,
        by_tid: 103,
        by_process: "svc-3",
        waits: 1,
        wait_ns: (b - a) * 1e9,
        max_wait_ns: (b - a) * 1e9,
      });
    if (server) {
      // the client's blocks on the service's replies: a few ms each normally, the whole stall at its end (the
      // service's own sleep ends at a timer: nobody's wakeup, no row)
      const stall = t === b;
      if (!inside)
        waits.push({
          ...id(CLIENT_PID, "client", t + 0.03),
          kind: "wakeup",
          by_pid: SERVICE_PID,
          by_tid: SERVICE_PID,
          by_process: "service",
          waits: stall ? 1 : 3,
          wait_ns: stall ? (b - a) * 1e9 : 6e6,
          max_wait_ns: stall ? (b - a) * 1e9 : 3e6,
        });
    }
    if (opts.quiet) {
      const [qa, qb] = opts.quiet;
      const jobs = t >= qa && t < qb ? 0 : 2 + Math.floor(3 * rng.next());
      sched.push({
        ...id(WORKER_PID, "worker", t + 0.01),
        oncpu_ns: Math.round(jobs * 1e7 * noise()),
        runq_ns: Math.round(jobs * 2e5 * noise()),
        offcpu_ns: Math.round(1e9 - jobs * 1e7),
        vol_switches: jobs,
        invol_switches: 0,
        migrations: 0,
      });
      for (const syscall of jobs ? ["flock", "write", "clock_nanosleep"] : []) {
        const count = syscall === "flock" ? 2 * jobs : jobs;
        sys.push({
          ...id(WORKER_PID, "worker", t + 0.02),
          syscall,
          count,
          errors: 0,
          latency_ns: count * 3000,
          max_latency_ns: 9000,
        });
      }
    }
    if (opts.slower) {
      sys.push({
        ...id(SERVICE_PID, "service", t + 0.02),
        syscall: opts.slower.syscall,
        count: 50,
        errors: 0,
        latency_ns: Math.round(50 * 1e8 * noise() * (inside ? opts.slower.factor : 1)),
        max_latency_ns: 2e8,
      });
    }
    if (opts.injection === "durable-writes" && inside) {
      // two writes per fsync: pwrite64 leads the syscalls group in every window
      for (const [syscall, rate] of [
        ["pwrite64", 1200],
        ["fsync", 600],
      ] as const) {
        const count = Math.round(rate * noise());
        sys.push({
          ...id(SERVICE_PID, "service", t + 0.02),
          syscall,
          count,
          errors: 0,
          latency_ns: count * (syscall === "fsync" ? 1e6 : 2e5),
          max_latency_ns: 3e6,
        });
      }
    }
    if (opts.injection === "syscall-storm" && inside) {
      sys.push({
        ...id(INJECTED_PID, "storm", t + 0.5),
        syscall: "getppid",
        count: Math.round(2e6 * noise()),
        errors: 0,
        latency_ns: 4e8,
        max_latency_ns: 3e4,
      });
      sched.push({
        ...id(INJECTED_PID, "storm", t + 0.5),
        oncpu_ns: 9e8,
        runq_ns: 1e7,
        offcpu_ns: 0,
        vol_switches: 0,
        invol_switches: 5,
        migrations: 1,
      });
    }
    if (opts.injection === "cpu-hog" && inside) {
      sched.push({
        ...id(INJECTED_PID, "hog", t + 0.5),
        oncpu_ns: 1e9,
        runq_ns: 2e7,
        offcpu_ns: 0,
        vol_switches: 0,
        invol_switches: 40,
        migrations: 2,
      });
    }
    if (opts.injection === "fork-storm" && inside) {
      sched.push({
        ...id(INJECTED_PID, "forker", t + 0.5),
        oncpu_ns: 3e8,
        runq_ns: 5e7,
        offcpu_ns: 6e8,
        vol_switches: 150,
        invol_switches: 3,
        migrations: 1,
      });
      for (let k = 0; k < 150; k++) {
        const child = 10_000 + t * 200 + k;
        const tc = t + 0.5 + k / 400;
        proc.push({ ...id(child, "forker", tc), event: "fork", ppid: INJECTED_PID });
        proc.push({ ...id(child, "forker", tc + 0.001), event: "exit", ppid: INJECTED_PID });
      }
    }
  }
  // a new process starts and ends with its injection; blocked, durable-writes and server-blocked change running services
  const newComm: Partial<Record<Injection, string>> = {
    "syscall-storm": "storm",
    "cpu-hog": "hog",
    "fork-storm": "forker",
  };
  const comm = opts.injection && newComm[opts.injection];
  if (comm) {
    proc.push({ ...id(INJECTED_PID, comm, a + 0.4), event: "exec", ppid: 1 });
    proc.push({ ...id(INJECTED_PID, comm, b + 0.1), event: "exit", ppid: 1 });
  }
  const frames: Record<string, Frame> = {
    sched: frame("sched", [...base, ...schedCols], sched),
    syscalls: frame("syscalls", [...base, ...sysCols], sys),
    process: frame("process", [...base, ...procCols], proc),
    ...(waits.length && opts.waits !== false
      ? { sched_waits: frame("sched_waits", [...base, ...waitCols], waits) }
      : {}),
  };
  const cap = new Capture(
    meta(Object.keys(frames), { elapsedMs: T * 1000, durationMs: T * 1000, intervalMs: 1000 }),
    frames,
  );
  const pid = ["blocked", "durable-writes", "server-blocked"].includes(opts.injection ?? "")
    ? SERVICE_PID
    : INJECTED_PID;
  return { cap, ...(opts.injection ? { truth: { pid, start: a, end: b } } : {}) };
}
