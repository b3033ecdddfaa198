// The live capture view for a terminal (`bpflab top`, `capture --follow`): the numbers live() shows in a
// notebook (LiveStats), laid out like top/tcptop, with a sparkline of each process's recent on-CPU share.

import type { LiveCollectorRow, LiveProcess, LiveStats } from "./live-stats.js";
import type { LiveState } from "./live-view.js";

const BARS = "▁▂▃▄▅▆▇█";
const RED = "\x1b[31m";
const BOLD = "\x1b[1m";
const INVERSE = "\x1b[7m";
const RESET = "\x1b[0m";

const fmtInt = (v: number) => Math.round(v).toLocaleString("en-US");

/** A sparkline of `values` scaled to `max` (default their maximum), one cell per value. */
export function sparkline(values: readonly number[], max = Math.max(0, ...values)): string {
  if (max <= 0) return values.map(() => " ").join("");
  return values
    .map((v) => (v <= 0 ? " " : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))]!))
    .join("");
}

export interface LiveTextOptions {
  state: LiveState;
  title: string;
  /** Terminal size; lines are cut to `width`, the process list to fit `height`. */
  width?: number;
  height?: number;
  /** ANSI colours and attributes (a terminal) or plain text (a pipe). */
  colour?: boolean;
  /** No planned end: elapsed only. */
  untilStopped?: boolean;
  /** At the end: the busiest processes over the whole capture instead of the last interval. */
  final?: { top: LiveProcess[]; elapsedMs: number; table: LiveCollectorRow[] };
}

/** The view's lines (no trailing newline). */
export function liveText(stats: LiveStats, o: LiveTextOptions): string[] {
  const c = (code: string, s: string) => (o.colour ? `${code}${s}${RESET}` : s);
  const width = o.width && o.width > 20 ? o.width : 100;
  const elapsedMs = o.final?.elapsedMs ?? stats.elapsedMs;
  const time =
    o.untilStopped || stats.durationMs <= 0
      ? `${(elapsedMs / 1000).toFixed(1)} s`
      : `${(elapsedMs / 1000).toFixed(1)} of ${(stats.durationMs / 1000).toFixed(1)} s`;
  const table = o.final?.table ?? stats.table;
  const lost = table.reduce((s, r) => s + r.lost, 0);
  const state =
    o.state === "running"
      ? o.untilStopped
        ? "running, Ctrl-C stops"
        : "running"
      : o.state === "done"
        ? "done"
        : "interrupted, data kept";
  const lines: string[] = [];
  lines.push(
    `${c(BOLD, o.title)} · ${stats.collectors.join(", ")} · ${time} · interval ${stats.intervalMs} ms · ${state}` +
      (lost > 0 ? ` · ${c(RED, `${fmtInt(lost)} events lost`)}` : ""),
  );
  const rates = o.final ? [] : stats.rates;
  lines.push(rates.map((r) => `${r.name} ${fmtInt(r.value)}`).join(" · "));
  lines.push(
    table
      .map((r) => `${r.collector}: ${fmtInt(r.rows)} rows` + (r.lost > 0 ? c(RED, ` ${fmtInt(r.lost)} lost`) : ""))
      .join(" · "),
  );
  lines.push("");
  const withSyscalls = stats.hasCalls;
  const withSched = stats.hasOncpu;
  const top = o.final?.top ?? stats.top;
  const room = Math.max(1, (o.height ?? 24) - lines.length - 2);
  const sparkWidth = Math.max(0, Math.min(stats.historyT.length, width - 60));
  const header =
    `${"PID".padStart(8)}  ${"PROCESS".padEnd(16)}` +
    (withSched ? `  ${"ON-CPU %".padStart(8)}` : "") +
    (withSyscalls ? `  ${"SYSCALLS/S".padStart(11)}` : "") +
    (withSched && sparkWidth > 0 && !o.final ? `  ON-CPU, LAST ${sparkWidth} INTERVALS` : "");
  lines.push(c(INVERSE, header.padEnd(Math.min(width, Math.max(header.length, 60)))));
  for (const p of top.slice(0, room)) {
    const label = `${p.comm} (${p.pid})`;
    const hist = stats.history.get(label);
    const spark = hist && sparkWidth > 0 && !o.final ? `  ${sparkline(hist.slice(-sparkWidth), 100)}` : "";
    lines.push(
      `${String(p.pid).padStart(8)}  ${p.comm.slice(0, 16).padEnd(16)}` +
        (withSched ? `  ${p.oncpuPct.toFixed(1).padStart(8)}` : "") +
        (withSyscalls ? `  ${fmtInt(p.syscallsPerS).padStart(11)}` : "") +
        spark,
    );
  }
  if (top.length === 0) lines.push(o.state === "running" ? "waiting for the first interval…" : "no process seen");
  if (o.final) lines.push("", `busiest processes over the whole ${((o.final.elapsedMs ?? 0) / 1000).toFixed(1)} s`);
  return lines.map((l) => cut(l, width));
}

/** Cuts a line to `width` visible characters, keeping ANSI sequences whole. */
function cut(line: string, width: number): string {
  let seen = 0;
  let out = "";
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "\x1b") {
      const end = line.indexOf("m", i);
      if (end > 0) {
        out += line.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (seen >= width) continue;
    out += line[i];
    seen++;
  }
  return out;
}
