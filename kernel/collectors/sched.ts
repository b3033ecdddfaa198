// sched: per-thread on-CPU, run-queue and off-CPU time, switches and migrations per interval;
// pairs with bpf/sched.{bpf.c,h}.

import { histogramFrame, histogramOption } from "./histogram.js";
import { checkRingKb, eventOptions } from "./event-options.js";
import { option } from "./options.js";
import { defineCollector } from "./schema.js";
import { schedEventsFrame } from "./sched-events.js";
import { THREAD_KEY_IDENTITY } from "./identity-decls.js";

/** sched_wait_key.kind (SCHED_WAIT_* in bpf/sched.h). */
const WAIT_KINDS = ["wakeup", "cpu"];

/**
 * One row per thread per interval in which it ran, waited or was blocked. On-CPU time is the scheduler's own
 * accounting (sched_stat_runtime), so a thread that never switches out is charged in every interval; blocked and
 * run-queue time are charged to every interval they pass (an iterator over the tasks at each boundary), so a
 * thread stuck in a long sleep, or starved of its CPU by others on it, is visible in each one. The histogram
 * counts each run-queue wait whole, at its switch-in. What happened before the capture is not known: a thread
 * first seen waking (or asleep) is counted blocked from the capture's start, one first seen being switched in
 * (or waiting on a run queue) counted runnable.
 */
export const sched = defineCollector({
  name: "sched",
  description:
    "per thread: on-CPU, run-queue wait and off-CPU ns, voluntary/involuntary switches, migrations per interval",
  tracepoints: [
    "sched:sched_switch",
    "sched:sched_waking",
    "sched:sched_wakeup",
    "sched:sched_wakeup_new",
    "sched:sched_stat_runtime",
    "sched:sched_migrate_task",
    "sched:sched_process_exec",
    "irq:irq_handler_entry/exit, irq:softirq_entry/exit, timer:hrtimer_expire_entry/exit, irq_vectors:irq_work_entry/exit (all tp_btf; sched_waits: which wakeups are nobody's)",
    "task iterator at each interval boundary (iter/task)",
  ],
  options: {
    histogram: histogramOption("each run-queue wait (wakeup or preemption to switch-in, as runqlat), per thread"),
    waits: option.boolean({
      default: true,
      cli: "--no-waits",
      doc: "the sched_waits frame: whom each wait of 1 ms or more was on (the process that woke the thread, or held its CPU)",
    }),
    ...eventOptions,
  },
  config: (o) => ({ histogram: o.histogram, waits: o.waits }),
  boundary: ["sched_charge"],
  check: (o) => checkRingKb("sched", o.ringKb),
  frames: [
    {
      name: "sched",
      source: { kind: "aggregate", map: "stats", key: "sched_key", value: "sched_val" },
      identity: { pid: "val.pid", tid: "key.tid", comm: "val.comm", process: "val.pcomm", cgroup_id: "val.cgroup_id" },
      columns: {
        oncpu_ns: {
          from: "val.oncpu_ns",
          type: "i64",
          unit: "ns",
          description: "CPU time charged by the scheduler in the interval",
        },
        runq_ns: {
          from: "val.runq_ns",
          type: "i64",
          unit: "ns",
          description: "runnable but waiting for a CPU, charged to each interval the wait spans",
        },
        offcpu_ns: {
          from: "val.offcpu_ns",
          type: "i64",
          unit: "ns",
          description: "blocked (sleep, I/O, locks), charged to each interval the block spans",
        },
        vol_switches: {
          from: "val.vol_switches",
          type: "i64",
          unit: "switches",
          description: "switched out while blocking",
        },
        invol_switches: {
          from: "val.invol_switches",
          type: "i64",
          unit: "switches",
          description: "preempted while runnable",
        },
        migrations: { from: "val.migrations", type: "i64", unit: "moves", description: "moves to another CPU" },
      },
      display: {
        live: {
          rates: [{ name: "context switches/s", columns: ["vol_switches", "invol_switches"] }],
          oncpu: "oncpu_ns",
        },
        summary: [
          {
            key: "top_processes_oncpu",
            title: "top processes by on-CPU time (sched)",
            by: ["process"],
            columns: [
              { column: "oncpu_ns", header: "on-CPU ms", scale: 1e-6 },
              { column: "runq_ns", header: "run-queue ms", scale: 1e-6 },
              { column: "offcpu_ns", header: "off-CPU ms", scale: 1e-6 },
            ],
            top: 8,
          },
        ],
        report: [
          { plot: "timeline", metric: "oncpu_ns" },
          { plot: "heatmap", metric: "oncpu_ns" },
        ],
      },
      features: {
        prefix: "",
        columns: {
          oncpu_ns: "sum",
          runq_ns: "sum",
          offcpu_ns: "sum",
          vol_switches: "sum",
          invol_switches: "sum",
          migrations: "sum",
        },
      },
    },
    histogramFrame({
      name: "sched_hist",
      source: { kind: "aggregate", map: "hists", key: "sched_key", value: "sched_hist" },
      identity: { pid: "val.pid", tid: "key.tid", comm: "val.comm", process: "val.pcomm", cgroup_id: "val.cgroup_id" },
      keys: {},
      counts: "waits",
      what: "run-queue latency",
      features: { prefix: "runq_", columns: {}, quantiles: { q: [0.5, 0.99] } },
    }),
    {
      // Whom a thread waited on: the process whose thread woke it from a block (a pipe's writer, a socket's
      // sender, a lock's releaser), or held the CPU it waited for. Incidents use it to tell the process that
      // stalled (or hogged) from those that waited on it.
      name: "sched_waits",
      enabled: (o) => o.waits,
      programs: [
        "sched_waking",
        ...["irq", "hrtimer", "irq_work", "softirq"].flatMap((c) => [`waits_${c}_entry`, `waits_${c}_exit`]),
      ],
      source: { kind: "aggregate", map: "waits", key: "sched_wait_key", value: "sched_wait_val" },
      identity: THREAD_KEY_IDENTITY,
      columns: {
        kind: {
          from: "key.kind",
          type: "str",
          map: (k) => WAIT_KINDS[Number(k)] ?? `kind-${k}`,
          description: "wakeup: a block the other process ended by waking it | cpu: a wait for the CPU it held",
        },
        by_pid: { from: "key.by_pid", type: "u32", description: "the other process (its tgid)" },
        by_tid: { from: "val.by_tid", type: "u32", description: "the other thread (the last, if several)" },
        by_process: { from: "val.by_comm", type: "str", description: "the other process's name (its leader's comm)" },
        waits: {
          from: "val.count",
          type: "i64",
          unit: "waits",
          description: "waits of 1 ms or more that ended in the interval",
        },
        wait_ns: { from: "val.total_ns", type: "i64", unit: "ns", description: "how long those waits had lasted" },
        max_wait_ns: { from: "val.max_ns", type: "i64", unit: "ns", description: "the longest of them" },
      },
      // no features of its own: the waits are offcpu_ns and runq_ns already; this frame says whom they were on
      // (ProcessFacts.waitsOn, for incidents)
      features: { prefix: "waits_", columns: {} },
    },
    schedEventsFrame,
  ],
});
