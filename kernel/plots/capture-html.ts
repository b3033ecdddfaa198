// How a Capture shows in a notebook: where and when it ran, whether it is complete, and each collector's frame.
// Pairs with display.ts (show(capture)); the frames themselves show with show(capture.frame("sched")).

import type { Capture } from "../capture/capture.js";
import { MimeBundle } from "./figure.js";
import { escapeHtml } from "./plotly-html.js";
import { tableHtml, tableText, TableSource } from "./table-html.js";

function summarySource(c: Capture): TableSource {
  const names = c.collectors;
  const cols = [
    { name: "collector", dtype: "str", numeric: false },
    { name: "rows", dtype: "count", numeric: true },
    { name: "columns", dtype: "count", numeric: true },
    { name: "lost", dtype: "events", numeric: true },
    { name: "column names", dtype: "str", numeric: false },
  ];
  return {
    title: "Frames",
    nRows: names.length,
    columns: cols,
    cell(ci, r) {
      const f = c.frames[names[r]!]!;
      switch (ci) {
        case 0:
          return names[r];
        case 1:
          return f.length;
        case 2:
          return f.schema.length;
        case 3:
          return c.meta.lost[names[r]!] ?? 0;
        default:
          return f.columnNames.join(", ");
      }
    },
  };
}

/** Warnings a reader must see before trusting the numbers: interrupted, events lost. */
export function captureWarnings(c: Capture): string[] {
  const w: string[] = [];
  if (c.meta.interrupted) {
    w.push(
      `interrupted after ${(c.meta.elapsedMs / 1000).toFixed(1)} s of ${(c.meta.durationMs / 1000).toFixed(1)} s: the data up to then is kept`,
    );
  }
  const lost = Object.entries(c.meta.lost).filter(([, n]) => n > 0);
  if (lost.length) {
    w.push(
      `lost events (${lost.map(([k, n]) => `${k}: ${n}`).join(", ")}): counts are lower bounds; ` +
        "a longer interval or fewer collectors lowers the rate",
    );
  }
  return w;
}

/** One line: host, kernel, start time, duration, interval, target. */
export function captureHeadline(c: Capture): string {
  const m = c.meta;
  const start = new Date(m.wallStartUs / 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
  const target = m.command ? ` · command: ${m.command.join(" ")}` : m.pid !== undefined ? ` · pid ${m.pid}` : "";
  return (
    `Capture of ${m.host} (Linux ${m.kernel}) · started ${start} · ${(m.elapsedMs / 1000).toFixed(1)} s` +
    ` · interval ${m.intervalMs} ms${target}`
  );
}

/** The MIME bundle of a capture: headline, warnings and a table of its frames. */
export function captureBundle(c: Capture): MimeBundle {
  const src = summarySource(c);
  const warnings = captureWarnings(c);
  const html =
    `<div class="bpflab-capture" style="font-size:12px">` +
    `<div style="font-weight:600;padding-bottom:4px">${escapeHtml(captureHeadline(c))}</div>` +
    warnings.map((w) => `<div style="color:#e15759;padding-bottom:4px">⚠ ${escapeHtml(w)}</div>`).join("") +
    tableHtml(src, { head: 50, maxChars: 120 }) +
    `</div>`;
  const text = [captureHeadline(c), ...warnings.map((w) => `warning: ${w}`), tableText(src, { head: 50 })].join("\n");
  return { "text/html": html, "text/plain": text };
}
