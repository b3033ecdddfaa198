// syscalls: per-thread, per-syscall count, errors and latency per interval; pairs with bpf/syscalls.{bpf.c,h}.

import { OptionError } from "../errors.js";
import { histogramFrame, histogramOption } from "./histogram.js";
import { checkRingKb, eventOptions, eventSyscallsOption } from "./event-options.js";
import { option } from "./options.js";
import { AggregateSourceDecl, ColumnDecl, defineCollector } from "./schema.js";
import { syscallName } from "./syscall-name.js";
import { fillSyscallSet, syscallEventsFrame } from "./syscall-events.js";
import { THREAD_KEY_IDENTITY } from "./identity-decls.js";

/** Fewest calls of a syscall in a window for its mean latency to be measured. */
const MIN_LATENCY_CALLS = 5;

export { syscallName } from "./syscall-name.js";

/** The key columns the main and histogram frames share. */
const keyColumns: Record<string, ColumnDecl> = {
  syscall: {
    from: "key.nr",
    type: "str",
    map: (nr) => syscallName(Number(nr)),
    description: "syscall name on the traced architecture",
  },
  nr: { from: "key.nr", type: "u32", description: "syscall number" },
};

/** The map of the rows with histograms: syscalls_val's fields and the buckets. */
const histSource: AggregateSourceDecl = {
  kind: "aggregate",
  map: "hists",
  key: "syscalls_key",
  value: "syscalls_hist",
};

/**
 * One row per thread and syscall per interval, counted where the call returns; with `histogram`, also one
 * row per (thread, syscall, interval) and latency bucket in `syscalls_hist`.
 * @example await capture({ collectors: { syscalls: { latency: false } }, duration: "10s" })
 */
export const syscalls = defineCollector({
  name: "syscalls",
  description: "per thread and syscall: calls, errors, total and max latency per interval (in-kernel aggregation)",
  tracepoints: ["raw_syscalls:sys_enter (tp_btf)", "raw_syscalls:sys_exit (tp_btf)"],
  options: {
    latency: option.boolean({
      default: true,
      cli: "--no-latency",
      doc: "time each call; false counts calls and errors only (sys_exit alone, cheaper)",
    }),
    histogram: histogramOption("each call's latency, per thread and syscall"),
    ...eventOptions,
    eventSyscalls: eventSyscallsOption,
  },
  check: (o) => {
    if (o.histogram && !o.latency)
      throw new OptionError("syscalls: histogram needs latency", "drop --no-latency (latency: false) or --hist");
    checkRingKb("syscalls", o.ringKb);
  },
  config: (o) => ({ latency: o.latency, histogram: o.histogram, events_nr_filter: o.eventSyscalls.length > 0 }),
  disabledPrograms: (o) => (o.latency ? [] : ["sys_enter", "sys_enter_ev"]),
  runtime: (obj, o) => {
    if (o.events) fillSyscallSet(obj, o.eventSyscalls);
    return {};
  },
  frames: [
    {
      name: "syscalls",
      source: { kind: "aggregate", map: "counts", key: "syscalls_key", value: "syscalls_val" },
      // with histograms, a call updates one row holding its counts and buckets (bpf/syscalls.h)
      sourceFor: (o) => (o.histogram ? histSource : undefined),
      identity: THREAD_KEY_IDENTITY,
      columns: {
        ...keyColumns,
        count: { from: "val.count", type: "i64", unit: "calls", description: "calls that returned in the interval" },
        errors: { from: "val.errors", type: "i64", unit: "calls", description: "calls that returned -errno" },
        latency_ns: {
          from: "val.total_ns",
          type: "i64",
          unit: "ns",
          description: "total enter-to-exit time of those calls",
        },
        max_latency_ns: { from: "val.max_ns", type: "i64", unit: "ns", description: "longest single call" },
      },
      display: {
        live: {
          rates: [
            { name: "syscalls/s", columns: ["count"] },
            { name: "syscall errors/s", columns: ["errors"] },
          ],
          calls: "count",
        },
        summary: [
          {
            key: "top_syscalls",
            title: "top syscalls (syscalls)",
            by: ["syscall"],
            columns: [
              { column: "count", header: "calls" },
              { column: "errors", header: "errors" },
              { column: "latency_ns", header: "total latency ms", scale: 1e-6 },
            ],
            top: 8,
          },
          {
            key: "top_processes_syscalls",
            title: "top processes by syscalls",
            by: ["process"],
            columns: [{ column: "count", header: "calls" }],
            top: 5,
          },
        ],
        report: [
          { plot: "timeline", metric: "count", title: "Syscalls per interval per process" },
          { plot: "bars", by: "syscall", value: "count", failed: "errors", top: 15 },
          {
            plot: "mean-latency",
            by: "syscall",
            total: "latency_ns",
            calls: "count",
            top: 5,
            title: "Syscall latency (mean per thread and interval), busiest 5 syscalls",
          },
        ],
      },
      features: {
        prefix: "",
        columns: {
          count: { agg: "sum", name: "syscalls_count" },
          errors: { agg: "sum", name: "syscall_errors" },
          latency_ns: { agg: "sum", name: "syscall_latency_ns" },
          max_latency_ns: { agg: "max", name: "syscall_max_latency_ns" },
        },
        ratios: [
          { name: "syscall_error_rate", num: "syscall_errors", den: "syscalls_count", minDen: 10 },
          { name: "syscall_mean_latency_ns", num: "syscall_latency_ns", den: "syscalls_count" },
        ],
        breakdown: {
          by: "syscall",
          top: 8,
          weight: "count",
          name: "sys_{value}_{column}",
          columns: { count: "sum", latency_ns: "sum" },
          // one call's latency is a sample, not a mean: a single slow write among two in a second is no finding
          ratios: [{ name: "sys_{value}_mean_latency_ns", num: "latency_ns", den: "count", minDen: MIN_LATENCY_CALLS }],
        },
      },
    },
    histogramFrame({
      name: "syscalls_hist",
      source: histSource,
      identity: THREAD_KEY_IDENTITY,
      keys: keyColumns,
      counts: "calls",
      what: "syscall latency",
      summaryBy: ["syscall"],
      // percentiles across syscalls would mix blocking waits with fast calls: per-syscall means live in syscalls
      features: { columns: {} },
    }),
    syscallEventsFrame,
  ],
});
