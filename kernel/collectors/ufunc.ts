// ufunc: calls and latency of user-space functions chosen at capture time, per thread, function and interval;
// pairs with bpf/ufunc.{bpf.c,h}. One uprobe/uretprobe program pair serves every function (attach cookie = id).

import { OptionError } from "../errors.js";
import { histogramFrame, histogramOption } from "./histogram.js";
import { option } from "./options.js";
import { ColumnDecl, defineCollector, RowAccess } from "./schema.js";
import { parseUfuncTargets, UFUNC_MAX_FUNCS, UfuncTarget } from "./ufunc-targets.js";
import { THREAD_KEY_IDENTITY } from "./identity-decls.js";

export { UFUNC_MAX_FUNCS, type UfuncTarget } from "./ufunc-targets.js";

/** The function a key's id (the attach cookie) names, from the capture's resolved options. */
const target = (id: number | bigint | string, row: RowAccess): UfuncTarget | undefined =>
  (row.options.functions as UfuncTarget[] | undefined)?.[Number(id)];

/** The key columns the main and histogram frames share. */
const keyColumns: Record<string, ColumnDecl> = {
  function: {
    from: "key.func_id",
    type: "str",
    map: (id, row) => target(id, row)?.symbol ?? "?",
    description: "probed function (ELF symbol)",
  },
  binary: {
    from: "key.func_id",
    type: "str",
    map: (id, row) => target(id, row)?.binary ?? "?",
    description: "executable or library holding it (absolute path)",
  },
};

/**
 * One row per thread and probed function per interval; with `histogram`, also one row per (thread, function,
 * interval) and latency bucket in `ufunc_hist` (what funclatency shows).
 * @example await capture({ collectors: { ufunc: { functions: ["/usr/lib/x86_64-linux-gnu/libc.so.6:malloc"] } }, duration: "10s" })
 */
export const ufunc = defineCollector({
  name: "ufunc",
  description:
    "per thread and user-space function (uprobes): calls, total and max latency per interval (in-kernel aggregation)",
  tracepoints: ["uprobe + uretprobe on each function"],
  options: {
    functions: option.list<UfuncTarget>({
      default: [],
      cli: "--ufunc BIN:SYM",
      doc: `functions to probe, "binary:symbol" (CLI: --ufunc /bin/bash:readline, repeatable; at most ${UFUNC_MAX_FUNCS})`,
      parse: (v) => parseUfuncTargets(v),
    }),
    latency: option.boolean({
      default: true,
      cli: "--no-latency",
      doc: "time each call; false counts calls at entry only (no return probe, cheaper)",
    }),
    histogram: histogramOption("each call's latency, per thread and function"),
  },
  check: (o) => {
    // with no function given, the parser's own error says what to pass
    if (o.functions.length === 0) parseUfuncTargets(o.functions);
    if (o.histogram && !o.latency)
      throw new OptionError("ufunc: histogram needs latency", "drop --no-latency (latency: false) or --hist");
  },
  config: (o) => ({ latency: o.latency, histogram: o.histogram }),
  disabledPrograms: (o) => (o.latency ? [] : ["ufunc_return"]),
  attach(obj, opts, filter) {
    // The kernel places a uprobe in the processes given here: with a pid and no children to follow, only in
    // that process; otherwise in every process mapping the binary (children are not known yet), and the
    // in-kernel tgid filter drops the rest.
    const pid = filter.tgid !== 0 && !filter.followChildren ? filter.tgid : -1;
    // Returns first: a call entered between the two attaches then leaves no entry frame behind.
    for (const retprobe of opts.latency ? [true, false] : [false]) {
      opts.functions.forEach((f, id) =>
        obj.attachUprobe(retprobe ? "ufunc_return" : "ufunc_entry", {
          binary: f.binary,
          symbol: f.symbol,
          retprobe,
          pid,
          cookie: id,
        }),
      );
    }
  },
  frames: [
    {
      name: "ufunc",
      source: { kind: "aggregate", map: "counts", key: "ufunc_key", value: "ufunc_val" },
      identity: THREAD_KEY_IDENTITY,
      columns: {
        ...keyColumns,
        calls: {
          from: "val.calls",
          type: "i64",
          unit: "calls",
          description: "calls that returned in the interval (latency off: that began)",
        },
        total_ns: {
          from: "val.total_ns",
          type: "i64",
          unit: "ns",
          description: "total entry-to-return time of those calls (wall, includes time off-CPU; 0 with latency off)",
        },
        max_ns: { from: "val.max_ns", type: "i64", unit: "ns", description: "longest single call" },
      },
      display: {
        summary: [
          {
            key: "user_functions",
            title: "user functions (ufunc)",
            by: ["function", "binary"],
            columns: [
              { column: "calls", header: "calls" },
              { column: "total_ns", header: "total ms", scale: 1e-6 },
            ],
            top: 10,
          },
        ],
        report: [
          { plot: "timeline", metric: "calls", title: "User-function calls per interval" },
          {
            plot: "mean-latency",
            by: "function",
            total: "total_ns",
            calls: "calls",
            top: 10,
            title: "User-function latency (mean per thread and interval)",
          },
        ],
      },
      features: {
        prefix: "ufunc_",
        columns: { calls: "sum", total_ns: "sum", max_ns: "max" },
        breakdown: {
          by: "function",
          top: 8,
          weight: "calls",
          name: "ufunc_{value}_{column}",
          columns: { calls: "sum", total_ns: "sum" },
          ratios: [{ name: "ufunc_{value}_mean_ns", num: "total_ns", den: "calls" }],
        },
      },
    },
    histogramFrame({
      name: "ufunc_hist",
      source: { kind: "aggregate", map: "hists", key: "ufunc_key", value: "ufunc_hist" },
      identity: THREAD_KEY_IDENTITY,
      keys: keyColumns,
      counts: "calls",
      what: "function latency",
      summaryBy: ["function"],
      features: { prefix: "ufunc_", columns: {}, quantiles: { q: [0.5, 0.99] } },
    }),
  ],
});
