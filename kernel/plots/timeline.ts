// Per-process metric over time (one line per process, top N by total) and the process × time heatmap.
// Both read a collector frame ("sched", "syscalls") or plain long-format arrays through process-series.ts.

import { Frame } from "../frame/frame.js";
import { Figure, toJsonArray, Trace } from "./figure.js";
import { metricName, processSeries, ProcessRows, ProcessSeriesOptions } from "./process-series.js";
import { baseLayout, SCORE_COLORSCALE } from "./theme.js";

export interface TimelineOptions extends ProcessSeriesOptions {
  title?: string;
  width?: number;
  height?: number;
}

function defaultTitle(metric: string, kept: number, total: number, what: string): string {
  return `${metricName(metric)} ${what}` + (total > kept ? ` (top ${kept} of ${total} processes)` : "");
}

/**
 * A line per process of one metric over time: x = seconds since capture start, y in the metric's unit
 * (oncpu_ns as % of one CPU, other *_ns as ms per interval). Processes are ranked by their total.
 *
 * @example
 *   show(processTimeline(capture.frame("sched"), { metric: "oncpu_ns", topN: 5 }));
 */
export function processTimeline(rows: Frame | ProcessRows, options: TimelineOptions = {}): Figure {
  const s = processSeries(rows, options);
  const metric = options.metric ?? "oncpu_ns";
  const markers = s.times.length <= 60;
  const data: Trace[] = s.labels.map((label, k) => ({
    type: "scatter",
    mode: markers ? "lines+markers" : "lines",
    name: label,
    x: s.times,
    y: toJsonArray(s.values[k]!),
    line: { width: 2, shape: "linear" },
    marker: { size: 5 },
    hovertemplate: `%{fullData.name}<br>t=%{x:.2f} s<br>%{y:.3~f}<extra></extra>`,
  }));
  return new Figure({
    data,
    layout: baseLayout({
      title: options.title ?? defaultTitle(metric, s.labels.length, s.processCount, "per process"),
      xTitle: "time since capture start (s)",
      yTitle: s.valueTitle,
      width: options.width,
      height: options.height,
      yaxis: { rangemode: "tozero" },
    }),
  });
}

/**
 * A process × time heatmap of one metric: rows are the top-N processes (largest total at the top), columns
 * the capture's intervals (or `binS` bins), colour the value in the metric's unit.
 */
export function processHeatmap(rows: Frame | ProcessRows, options: TimelineOptions = {}): Figure {
  const s = processSeries(rows, { topN: 20, ...options });
  const metric = options.metric ?? "oncpu_ns";
  // Plotly draws the first row at the bottom; reverse so the busiest process is on top.
  const labels = [...s.labels].reverse();
  const z = [...s.values].reverse().map((v) => toJsonArray(v));
  const rowPx = 22;
  return new Figure({
    data: [
      {
        type: "heatmap",
        x: s.times,
        y: labels,
        z,
        colorscale: SCORE_COLORSCALE,
        colorbar: { title: { text: s.valueTitle.replace(/ \(/, "<br>("), side: "right" }, outlinewidth: 0 },
        hovertemplate: "%{y}<br>t=%{x:.2f} s<br>%{z:.3~f}<extra></extra>",
        xgap: s.times.length <= 120 ? 1 : 0,
        ygap: 1,
      },
    ],
    layout: baseLayout({
      title: options.title ?? defaultTitle(metric, s.labels.length, s.processCount, "per process over time"),
      xTitle: "time since capture start (s)",
      width: options.width,
      height: options.height ?? Math.max(260, 120 + rowPx * labels.length),
      showLegend: false,
      yaxis: { type: "category", showgrid: false },
      xaxis: { showgrid: false },
    }),
  });
}
