// The latency heat map of a `<collector>_hist` frame (Brendan Gregg's): time on x, latency bucket on y (log by
// construction), colour the number of events; a mode that moves or a second band shows at a glance.

import type { Frame } from "../frame/frame.js";
import { Figure } from "./figure.js";
import { HistSelection, histGrid } from "./hist-rows.js";
import { baseLayout } from "./theme.js";

export interface LatencyHeatmapOptions extends HistSelection {
  title?: string;
  /** Colour by log10(1 + count) (default true): rare slow events stay visible next to the mode. */
  logColor?: boolean;
  width?: number;
  height?: number;
}

/**
 * Interval × latency bucket, coloured by count. Buckets are merged to powers of two unless
 * `resolution: "quarter"`; `where` picks a key (a syscall, a process, a device).
 * @example show(latencyHeatmap(cap.frame("syscalls_hist"), { where: { syscall: "read" } }))
 */
export function latencyHeatmap(hist: Frame, options: LatencyHeatmapOptions = {}): Figure {
  const g = histGrid(hist, options);
  const logColor = options.logColor ?? true;
  const z = g.counts.map((row) => row.map((c) => (logColor ? Math.log10(1 + c) : c)));
  const what = Object.entries(options.where ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  const max = Math.max(0, ...g.counts.flat());
  const ticks = logColor ? [0, 1, 2, 3, 4, 5, 6, 7].filter((d) => d <= Math.log10(1 + max) + 1) : undefined;
  return new Figure({
    data: [
      {
        type: "heatmap",
        x: g.times,
        y: g.labels,
        z,
        customdata: g.counts,
        colorscale: "Inferno",
        reversescale: false,
        colorbar: {
          title: { text: logColor ? "events<br>(log)" : "events", side: "right" },
          outlinewidth: 0,
          ...(ticks ? { tickvals: ticks, ticktext: ticks.map((d) => (10 ** d).toLocaleString("en-US")) } : {}),
        },
        hovertemplate: "t=%{x:.2f} s<br>%{y}<br>%{customdata:,} events<extra></extra>",
        xgap: g.times.length <= 120 ? 1 : 0,
        ygap: 1,
      },
    ],
    layout: baseLayout({
      title: options.title ?? `Latency heat map of ${hist.name}${what ? ` (${what})` : ""}`,
      xTitle: "time since capture start (s)",
      yTitle: "latency bucket",
      width: options.width,
      height: options.height ?? Math.max(300, 140 + 18 * g.le.length),
      showLegend: false,
      yaxis: { type: "category", showgrid: false },
      xaxis: { showgrid: false },
    }),
  });
}
