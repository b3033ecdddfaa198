// sched: per-thread on-CPU, run-queue and off-CPU time, switches and migrations per interval;
// pairs with bpf/sched.{bpf.c,h}.

import type { ColumnSpec } from "../frame/frame.js";
import { Collector, columnIndex, cstr, filterOnlyConfig, identityColumns, setIdentity } from "./collector.js";

export type SchedOptions = Record<string, never>;

const schema = [
  ...identityColumns,
  { name: "oncpu_ns", type: "i64", unit: "ns", description: "CPU time charged by the scheduler in the interval" },
  { name: "runq_ns", type: "i64", unit: "ns", description: "runnable but waiting for a CPU (ends at switch-in)" },
  { name: "offcpu_ns", type: "i64", unit: "ns", description: "blocked: sleep, I/O, locks (ends at wakeup)" },
  { name: "vol_switches", type: "i64", unit: "switches", description: "switched out while blocking" },
  { name: "invol_switches", type: "i64", unit: "switches", description: "preempted while runnable" },
  { name: "migrations", type: "i64", unit: "moves", description: "moves to another CPU" },
] as const satisfies readonly ColumnSpec[];

// struct sched_key / sched_val offsets (bpf/sched.h); test/collectors/layout.test.ts checks them.
const K = { epoch: 0, tid: 4, size: 8 } as const;
const V = {
  oncpu_ns: 0,
  runq_ns: 8,
  offcpu_ns: 16,
  vol_switches: 24,
  invol_switches: 32,
  migrations: 40,
  cgroup_id: 48,
  pid: 56,
  comm: 64,
  size: 80,
} as const;

/** Struct layouts (C name → field offsets and size), checked against the object's BTF by a test. */
export const schedLayout = { sched_key: K, sched_val: V } as const;

const col = columnIndex(schema);

export const sched: Collector<SchedOptions> = {
  name: "sched",
  description:
    "per thread: on-CPU, run-queue wait and off-CPU ns, voluntary/involuntary switches, migrations per interval",
  object: "sched",
  tracepoints: [
    "sched:sched_switch",
    "sched:sched_wakeup",
    "sched:sched_wakeup_new",
    "sched:sched_stat_runtime",
    "sched:sched_migrate_task (all tp_btf)",
  ],
  options: [],
  schema,
  resolveOptions: () => ({}),
  config: filterOnlyConfig,
  forkTrackers: ["sched_fork"],
  source: {
    kind: "aggregate",
    map: "stats",
    keySize: K.size,
    valueSize: V.size,
    epochOffset: K.epoch,
    decode(k, ko, v, vo, out, ctx) {
      const r = out.beginRow();
      const u64 = (o: number) => Number(v.getBigUint64(vo + o, true));
      setIdentity(
        out,
        r,
        ctx,
        v.getUint32(vo + V.pid, true),
        k.getUint32(ko + K.tid, true),
        cstr(v, vo + V.comm, 16),
        v.getBigUint64(vo + V.cgroup_id, true),
      );
      out.setNum(col.oncpu_ns, r, u64(V.oncpu_ns));
      out.setNum(col.runq_ns, r, u64(V.runq_ns));
      out.setNum(col.offcpu_ns, r, u64(V.offcpu_ns));
      out.setNum(col.vol_switches, r, u64(V.vol_switches));
      out.setNum(col.invol_switches, r, u64(V.invol_switches));
      out.setNum(col.migrations, r, u64(V.migrations));
    },
  },
};
