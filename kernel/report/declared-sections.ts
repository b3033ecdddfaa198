// The summary tables each collector's frames declare (FrameDecl.display.summary), computed from a capture's
// frames in order: grouped sums, maxima and row counts, latency percentiles of histogram frames, or counts of
// one column's values.

import { latencyPercentiles } from "../analysis/latency-percentiles.js";
import type { Capture } from "../capture/capture.js";
import type { SummaryCountsDecl, SummaryPercentilesDecl, SummaryTableDecl } from "../collectors/display-decl.js";
import { displayOfFrame } from "../collectors/registry.js";
import type { Collector } from "../collectors/schema.js";
import type { Frame } from "../frame/frame.js";
import type { SummaryCounts, SummarySection } from "./summary.js";

const r1 = (v: number) => Math.round(v * 10) / 10;

/** The group-by columns of a declaration in `frame`: "process" is the pid and the process name. */
function keysOf(frame: Frame, by: string[]): { columns: string[]; headers: string[] } {
  const columns: string[] = [];
  const headers: string[] = [];
  for (const b of by) {
    if (b === "process") {
      columns.push("pid", frame.has("process") ? "process" : "comm");
      headers.push("pid", "process");
    } else {
      columns.push(b);
      headers.push(b);
    }
  }
  return { columns, headers };
}

/** Rows of `frame` that `where` keeps. */
function kept(frame: Frame, where: Record<string, string> | undefined): (i: number) => boolean {
  const conds = Object.entries(where ?? {}).map(([c, v]) => ({ col: frame.has(c) ? frame.values(c) : [], v }));
  return (i) => conds.every((c) => c.col[i] === c.v);
}

function table(frame: Frame, d: SummaryTableDecl): SummarySection | undefined {
  const { columns, headers } = keysOf(frame, d.by);
  if (![...columns, ...d.columns.filter((c) => c.agg !== "rows").map((c) => c.column)].every((c) => frame.has(c)))
    return undefined;
  const keep = kept(frame, d.where);
  const kv = columns.map((c) => frame.values(c));
  const vals = d.columns.map((c) => (c.agg === "rows" ? undefined : frame.numeric(c.column)));
  const groups = new Map<string, { key: (string | number)[]; acc: number[] }>();
  for (let i = 0; i < frame.length; i++) {
    if (!keep(i)) continue;
    const key = kv.map((c) => {
      const v = c[i];
      return typeof v === "number" ? v : String(v);
    });
    const id = key.join("\u0000");
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, acc: d.columns.map((c) => (c.agg === "max" ? -Infinity : 0)) }));
    d.columns.forEach((c, j) => {
      const v = c.agg === "rows" ? 1 : vals[j]![i]!;
      g.acc[j] = c.agg === "max" ? Math.max(g.acc[j]!, v) : g.acc[j]! + v;
    });
  }
  if (groups.size === 0) return undefined;
  const rows = [...groups.values()]
    .sort((a, b) => b.acc[0]! - a.acc[0]!)
    .slice(0, d.top)
    .map((g) => [...g.key, ...d.columns.map((c, j) => (c.scale ? r1(g.acc[j]! * c.scale) : g.acc[j]!))]);
  return { key: d.key, title: d.title, header: [...headers, ...d.columns.map((c) => c.header)], rows };
}

function percentiles(frame: Frame, d: SummaryPercentilesDecl): SummarySection | undefined {
  const { columns, headers } = keysOf(frame, d.by);
  if (!columns.every((c) => frame.has(c))) return undefined;
  const keep = kept(frame, d.where);
  const p = latencyPercentiles(d.where ? frame.filter(keep) : frame, { by: columns, quantiles: [0.5, 0.9, 0.99] });
  if (p.length === 0) return undefined;
  const kv = columns.map((c) => p.values(c));
  const n = p.numeric("count");
  const q = ["p50_ns", "p90_ns", "p99_ns"].map((c) => p.numeric(c));
  const order = [...Array(p.length).keys()].sort((a, b) => n[b]! - n[a]!).slice(0, d.top);
  const us = (v: number) => (Number.isFinite(v) ? Math.round(v / 100) / 10 : v);
  return {
    key: d.key,
    title: d.title,
    header: [...headers, "count", "p50 µs", "p90 µs", "p99 µs"],
    rows: order.map((i) => [
      ...kv.map((c) => {
        const v = c[i];
        return typeof v === "number" ? v : String(v);
      }),
      n[i]!,
      ...q.map((c) => us(c[i]!)),
    ]),
  };
}

function counts(frame: Frame, d: SummaryCountsDecl): SummaryCounts | undefined {
  if (!frame.has(d.counts)) return undefined;
  const seen = new Map<string, number>();
  for (const v of frame.values(d.counts)) seen.set(String(v), (seen.get(String(v)) ?? 0) + 1);
  const order = d.values ?? [...seen.keys()].sort((a, b) => seen.get(b)! - seen.get(a)!);
  return { key: d.key, title: d.title, counts: Object.fromEntries(order.map((v) => [v, seen.get(v) ?? 0])) };
}

/**
 * Every summary table and count the capture's frames declare, in the order of its frames. `extra` are
 * collectors outside the registry (a notebook cell's) whose frames declare their own.
 */
export function declaredSections(
  cap: Capture,
  extra: readonly Collector[] = [],
): { sections: SummarySection[]; counts: SummaryCounts[] } {
  const sections: SummarySection[] = [];
  const out: SummaryCounts[] = [];
  for (const [name, frame] of Object.entries(cap.frames)) {
    if (frame.length === 0) continue;
    for (const d of displayOfFrame(name, extra)?.summary ?? []) {
      if ("counts" in d) {
        const c = counts(frame, d);
        if (c) out.push(c);
        continue;
      }
      const s = "percentiles" in d ? percentiles(frame, d) : table(frame, d);
      if (s) sections.push(s);
    }
  }
  return { sections, counts: out };
}
