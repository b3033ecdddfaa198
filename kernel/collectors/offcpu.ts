// offcpu: time off-CPU per thread and stack (offcputime's semantics), per interval; pairs with
// bpf/offcpu.{bpf.c,h}. Stacks are recorded at switch-out and symbolized in user space like profile's.

import { option } from "./options.js";
import { EpochStackTable, StackRuntime } from "./stack-runtime.js";
import { defineCollector, RowAccess } from "./schema.js";
import { THREAD_KEY_IDENTITY } from "./identity-decls.js";

const folded = (row: RowAccess) => (row.runtime as StackRuntime | undefined)?.folded(row);

/**
 * One row per thread and (kernel stack, user stack) it left the CPU with, per interval in which it ran again:
 * the time from switch-out to switch-in, summed, and how many such blocks. By default every switch-out counts,
 * preemptions included (offcputime's default); `blockedOnly` keeps the blocking ones (sleep, I/O, locks).
 * A block still going on when the capture ends is not counted.
 * @example await capture({ collectors: { offcpu: { minBlockUs: 1000 } }, duration: "10s", pid: 1234 })
 */
export const offcpu = defineCollector({
  name: "offcpu",
  description: "off-CPU time by stack: switch-out to switch-in per thread and folded kernel+user stack, per interval",
  tracepoints: ["sched:sched_switch", "sched:sched_process_exec (tp_btf)"],
  options: {
    minBlockUs: option.number({
      default: 1,
      min: 0,
      max: 3_600_000_000,
      cli: "--min-block US",
      doc: "shorter times off-CPU are not counted (µs)",
    }),
    maxBlockUs: option.number({
      default: 0,
      min: 0,
      cli: "--max-block US",
      doc: "nor longer ones (µs; 0: no limit)",
    }),
    blockedOnly: option.boolean({
      default: false,
      cli: "--blocked-only",
      doc: "only blocking switch-outs (sleep, I/O, locks), not preemptions",
    }),
    kernelStacks: option.boolean({
      default: true,
      cli: "--no-kernel-stacks",
      doc: "walk the kernel stack of each sample",
    }),
    userStacks: option.boolean({ default: true, cli: "--no-user-stacks", doc: "walk the user stack (frame pointers)" }),
  },
  config: (o) => ({
    min_block_ns: Math.round(o.minBlockUs * 1000),
    max_block_ns: Math.round(o.maxBlockUs * 1000),
    kernel_stacks: o.kernelStacks,
    user_stacks: o.userStacks,
    blocked_only: o.blockedOnly,
  }),
  runtime: (obj) =>
    new StackRuntime(new EpochStackTable(obj, "stacks"), {
      pid: "key.pid",
      kernel: "key.kern_hash",
      user: "key.user_hash",
    }),
  frames: [
    {
      name: "offcpu",
      source: { kind: "aggregate", map: "blocked", key: "offcpu_key", value: "offcpu_val" },
      identity: THREAD_KEY_IDENTITY,
      columns: {
        stack: {
          from: "key.user_hash",
          type: "str",
          map: (_h, row) => folded(row)?.stack ?? "[unknown]",
          description: "folded stack at switch-out, root first, frames joined by ';' (kernel frames end in _[k])",
        },
        kernel_frames: {
          from: "key.kern_hash",
          type: "u32",
          map: (_h, row) => folded(row)?.kernelFrames ?? 0,
          description: "kernel frames in the stack",
        },
        user_frames: {
          from: "key.user_hash",
          type: "u32",
          map: (_h, row) => folded(row)?.userFrames ?? 0,
          description: "user frames in the stack",
        },
        offcpu_ns: {
          from: "val.offcpu_ns",
          type: "i64",
          unit: "ns",
          description: "time off-CPU (switch-out to switch-in) of the blocks that ended in the interval",
        },
        blocks: { from: "val.blocks", type: "i64", unit: "blocks", description: "those blocks" },
      },
      features: { prefix: "offcpu_", columns: { offcpu_ns: "sum", blocks: "sum" } },
    },
  ],
});
