// A latency distribution that reads like runqlat's or biolatency's: one bar per log2 bucket, the range on the
// left, the count and its share; as a Plotly figure, or as the same text libbpf-tools print (`toText`).

import { bucketQuantile } from "../analysis/latency-percentiles.js";
import type { Frame } from "../frame/frame.js";
import { Figure } from "./figure.js";
import { HistSelection, histGrid } from "./hist-rows.js";
import { fmtNs } from "./syscalls.js";
import { baseLayout, COLORWAY } from "./theme.js";

export interface LatencyDistributionOptions extends HistSelection {
  title?: string;
  width?: number;
  height?: number;
}

/**
 * Horizontal bars of the event count per latency bucket over the whole capture (slowest at the bottom, as
 * runqlat prints them), with p50/p99 in the title. `where` selects a key: { syscall: "read" }, { tid: 42 }.
 * @example show(latencyDistribution(cap.frame("sched_hist"), { where: { comm: "redis-server" } }))
 */
export function latencyDistribution(hist: Frame, options: LatencyDistributionOptions = {}): Figure {
  const g = histGrid(hist, options);
  const total = g.totals.reduce((s, x) => s + x, 0);
  const p = (q: number) => fmtNs(bucketQuantile({ le: g.le, count: g.totals, below: g.below }, q));
  const what = Object.entries(options.where ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  const share = g.totals.map((c) => (total > 0 ? (100 * c) / total : 0));
  return new Figure({
    data: [
      {
        type: "bar",
        orientation: "h",
        y: g.labels,
        x: g.totals,
        marker: { color: COLORWAY[0] },
        customdata: share,
        text: g.totals.map((c, k) => `${c.toLocaleString("en-US")} (${share[k]!.toFixed(1)}%)`),
        textposition: "outside",
        cliponaxis: false,
        hovertemplate: "%{y}: %{x:,} events (%{customdata:.2f}%)<extra></extra>",
      },
    ],
    layout: baseLayout({
      title:
        options.title ??
        `${hist.name}${what ? ` (${what})` : ""}: ${total.toLocaleString("en-US")} events` +
          (total > 0 ? `, p50 ${p(0.5)}, p99 ${p(0.99)}` : ""),
      xTitle: "events (count)",
      yTitle: "latency bucket",
      width: options.width,
      height: options.height ?? Math.max(260, 120 + 22 * g.le.length),
      showLegend: false,
      // runqlat prints the fastest bucket first, at the top
      yaxis: { type: "category", autorange: "reversed", showgrid: false },
    }),
  });
}

/**
 * The distribution as libbpf-tools print it:
 * ```
 *      latency           : count    distribution
 *   512 ns – 1.02 µs     : 2291     |****************************************|
 * ```
 */
export function latencyDistributionText(hist: Frame, options: HistSelection = {}, width = 40): string {
  const g = histGrid(hist, options);
  const max = Math.max(1, ...g.totals);
  const lw = Math.max(18, ...g.labels.map((l) => l.length));
  const cw = Math.max(8, ...g.totals.map((c) => String(c).length));
  const lines = [`${"latency".padStart(Math.ceil(lw / 2) + 3).padEnd(lw)} : ${"count".padEnd(cw)} distribution`];
  g.labels.forEach((l, k) => {
    const c = g.totals[k]!;
    const stars = "*".repeat(Math.round((c / max) * width));
    lines.push(`${l.padStart(lw)} : ${String(c).padEnd(cw)} |${stars.padEnd(width)}|`);
  });
  return lines.join("\n");
}
