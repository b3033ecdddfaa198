// Summaries of a capture as data and text (the CLI's capture/show output, the report's tables).

import type { Capture } from "../capture/capture.js";
import type { Collector } from "../collectors/schema.js";
import { declaredSections } from "./declared-sections.js";

/** A fixed-width text table: header line, then rows; numeric columns right-aligned, text left-aligned. */
export function textTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const w = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const numeric = header.map(
    (_, i) =>
      rows.length > 0 && rows.every((r) => typeof r[i] === "number" || /^-?[\d.,]+(e[+-]?\d+)?%?$/.test(String(r[i]))),
  );
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(w[i]!) : c.padEnd(w[i]!)))
      .join("  ")
      .trimEnd();
  return cells.map(line).join("\n");
}

/** One table of a summary: a title, column names and rows (the same cells text and JSON show). */
export interface SummarySection {
  /** Key in the JSON form, e.g. "top_processes_oncpu". */
  key: string;
  title: string;
  header: string[];
  rows: (string | number)[][];
}

/** What `summarize` prints, as data: the capture's headline facts and its tables. */
export interface CaptureSummary {
  host: string;
  kernel: string;
  start: string;
  elapsed_s: number;
  duration_s: number;
  interval_ms: number;
  interrupted: boolean;
  pid?: number;
  command?: string[];
  command_exit_code?: number | null;
  /** False for a capture that was cut off and read from its segments (`missing` says what it lacks). */
  complete?: boolean;
  missing?: string[];
  recovered?: { at: string; reason: string };
  collectors: { collector: string; rows: number; lost_events: number }[];
  sections: SummarySection[];
  /** Counts of one column's values that frames declare, e.g. process events (key "process_events"). */
  counts: SummaryCounts[];
}

/** Rows per value of one column of a frame, in a declared order: { exec: 3, fork: 2, exit: 1 }. */
export interface SummaryCounts {
  key: string;
  title: string;
  counts: Record<string, number>;
}

/** Options of the summary: collectors outside the registry (a notebook cell's) whose frames declare a display. */
export interface SummaryOptions {
  collectors?: readonly Collector[];
}

/** The summary of a capture as data (`bpflab show --json`); `summarize` renders the same as text. */
export function summaryOf(cap: Capture, o: SummaryOptions = {}): CaptureSummary {
  const m = cap.meta;
  // each frame's tables and counts, as its collector declares them (FrameDecl.display.summary)
  const { sections, counts } = declaredSections(cap, o.collectors);
  return {
    host: m.host,
    kernel: m.kernel,
    start: new Date(m.wallStartUs / 1000).toISOString(),
    elapsed_s: m.elapsedMs / 1000,
    duration_s: m.durationMs / 1000,
    interval_ms: m.intervalMs,
    interrupted: m.interrupted,
    ...(m.pid !== undefined ? { pid: m.pid } : {}),
    ...(m.command ? { command: m.command, command_exit_code: m.commandExitCode ?? null } : {}),
    ...(m.complete === false ? { complete: false } : {}),
    ...(m.missing ? { missing: m.missing } : {}),
    ...(m.recovered ? { recovered: m.recovered } : {}),
    collectors: cap.collectors.map((c) => ({ collector: c, rows: cap.frame(c).length, lost_events: m.lost[c] ?? 0 })),
    sections,
    counts,
  };
}

/** The summary as JSON-ready data: sections become arrays of row objects keyed by column name. */
export function summaryJson(s: CaptureSummary): Record<string, unknown> {
  const { sections, counts, ...head } = s;
  return {
    ...head,
    ...Object.fromEntries(
      sections.map((t) => [t.key, t.rows.map((r) => Object.fromEntries(t.header.map((h, i) => [h, r[i]])))]),
    ),
    ...Object.fromEntries(counts.map((c) => [c.key, c.counts])),
  };
}

/** The summary of a capture as text: a headline, rows and lost events per collector, then the top tables. */
export function summarize(cap: Capture, o: SummaryOptions = {}): string {
  const s = summaryOf(cap, o);
  const out: string[] = [];
  out.push(
    `capture of ${s.host} (Linux ${s.kernel}) at ${s.start}: ` +
      `${s.elapsed_s.toFixed(2)} s of ${s.duration_s.toFixed(2)} s, interval ${s.interval_ms} ms` +
      `${s.interrupted ? ", INTERRUPTED (data up to the stop is kept)" : ""}`,
  );
  if (s.complete === false) out.push(`CUT OFF: this capture did not finish; missing: ${(s.missing ?? []).join("; ")}`);
  else if (s.recovered) {
    out.push(
      `recovered ${s.recovered.at}: ${s.recovered.reason}; missing: ${(s.missing ?? []).join("; ") || "nothing"}`,
    );
  }
  if (s.command)
    out.push(
      `command: ${s.command.join(" ")} (pid ${s.pid}, exit code ${s.command_exit_code ?? "still running at the end"})`,
    );
  else if (s.pid) out.push(`target: pid ${s.pid} and its descendants`);
  out.push("");
  out.push(
    textTable(
      ["collector", "rows", "lost events"],
      s.collectors.map((c) => [c.collector, c.rows, c.lost_events]),
    ),
  );
  for (const t of s.sections) {
    const fmt = t.rows.map((r) =>
      r.map((v, i) => (typeof v === "number" && /ms|MiB|KiB/.test(t.header[i]!) ? v.toFixed(1) : v)),
    );
    out.push("", `${t.title}:`, textTable(t.header, fmt));
  }
  for (const c of s.counts) out.push("", countsLine(c));
  return out.join("\n");
}

/** "process events: 3 exec, 2 fork, 1 exit". */
export function countsLine(c: SummaryCounts): string {
  return `${c.title}: ${Object.entries(c.counts)
    .map(([v, n]) => `${n} ${v}`)
    .join(", ")}`;
}
