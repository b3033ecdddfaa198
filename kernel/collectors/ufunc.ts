// ufunc: calls and latency of user-space functions chosen at capture time, per thread, function and interval;
// pairs with bpf/ufunc.{bpf.c,h}. One uprobe/uretprobe program pair serves every function (attach cookie = id).

import type { ColumnSpec } from "../frame/frame.js";
import {
  booleanOption,
  Collector,
  columnIndex,
  cstr,
  encodeFilter,
  identityColumns,
  setIdentity,
} from "./collector.js";
import { parseUfuncTargets, UFUNC_MAX_FUNCS, UfuncTarget } from "./ufunc-targets.js";

export { UFUNC_MAX_FUNCS, type UfuncTarget } from "./ufunc-targets.js";

export interface UfuncOptions {
  /**
   * The functions to probe, in id order. Input may also be "binary:symbol" strings (or one such string):
   * `{ functions: ["/usr/lib/x86_64-linux-gnu/libc.so.6:malloc"] }`.
   */
  functions: UfuncTarget[];
  /**
   * Time each call (a uretprobe per function as well). Off: calls counted at entry only, which skips the
   * return probe, about a third of the cost.
   */
  latency: boolean;
}

const schema = [
  ...identityColumns,
  { name: "function", type: "str", description: "probed function (ELF symbol)" },
  { name: "binary", type: "str", description: "executable or library holding it (absolute path)" },
  {
    name: "calls",
    type: "i64",
    unit: "calls",
    description: "calls that returned in the interval (latency off: that began)",
  },
  {
    name: "total_ns",
    type: "i64",
    unit: "ns",
    description: "total entry-to-return time of those calls (wall, includes time off-CPU; 0 with latency off)",
  },
  { name: "max_ns", type: "i64", unit: "ns", description: "longest single call" },
] as const satisfies readonly ColumnSpec[];

// struct ufunc_key / ufunc_val offsets (bpf/ufunc.h); test/collectors/layout.test.ts checks them.
const K = { epoch: 0, tid: 4, pid: 8, func_id: 12, size: 16 } as const;
const V = { calls: 0, total_ns: 8, max_ns: 16, cgroup_id: 24, comm: 32, size: 48 } as const;

/** Struct layouts (C name → field offsets and size), checked against the object's BTF by a test. */
export const ufuncLayout = { ufunc_key: K, ufunc_val: V } as const;

const col = columnIndex(schema);

export const ufunc: Collector<UfuncOptions> = {
  name: "ufunc",
  description:
    "per thread and user-space function (uprobes): calls, total and max latency per interval (in-kernel aggregation)",
  object: "ufunc",
  tracepoints: ["uprobe + uretprobe on each function", "sched:sched_process_fork (tp_btf, with a pid filter)"],
  options: [
    {
      name: "functions",
      type: "string",
      default: [],
      description: `functions to probe, "binary:symbol" (CLI: --ufunc /bin/bash:readline, repeatable; at most ${UFUNC_MAX_FUNCS})`,
    },
    {
      name: "latency",
      type: "boolean",
      default: true,
      description: "time each call; false counts calls at entry only (no return probe, cheaper)",
    },
  ],
  schema,
  resolveOptions(opts) {
    const latency = booleanOption(
      "ufunc",
      "latency",
      opts.latency,
      true,
      "pass { latency: false } to count calls without timing them",
    );
    return { functions: parseUfuncTargets(opts.functions), latency };
  },
  config(opts, filter) {
    const b = Buffer.alloc(16);
    encodeFilter(b, filter);
    b.writeUInt8(opts.latency ? 1 : 0, 8);
    return b;
  },
  disabledPrograms: (opts) => (opts.latency ? [] : ["ufunc_return"]),
  forkTrackers: ["ufunc_fork"],
  attach(obj, opts, filter) {
    obj.attachAll(["ufunc_entry", "ufunc_return"]); // the fork tracker, when this object keeps it
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
  source: {
    kind: "aggregate",
    map: "counts",
    keySize: K.size,
    valueSize: V.size,
    epochOffset: K.epoch,
    decode(k, ko, v, vo, out, ctx) {
      const r = out.beginRow();
      const fn = (ctx.options as unknown as UfuncOptions).functions[k.getUint32(ko + K.func_id, true)];
      setIdentity(
        out,
        r,
        ctx,
        k.getUint32(ko + K.pid, true),
        k.getUint32(ko + K.tid, true),
        cstr(v, vo + V.comm, 16),
        v.getBigUint64(vo + V.cgroup_id, true),
      );
      out.setStr(col.function, r, fn?.symbol ?? "?");
      out.setStr(col.binary, r, fn?.binary ?? "?");
      out.setNum(col.calls, r, Number(v.getBigUint64(vo + V.calls, true)));
      out.setNum(col.total_ns, r, Number(v.getBigUint64(vo + V.total_ns, true)));
      out.setNum(col.max_ns, r, Number(v.getBigUint64(vo + V.max_ns, true)));
    },
  },
};
