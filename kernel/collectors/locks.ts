// locks: kernel lock contention per thread and lock type per interval (waits, failed waits, total and max
// wait); pairs with bpf/locks.{bpf.c,h}.

import { histogramFrame, histogramOption } from "./histogram.js";
import { AggregateSourceDecl, ColumnDecl, defineCollector } from "./schema.js";
import { THREAD_KEY_IDENTITY } from "./identity-decls.js";

/** The lock:contention_begin flags (LCB_F_* in include/trace/events/lock.h). */
const SPIN = 1,
  READ = 2,
  WRITE = 4,
  RT = 8,
  PERCPU = 16,
  MUTEX = 32;

/** What kind of lock a contention's flags describe: mutex, rwsem-write, spinlock, rwlock-read, ... */
export function lockType(flags: number): string {
  const mode = flags & WRITE ? "-write" : flags & READ ? "-read" : "";
  if (flags & MUTEX) return flags & RT ? "rt-mutex" : "mutex";
  if (flags & RT) return `rtmutex${mode}`;
  if (flags & PERCPU) return `percpu-rwsem${mode}`;
  if (flags & SPIN) return mode ? `rwlock${mode}` : "spinlock";
  if (mode) return `rwsem${mode}`;
  return "semaphore";
}

const keyColumns: Record<string, ColumnDecl> = {
  lock_type: {
    from: "key.flags",
    type: "str",
    map: (f) => lockType(Number(f)),
    description:
      "mutex | rwsem-read | rwsem-write | spinlock | rwlock-read | rwlock-write | semaphore | percpu-rwsem-* | rtmutex",
  },
  lock_flags: { from: "key.flags", type: "u32", description: "the contention's LCB_F_* flags" },
};

/** The map of the rows with histograms: locks_val's fields and the buckets. */
const histSource: AggregateSourceDecl = { kind: "aggregate", map: "hists", key: "locks_key", value: "locks_hist" };

/**
 * One row per thread and lock type per interval in which the thread waited for a contended kernel lock (an
 * uncontended lock is taken without a trace). User-space contention shows as futex time in `syscalls`.
 * @example await capture({ collectors: { locks: { histogram: true } }, duration: "10s" })
 */
export const locks = defineCollector({
  name: "locks",
  description: "kernel lock contention per thread and lock type: waits, failed waits, total and max wait per interval",
  tracepoints: ["lock:contention_begin", "lock:contention_end (both tp_btf)"],
  options: {
    histogram: histogramOption("each wait for a contended lock, per thread and lock type"),
  },
  config: (o) => ({ histogram: o.histogram }),
  frames: [
    {
      name: "locks",
      source: { kind: "aggregate", map: "counts", key: "locks_key", value: "locks_val" },
      // with histograms, a wait updates one row holding its counts and buckets (bpf/locks.h)
      sourceFor: (o) => (o.histogram ? histSource : undefined),
      identity: THREAD_KEY_IDENTITY,
      columns: {
        ...keyColumns,
        waits: { from: "val.count", type: "i64", unit: "waits", description: "waits that ended in the interval" },
        failed: {
          from: "val.failed",
          type: "i64",
          unit: "waits",
          description: "waits that ended without the lock (a signal, a timeout)",
        },
        wait_ns: { from: "val.total_ns", type: "i64", unit: "ns", description: "total time spent waiting" },
        max_wait_ns: { from: "val.max_ns", type: "i64", unit: "ns", description: "longest single wait" },
      },
      display: {
        live: { rates: [{ name: "lock waits/s", columns: ["waits"] }] },
        summary: [
          {
            key: "lock_contention",
            title: "kernel lock contention (locks)",
            by: ["process", "lock_type"],
            columns: [
              { column: "wait_ns", header: "wait ms", scale: 1e-6 },
              { column: "waits", header: "waits" },
              { column: "max_wait_ns", header: "max wait ms", agg: "max", scale: 1e-6 },
            ],
            top: 8,
          },
        ],
        report: [{ plot: "timeline", metric: "wait_ns", title: "Kernel lock wait per interval per process" }],
      },
      features: {
        prefix: "lock_",
        columns: { waits: "sum", wait_ns: "sum", max_wait_ns: "max", failed: "sum" },
        ratios: [{ name: "lock_mean_wait_ns", num: "lock_wait_ns", den: "lock_waits" }],
        breakdown: {
          by: "lock_type",
          top: 4,
          weight: "wait_ns",
          name: "lock_{value}_{column}",
          columns: { waits: "sum", wait_ns: "sum" },
        },
      },
    },
    histogramFrame({
      name: "locks_hist",
      source: histSource,
      identity: THREAD_KEY_IDENTITY,
      keys: keyColumns,
      counts: "waits",
      what: "lock wait",
      summaryBy: ["lock_type"],
      features: { prefix: "lock_wait_", columns: {}, quantiles: { q: [0.5, 0.99] } },
    }),
  ],
});
