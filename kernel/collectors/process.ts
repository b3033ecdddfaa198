// process: exec, fork and exit events streamed through a ring buffer; pairs with bpf/process.{bpf.c,h}.

import type { ColumnSpec } from "../frame/frame.js";
import { Collector, columnIndex, cstr, filterOnlyConfig, identityColumns } from "./collector.js";

export type ProcessOptions = Record<string, never>;

const schema = [
  ...identityColumns,
  { name: "ts_ns", type: "u64", unit: "ns", description: "event time, CLOCK_MONOTONIC (bpf_ktime_get_ns)" },
  { name: "event", type: "str", description: "exec | fork | exit" },
  { name: "ppid", type: "u32", description: "parent process; for fork, the forking process" },
  { name: "filename", type: "str", description: "exec: the executed file" },
  { name: "args", type: "str", description: "exec: argv joined by spaces (first 256 bytes)" },
  { name: "exit_code", type: "i32", description: "exit: status as a shell's $? shows it (128+N: killed by signal N)" },
  { name: "lifetime_ns", type: "i64", unit: "ns", description: "exit: time since the process started" },
] as const satisfies readonly ColumnSpec[];

// struct process_event offsets (bpf/process.h); test/collectors/layout.test.ts checks them.
const E = {
  ts_ns: 0,
  cgroup_id: 8,
  lifetime_ns: 16,
  kind: 24,
  pid: 28,
  tid: 32,
  ppid: 36,
  exit_code: 40,
  args_len: 44,
  comm: 48,
  filename: 64,
  args: 192,
  size: 448,
} as const;
const KINDS = ["", "exec", "fork", "exit"];

/** Struct layouts (C name → field offsets and size), checked against the object's BTF by a test. */
export const processLayout = { process_event: E } as const;

const col = columnIndex(schema);

export const processEvents: Collector<ProcessOptions> = {
  name: "process",
  description: "process exec (file, args), fork and exit (code, lifetime) events, streamed; lost events counted",
  object: "process",
  tracepoints: ["sched:sched_process_exec", "sched:sched_process_fork", "sched:sched_process_exit (all tp_btf)"],
  options: [],
  schema,
  resolveOptions: () => ({}),
  config: filterOnlyConfig,
  // process_fork both tracks children and reports forks: it stays loaded in every capture.
  forkTrackers: [],
  source: {
    kind: "stream",
    ring: "events",
    recordSize: E.size,
    decode(v, out, ctx) {
      const r = out.beginRow();
      const ts = v.getBigUint64(E.ts_ns, true);
      out.setNum(col.ts, r, ctx.wallUs(ts));
      out.setNum(col.t_s, r, ctx.relS(ts));
      out.setBig(col.ts_ns, r, ts);
      out.setNum(col.pid, r, v.getUint32(E.pid, true));
      out.setNum(col.tid, r, v.getUint32(E.tid, true));
      out.setStr(col.comm, r, cstr(v, E.comm, 16));
      out.setBig(col.cgroup_id, r, v.getBigUint64(E.cgroup_id, true));
      out.setStr(col.event, r, KINDS[v.getUint32(E.kind, true)] ?? "unknown");
      out.setNum(col.ppid, r, v.getUint32(E.ppid, true));
      out.setStr(col.filename, r, cstr(v, E.filename, 128));
      const n = v.getUint32(E.args_len, true);
      const args = n
        ? Buffer.from(v.buffer, v.byteOffset + E.args, n)
            .toString("utf8")
            .replace(/\0+$/, "")
            .replace(/\0/g, " ")
        : "";
      out.setStr(col.args, r, args);
      out.setNum(col.exit_code, r, v.getInt32(E.exit_code, true));
      out.setNum(col.lifetime_ns, r, Number(v.getBigUint64(E.lifetime_ns, true)));
    },
  },
};
