// Syscall charts: the top-N syscalls by count (with the share that failed) and latency histograms on a log axis.
// Inputs are the "syscalls" frame or plain arrays.

import { Frame } from "../frame/frame.js";
import { OptionError } from "../errors.js";
import { Figure, Trace } from "./figure.js";
import { baseLayout, COLORWAY, THRESHOLD_COLOR } from "./theme.js";

/** Per-syscall totals: name, calls and failed calls (same length). */
export interface SyscallTotals {
  syscall: ArrayLike<string>;
  count: ArrayLike<number>;
  errors: ArrayLike<number>;
}

/** Sums count and errors per syscall name over all rows of a "syscalls" frame. */
export function syscallTotals(frame: Frame): SyscallTotals {
  for (const c of ["syscall", "count", "errors"]) {
    if (!frame.has(c)) {
      throw new OptionError(
        `frame ${frame.name} has no column "${c}"`,
        `pass the "syscalls" frame of a capture (columns: syscall, count, errors, ...); got ${frame.columnNames.join(", ")}`,
      );
    }
  }
  const names = frame.strings("syscall");
  const count = frame.numeric("count");
  const errors = frame.numeric("errors");
  const acc = new Map<string, [number, number]>();
  for (let i = 0; i < names.length; i++) {
    const a = acc.get(names[i]!) ?? [0, 0];
    a[0] += count[i]!;
    a[1] += errors[i]!;
    acc.set(names[i]!, a);
  }
  const keys = [...acc.keys()];
  return { syscall: keys, count: keys.map((k) => acc.get(k)![0]), errors: keys.map((k) => acc.get(k)![1]) };
}

export interface TopSyscallsOptions {
  topN?: number;
  title?: string;
  width?: number;
  height?: number;
}

/**
 * Horizontal bars of the N most frequent syscalls, each split into succeeded and failed calls; the hover and
 * the bar text give the error share.
 */
export function topSyscalls(input: Frame | SyscallTotals, options: TopSyscallsOptions = {}): Figure {
  const t = input instanceof Frame ? syscallTotals(input) : input;
  const n = t.syscall.length;
  if (t.count.length !== n || t.errors.length !== n) {
    throw new OptionError(
      `syscall totals have ${n} names, ${t.count.length} counts, ${t.errors.length} error counts`,
      "pass arrays of equal length",
    );
  }
  const topN = options.topN ?? 15;
  const order = Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => t.count[b]! - t.count[a]!)
    .slice(0, topN);
  order.reverse(); // Plotly stacks horizontal bars bottom-up: the largest goes last so it is drawn on top.
  const names = order.map((i) => t.syscall[i]!);
  const ok = order.map((i) => t.count[i]! - t.errors[i]!);
  const failed = order.map((i) => t.errors[i]!);
  const share = order.map((i) => (t.count[i]! > 0 ? (100 * t.errors[i]!) / t.count[i]! : 0));
  const data: Trace[] = [
    {
      type: "bar",
      orientation: "h",
      name: "succeeded",
      y: names,
      x: ok,
      marker: { color: COLORWAY[0] },
      customdata: share,
      hovertemplate: "%{y}: %{x:,} succeeded (%{customdata:.1f}% failed)<extra></extra>",
    },
    {
      type: "bar",
      orientation: "h",
      name: "failed",
      y: names,
      x: failed,
      marker: { color: THRESHOLD_COLOR },
      text: share.map((s) => (s > 0 ? `${s < 0.1 ? "<0.1" : s.toFixed(1)}% failed` : "")),
      textposition: "outside",
      cliponaxis: false,
      hovertemplate: "%{y}: %{x:,} failed<extra></extra>",
    },
  ];
  return new Figure({
    data,
    layout: {
      ...baseLayout({
        title: options.title ?? `Top ${names.length} syscalls by count` + (n > names.length ? ` (of ${n})` : ""),
        xTitle: "calls (count)",
        width: options.width,
        height: options.height ?? Math.max(280, 110 + 24 * names.length),
        yaxis: { type: "category", showgrid: false },
      }),
      barmode: "stack",
      legend: {
        orientation: "h",
        x: 1,
        xanchor: "right",
        y: 1.02,
        yanchor: "bottom",
        bgcolor: "rgba(0,0,0,0)",
        traceorder: "normal",
      },
    },
  });
}

/** One histogram series: latencies in ns, optionally weighted (e.g. calls per row when a row is an average). */
export interface LatencySeries {
  name: string;
  values_ns: ArrayLike<number>;
  weights?: ArrayLike<number>;
}

