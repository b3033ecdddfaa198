// The scenarios: for each kind of anomaly, where it can run (a new process or a running baseline process),
// how a seed sizes it, and the labels that say which process's which signal it moves.

import { KERNEL_SCENARIOS } from "./catalog-kernel.js";
import { REDIS_SCENARIOS } from "./catalog-redis.js";
import { between, fresh, hostText, pick, running, ScenarioDef } from "./scenario-def.js";

export const SCENARIOS: readonly ScenarioDef[] = [
  {
    name: "cpu-hog",
    summary: "a process spins on one CPU (no system calls)",
    lengthS: [5, 10],
    hosts: [fresh("cpu-hog"), running("batch-job"), running("api-server")],
    inject: (_rng, L, host) => ({
      anomaly: "cpu-hog",
      args: { seconds: L },
      labels: [{ who: "host", role: "anomaly", signals: ["sched:oncpu_ns up"] }],
      description: `${hostText(host)} spins on one CPU for ${L} s`,
    }),
  },
  {
    name: "memory-leak",
    summary: "a process's resident memory grows steadily, then is freed",
    lengthS: [6, 12],
    hosts: [fresh("mem-leak"), running("api-server"), running("batch-job")],
    inject: (rng, L, host) => {
      const rate = between(rng, 15, 50);
      return {
        anomaly: "mem-leak",
        args: { seconds: L, mb_per_s: rate },
        labels: [
          {
            who: "host",
            role: "anomaly",
            signals: ["memory:rss_anon_bytes up", "memory:page_faults up"],
            magnitude: { stat: "bytes", unit: "bytes" },
          },
        ],
        description: `${hostText(host)} maps and touches ${rate} MiB/s of anonymous memory for ${L} s (its resident set grows to ~${Math.round(rate * L)} MiB), then unmaps it`,
      };
    },
  },
  {
    name: "fork-storm",
    summary: "a process forks many short-lived children",
    lengthS: [4, 8],
    hosts: [fresh("fork-storm"), running("batch-job")],
    inject: (rng, L, host) => {
      const forks = Math.round(between(rng, 40, 150) * L);
      const exec = rng.next() < 0.5 ? 1 : 0;
      return {
        anomaly: "fork-storm",
        args: { seconds: L, forks, exec },
        labels: [
          {
            who: "host",
            role: "anomaly",
            signals: ["process:fork count up", "process:exit count up", ...(exec ? ["process:exec count up"] : [])],
            magnitude: { stat: "forks", unit: "forks" },
          },
        ],
        description: `${hostText(host)} forks ${forks} children over ${L} s, each ${exec ? "execs /bin/true" : "exits at once"}`,
      };
    },
  },
  {
    name: "syscall-storm",
    summary: "a process polls one system call in a tight loop",
    lengthS: [4, 8],
    hosts: [fresh("syscall-storm"), running("metrics-agent")],
    inject: (rng, L, host) => {
      const syscall = pick(rng, ["getppid", "faccessat", "kill"] as const);
      const calls = Math.round(between(rng, 50_000, 250_000, 0) * L);
      const fails = syscall !== "getppid";
      return {
        anomaly: "syscall-storm",
        args: { seconds: L, calls, syscall },
        labels: [
          {
            who: "host",
            role: "anomaly",
            signals: [`syscalls:${syscall} count up`, ...(fails ? [`syscalls:${syscall} errors up`] : [])],
            magnitude: { stat: "calls", unit: "calls" },
          },
        ],
        description:
          `${hostText(host)} makes exactly ${calls} ${syscall} calls over ${L} s` +
          (syscall === "faccessat" ? " (for a file that does not exist: all fail with ENOENT)" : "") +
          (syscall === "kill" ? " (signal 0 to a pid that cannot exist: all fail with ESRCH)" : ""),
      };
    },
  },
  {
    name: "disk-stall",
    summary: "a writer makes every write durable with fsync",
    lengthS: [5, 10],
    hosts: [fresh("fsync-writer"), running("app-logger")],
    inject: (rng, L, host) => {
      const blockKb = pick(rng, [4, 16, 64]);
      return {
        anomaly: "fsync-writer",
        args: { dir: "@dir", seconds: L, block_kb: blockKb, file_mb: 64, seed: rng.nextU32() },
        labels: [
          {
            who: "host",
            role: "anomaly",
            signals: [
              "syscalls:fsync count up",
              "syscalls:fsync latency_ns up",
              "sched:offcpu_ns up",
              "disk:write bytes up",
              "disk:write count up",
            ],
            magnitude: { stat: "fsyncs", unit: "fsyncs" },
          },
        ],
        description: `${hostText(host)} writes ${blockKb} KiB blocks at random offsets of a 64 MiB file for ${L} s, each followed by fsync`,
      };
    },
  },
  {
    name: "network-burst",
    summary: "a bulk transfer over loopback TCP",
    lengthS: [4, 8],
    hosts: [fresh("net-blaster"), running("api-client")],
    inject: (rng, L, host) => {
      const toApi = host.kind === "running";
      const rate = toApi ? between(rng, 20, 100) : between(rng, 50, 300);
      return {
        anomaly: "net-burst",
        args: { port: toApi ? "@api-port" : "@sink-port", seconds: L, mb_per_s: rate, framed: toApi ? 1 : 0 },
        ...(toApi ? {} : { companion: "net-sink" as const }),
        labels: [
          {
            who: "host",
            role: "anomaly",
            signals: ["net:tx_bytes up", "net:tx_calls up"],
            magnitude: { stat: "bytes", unit: "bytes" },
          },
          {
            who: toApi ? "api-server" : "companion",
            role: "anomaly",
            signals: ["net:rx_bytes up", "net:rx_calls up"],
            magnitude: { stat: "bytes", unit: "bytes" },
          },
        ],
        description: toApi
          ? `the running api-client uploads ${rate} MiB/s in 1 MiB requests to the api-server over loopback TCP for ${L} s`
          : `a new process "net-blaster" sends ${rate} MiB/s over loopback TCP to a new "net-sink" for ${L} s`,
      };
    },
  },
  {
    name: "blocked",
    summary: "a worker blocks on a lock another process holds: it goes silent",
    lengthS: [5, 10],
    hosts: [fresh("lock-holder"), running("batch-job")],
    inject: (_rng, L, host) => ({
      anomaly: "lock-hold",
      args: { lock: "@lock", seconds: L },
      labels: [
        {
          who: "queue-worker",
          role: "anomaly",
          signals: ["sched:oncpu_ns down", "sched:offcpu_ns up", "syscalls:flock max_latency_ns up"],
          window: "waits",
        },
        { who: "host", role: "cause", signals: ["syscalls:flock count up"] },
      ],
      description: `${hostText(host)} takes the queue's file lock and holds it for ${L} s: the queue-worker blocks in flock() with no CPU time and no system calls until it is released`,
    }),
  },
  {
    name: "noisy-neighbour",
    summary: "higher-priority CPU hogs pinned to the CPU of a latency-sensitive worker",
    lengthS: [5, 10],
    hosts: [fresh("noisy-neighbor"), running("batch-job")],
    inject: (rng, L, host, base) => {
      // a higher-priority parallel job pinned to the wrong CPU: at nice 0 a waking worker that uses less than
      // its fair share preempts the hogs at once, and on a busy machine the hogs are lost among the others
      const threads = 2 + rng.int(3);
      const nice = pick(rng, [-5, -10]);
      return {
        anomaly: "cpu-hog",
        args: { seconds: L, cpu: base.pinnedCpu, threads, nice },
        labels: [
          { who: "pinned-worker", role: "anomaly", signals: ["sched:runq_ns up", "sched:invol_switches up"] },
          { who: "host", role: "cause", signals: ["sched:oncpu_ns up"] },
        ],
        description: `${hostText(host)} runs ${threads} spinning threads at nice ${nice} pinned to CPU ${base.pinnedCpu} for ${L} s, the CPU the pinned-worker runs its periodic loop on: the worker waits in the run queue`,
      };
    },
  },
  ...KERNEL_SCENARIOS,
  ...REDIS_SCENARIOS,
];

/** The no-injection scenario: the same baseline, nothing injected (for measuring false alarms). */
export const BASELINE_SCENARIO = "baseline";
