// The report's figures each collector's frames declare (FrameDecl.display.report), drawn from a capture's frames
// and sorted into the report's sections: timelines, top processes, latency.

import type { Capture } from "../capture/capture.js";
import type { ReportPlotDecl } from "../collectors/display-decl.js";
import { displayOfFrame } from "../collectors/registry.js";
import type { Collector } from "../collectors/schema.js";
import type { Frame } from "../frame/frame.js";
import type { Figure } from "../plots/figure.js";
import { latencyDistribution } from "../plots/latency-distribution.js";
import { latencyHeatmap } from "../plots/latency-heatmap.js";
import { LatencySeries, latencyHistogram, topSyscalls } from "../plots/syscalls.js";
import { processHeatmap, processTimeline } from "../plots/timeline.js";

/** The report section a kind of figure belongs to. */
export type FigureSection = "timelines" | "top" | "latency";

const SECTION: Record<ReportPlotDecl["plot"], FigureSection> = {
  timeline: "timelines",
  heatmap: "top",
  bars: "top",
  "mean-latency": "latency",
  "latency-distribution": "latency",
  "latency-heatmap": "latency",
};

/** Sums of `value` (and of `also`) per value of `by`, largest first. */
function totalsBy(frame: Frame, by: string, value: string, also?: string): { key: string; n: number; m: number }[] {
  const keys = frame.values(by);
  const v = frame.numeric(value);
  const w = also ? frame.numeric(also) : undefined;
  const acc = new Map<string, { key: string; n: number; m: number }>();
  for (let i = 0; i < frame.length; i++) {
    const key = String(keys[i]);
    let g = acc.get(key);
    if (!g) acc.set(key, (g = { key, n: 0, m: 0 }));
    g.n += v[i]!;
    if (w) g.m += w[i]!;
  }
  return [...acc.values()].sort((a, b) => b.n - a.n);
}

/** Mean latency per row (total / calls), weighted by calls, one series per value of `by` in `groups`. */
function meanLatencySeries(frame: Frame, by: string, total: string, calls: string, groups: string[]): LatencySeries[] {
  const keys = frame.values(by);
  const ns = frame.numeric(total);
  const n = frame.numeric(calls);
  return groups.map((name) => {
    const values_ns: number[] = [];
    const weights: number[] = [];
    for (let i = 0; i < frame.length; i++)
      if (n[i]! > 0 && String(keys[i]) === name) {
        values_ns.push(ns[i]! / n[i]!);
        weights.push(n[i]!);
      }
    return { name, values_ns, weights };
  });
}

/** The figure one declaration asks of `frame`, or undefined when the frame lacks what it needs. */
function figureOf(frame: Frame, d: ReportPlotDecl): Figure | undefined {
  switch (d.plot) {
    case "timeline":
      return processTimeline(frame, { metric: d.metric, topN: 8, ...(d.title ? { title: d.title } : {}) });
    case "heatmap":
      return processHeatmap(frame, { metric: d.metric, topN: 20, ...(d.title ? { title: d.title } : {}) });
    case "bars": {
      const t = totalsBy(frame, d.by, d.value, d.failed);
      return topSyscalls(
        { syscall: t.map((g) => g.key), count: t.map((g) => g.n), errors: t.map((g) => g.m) },
        { topN: d.top ?? 15, ...(d.title ? { title: d.title } : {}) },
      );
    }
    case "mean-latency": {
      if (frame.sum(d.total) <= 0) return undefined;
      const groups = totalsBy(frame, d.by, d.calls)
        .slice(0, d.top ?? 5)
        .map((g) => g.key);
      return latencyHistogram(meanLatencySeries(frame, d.by, d.total, d.calls, groups), { title: d.title });
    }
    case "latency-distribution":
    case "latency-heatmap": {
      const where: Record<string, string> = { ...d.where };
      if (d.by) {
        const sel = Object.keys(where).length ? frame.filter(keep(frame, where)) : frame;
        const busiest = totalsBy(sel, d.by, "count")[0];
        if (!busiest) return undefined;
        where[d.by] = busiest.key;
      }
      const o = Object.keys(where).length ? { where } : {};
      return d.plot === "latency-distribution" ? latencyDistribution(frame, o) : latencyHeatmap(frame, o);
    }
  }
}

function keep(frame: Frame, where: Record<string, string>): (i: number) => boolean {
  const conds = Object.entries(where).map(([c, v]) => ({ col: frame.values(c), v }));
  return (i) => conds.every((c) => String(c.col[i]) === c.v);
}

/**
 * Every figure the capture's frames declare, in the order of its frames, with the section it goes in. A figure
 * that cannot be drawn from this capture (a column missing, no rows) is left out; `extra` are collectors
 * outside the registry (a notebook cell's).
 */
export function declaredFigures(
  cap: Capture,
  extra: readonly Collector[] = [],
): { section: FigureSection; figure: Figure }[] {
  const out: { section: FigureSection; figure: Figure }[] = [];
  for (const [name, frame] of Object.entries(cap.frames)) {
    if (frame.length === 0) continue;
    for (const d of displayOfFrame(name, extra)?.report ?? []) {
      let figure: Figure | undefined;
      try {
        figure = figureOf(frame, d);
      } catch (e) {
        // a declaration this capture cannot satisfy (an older schema, a column left out): no chart, no failure
        if (!(e instanceof Error)) throw e;
      }
      if (figure && figure.data.length) out.push({ section: SECTION[d.plot], figure });
    }
  }
  return out;
}
