// The sched collector's event frame (option events): one row per context switch, from per-CPU ring buffers;
// pairs with sched_switch_ev in bpf/sched.bpf.c and struct sched_event in bpf/events.h.

import type { FrameDecl } from "./schema.js";
import { RECORD_IDENTITY, recordTime } from "./identity-decls.js";

/** The state a thread leaves the CPU in, as ps(1) letters (TASK_* bits of include/linux/sched.h). */
function stateName(v: number): string {
  if (v === 0) return "R";
  if (v & 0x1) return "S";
  if (v & 0x2) return "D";
  if (v & 0x4) return "T";
  if (v & 0x8) return "t";
  if (v & 0x10 || v & 0x20) return "X";
  if (v & 0x80) return "I";
  return `0x${v.toString(16)}`;
}

export const schedEventsFrame: FrameDecl<{ events: boolean }> = {
  name: "sched_events",
  enabled: (o) => o.events,
  programs: ["sched_switch_ev"],
  source: {
    kind: "stream",
    ring: "switch_events_rings",
    record: "sched_event",
    perCpu: { lost: "switch_events_lost", ringKbOption: "ringKb" },
  },
  identity: RECORD_IDENTITY,
  columns: {
    ts_ns: recordTime("switch time, CLOCK_MONOTONIC"),
    cpu: { from: "rec.cpu", type: "u32", description: "the CPU switching" },
    prev_state: {
      from: "rec.prev_state",
      type: "str",
      map: (v) => stateName(Number(v)),
      description: "state the thread (pid, tid) leaves in: R preempted, S sleep, D uninterruptible, ...",
    },
    next_pid: { from: "rec.next_pid", type: "u32", description: "process taking the CPU" },
    next_tid: { from: "rec.next_tid", type: "u32", description: "thread taking the CPU (0: idle)" },
    next_comm: { from: "rec.next_comm", type: "str", description: "its thread name" },
  },
};
