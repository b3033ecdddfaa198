// memory: per-process RSS by type (gauges) and user page faults, per interval;
// pairs with bpf/memory.{bpf.c,h}.

import type { ColumnSpec } from "../frame/frame.js";
import {
  booleanOption,
  Collector,
  columnIndex,
  cstr,
  filterOnlyConfig,
  identityColumns,
  setIdentity,
} from "./collector.js";
import { kernelHasTracepoint, kernelPageSize } from "./kernel-features.js";

export interface MemoryOptions {
  /** Count user page faults (exceptions:page_fault_user, x86 only; ignored where the kernel lacks it). */
  pageFaults: boolean;
}

const schema = [
  ...identityColumns,
  {
    name: "rss_anon_bytes",
    type: "i64",
    unit: "bytes",
    description:
      "anonymous resident memory (heap, stacks, private mmap): gauge at the process's last memory event of the interval",
  },
  {
    name: "rss_file_bytes",
    type: "i64",
    unit: "bytes",
    description: "resident file-backed pages (binaries, mmapped files): gauge",
  },
  {
    name: "rss_shmem_bytes",
    type: "i64",
    unit: "bytes",
    description: "resident shared memory (shmem, tmpfs, shared anonymous): gauge",
  },
  { name: "swap_bytes", type: "i64", unit: "bytes", description: "this process's pages out in swap: gauge" },
  {
    name: "rss_max_bytes",
    type: "i64",
    unit: "bytes",
    description: "highest anon + file + shmem RSS seen at any event of the interval (catches spikes freed within it)",
  },
  {
    name: "page_faults",
    type: "i64",
    unit: "faults",
    description: "user-mode page faults, minor and major (x86; 0 elsewhere)",
  },
  {
    name: "rss_updates",
    type: "i64",
    unit: "events",
    description: "RSS counter changes seen (kmem:rss_stat); 0: the gauges are from the row's first fault",
  },
] as const satisfies readonly ColumnSpec[];

// struct memory_key / memory_val offsets (bpf/memory.h); test/collectors/layout.test.ts checks them.
const K = { epoch: 0, pid: 4, size: 8 } as const;
const V = {
  rss_anon_pages: 0,
  rss_file_pages: 8,
  rss_shmem_pages: 16,
  swap_pages: 24,
  rss_max_pages: 32,
  page_faults: 40,
  rss_updates: 48,
  cgroup_id: 56,
  comm: 64,
  size: 80,
} as const;

/** Struct layouts (C name → field offsets and size), checked against the object's BTF by a test. */
export const memoryLayout = { memory_key: K, memory_val: V } as const;

const col = columnIndex(schema);

/**
 * One row per process (tid = pid) per interval in which it had a memory event. The RSS gauges are the mm's
 * counters at the process's last event of the interval: a row's creation (first fault) or a kmem:rss_stat
 * update. Updates made from another context (kswapd, process_madvise, a remote unmap) are charged to
 * mm->owner when that task still uses the mm; updates while a process tears down its mm (exit, exec) are
 * skipped, so an exiting process keeps its last gauges. Counters are the kernel's shared totals and can lag
 * the exact sum by up to one percpu batch (32+ pages) per CPU. Page faults are counted on x86 only.
 * @example await capture({ collectors: { memory: { pageFaults: false } }, duration: "30s" })
 */
export const memory: Collector<MemoryOptions> = {
  name: "memory",
  description:
    "per process (tid = pid): RSS anon/file/shmem and swap (gauges), peak RSS, user page faults per interval",
  object: "memory",
  tracepoints: [
    "kmem:rss_stat (tp_btf)",
    "exceptions:page_fault_user (tp_btf, x86; skipped where missing)",
    "sched:sched_process_exec (tp_btf)",
  ],
  options: [
    {
      name: "pageFaults",
      type: "boolean",
      default: true,
      description: "count user page faults (a probe on every fault); false keeps the RSS gauges only",
    },
  ],
  schema,
  resolveOptions(opts) {
    return {
      pageFaults: booleanOption(
        "memory",
        "pageFaults",
        opts.pageFaults,
        true,
        "pass { pageFaults: false } to keep the RSS gauges without a probe on every page fault",
      ),
    };
  },
  config: filterOnlyConfig,
  // page_fault_user exists on x86 only: elsewhere the collector still loads, with page_faults left at 0.
  disabledPrograms: (opts) => (opts.pageFaults && kernelHasTracepoint("page_fault_user") ? [] : ["page_fault_user"]),
  forkTrackers: ["memory_fork"],
  source: {
    kind: "aggregate",
    map: "stats",
    keySize: K.size,
    valueSize: V.size,
    epochOffset: K.epoch,
    decode(k, ko, v, vo, out, ctx) {
      const r = out.beginRow();
      const page = kernelPageSize();
      const pages = (o: number) => Number(v.getBigInt64(vo + o, true)) * page;
      const pid = k.getUint32(ko + K.pid, true);
      // rows are per process: the thread-group leader stands for it (tid = pid)
      setIdentity(out, r, ctx, pid, pid, cstr(v, vo + V.comm, 16), v.getBigUint64(vo + V.cgroup_id, true));
      out.setNum(col.rss_anon_bytes, r, pages(V.rss_anon_pages));
      out.setNum(col.rss_file_bytes, r, pages(V.rss_file_pages));
      out.setNum(col.rss_shmem_bytes, r, pages(V.rss_shmem_pages));
      out.setNum(col.swap_bytes, r, pages(V.swap_pages));
      out.setNum(col.rss_max_bytes, r, pages(V.rss_max_pages));
      out.setNum(col.page_faults, r, Number(v.getBigUint64(vo + V.page_faults, true)));
      out.setNum(col.rss_updates, r, Number(v.getBigUint64(vo + V.rss_updates, true)));
    },
  },
};