export interface LatencyHistogramOptions {
  title?: string;
  /** Bins per decade of latency (default 8). */
  binsPerDecade?: number;
  width?: number;
  height?: number;
}

const DECADE_LABELS = [
  "1 ns",
  "10 ns",
  "100 ns",
  "1 µs",
  "10 µs",
  "100 µs",
  "1 ms",
  "10 ms",
  "100 ms",
  "1 s",
  "10 s",
  "100 s",
];

/**
 * Average latency per call of each (thread, syscall, interval) row, weighted by its call count: the input
 * of `latencyHistogram` for a "syscalls" frame. `syscalls` limits it to some names, one series each.
 */
export function syscallLatencySeries(frame: Frame, syscalls?: string[]): LatencySeries[] {
  const names = frame.strings("syscall");
  const count = frame.numeric("count");
  const lat = frame.numeric("latency_ns");
  const groups = syscalls ?? ["all syscalls"];
  return groups.map((g) => {
    const v: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < names.length; i++) {
      if (count[i]! <= 0 || (syscalls && names[i] !== g)) continue;
      v.push(lat[i]! / count[i]!);
      w.push(count[i]!);
    }
    return { name: g, values_ns: v, weights: w };
  });
}

/**
 * Latency histograms with logarithmic bins (default 8 per decade), drawn as bars on a log10 axis labelled
 * 1 ns … 10 s, so microsecond and millisecond modes show side by side. y is the share of calls (%).
 */
export function latencyHistogram(
  series: LatencySeries | LatencySeries[],
  options: LatencyHistogramOptions = {},
): Figure {
  const list = Array.isArray(series) ? series : [series];
  const perDecade = options.binsPerDecade ?? 8;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of list) {
    for (let i = 0; i < s.values_ns.length; i++) {
      const v = s.values_ns[i]!;
      if (v > 0 && Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (!Number.isFinite(lo)) {
    lo = 1e3;
    hi = 1e6;
  }
  const b0 = Math.floor(Math.log10(lo) * perDecade);
  const b1 = Math.floor(Math.log10(hi) * perDecade);
  const nb = b1 - b0 + 1;
  const centers = Array.from({ length: nb }, (_, k) => (b0 + k + 0.5) / perDecade);
  const data: Trace[] = list.map((s) => {
    const h = new Float64Array(nb);
    let total = 0;
    for (let i = 0; i < s.values_ns.length; i++) {
      const v = s.values_ns[i]!;
      if (!(v > 0) || !Number.isFinite(v)) continue;
      const w = s.weights ? s.weights[i]! : 1;
      h[Math.min(nb - 1, Math.max(0, Math.floor(Math.log10(v) * perDecade) - b0))]! += w;
      total += w;
    }
    const pct = Array.from(h, (c) => (total > 0 ? (100 * c) / total : 0));
    const edges = centers.map((c) => [10 ** (c - 0.5 / perDecade), 10 ** (c + 0.5 / perDecade)] as const);
    return {
      type: "bar",
      name: s.name,
      x: centers,
      y: pct,
      width: (1 / perDecade) * 0.92,
      opacity: list.length > 1 ? 0.75 : 1,
      customdata: edges.map(([a, b]) => `${fmtNs(a)} – ${fmtNs(b)}`),
      hovertemplate: `%{fullData.name}<br>%{customdata}<br>%{y:.2f}% of calls<extra></extra>`,
    };
  });
  const d0 = Math.floor(b0 / perDecade);
  const d1 = Math.ceil((b1 + 1) / perDecade);
  const tickvals = [];
  for (let d = d0; d <= d1; d++) tickvals.push(d);
  return new Figure({
    data,
    layout: {
      ...baseLayout({
        title: options.title ?? "Syscall latency distribution",
        xTitle: "latency per call (log scale)",
        yTitle: "share of calls (%)",
        width: options.width,
        height: options.height,
        xaxis: {
          tickvals,
          ticktext: tickvals.map((d) => DECADE_LABELS[d] ?? `1e${d} ns`),
          range: [b0 / perDecade, (b1 + 1) / perDecade],
        },
        yaxis: { rangemode: "tozero" },
        showLegend: list.length > 1,
      }),
      barmode: "overlay",
    },
  });
}

/** "12.3 µs" style text for a duration in ns. */
export function fmtNs(ns: number): string {
  if (ns < 1e3) return `${+ns.toPrecision(3)} ns`;
  if (ns < 1e6) return `${+(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${+(ns / 1e6).toPrecision(3)} ms`;
  return `${+(ns / 1e9).toPrecision(3)} s`;
}
