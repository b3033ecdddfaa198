// memory: per-process RSS by type (gauges) and user page faults, per interval;
// pairs with bpf/memory.{bpf.c,h}.

import { kernelHasTracepoint, kernelPageSize } from "./kernel-features.js";
import { option } from "./options.js";
import { defineCollector } from "./schema.js";

const gauge = "gauge at the process's last memory event of the interval";

/**
 * One row per process (tid = pid) per interval in which it had a memory event. The RSS gauges are the mm's
 * counters at the process's last event of the interval: a row's creation (first fault) or a kmem:rss_stat
 * update. Updates made from another context (kswapd, process_madvise, a remote unmap) are charged to
 * mm->owner when that task still uses the mm; updates while a process tears down its mm (exit, exec) are
 * skipped, so an exiting process keeps its last gauges. Counters are the kernel's shared totals and can lag
 * the exact sum by up to one percpu batch (32+ pages) per CPU. Page faults are counted on x86 only.
 * @example await capture({ collectors: { memory: { pageFaults: false } }, duration: "30s" })
 */
export const memory = defineCollector({
  name: "memory",
  description:
    "per process (tid = pid): RSS anon/file/shmem and swap (gauges), peak RSS, user page faults per interval",
  tracepoints: [
    "kmem:rss_stat (tp_btf)",
    "exceptions:page_fault_user (tp_btf, x86; skipped where missing)",
    "sched:sched_process_exec (tp_btf)",
  ],
  options: {
    pageFaults: option.boolean({
      default: true,
      cli: "--no-page-faults",
      doc: "count user page faults (a probe on every fault); false keeps the RSS gauges only",
    }),
  },
  // page_fault_user exists on x86 only: elsewhere the collector still loads, with page_faults left at 0.
  disabledPrograms: (o) => (o.pageFaults && kernelHasTracepoint("page_fault_user") ? [] : ["page_fault_user"]),
  frames: [
    {
      name: "memory",
      source: { kind: "aggregate", map: "stats", key: "memory_key", value: "memory_val" },
      // rows are per process: the thread-group leader stands for it (tid = pid), and comm is the leader's
      identity: { pid: "key.pid", tid: "key.pid", comm: "val.comm", process: "val.comm", cgroup_id: "val.cgroup_id" },
      columns: {
        rss_anon_bytes: {
          from: "val.rss_anon_pages",
          type: "i64",
          unit: "bytes",
          scale: kernelPageSize,
          description: `anonymous resident memory (heap, stacks, private mmap): ${gauge}`,
        },
        rss_file_bytes: {
          from: "val.rss_file_pages",
          type: "i64",
          unit: "bytes",
          scale: kernelPageSize,
          description: "resident file-backed pages (binaries, mmapped files): gauge",
        },
        rss_shmem_bytes: {
          from: "val.rss_shmem_pages",
          type: "i64",
          unit: "bytes",
          scale: kernelPageSize,
          description: "resident shared memory (shmem, tmpfs, shared anonymous): gauge",
        },
        swap_bytes: {
          from: "val.swap_pages",
          type: "i64",
          unit: "bytes",
          scale: kernelPageSize,
          description: "this process's pages out in swap: gauge",
        },
        rss_max_bytes: {
          from: "val.rss_max_pages",
          type: "i64",
          unit: "bytes",
          scale: kernelPageSize,
          description:
            "highest anon + file + shmem RSS seen at any event of the interval (catches spikes freed within it)",
        },
        page_faults: {
          from: "val.page_faults",
          type: "i64",
          unit: "faults",
          description: "user-mode page faults, minor and major (x86; 0 elsewhere)",
        },
        rss_updates: {
          from: "val.rss_updates",
          type: "i64",
          unit: "events",
          description: "RSS counter changes seen (kmem:rss_stat); 0: the gauges are from the row's first fault",
        },
      },
      display: {
        summary: [
          {
            key: "top_processes_rss",
            title: "top processes by peak RSS (memory)",
            by: ["process"],
            columns: [
              { column: "rss_max_bytes", header: "peak RSS MiB", agg: "max", scale: 2 ** -20 },
              { column: "page_faults", header: "page faults" },
            ],
            top: 5,
          },
        ],
        report: [{ plot: "timeline", metric: "rss_max_bytes", title: "Peak RSS per interval per process" }],
      },
      features: {
        prefix: "memory_",
        columns: {
          rss_anon_bytes: "last",
          rss_file_bytes: "last",
          rss_shmem_bytes: "last",
          swap_bytes: "last",
          rss_max_bytes: "max",
          page_faults: "sum",
          rss_updates: "sum",
        },
      },
    },
  ],
});
