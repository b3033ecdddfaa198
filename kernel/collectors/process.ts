// process: exec, fork and exit events streamed through a ring buffer; pairs with bpf/process.{bpf.c,h}.

import { defineCollector } from "./schema.js";
import { RECORD_IDENTITY, recordTime } from "./identity-decls.js";

/** enum process_event_kind in bpf/process.h. */
const EXEC = 1,
  FORK = 2,
  EXIT = 3;
const KINDS: Record<number, string> = { [EXEC]: "exec", [FORK]: "fork", [EXIT]: "exit" };

/**
 * One row per exec, fork (of a process, not a thread) and exit (of a whole process). Columns that do not apply
 * to an event are NULL: exe and args belong to exec, exit_code and lifetime_ns to exit.
 * @example await capture({ collectors: ["process"], duration: "30s", command: ["make", "-j2"] })
 */
export const processEvents = defineCollector({
  name: "process",
  description: "process exec (file, args), fork and exit (code, lifetime) events, streamed; lost events counted",
  tracepoints: ["sched:sched_process_exec", "sched:sched_process_fork", "sched:sched_process_exit (all tp_btf)"],
  frames: [
    {
      name: "process",
      source: { kind: "stream", ring: "events", record: "process_event" },
      identity: RECORD_IDENTITY,
      columns: {
        ts_ns: recordTime("event time, CLOCK_MONOTONIC (bpf_ktime_get_ns)"),
        event: {
          from: "rec.kind",
          type: "str",
          map: (k) => KINDS[Number(k)] ?? "unknown",
          description: "exec | fork | exit",
        },
        ppid: { from: "rec.ppid", type: "u32", description: "parent process; for fork, the forking process" },
        exe: {
          from: "rec.filename",
          type: "str",
          onlyWhen: { field: "rec.kind", in: [EXEC] },
          description: "exec: the executed file (the path exec was given)",
        },
        args: {
          from: "rec.args",
          type: "str",
          lengthFrom: "rec.args_len",
          onlyWhen: { field: "rec.kind", in: [EXEC] },
          description: "exec: argv joined by spaces (first 256 bytes)",
        },
        exit_code: {
          from: "rec.exit_code",
          type: "i32",
          onlyWhen: { field: "rec.kind", in: [EXIT] },
          description: "exit: status as a shell's $? shows it (128+N: killed by signal N)",
        },
        lifetime_ns: {
          from: "rec.lifetime_ns",
          type: "i64",
          unit: "ns",
          onlyWhen: { field: "rec.kind", in: [EXIT] },
          description: "exit: time since the process started",
        },
      },
      display: {
        live: { rates: [{ name: "exec/fork/exit per s" }] },
        summary: [
          { key: "process_events", title: "process events", counts: "event", values: ["exec", "fork", "exit"] },
        ],
      },
      features: {
        columns: {},
        events: {
          column: "event",
          counts: { fork: "forks", exec: "execs", exit: "exits" },
          creditTo: { fork: "ppid" },
        },
      },
    },
  ],
});
