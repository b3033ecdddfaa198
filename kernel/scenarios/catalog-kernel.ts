// The scenarios the kernel has to show: threads contending on one kernel lock, and a process the OOM killer
// ends in a memory-limited cgroup made for the run (issue 11's "locks" and "signals" make them sharper).

import { fresh, hostText, pick, running, ScenarioDef } from "./scenario-def.js";

const MiB = 2 ** 20;

export const KERNEL_SCENARIOS: readonly ScenarioDef[] = [
  {
    name: "lock-contention",
    summary: "threads of one process serialise on a kernel lock (the mm's mmap_lock, or a directory's)",
    lengthS: [5, 10],
    hosts: [fresh("lock-storm"), running("batch-job")],
    inject: (rng, L, host) => {
      const mode = pick(rng, ["mmap", "rename"] as const);
      const threads = 4 + rng.int(5);
      const call = mode === "mmap" ? "munmap" : "rename";
      return {
        anomaly: "lock-contend",
        args: { seconds: L, threads, mode, dir: "@dir" },
        labels: [
          {
            who: "host",
            role: "anomaly",
            signals: [
              "locks:wait_ns up",
              "locks:waits up",
              `syscalls:${call} latency_ns up`,
              `syscalls:${call} count up`,
              "sched:offcpu_ns up",
            ],
            magnitude: { stat: "ops", unit: mode === "mmap" ? "mmap+munmap pairs" : "renames" },
          },
        ],
        description:
          `${hostText(host)} runs ${threads} threads for ${L} s that ` +
          (mode === "mmap"
            ? "map, touch and unmap a page in a loop: each munmap and mmap takes the process's mmap_lock for writing"
            : "rename files back and forth in one directory: each rename takes the directory's inode lock"),
      };
    },
  },
  {
    name: "oom-kill",
    summary: "a process in a memory-limited cgroup grows until the OOM killer ends it",
    lengthS: [2, 5],
    hosts: [fresh("oom-victim")],
    inject: (rng, L, host) => {
      const limitMb = pick(rng, [64, 128, 192]);
      const rate = Math.round((limitMb / L) * 10) / 10;
      return {
        anomaly: "oom-victim",
        args: { procs: "@cgroup-procs", mb_per_s: rate, limit_bytes: limitMb * MiB },
        endsBy: "kill",
        labels: [
          {
            who: "host",
            role: "anomaly",
            signals: ["signals:oom_kill count up", "memory:rss_anon_bytes up", "process:exit_code up"],
            magnitude: { stat: "limit_bytes", unit: "bytes (the cgroup's limit)" },
            window: "exit",
          },
        ],
        description: `${hostText(host)} joins a cgroup limited to ${limitMb} MiB and maps ${rate} MiB/s until the OOM killer kills it (about ${L} s; exit status 137)`,
      };
    },
  },
];
