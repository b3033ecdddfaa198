// The per-window value of a label's signal for one process: what "sched:oncpu_ns" or "syscalls:getppid count"
// in a label means, computed from the capture, so tests (and readers) can check that the signal really moved.

import type { Capture } from "../capture/capture.js";
import { OptionError } from "../errors.js";
import type { Frame } from "../frame/frame.js";

export interface SignalSeries {
  /** Window starts, seconds since the capture began. */
  t_s: Float64Array;
  /** The signal per window: a sum over the process's threads and rows (NaN for a gauge with no row). */
  value: Float64Array;
}

/** Columns that are levels, not counts: a window's value is their largest, and no row means not known. */
const GAUGES = /^(rss_|swap_)/;

/**
 * `signal` ("collector:column" or "collector:key column", as in a label, with or without " up"/"down") for
 * process `pid` in windows of `windowS` from 0 to the capture's end.
 * - sched, memory, net, syscalls (and later collectors): the column summed over the pid's rows per window;
 *   a key keeps the rows of that syscall, function, socket family or disk op ("syscalls:getppid count",
 *   "net:inet tx_bytes"); the rss and swap gauges take the window maximum.
 * - process: "process:EVENT count" counts EVENT events (fork, exec, exit) of the pid's children (ppid = pid);
 *   "process:exit_code" (any column) sums it over the pid's own events (its exit status: 137 when killed).
 * - event frames without a count column: "signals:oom_kill count" counts the pid's rows of that event.
 * @example signalSeries(cap, label.pid, label.signal).value  // e.g. oncpu ns per second
 */
export function signalSeries(cap: Capture, pid: number, signal: string, windowS = 1): SignalSeries {
  const m = /^([a-z_]+):(?:([A-Za-z0-9_]+) )?([a-z_]+)$/.exec(signal.trim().replace(/ (up|down)$/, ""));
  if (!m) {
    throw new OptionError(
      `bad signal "${signal}"`,
      'write it as in a label: "collector:column" or "collector:key column", e.g. "syscalls:getppid count"',
    );
  }
  const [, collector, key, column] = m as unknown as [string, string, string | undefined, string];
  const f = cap.frame(collector);
  const n = Math.max(1, Math.ceil(cap.meta.elapsedMs / 1000 / windowS));
  const t = Float64Array.from({ length: n }, (_, i) => i * windowS);
  const gauge = GAUGES.test(column);
  const value = new Float64Array(n).fill(gauge ? NaN : 0);
  // process: "EVENT count" counts events of the pid's children; a column ("exit_code") is the pid's own events'
  const children = collector === "process" && column === "count";
  const rows = children ? processRows(f, pid, key ?? "") : keyedRows(f, pid, key);
  const ts = f.numeric("t_s");
  // "count" of an event frame without such a column (signals): its rows
  const v = children || (column === "count" && !f.has("count")) ? undefined : f.numeric(column);
  for (const i of rows) {
    const w = Math.min(n - 1, Math.max(0, Math.floor(ts[i]! / windowS)));
    const x = v ? v[i]! : 1;
    value[w] = gauge ? (Number.isNaN(value[w]!) ? x : Math.max(value[w]!, x)) : value[w]! + x;
  }
  return { t_s: t, value };
}

/** The column a signal's key names a value of: "syscalls:getppid count", "net:inet tx_bytes", "ufunc:malloc calls". */
const KEY_COLUMNS = ["syscall", "function", "family", "op"];

function keyedRows(f: Frame, pid: number, key: string | undefined): number[] {
  const pids = f.numeric("pid");
  const keyColumn = KEY_COLUMNS.find((c) => f.has(c)) ?? (f.has("event") ? "event" : undefined);
  if (key !== undefined && !keyColumn)
    throw new OptionError(`frame ${f.name} has no key column for "${key}"`, `keys name a ${KEY_COLUMNS.join(", ")}`);
  const names = key !== undefined ? f.strings(keyColumn!) : undefined;
  const out: number[] = [];
  for (let i = 0; i < f.length; i++) if (pids[i] === pid && (!names || names[i] === key)) out.push(i);
  return out;
}

function processRows(f: Frame, pid: number, event: string): number[] {
  const ppid = f.numeric("ppid");
  const ev = f.strings("event");
  const out: number[] = [];
  for (let i = 0; i < f.length; i++) if (ppid[i] === pid && ev[i] === event) out.push(i);
  return out;
}

export interface LabelEffect {
  /** Mean of the signal per 1 s window before the label (from the second window: the first is partial). */
  before: number;
  /** Mean over the windows wholly inside the label (those it touches when none is, or for an event signal). */
  during: number;
  /** during / before (Infinity when before is 0 and during is not). */
  ratio: number;
  /** Whether it moved the way the label says, by at least `factor` (default 1.5×). */
  moved: boolean;
}

/**
 * How much a label's primary signal moved for its process: the mean per window during the label against the
 * mean before it. Gauges (rss) compare their levels the same way.
 * @example labelEffect(cap, scenarioLabels(cap)[0]).ratio   // e.g. 950 for a CPU hog's oncpu_ns
 */
export function labelEffect(
  cap: Capture,
  label: { pid: number; signal: string; direction: "up" | "down"; start_s: number; end_s: number },
  factor = 1.5,
): LabelEffect {
  const v = signalSeries(cap, label.pid, label.signal).value;
  const fin = (xs: number[]) => xs.filter(Number.isFinite);
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const idx = (pred: (w: number) => boolean) => Array.from({ length: v.length }, (_, w) => w).filter(pred);
  const before = avg(fin(idx((w) => w >= 1 && w + 1 <= label.start_s).map((w) => v[w]!)));
  // events (process, signals) can fall on the label's very end (an OOM kill ends it): every window it touches;
  // levels and rates: the windows wholly inside it, or those it touches when none is
  const touching = idx((w) => w < label.end_s + 0.05 && w + 1 > label.start_s);
  const event = /^(process|signals):/.test(label.signal);
  let ws = event ? touching : idx((w) => w >= label.start_s - 0.1 && w + 1 <= label.end_s + 0.1);
  if (ws.length === 0) ws = touching;
  const during = avg(fin(ws.map((w) => v[w]!)));
  const ratio = before === 0 ? (during === 0 ? 1 : Infinity) : during / before;
  const moved = label.direction === "up" ? during > before * factor && during > 0 : during * factor < before;
  return { before, during, ratio, moved };
}
