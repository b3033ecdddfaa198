// Charts of detector output: anomaly score over time (threshold, labelled windows shaded), ROC and PR curves
// of several detectors, the PCA projection coloured by score, and the feature contributions of one anomaly.
// Inputs are plain arrays, so the charts do not depend on the detector code.

import { OptionError } from "../errors.js";
import { Figure, toJsonArray, Trace } from "./figure.js";
import {
  isPcaLike,
  isReportLike,
  MatrixLike,
  PcaFromDetectorOptions,
  PcaLike,
  pcaOptions,
  ReportLike,
  ReportTimelineOptions,
  reportTimelineOptions,
} from "./report-series.js";
import { baseLayout, COLORWAY, LINE_COLOR, SCORE_COLORSCALE, THRESHOLD_COLOR, WINDOW_FILL } from "./theme.js";

function sameLength(what: string, a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) {
    throw new OptionError(`${what}: ${a.length} vs ${b.length} values`, "pass one value per sample to every array");
  }
}

/** A labelled interval of the time axis (seconds), e.g. when a known fault was injected. */
export interface LabelledWindow {
  start: number;
  end: number;
  label?: string;
}

export interface ScoreSeries {
  name: string;
  score: ArrayLike<number>;
}

export interface ScoreTimelineOptions {
  /** Time of each sample (s since capture start, or sample index). */
  t: ArrayLike<number>;
  /** One series per detector; scores need not share a scale unless a threshold is drawn. */
  series: ScoreSeries | ScoreSeries[];
  /** Decision threshold: drawn as a dashed line; samples above it are marked. */
  threshold?: number;
  /** Ground-truth windows, shaded and labelled. */
  windows?: LabelledWindow[];
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/**
 * Anomaly score over time: a line per detector, the threshold as a dashed line, samples over it as markers,
 * and labelled windows (the ground truth) as shaded bands with their label on top (staggered when they overlap).
 * Given findAnomalies' report instead, one line per chosen process (default: the labelled ones, else the top
 * rows') and one for the highest of all others, threshold at the 98th percentile (see ReportTimelineOptions).
 *
 * @example show(scoreTimeline(report, { labels: readLabels("labels.csv") }));
 */
export function scoreTimeline(o: ScoreTimelineOptions): Figure;
export function scoreTimeline(report: ReportLike, options?: ReportTimelineOptions): Figure;
export function scoreTimeline(input: ScoreTimelineOptions | ReportLike, options?: ReportTimelineOptions): Figure {
  const o = isReportLike(input) ? reportTimelineOptions(input, options) : input;
  const list = Array.isArray(o.series) ? o.series : [o.series];
  const x = toJsonArray(o.t);
  const data: Trace[] = [];
  list.forEach((s, k) => {
    sameLength(`score series "${s.name}" vs t`, s.score, o.t);
    const color = COLORWAY[k % COLORWAY.length];
    data.push({
      type: "scatter",
      mode: "lines",
      name: s.name,
      legendgroup: s.name,
      x,
      y: toJsonArray(s.score),
      line: { width: 1.6, color },
      hovertemplate: `${s.name}<br>t=%{x:.2f}<br>score %{y:.4~g}<extra></extra>`,
    });
    if (o.threshold !== undefined) {
      const hx: number[] = [];
      const hy: number[] = [];
      for (let i = 0; i < s.score.length; i++) {
        if (s.score[i]! > o.threshold) {
          hx.push(o.t[i]!);
          hy.push(s.score[i]!);
        }
      }
      data.push({
        type: "scatter",
        mode: "markers",
        name: `${s.name} > threshold`,
        // In its line's legend entry (toggled with it), not an entry of its own for every series.
        legendgroup: s.name,
        showlegend: false,
        x: hx,
        y: hy,
        marker: { color, size: 7, symbol: "circle-open", line: { width: 2 } },
        hovertemplate: `${s.name} flagged<br>t=%{x:.2f}<br>score %{y:.4~g}<extra></extra>`,
      });
    }
  });
  const shapes: Record<string, unknown>[] = (o.windows ?? []).map((w) => ({
    type: "rect",
    xref: "x",
    yref: "paper",
    x0: w.start,
    x1: w.end,
    y0: 0,
    y1: 1,
    fillcolor: WINDOW_FILL,
    line: { width: 0 },
    layer: "below",
  }));
  // Labels of overlapping windows go on rows of their own above the plot, so they never print over each other.
  const rowEnds: number[] = [];
  const annotations: Record<string, unknown>[] = [...(o.windows ?? [])]
    .filter((w) => w.label)
    .sort((a, b) => a.start - b.start)
    .map((w) => {
      let level = rowEnds.findIndex((end) => end <= w.start);
      if (level < 0) level = rowEnds.push(w.end) - 1;
      else rowEnds[level] = w.end;
      return {
        x: (w.start + w.end) / 2,
        y: 1,
        xref: "x",
        yref: "paper",
        yanchor: "bottom",
        yshift: 14 * level,
        showarrow: false,
        text: w.label,
        font: { size: 11, color: THRESHOLD_COLOR },
      };
    });
  const flagged = data.some((d) => d["mode"] === "markers" && (d["x"] as unknown[]).length > 0);
  if (flagged) {
    // One legend entry explains every series' markers.
    data.push({
      type: "scatter",
      mode: "markers",
      name: "above the threshold",
      x: [null],
      y: [null],
      marker: { color: LINE_COLOR, size: 7, symbol: "circle-open", line: { width: 2 } },
      hoverinfo: "skip",
    });
  }
  if (o.threshold !== undefined) {
    shapes.push({
      type: "line",
      xref: "paper",
      x0: 0,
      x1: 1,
      yref: "y",
      y0: o.threshold,
      y1: o.threshold,
      line: { color: THRESHOLD_COLOR, width: 1.5, dash: "dash" },
    });
    // In the right margin, beside the line: never on top of the data.
    annotations.push({
      xref: "paper",
      x: 1,
      xanchor: "left",
      xshift: 4,
      yref: "y",
      y: o.threshold,
      yanchor: "middle",
      showarrow: false,
      align: "left",
      text: `threshold<br>${+o.threshold.toPrecision(4)}`,
      font: { size: 11, color: THRESHOLD_COLOR },
    });
  }
  return new Figure({
    data,
    layout: {
      ...baseLayout({
        title: o.title ?? "Anomaly score over time",
        xTitle: o.xTitle ?? "time since capture start (s)",
        yTitle: o.yTitle ?? "anomaly score (higher = more anomalous)",
        width: o.width,
        height: o.height,
      }),
      shapes,
      annotations,
      // Room above for the window labels' rows, at the right for the threshold's label; the legend goes below.
      margin: { l: 64, r: o.threshold !== undefined ? 84 : 24, t: 72 + 14 * Math.max(0, rowEnds.length - 1), b: 56 },
      legend: { orientation: "h", x: 0, y: -0.2, yanchor: "top", bgcolor: "rgba(0,0,0,0)" },
    },
  });
}

/**
 * A ROC curve of one detector, fpr/tpr in [0, 1] in threshold order: as points, or as columns
 * (`{ detector, fpr, tpr }`, the shape of compareDetectors' `curves`).
 */
export type RocCurve =
  | {
      name: string;
      points: { fpr: number; tpr: number }[];
      /** Area under the curve, shown in the legend. */ auc?: number;
    }
  | { name?: string; detector?: string; fpr: ArrayLike<number>; tpr: ArrayLike<number>; auc?: number };

/** A precision-recall curve of one detector: points, or columns `{ detector, recall, precision }`. */
export type PrCurve =
  | {
      name: string;
      points: { recall: number; precision: number }[];
      /** Average precision, in the legend. */ ap?: number;
    }
  | { name?: string; detector?: string; recall: ArrayLike<number>; precision: ArrayLike<number>; ap?: number };

function curveXY(c: object, xKey: string, yKey: string): { name: string; x: number[]; y: number[] } {
  const any = c as Record<string, unknown>;
  const name = String(any["name"] ?? any["detector"] ?? "detector");
  if (Array.isArray(any["points"])) {
    const pts = any["points"] as Record<string, number>[];
    return { name, x: pts.map((p) => p[xKey]!), y: pts.map((p) => p[yKey]!) };
  }
  const x = any[xKey] as ArrayLike<number> | undefined;
  const y = any[yKey] as ArrayLike<number> | undefined;
  if (!x || !y)
    throw new OptionError(
      `curve "${name}" has neither points nor ${xKey}/${yKey} arrays`,
      "pass { name, points } or { detector, " + `${xKey}, ${yKey} }`,
    );
  sameLength(`curve "${name}" ${xKey} vs ${yKey}`, x, y);
  return { name, x: toJsonArray(x) as number[], y: toJsonArray(y) as number[] };
}

/**
 * Ground-truth windows from per-sample labels: each run of consecutive 1s becomes one window spanning its
 * samples (to the next sample's time, so a one-sample anomaly still shows as a band).
 */
export function windowsFromLabels(
  t: ArrayLike<number>,
  labels: ArrayLike<number | boolean>,
  label = "labelled",
): LabelledWindow[] {
  sameLength("t vs labels", t, labels);
  const out: LabelledWindow[] = [];
  let start = -1;
  for (let i = 0; i <= labels.length; i++) {
    const on = i < labels.length && Number(labels[i]) !== 0;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      const end = i < t.length ? t[i]! : t[i - 1]! + (t.length > 1 ? t[t.length - 1]! - t[t.length - 2]! : 1);
      out.push({ start: t[start]!, end, label });
      start = -1;
    }
  }
  return out;
}

