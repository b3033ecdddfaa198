// The identity declarations most collectors share: a ring record stamped by bpflab's record header, and an
// aggregate keyed by thread whose value carries the thread's names and cgroup (see bpf/bpflab.h).

import type { ColumnDecl, IdentityDecl } from "./schema.js";

/** A ring record whose header holds pid, tid, comm, pcomm, cgroup_id and ts_ns (`struct` fields of `rec`). */
export const RECORD_IDENTITY: IdentityDecl = {
  pid: "rec.pid",
  tid: "rec.tid",
  comm: "rec.comm",
  process: "rec.pcomm",
  cgroup_id: "rec.cgroup_id",
  time: "rec.ts_ns",
};

/** An aggregate keyed by (pid, tid, ...) whose value holds comm, pcomm and cgroup_id. */
export const THREAD_KEY_IDENTITY: IdentityDecl = {
  pid: "key.pid",
  tid: "key.tid",
  comm: "val.comm",
  process: "val.pcomm",
  cgroup_id: "val.cgroup_id",
};

/** The record's own time column (`ts_ns`), CLOCK_MONOTONIC as bpf_ktime_get_ns gives it; says what it stamps. */
export function recordTime(description: string): ColumnDecl {
  return { from: "rec.ts_ns", type: "u64", unit: "ns", description };
}
