// The one-line status of a capture on a terminal, rewritten in place after every interval: elapsed of total,
// events/s, rows, lost events (red), busiest process. Fed by LiveStats (the numbers live() shows in notebooks).

import type { CaptureProgress } from "../capture/engine.js";
import { LiveStats } from "../plots/live-stats.js";

const RED = "\x1b[31m";
const DIM = "\x1b[2m";
const RESET = "\x1b[0m";

const fmtInt = (v: number) => Math.round(v).toLocaleString("en-US");

/** Seconds as "12.0 s" or "3:05" past a minute. */
export function fmtElapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s - 60 * m)).padStart(2, "0")}`;
}

/** The status line's text; `colour` adds ANSI red to lost events. `untilStopped`: no total, "Ctrl-C to stop". */
export function statusLine(stats: LiveStats, o: { colour: boolean; untilStopped: boolean; width?: number }): string {
  const elapsed = o.untilStopped
    ? `${fmtElapsed(stats.elapsedMs)} (Ctrl-C stops)`
    : `${fmtElapsed(stats.elapsedMs)} of ${fmtElapsed(stats.durationMs)}`;
  const events = stats.rates.filter((r) => !r.name.includes("error")).reduce((s, r) => s + r.value, 0);
  const rows = stats.table.reduce((s, c) => s + c.rows, 0);
  const lost = stats.table.reduce((s, c) => s + c.lost, 0);
  const top = stats.top[0];
  const parts = [
    elapsed,
    `${fmtInt(events)} events/s`,
    `${fmtInt(rows)} rows`,
    lost > 0 ? (o.colour ? `${RED}${fmtInt(lost)} lost${RESET}` : `${fmtInt(lost)} lost`) : "0 lost",
  ];
  if (top) {
    const what = top.oncpuPct > 0 ? `${top.oncpuPct.toFixed(0)}% CPU` : `${fmtInt(top.syscallsPerS)} syscalls/s`;
    parts.push(`busiest ${top.comm} (${top.pid}) ${what}`);
  }
  let line = parts.join(" · ");
  // Cut to the terminal so the line never wraps (a wrapped line cannot be rewritten with \r).
  const width = o.width ?? 0;
  if (width > 10 && visibleLength(line) > width - 1) line = cutVisible(line, width - 2) + "…";
  return line;
}

function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "").length;
}

function cutVisible(s: string, n: number): string {
  let out = "";
  let seen = 0;
  for (let i = 0; i < s.length && seen < n; i++) {
    // eslint-disable-next-line no-control-regex
    const esc = /^\x1b\[[0-9;]*m/.exec(s.slice(i));
    if (esc) {
      out += esc[0];
      i += esc[0].length - 1;
      continue;
    }
    out += s[i];
    seen++;
  }
  return out + (out.includes("\x1b[") ? RESET : "");
}

/** Where progress goes: a terminal (rewritten line) or nowhere (a pipe or file gets only the final output). */
export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

/**
 * The capture's status line on `sink` (stderr) when it is a terminal; a no-op otherwise. `onInterval` takes
 * capture()'s progress (whether its frames hold every row so far or only the interval's new ones);
 * `done()` clears the line before the final output.
 */
export class ProgressLine {
  readonly stats: LiveStats;
  private readonly sink: ProgressSink;
  private readonly active: boolean;
  private readonly untilStopped: boolean;
  private shown = false;

  constructor(stats: LiveStats, o: { sink?: ProgressSink; untilStopped?: boolean } = {}) {
    this.stats = stats;
    this.sink = o.sink ?? process.stderr;
    this.active = this.sink.isTTY === true;
    this.untilStopped = o.untilStopped ?? false;
  }

  /** A first line before the first interval: what is being captured. */
  start(what: string): void {
    if (!this.active) return;
    this.sink.write(`\r\x1b[K${DIM}${what}${RESET}`);
    this.shown = true;
  }

  readonly onInterval = (p: CaptureProgress): void => {
    if (!this.active) return; // nothing to show: skip the work too
    this.stats.ingestProgress(p);
    const line = statusLine(this.stats, { colour: true, untilStopped: this.untilStopped, width: this.sink.columns });
    this.sink.write(`\r\x1b[K${line}`);
    this.shown = true;
  };

  /** Clears the status line (the final output follows on a clean line). */
  done(): void {
    if (this.active && this.shown) this.sink.write("\r\x1b[K");
    this.shown = false;
  }
}