export interface CurveOptions {
  title?: string;
  width?: number;
  height?: number;
}

const SQUARE = 520;

function legendName(name: string, label: string, v?: number): string {
  return v === undefined ? name : `${name} (${label} ${v.toFixed(3)})`;
}

/** ROC curves of several detectors on one square plot, with the chance diagonal. */
export function rocCurves(curves: RocCurve[], options: CurveOptions = {}): Figure {
  const data: Trace[] = curves.map((c, k) => {
    const { name, x, y } = curveXY(c, "fpr", "tpr");
    return {
      type: "scatter",
      mode: "lines",
      name: legendName(name, "AUC", c.auc),
      x,
      y,
      line: { width: 2, color: COLORWAY[k % COLORWAY.length], shape: "hv" },
      hovertemplate: `${name}<br>FPR %{x:.3f}<br>TPR %{y:.3f}<extra></extra>`,
    };
  });
  data.push({
    type: "scatter",
    mode: "lines",
    name: "chance",
    x: [0, 1],
    y: [0, 1],
    line: { dash: "dot", width: 1, color: LINE_COLOR },
    hoverinfo: "skip",
  });
  return new Figure({
    data,
    layout: baseLayout({
      title: options.title ?? "ROC curves",
      xTitle: "false positive rate",
      yTitle: "true positive rate (recall)",
      width: options.width ?? SQUARE + 180,
      height: options.height ?? SQUARE,
      xaxis: { range: [-0.01, 1.01], constrain: "domain" },
      yaxis: { range: [-0.01, 1.01], scaleanchor: "x", scaleratio: 1 },
    }),
  });
}

