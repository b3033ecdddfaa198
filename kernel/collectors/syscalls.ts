// syscalls: per-thread, per-syscall count, errors and latency per interval; pairs with bpf/syscalls.{bpf.c,h}.

import { arch } from "node:os";
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
import { GENERIC, X86_64 } from "./syscall-names.js";

export interface SyscallsOptions {
  /** Time each call (attaches sys_enter too). Off: counts and errors only, at about half the cost. */
  latency: boolean;
}

const schema = [
  ...identityColumns,
  { name: "syscall", type: "str", description: "syscall name on the traced architecture" },
  { name: "nr", type: "u32", description: "syscall number" },
  { name: "count", type: "i64", unit: "calls", description: "calls that returned in the interval" },
  { name: "errors", type: "i64", unit: "calls", description: "calls that returned -errno" },
  { name: "latency_ns", type: "i64", unit: "ns", description: "total enter-to-exit time of those calls" },
  { name: "max_latency_ns", type: "i64", unit: "ns", description: "longest single call" },
] as const satisfies readonly ColumnSpec[];

// struct syscalls_key / syscalls_val offsets (bpf/syscalls.h); test/collectors/layout.test.ts checks them.
const K = { epoch: 0, tid: 4, pid: 8, nr: 12, size: 16 } as const;
const V = { count: 0, errors: 8, total_ns: 16, max_ns: 24, cgroup_id: 32, comm: 40, size: 56 } as const;

const names = arch() === "x64" ? X86_64 : GENERIC;
const nameCache = new Map<number, string>();
/** The syscall's name, or "sys_<nr>" for numbers newer than the table. */
export function syscallName(nr: number): string {
  let n = nameCache.get(nr);
  if (n === undefined) {
    n = names[nr] ?? `sys_${nr}`;
    nameCache.set(nr, n);
  }
  return n;
}

/** Struct layouts (C name → field offsets and size), checked against the object's BTF by a test. */
export const syscallsLayout = { syscalls_key: K, syscalls_val: V } as const;

const col = columnIndex(schema);

export const syscalls: Collector<SyscallsOptions> = {
  name: "syscalls",
  description: "per thread and syscall: calls, errors, total and max latency per interval (in-kernel aggregation)",
  object: "syscalls",
  tracepoints: ["raw_syscalls:sys_enter (tp_btf)", "raw_syscalls:sys_exit (tp_btf)"],
  options: [
    {
      name: "latency",
      type: "boolean",
      default: true,
      description: "time each call; false counts calls and errors only (sys_exit alone, cheaper)",
    },
  ],
  schema,
  resolveOptions(opts) {
    return {
      latency: booleanOption(
        "syscalls",
        "latency",
        opts.latency,
        true,
        "pass { latency: false } to count without timing",
      ),
    };
  },
  config(opts, filter) {
    const b = Buffer.alloc(16);
    encodeFilter(b, filter);
    b.writeUInt8(opts.latency ? 1 : 0, 8);
    return b;
  },
  disabledPrograms: (opts) => (opts.latency ? [] : ["sys_enter"]),
  forkTrackers: ["syscalls_fork"],
  source: {
    kind: "aggregate",
    map: "counts",
    keySize: K.size,
    valueSize: V.size,
    epochOffset: K.epoch,
    decode(k, ko, v, vo, out, ctx) {
      const r = out.beginRow();
      const nr = k.getUint32(ko + K.nr, true);
      setIdentity(
        out,
        r,
        ctx,
        k.getUint32(ko + K.pid, true),
        k.getUint32(ko + K.tid, true),
        cstr(v, vo + V.comm, 16),
        v.getBigUint64(vo + V.cgroup_id, true),
      );
      out.setStr(col.syscall, r, syscallName(nr));
      out.setNum(col.nr, r, nr);
      out.setNum(col.count, r, Number(v.getBigUint64(vo + V.count, true)));
      out.setNum(col.errors, r, Number(v.getBigUint64(vo + V.errors, true)));
      out.setNum(col.latency_ns, r, Number(v.getBigUint64(vo + V.total_ns, true)));
      out.setNum(col.max_latency_ns, r, Number(v.getBigUint64(vo + V.max_ns, true)));
    },
  },
};
