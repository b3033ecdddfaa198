// The panel a live capture shows: progress, event rates, rows and lost events per collector, the top processes
// and a small chart. Pairs with live-stats.ts (the numbers) and live.ts (the capture that feeds them).

import { Figure, toJsonArray } from "./figure.js";
import { LiveCollectorRow, LiveProcess, LiveStats } from "./live-stats.js";
import { Panel, PanelItem, progressBar } from "./panel.js";
import { escapeHtml } from "./plotly-html.js";
import { tableHtml, tableText, TableSource } from "./table-html.js";
import { baseLayout } from "./theme.js";

/** Where a live capture is: still running, ran its full duration, or stopped early (data kept). */
export type LiveState = "running" | "done" | "interrupted";

const fmtInt = (v: number) => Math.round(v).toLocaleString("en-US");
const fmtPct = (v: number) => (v >= 10 ? v.toFixed(0) : v.toFixed(1));

function collectorSource(rows: LiveCollectorRow[], final: boolean): TableSource {
  const cols = [
    { name: "collector", dtype: "str", numeric: false },
    { name: "rows", dtype: "count", numeric: true },
    ...(final ? [] : [{ name: "rows/s", dtype: "last interval", numeric: true }]),
    { name: "lost", dtype: "events", numeric: true },
  ];
  return {
    title: "Collectors",
    nRows: rows.length,
    columns: cols,
    cell(c, r) {
      const row = rows[r]!;
      const k = cols[c]!.name;
      return k === "collector" ? row.collector : k === "rows" ? row.rows : k === "rows/s" ? row.rowsPerS : row.lost;
    },
    format: (c, v) => (c > 0 && typeof v === "number" ? fmtInt(v) : undefined),
  };
}

function processSource(top: LiveProcess[], withSyscalls: boolean, what: string): TableSource {
  const cols = [
    { name: "process", dtype: "comm", numeric: false },
    { name: "pid", dtype: "u32", numeric: true },
    { name: "on-CPU", dtype: "% of one CPU", numeric: true },
    ...(withSyscalls ? [{ name: "syscalls/s", dtype: "calls", numeric: true }] : []),
  ];
  return {
    title: `Top ${top.length} processes by on-CPU ${what}`,
    nRows: top.length,
    columns: cols,
    cell(c, r) {
      const p = top[r]!;
      return [p.comm, p.pid, p.oncpuPct, p.syscallsPerS][c];
    },
    format: (c, v) => (typeof v !== "number" ? undefined : c === 2 ? fmtPct(v) : c === 3 ? fmtInt(v) : undefined),
  };
}

/** Two tables side by side (they wrap under each other in a narrow cell). */
function sideBySide(sources: TableSource[]): { html: string; text: string } {
  const opts = { head: 20, tail: 0 };
  return {
    html:
      `<div style="display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start">` +
      sources.map((s) => `<div>${tableHtml(s, opts)}</div>`).join("") +
      `</div>`,
    text: sources.map((s) => tableText(s, opts)).join("\n"),
  };
}

/** The small chart: on-CPU % of the top processes per interval (or events/s without sched). */
export function liveChart(stats: LiveStats, title?: string): Figure {
  const series = stats.topSeries(5);
  const sched = stats.historyUnit.startsWith("%");
  return new Figure({
    data: series.map((s) => ({
      type: "scatter",
      mode: "lines",
      name: s.label,
      x: stats.historyT.slice(),
      y: toJsonArray(s.values),
      line: { width: 2 },
      hovertemplate: `%{fullData.name}<br>t=%{x:.1f} s<br>%{y:.3~f}<extra></extra>`,
    })),
    layout: baseLayout({
      title: title ?? (sched ? "On-CPU of the busiest processes" : "Events per second"),
      xTitle: "time since capture start (s)",
      yTitle: sched ? "on-CPU (% of one CPU)" : (series[0]?.label ?? "events/s"),
      width: 720,
      height: 260,
      yaxis: { rangemode: "tozero" },
      xaxis: {
        range: [Math.max(0, (stats.historyT[0] ?? 0) - 0.5), Math.max(stats.durationMs / 1000, stats.elapsedMs / 1000)],
      },
    }),
  });
}

export interface LiveViewInput {
  stats: LiveStats;
  state: LiveState;
  title: string;
  /** At the end: rows and lost per collector of the returned capture, and its top processes over the whole run. */
  final?: { table: LiveCollectorRow[]; top: LiveProcess[]; elapsedMs: number };
  /** Online detectors' alerts so far, and the last one's message: a badge under the status line. */
  alerts?: { count: number; last?: string };
}

/** One refresh of the live output. */
export function liveView(o: LiveViewInput): Panel {
  const { stats, state } = o;
  const elapsedMs = o.final?.elapsedMs ?? stats.elapsedMs;
  const elapsed = `${(elapsedMs / 1000).toFixed(1)} of ${(stats.durationMs / 1000).toFixed(1)} s`;
  const items: PanelItem[] = [];
  const lost = (o.final?.table ?? stats.table).reduce((s, c) => s + c.lost, 0);
  const status =
    state === "running"
      ? `capturing ${stats.collectors.join(", ")}`
      : state === "done"
        ? `done: ${elapsed} captured`
        : `interrupted after ${elapsed}: the data captured so far is kept`;
  const colour = state === "interrupted" || lost > 0 ? "#e15759" : state === "done" ? "#59a14f" : "inherit";
  items.push({
    html:
      `<div style="font-size:13px"><b>${escapeHtml(o.title)}</b> · <span style="color:${colour}">` +
      `${escapeHtml(status)}</span>${lost > 0 ? ` · <span style="color:#e15759">${fmtInt(lost)} events lost</span>` : ""}</div>`,
    text: `${o.title}: ${status}${lost > 0 ? ` (${lost} events lost)` : ""}`,
  });
  if (o.alerts && o.alerts.count > 0) {
    const last = o.alerts.last ? `: ${o.alerts.last}` : "";
    items.push({
      html:
        `<div style="font-size:12px"><span style="background:#e15759;color:#fff;border-radius:8px;padding:0 6px">` +
        `${fmtInt(o.alerts.count)} alert${o.alerts.count > 1 ? "s" : ""}</span> ${escapeHtml(last.slice(2))}</div>`,
      text: `${o.alerts.count} alert(s)${last}`,
    });
  }
  const fraction = state === "done" ? 1 : stats.durationMs > 0 ? elapsedMs / stats.durationMs : 0;
  items.push(progressBar(fraction, elapsed));
  if (state === "running" && stats.rates.length) {
    const line = stats.rates.map((r) => `${r.name} ${fmtInt(r.value)}`).join(" · ");
    items.push({
      html: `<div style="font-size:12px;font-variant-numeric:tabular-nums">${escapeHtml(line)}</div>`,
      text: line,
    });
  }
  const withSyscalls = stats.hasCalls;
  const top = o.final?.top ?? stats.top;
  const tables = [collectorSource(o.final?.table ?? stats.table, o.final !== undefined)];
  if (top.length) tables.push(processSource(top, withSyscalls, o.final ? "(whole capture)" : "(last interval)"));
  items.push(sideBySide(tables));
  if (stats.historyT.length > 0) items.push(liveChart(stats));
  else if (state === "running") items.push("waiting for the first interval…");
  return new Panel(items);
}