/**
 * Precision-recall curves of several detectors; `prevalence` (share of anomalies) draws the no-skill line,
 * which is what a PR curve must be read against when anomalies are rare.
 */
export function prCurves(curves: PrCurve[], options: CurveOptions & { prevalence?: number } = {}): Figure {
  const data: Trace[] = curves.map((c, k) => {
    const { name, x, y } = curveXY(c, "recall", "precision");
    return {
      type: "scatter",
      mode: "lines",
      name: legendName(name, "AP", c.ap),
      x,
      y,
      line: { width: 2, color: COLORWAY[k % COLORWAY.length] },
      hovertemplate: `${name}<br>recall %{x:.3f}<br>precision %{y:.3f}<extra></extra>`,
    };
  });
  if (options.prevalence !== undefined) {
    data.push({
      type: "scatter",
      mode: "lines",
      name: `no skill (${(100 * options.prevalence).toFixed(1)}% anomalies)`,
      x: [0, 1],
      y: [options.prevalence, options.prevalence],
      line: { dash: "dot", width: 1, color: LINE_COLOR },
      hoverinfo: "skip",
    });
  }
  return new Figure({
    data,
    layout: baseLayout({
      title: options.title ?? "Precision-recall curves",
      xTitle: "recall",
      yTitle: "precision",
      width: options.width ?? SQUARE + 180,
      height: options.height ?? SQUARE,
      xaxis: { range: [-0.01, 1.01], constrain: "domain" },
      yaxis: { range: [-0.01, 1.05], scaleanchor: "x", scaleratio: 1 },
    }),
  });
}

export interface PcaScatterOptions {
  /** First and second principal component of each sample. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Anomaly score per sample (colour). */
  score: ArrayLike<number>;
  /** Ground truth (1 = anomaly): drawn as open diamonds around the point. */
  labels?: ArrayLike<number | boolean>;
  /** Hover text per sample, e.g. "nginx (1234) t=12 s". */
  text?: ArrayLike<string>;
  /** Share of variance of PC1 and PC2 (0..1), shown in the axis titles. */
  explained?: [number, number];
  title?: string;
  width?: number;
  height?: number;
}

/**
 * Samples in the plane of the first two principal components, coloured by anomaly score. Given a fitted PCA
 * detector and its matrix instead, projects the rows itself (hover names from `keys`, see PcaFromDetectorOptions).
 *
 * @example show(pcaScatter(createDetector("pca").fit(X), X, { keys: report.features.keys, labels: truth }));
 */
