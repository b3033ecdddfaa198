// The syscalls collector's event frame (option events): one row per syscall, from per-CPU ring buffers;
// pairs with the event programs of bpf/syscalls.bpf.c and struct syscalls_event in bpf/events.h.

import type { BpfObject } from "../loader/bpf-object.js";
import type { FrameDecl } from "./schema.js";
import { syscallName } from "./syscall-name.js";
import { RECORD_IDENTITY, recordTime } from "./identity-decls.js";

/** Options the frame reads (a subset of the syscalls collector's). */
interface EventOpts {
  events: boolean;
  latency: boolean;
  eventSyscalls: number[];
}

export const syscallEventsFrame: FrameDecl<EventOpts> = {
  name: "syscalls_events",
  enabled: (o) => o.events,
  programs: ["sys_enter_ev", "sys_exit_ev"],
  source: {
    kind: "stream",
    ring: "sys_events_rings",
    record: "syscalls_event",
    perCpu: { lost: "sys_events_lost", ringKbOption: "ringKb" },
  },
  identity: RECORD_IDENTITY,
  columns: {
    ts_ns: recordTime("when the call returned, CLOCK_MONOTONIC"),
    nr: { from: "rec.nr", type: "u32", description: "syscall number" },
    syscall: {
      from: "rec.nr",
      type: "str",
      map: (nr) => syscallName(Number(nr)),
      description: "syscall name on the traced architecture",
    },
    ret: { from: "rec.ret", type: "i64", description: "return value (-errno on failure)" },
    latency_ns: {
      from: "rec.lat_ns",
      type: "i64",
      unit: "ns",
      description: "enter-to-exit time (0 with latency off)",
    },
  },
};

/** Fills the syscall-set filter map (events_nrs) when the option names syscalls. */
export function fillSyscallSet(obj: BpfObject, nrs: readonly number[]): void {
  if (nrs.length === 0) return;
  const m = obj.map("events_nrs");
  const key = Buffer.alloc(4),
    one = Buffer.from([1]);
  for (const nr of nrs) {
    key.writeUInt32LE(nr);
    m.update(key, one);
  }
}
