// The options every collector with an event mode shares (events, ringKb), and the syscall-set option.

import { OptionError } from "../errors.js";
import { option } from "./options.js";
import { syscallNumber } from "./syscall-name.js";

/** Ring size per CPU by default: ~200,000 syscall records, four drain ticks at a million events per second. */
export const DEFAULT_RING_KB = 16384;

export const eventOptions = {
  events: option.boolean({
    default: false,
    cli: "--events",
    doc: "also stream one row per event (frame <name>_events) through per-CPU ring buffers",
  }),
  ringKb: option.number({
    default: DEFAULT_RING_KB,
    min: 64,
    max: 1 << 20,
    integer: true,
    cli: "--ring-kb KB",
    doc: "event mode: each CPU's ring buffer, in KiB (a power of two); records that find it full are counted lost",
  }),
};

/** Checks that a ring size is a power of two (OptionError otherwise). */
export function checkRingKb(owner: string, kb: number): void {
  if ((kb & (kb - 1)) !== 0) {
    throw new OptionError(`${owner} option ringKb must be a power of two, got ${kb}`, "e.g. 4096, 16384 or 65536");
  }
}

/** eventSyscalls: syscalls named (or numbered) on this architecture; an unknown name is an error. */
export const eventSyscallsOption = option.list<number>({
  default: [],
  cli: "--event-syscall NAME",
  doc: "event mode: stream only these syscalls (names or numbers; repeatable); all when none is given",
  parse(v, where) {
    const items = typeof v === "string" ? v.split(",") : v;
    if (!Array.isArray(items)) {
      throw new OptionError(`${where} must be a list of syscall names, got ${JSON.stringify(v)}`, 'e.g. ["openat"]');
    }
    return items.map((it) => {
      const s = typeof it === "number" ? String(it) : typeof it === "string" ? it.trim() : "";
      const nr = /^\d+$/.test(s) ? Number(s) : syscallNumber(s);
      if (nr === undefined || nr >= 1024) {
        throw new OptionError(
          `${where}: no syscall "${s}" on this architecture`,
          "give names as strace prints them (openat, read, execve) or numbers below 1024",
        );
      }
      return nr;
    });
  },
});
