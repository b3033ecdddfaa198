// Plain-text summaries of a capture for the CLI: rows, lost events, top processes, top syscalls.

import type { Capture } from "../capture/capture.js";
import type { Frame } from "../frame/frame.js";

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
    comm = frame.values("comm"),
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

const ms = (ns: number) => (ns / 1e6).toFixed(1);

export function summarize(cap: Capture): string {
  const m = cap.meta;
  const out: string[] = [];
  out.push(
    `capture of ${m.host} (Linux ${m.kernel}) at ${new Date(m.wallStartUs / 1000).toISOString()}: ` +
      `${(m.elapsedMs / 1000).toFixed(2)} s of ${(m.durationMs / 1000).toFixed(2)} s, interval ${m.intervalMs} ms` +
      `${m.interrupted ? ", INTERRUPTED (data up to the stop is kept)" : ""}`,
  );
  if (m.command)
    out.push(
      `command: ${m.command.join(" ")} (pid ${m.pid}, exit code ${m.commandExitCode ?? "still running at the end"})`,
    );
  else if (m.pid) out.push(`target: pid ${m.pid} and its descendants`);
  out.push("");
  out.push(
    textTable(
      ["collector", "rows", "lost events"],
      cap.collectors.map((c) => [c, cap.frame(c).length, m.lost[c] ?? 0]),
    ),
  );
  if (cap.frames.sched && cap.frames.sched.length > 0) {
    out.push("", "top processes by on-CPU time (sched):");
    out.push(
      textTable(
        ["pid", "comm", "on-CPU ms", "run-queue ms", "off-CPU ms"],
        topBy(cap.frames.sched, ["pid", "comm"], "oncpu_ns", 8).map((g) => {
          const f = cap.frames.sched!;
          const sel = (col: string) => sumWhere(f, ["pid", "comm"], g.key, col);
          return [g.key[0]!, g.key[1]!, ms(g.total), ms(sel("runq_ns")), ms(sel("offcpu_ns"))];
        }),
      ),
    );
  }
  if (cap.frames.syscalls && cap.frames.syscalls.length > 0) {
    const f = cap.frames.syscalls;
    out.push("", "top syscalls (syscalls):");
    out.push(
      textTable(
        ["syscall", "calls", "errors", "total latency ms"],
        topBy(f, ["syscall"], "count", 8).map((g) => [
          g.key[0]!,
          g.total,
          sumWhere(f, ["syscall"], g.key, "errors"),
          ms(sumWhere(f, ["syscall"], g.key, "latency_ns")),
        ]),
      ),
    );
    out.push("", "top processes by syscalls:");
    out.push(
      textTable(
        ["pid", "comm", "calls"],
        topBy(f, ["pid", "comm"], "count", 5).map((g) => [...g.key, g.total]),
      ),
    );
  }
  if (cap.frames.memory && cap.frames.memory.length > 0) {
    const f = cap.frames.memory;
    out.push("", "top processes by peak RSS (memory):");
    out.push(
      textTable(
        ["pid", "comm", "peak RSS MiB", "page faults"],
        topByMax(f, "rss_max_bytes", 5).map((g) => [
          g.key[0]!,
          g.key[1]!,
          (g.total / 2 ** 20).toFixed(1),
          sumWhere(f, ["pid", "comm"], g.key, "page_faults"),
        ]),
      ),
    );
  }
  if (cap.frames.net && cap.frames.net.length > 0) {
    const f = cap.frames.net;
    out.push("", "top processes by bytes sent (net):");
    out.push(
      textTable(
        ["pid", "comm", "tx KiB", "rx KiB"],
        topBy(f, ["pid", "comm"], "tx_bytes", 5).map((g) => [
          g.key[0]!,
          g.key[1]!,
          (g.total / 1024).toFixed(1),
          (sumWhere(f, ["pid", "comm"], g.key, "rx_bytes") / 1024).toFixed(1),
        ]),
      ),
    );
  }
  if (cap.frames.ufunc && cap.frames.ufunc.length > 0) {
    const f = cap.frames.ufunc;
    out.push("", "user functions (ufunc):");
    out.push(
      textTable(
        ["function", "binary", "calls", "total ms"],
        topBy(f, ["function", "binary"], "calls", 10).map((g) => [
          g.key[0]!,
          g.key[1]!,
          g.total,
          ms(sumWhere(f, ["function", "binary"], g.key, "total_ns")),
        ]),
      ),
    );
  }
  if (cap.frames.process && cap.frames.process.length > 0) {
    const ev = cap.frames.process.strings("event");
    const n = (k: string) => ev.filter((e) => e === k).length;
    out.push("", `process events: ${n("exec")} exec, ${n("fork")} fork, ${n("exit")} exit`);
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
