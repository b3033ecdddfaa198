// signals: signals sent and delivered, OOM kills and the exits signals cause, streamed through a ring buffer;
// pairs with bpf/signals.{bpf.c,h}.

import { constants } from "node:os";
import { kernelPageSize } from "./kernel-features.js";
import { defineCollector } from "./schema.js";
import { RECORD_IDENTITY, recordTime } from "./identity-decls.js";

/** enum signals_event_kind in bpf/signals.h. */
const GENERATE = 1,
  DELIVER = 2,
  OOM_KILL = 3,
  EXIT = 4;
const KINDS: Record<number, string> = {
  [GENERATE]: "generate",
  [DELIVER]: "deliver",
  [OOM_KILL]: "oom_kill",
  [EXIT]: "exit",
};

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(constants.signals)
    .filter(([name]) => name !== "SIGIOT" && name !== "SIGPOLL" && name !== "SIGUNUSED")
    .map(([name, n]) => [n, name]),
);

/** "SIGUSR1" for 10 on x86; real-time signals as kill -l names them (SIGRTMIN+k from 34, glibc's SIGRTMIN). */
export function signalName(n: number): string {
  const known = SIGNAL_NAMES.get(n);
  if (known) return known;
  if (n >= 34 && n <= 64) return n === 64 ? "SIGRTMAX" : `SIGRTMIN${n === 34 ? "" : `+${n - 34}`}`;
  return `SIG${n}`;
}

/** TRACE_SIGNAL_* of include/trace/events/signal.h. */
const RESULTS: Record<number, string> = {
  0: "delivered",
  1: "ignored",
  2: "already_pending",
  3: "overflow_fail",
  4: "lose_info",
};

/** Signals whose positive si_code says which fault raised them (SEGV_MAPERR, BUS_ADRALN, ...). */
const FAULTS = new Set(["SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGTRAP"]);

/** si_code values (include/uapi/asm-generic/siginfo.h): who raised the signal. */
function origin(code: number, sig: number): string {
  const codes: Record<number, string> = {
    0: "user",
    [-1]: "queue",
    [-2]: "timer",
    [-3]: "mesgq",
    [-4]: "asyncio",
    [-5]: "sigio",
    [-6]: "tkill",
    128: "kernel",
  };
  if (code > 0 && code !== 128) {
    const name = signalName(sig);
    return FAULTS.has(name) ? "fault" : name === "SIGCHLD" ? "child" : name === "SIGIO" ? "poll" : "kernel";
  }
  return codes[code] ?? `code ${code}`;
}

const ACTIONS: Record<number, string> = { 0: "default", 1: "ignore", 2: "handler" };

/**
 * One row per event: a signal generated (sent, or raised by the kernel) and delivered (acted on by its
 * target), a process chosen by the OOM killer, a process ended by a signal. The identity columns are the
 * target's; sender_* the sending task's. Columns that do not apply to an event are NULL.
 * @example await capture({ collectors: ["signals", "process"], duration: "30s" })
 */
export const signals = defineCollector({
  name: "signals",
  description:
    "signals generated and delivered (sender, target, result, action), OOM kills (victim, RSS), exits by signal",
  tracepoints: [
    "signal:signal_generate",
    "signal:signal_deliver",
    "oom:mark_victim",
    "sched:sched_process_exit (all tp_btf)",
  ],
  frames: [
    {
      name: "signals",
      source: { kind: "stream", ring: "events", record: "signals_event" },
      identity: RECORD_IDENTITY,
      columns: {
        ts_ns: recordTime("event time, CLOCK_MONOTONIC (bpf_ktime_get_ns)"),
        event: {
          from: "rec.kind",
          type: "str",
          map: (k) => KINDS[Number(k)] ?? "unknown",
          description: "generate | deliver | oom_kill | exit",
        },
        signal: {
          from: "rec.sig",
          type: "str",
          map: (n) => signalName(Number(n)),
          description: "signal name (oom_kill: SIGKILL)",
        },
        signo: { from: "rec.sig", type: "u32", description: "signal number on this architecture" },
        sender_pid: {
          from: "rec.sender_pid",
          type: "u32",
          onlyWhen: { field: "rec.kind", in: [GENERATE, DELIVER, OOM_KILL] },
          description:
            "the sending process (deliver: 0 when the kernel raised it; oom_kill: whose allocation ran the OOM killer)",
        },
        sender_tid: {
          from: "rec.sender_tid",
          type: "u32",
          onlyWhen: { field: "rec.kind", in: [GENERATE, DELIVER, OOM_KILL] },
          description: "the sending thread (0 when not known)",
        },
        sender_comm: {
          from: "rec.sender_comm",
          type: "str",
          onlyWhen: { field: "rec.kind", in: [GENERATE, DELIVER, OOM_KILL] },
          description: 'the sending thread\'s name ("" when not known)',
        },
        result: {
          from: "rec.result",
          type: "str",
          map: (r) => RESULTS[Number(r)] ?? `result ${r}`,
          onlyWhen: { field: "rec.kind", in: [GENERATE] },
          description: "generate: delivered (queued) | ignored | already_pending | overflow_fail | lose_info",
        },
        origin: {
          from: "rec.code",
          type: "str",
          map: (c, row) => origin(Number(c), row.num("rec.sig")),
          onlyWhen: { field: "rec.kind", in: [GENERATE, DELIVER] },
          description: "who raised it (si_code): user (kill), tkill, queue, timer, kernel, fault, child (SIGCHLD), ...",
        },
        to_process: {
          from: "rec.group",
          type: "bool",
          onlyWhen: { field: "rec.kind", in: [GENERATE] },
          description: "generate: sent to the whole process (kill) rather than one thread (tgkill)",
        },
        action: {
          from: "rec.action",
          type: "str",
          map: (a) => ACTIONS[Number(a)] ?? "?",
          onlyWhen: { field: "rec.kind", in: [DELIVER] },
          description: "deliver: default (the signal's default action) | ignore | handler",
        },
        rss_bytes: {
          from: "rec.rss_pages",
          type: "i64",
          unit: "bytes",
          scale: kernelPageSize,
          onlyWhen: { field: "rec.kind", in: [OOM_KILL] },
          description: "oom_kill: the victim's resident memory (anon + file + shmem) when it was chosen",
        },
        core_dumped: {
          from: "rec.code",
          type: "bool",
          onlyWhen: { field: "rec.kind", in: [EXIT] },
          description: "exit: the signal dumped core",
        },
      },
      display: {
        live: { rates: [{ name: "signal events/s" }] },
        summary: [
          {
            key: "signals",
            title: "signals (signals)",
            by: ["event", "signal"],
            columns: [{ column: "signo", header: "events", agg: "rows" }],
            top: 10,
          },
          {
            key: "oom_kills",
            title: "OOM kills (signals)",
            by: ["process"],
            where: { event: "oom_kill" },
            columns: [
              { column: "rss_bytes", header: "RSS MiB", agg: "max", scale: 2 ** -20 },
              { column: "signo", header: "kills", agg: "rows" },
            ],
            top: 10,
          },
        ],
      },
      features: {
        columns: {},
        events: {
          column: "event",
          counts: {
            generate: "signals_sent",
            deliver: "signals_delivered",
            oom_kill: "oom_kills",
            exit: "signal_exits",
          },
          creditTo: { generate: "sender_pid" },
        },
      },
    },
  ],
});
