// Synthetic `<x>_hist` frames for tests without root: samples bucketed by the kernel's rule (histogram.ts).

import { histSlot, histUpperNs } from "../../kernel/collectors/histogram.js";
import { Frame } from "../../kernel/frame/frame.js";

const SLOTS = 146;

/** A `<x>_hist` frame of samples per (t_s, syscall), bucketed as the kernel does. */
export function histFrame(samples: { t: number; syscall: string; ns: number }[]): Frame {
  const cells = new Map<string, { t: number; syscall: string; le: number; n: number }>();
  for (const s of samples) {
    const le = histUpperNs(histSlot(s.ns, SLOTS), SLOTS);
    const k = `${s.t}|${s.syscall}|${le}`;
    const c = cells.get(k) ?? { t: s.t, syscall: s.syscall, le, n: 0 };
    c.n++;
    cells.set(k, c);
  }
  const rows = [...cells.values()];
  const names = [...new Set(rows.map((r) => r.syscall))];
  return new Frame(
    "syscalls_hist",
    [
      { name: "t_s", type: "f64" },
      { name: "syscall", type: "str" },
      { name: "le_ns", type: "f64" },
      { name: "count", type: "i64" },
    ],
    {
      t_s: Float64Array.from(rows.map((r) => r.t)),
      syscall: { codes: Uint32Array.from(rows.map((r) => names.indexOf(r.syscall))), dict: names },
      le_ns: Float64Array.from(rows.map((r) => r.le)),
      count: Float64Array.from(rows.map((r) => r.n)),
    },
  );
}
