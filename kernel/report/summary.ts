// Summaries of a capture as data and text (the CLI's capture/show output, the report's tables).

import type { Capture } from "../capture/capture.js";
import type { Frame } from "../frame/frame.js";

/**
 * The key columns of "per process" tables: pid and the process name (the thread-group leader's comm) when the
 * frame has it, so a process with differently named threads is one row; the thread comm in older captures.
 */
export function byProcess(frame: Frame): string[] {
  return ["pid", frame.has("process") ? "process" : "comm"];
}

/** Sums `value` grouped by the string/number key columns; returns the top `n` groups, largest first. */
export function topBy(frame: Frame, keys: string[], value: string, n = 5): { key: string[]; total: number }[] {
  const kv = keys.map((k) => frame.values(k));
  const v = frame.numeric(value);
  const sums = new Map<string, { key: string[]; total: number }>();
  for (let i = 0; i < frame.length; i++) {
    const key = kv.map((c) => String(c[i]));
    const id = key.join("\u0000");
    const g = sums.get(id) ?? { key, total: 0 };
    g.total += v[i]!;
    sums.set(id, g);
  }
  return [...sums.values()].sort((a, b) => b.total - a.total).slice(0, n);
}

/** The largest value of `value` per (pid, comm), top `n` first: for gauges, where a sum means nothing. */
function topByMax(frame: Frame, value: string, n: number): { key: string[]; total: number }[] {
  const pid = frame.values("pid"),
    comm = frame.values(byProcess(frame)[1]!),
    v = frame.numeric(value);
  const best = new Map<string, { key: string[]; total: number }>();
  for (let i = 0; i < frame.length; i++) {
    const key = [String(pid[i]), String(comm[i])];
    const id = key.join("\u0000");
    const g = best.get(id);
    if (!g || v[i]! > g.total) best.set(id, { key, total: v[i]! });
  }
  return [...best.values()].sort((a, b) => b.total - a.total).slice(0, n);
}

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
  process_events?: { exec: number; fork: number; exit: number };
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** The summary of a capture as data (`bpflab show --json`); `summarize` renders the same as text. */
export function summaryOf(cap: Capture): CaptureSummary {
  const m = cap.meta;
  const sections: SummarySection[] = [];
  const sched = cap.frames.sched;
  if (sched && sched.length > 0) {
    const sel = (key: string[], col: string) => sumWhere(sched, byProcess(sched), key, col);
    sections.push({
      key: "top_processes_oncpu",
      title: "top processes by on-CPU time (sched)",
      header: ["pid", "process", "on-CPU ms", "run-queue ms", "off-CPU ms"],
      rows: topBy(sched, byProcess(sched), "oncpu_ns", 8).map((g) => [
        Number(g.key[0]),
        g.key[1]!,
        r1(g.total / 1e6),
        r1(sel(g.key, "runq_ns") / 1e6),
        r1(sel(g.key, "offcpu_ns") / 1e6),
      ]),
    });
  }
  const sys = cap.frames.syscalls;
  if (sys && sys.length > 0) {
    sections.push({
      key: "top_syscalls",
      title: "top syscalls (syscalls)",
      header: ["syscall", "calls", "errors", "total latency ms"],
      rows: topBy(sys, ["syscall"], "count", 8).map((g) => [
        g.key[0]!,
        g.total,
        sumWhere(sys, ["syscall"], g.key, "errors"),
        r1(sumWhere(sys, ["syscall"], g.key, "latency_ns") / 1e6),
      ]),
    });
    sections.push({
      key: "top_processes_syscalls",
      title: "top processes by syscalls",
      header: ["pid", "process", "calls"],
      rows: topBy(sys, byProcess(sys), "count", 5).map((g) => [Number(g.key[0]), g.key[1]!, g.total]),
    });
  }
  const mem = cap.frames.memory;
  if (mem && mem.length > 0) {
    sections.push({
      key: "top_processes_rss",
      title: "top processes by peak RSS (memory)",
      header: ["pid", "process", "peak RSS MiB", "page faults"],
      rows: topByMax(mem, "rss_max_bytes", 5).map((g) => [
        Number(g.key[0]),
        g.key[1]!,
        r1(g.total / 2 ** 20),
        sumWhere(mem, byProcess(mem), g.key, "page_faults"),
      ]),
    });
  }
  const net = cap.frames.net;
  if (net && net.length > 0) {
    sections.push({
      key: "top_processes_net",
      title: "top processes by bytes sent (net)",
      header: ["pid", "process", "tx KiB", "rx KiB"],
      rows: topBy(net, byProcess(net), "tx_bytes", 5).map((g) => [
        Number(g.key[0]),
        g.key[1]!,
        r1(g.total / 1024),
        r1(sumWhere(net, byProcess(net), g.key, "rx_bytes") / 1024),
      ]),
    });
  }
  const uf = cap.frames.ufunc;
  if (uf && uf.length > 0) {
    sections.push({
      key: "user_functions",
      title: "user functions (ufunc)",
      header: ["function", "binary", "calls", "total ms"],
      rows: topBy(uf, ["function", "binary"], "calls", 10).map((g) => [
        g.key[0]!,
        g.key[1]!,
        g.total,
        r1(sumWhere(uf, ["function", "binary"], g.key, "total_ns") / 1e6),
      ]),
    });
  }
  let processEvents: CaptureSummary["process_events"];
  if (cap.frames.process && cap.frames.process.length > 0) {
    const ev = cap.frames.process.strings("event");
    const n = (k: string) => ev.filter((e) => e === k).length;
    processEvents = { exec: n("exec"), fork: n("fork"), exit: n("exit") };
  }
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
    ...(processEvents ? { process_events: processEvents } : {}),
  };
}

/** The summary as JSON-ready data: sections become arrays of row objects keyed by column name. */
export function summaryJson(s: CaptureSummary): Record<string, unknown> {
  const { sections, ...head } = s;
  return {
    ...head,
    ...Object.fromEntries(
      sections.map((t) => [t.key, t.rows.map((r) => Object.fromEntries(t.header.map((h, i) => [h, r[i]])))]),
    ),
  };
}

/** The summary of a capture as text: a headline, rows and lost events per collector, then the top tables. */
export function summarize(cap: Capture): string {
  const s = summaryOf(cap);
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
  if (s.process_events) {
    const e = s.process_events;
    out.push("", `process events: ${e.exec} exec, ${e.fork} fork, ${e.exit} exit`);
  }
  return out.join("\n");
}

function sumWhere(f: Frame, keys: string[], key: string[], col: string): number {
  const kv = keys.map((k) => f.values(k));
  const v = f.numeric(col);
  let s = 0;
  for (let i = 0; i < f.length; i++) if (kv.every((c, j) => String(c[i]) === key[j])) s += v[i]!;
  return s;
}
