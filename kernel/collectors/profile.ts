// profile: timed stack sampling (software cpu-clock perf events, one per CPU) with kernel and user stacks,
// samples per thread and stack per interval; pairs with bpf/profile.{bpf.c,h}. Stacks are symbolized in user
// space (kernel/symbols/) into the folded form flame graphs read.

import { onlineCpus, openCpuClock } from "../loader/perf-event.js";
import { option } from "./options.js";
import { ParityStackMaps, StackRuntime } from "./stack-runtime.js";
import { defineCollector, RowAccess } from "./schema.js";
import { THREAD_KEY_IDENTITY } from "./identity-decls.js";

const folded = (row: RowAccess) => (row.runtime as StackRuntime | undefined)?.folded(row);

/**
 * One row per thread and distinct (kernel stack, user stack) per interval, with the number of samples that hit
 * it: at `frequency` Hz per CPU, each sample is 1/frequency s of that thread's CPU time. User stacks are walked
 * with frame pointers, so code built without them (most distribution libraries) shows shallower stacks.
 * @example await capture({ collectors: { profile: { frequency: 99 } }, duration: "10s", pid: 1234 })
 */
export const profile = defineCollector({
  name: "profile",
  description:
    "CPU stack profile: timed samples (cpu-clock perf event per CPU) per thread and folded kernel+user stack, per interval",
  tracepoints: ["perf_event software cpu-clock (one per CPU)", "sched:sched_process_exec (tp_btf)"],
  options: {
    frequency: option.number({
      default: 99,
      min: 1,
      max: 10_000,
      integer: true,
      cli: "--freq HZ",
      doc: "samples per second per CPU (99 avoids lockstep with timers running at 100 Hz)",
    }),
    kernelStacks: option.boolean({
      default: true,
      cli: "--no-kernel-stacks",
      doc: "walk the kernel stack of each sample",
    }),
    userStacks: option.boolean({ default: true, cli: "--no-user-stacks", doc: "walk the user stack (frame pointers)" }),
    includeIdle: option.boolean({
      default: false,
      cli: "--include-idle",
      doc: "keep samples of the CPUs' idle tasks (pid 0)",
    }),
  },
  config: (o) => ({ kernel_stacks: o.kernelStacks, user_stacks: o.userStacks, include_idle: o.includeIdle }),
  attach(obj, opts) {
    for (const cpu of onlineCpus()) obj.attachPerfEvent("profile_sample", openCpuClock(cpu, opts.frequency));
  },
  runtime: (obj) =>
    new StackRuntime(new ParityStackMaps(obj, ["stacks0", "stacks1"]), {
      pid: "key.pid",
      kernel: "key.kern_stack_id",
      user: "key.user_stack_id",
    }),
  frames: [
    {
      name: "profile",
      source: { kind: "aggregate", map: "samples", key: "profile_key", value: "profile_val" },
      identity: THREAD_KEY_IDENTITY,
      columns: {
        stack: {
          from: "key.user_stack_id",
          type: "str",
          map: (_id, row) => folded(row)?.stack ?? "[unknown]",
          description: "folded stack, root first, frames joined by ';' (kernel frames end in _[k])",
        },
        kernel_frames: {
          from: "key.kern_stack_id",
          type: "u32",
          map: (_id, row) => folded(row)?.kernelFrames ?? 0,
          description: "kernel frames in the stack",
        },
        user_frames: {
          from: "key.user_stack_id",
          type: "u32",
          map: (_id, row) => folded(row)?.userFrames ?? 0,
          description: "user frames in the stack",
        },
        samples: {
          from: "val.samples",
          type: "i64",
          unit: "samples",
          description: "samples that hit this stack in the interval (each 1/frequency s of CPU)",
        },
      },
      features: { prefix: "profile_", columns: { samples: "sum" } },
    },
  ],
});