export function pcaScatter(o: PcaScatterOptions): Figure;
export function pcaScatter(detector: PcaLike | object, X: MatrixLike, options?: PcaFromDetectorOptions): Figure;
export function pcaScatter(
  input: PcaScatterOptions | object,
  X?: MatrixLike,
  options?: PcaFromDetectorOptions,
): Figure {
  if (X && !isPcaLike(input)) {
    throw new OptionError(
      "pcaScatter(detector, X) needs a fitted PCA detector",
      'fit one first: createDetector("pca").fit(X), or pass { x, y, score } arrays',
    );
  }
  const o = isPcaLike(input) && X ? pcaOptions(input, X, options) : (input as PcaScatterOptions);
  sameLength("pca x vs y", o.x, o.y);
  sameLength("pca x vs score", o.x, o.score);
  const data: Trace[] = [
    {
      type: o.x.length > 5000 ? "scattergl" : "scatter",
      mode: "markers",
      name: "samples",
      x: toJsonArray(o.x),
      y: toJsonArray(o.y),
      text: o.text ? Array.from(o.text) : undefined,
      marker: {
        color: toJsonArray(o.score),
        colorscale: SCORE_COLORSCALE,
        size: 6,
        opacity: 0.85,
        colorbar: { title: { text: "score" }, outlinewidth: 0 },
        showscale: true,
      },
      hovertemplate:
        (o.text ? "%{text}<br>" : "") + "PC1 %{x:.3g}, PC2 %{y:.3g}<br>score %{marker.color:.4~g}<extra></extra>",
    },
  ];
  if (o.labels) {
    sameLength("pca x vs labels", o.x, o.labels);
    const ax: number[] = [];
    const ay: number[] = [];
    for (let i = 0; i < o.labels.length; i++)
      if (Number(o.labels[i])) {
        ax.push(o.x[i]!);
        ay.push(o.y[i]!);
      }
    data.push({
      type: "scatter",
      mode: "markers",
      name: `labelled anomaly (${ax.length})`,
      x: ax,
      y: ay,
      marker: { symbol: "diamond-open", size: 11, color: THRESHOLD_COLOR, line: { width: 1.5 } },
      hoverinfo: "skip",
    });
  }
  const pct = (v?: number) => (v === undefined ? "" : ` (${(100 * v).toFixed(1)}% of variance)`);
  return new Figure({
    data,
    layout: {
      ...baseLayout({
        title: o.title ?? "PCA projection coloured by anomaly score",
        xTitle: `PC1${pct(o.explained?.[0])}`,
        yTitle: `PC2${pct(o.explained?.[1])}`,
        width: o.width ?? 760,
        height: o.height ?? 520,
      }),
      legend: { orientation: "h", x: 0, y: -0.18, bgcolor: "rgba(0,0,0,0)" },
    },
  });
}

export interface ContributionsOptions {
  features: readonly string[];
  /** Contribution of each feature to the score (any sign). */
  values: ArrayLike<number>;
  /** Show only the N largest by magnitude (default 15). */
  topN?: number;
  title?: string;
  xTitle?: string;
  width?: number;
  height?: number;
}

/** What `explain()` returns (structurally): the contributions of one row's features to its score. */
export interface ExplanationLike {
  detector: string;
  row: number;
  score: number;
  columns: readonly string[];
  contribution: ArrayLike<number>;
  method?: string;
}

/**
 * Horizontal bars of what pushed one sample's score up (or down), largest magnitude on top. Takes the
 * features and values, or an explanation from `explain(detector, matrix, row)`.
 */
export function featureContributions(
  input: ContributionsOptions | ExplanationLike,
  options: Partial<ContributionsOptions> = {},
): Figure {
  const o: ContributionsOptions =
    "columns" in input
      ? {
          features: input.columns,
          values: input.contribution,
          title: `Why row ${input.row} scored ${+input.score.toPrecision(4)} (${input.detector})`,
          xTitle: input.method ? `contribution (${input.method})` : undefined,
          ...options,
        }
      : { ...input, ...options };
  sameLength("features vs values", o.features, o.values);
  const order = o.features
    .map((_, i) => i)
    .sort((a, b) => Math.abs(o.values[b]!) - Math.abs(o.values[a]!))
    .slice(0, o.topN ?? 15)
    .reverse();
  const vals = order.map((i) => o.values[i]!);
  return new Figure({
    data: [
      {
        type: "bar",
        orientation: "h",
        name: "contribution",
        y: order.map((i) => o.features[i]!),
        x: vals,
        marker: { color: vals.map((v) => (v >= 0 ? THRESHOLD_COLOR : COLORWAY[0])) },
        hovertemplate: "%{y}: %{x:.4~g}<extra></extra>",
      },
    ],
    layout: baseLayout({
      title: o.title ?? "Feature contributions to the anomaly score",
      xTitle: o.xTitle ?? "contribution to score (+ raises it)",
      width: o.width ?? 760,
      height: o.height ?? Math.max(260, 110 + 24 * order.length),
      showLegend: false,
      yaxis: { type: "category", showgrid: false },
    }),
  });
}
