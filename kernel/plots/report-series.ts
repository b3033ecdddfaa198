// From an anomaly report or a fitted PCA to the plain arrays the detection charts take: scoreTimeline(report)
// and pcaScatter(detector, X) are a line each in a notebook instead of a cell of Map and Float64Array plumbing.

import { isStringColumn, type Frame } from "../frame/frame.js";
import { OptionError } from "../errors.js";
import type { LabelledWindow, PcaScatterOptions, ScoreSeries, ScoreTimelineOptions } from "./detection.js";

/** What scoreTimeline reads of an AnomalyReport (findAnomalies' result), structurally. */
export interface ReportLike {
  rankedBy: string;
  features: { keys: Frame };
  scores: Record<string, ArrayLike<number>>;
  consensus: ArrayLike<number>;
  top: readonly { row: number }[];
}

/** A labelled anomaly as readLabels returns it (who and when), for shading and highlighting. */
export interface LabelLike {
  pid: number;
  start_s: number;
  end_s: number;
  kind?: string;
  comm?: string;
}

export interface ReportTimelineOptions extends Partial<Omit<ScoreTimelineOptions, "t" | "series" | "threshold">> {
  /** Whose score: a detector of the report, or "consensus" (default: what ranked it). */
  detector?: string;
  /** Processes drawn as their own lines (default: the labels' pids, else the processes of the top 3 rows). */
  pids?: readonly number[];
  /** Ground truth: shaded as windows, and their pids drawn as lines. */
  labels?: readonly LabelLike[];
  /** A fixed threshold, or the quantile of the scores that draws it (default 0.98); null draws none. */
  threshold?: number | { quantile: number } | null;
}

export function isReportLike(x: unknown): x is ReportLike {
  const r = x as Partial<ReportLike> | null;
  return !!r && typeof r === "object" && !!r.features && !!r.scores && !!r.consensus && typeof r.rankedBy === "string";
}

/** The q-quantile of finite values (nearest rank). */
function quantile(v: ArrayLike<number>, q: number): number {
  const s = Array.from(v)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1))))] ?? 0;
}

/** The name of each row's process: process name (or comm) and pid. */
function rowNames(keys: Frame): (row: number) => string {
  const pid = keys.has("pid") ? keys.numeric("pid") : undefined;
  const nameCol = keys.has("process") ? keys.column("process") : keys.has("comm") ? keys.column("comm") : undefined;
  return (i) => {
    const n = nameCol && isStringColumn(nameCol) ? nameCol.dict[nameCol.codes[i]!] : undefined;
    return pid ? `${n ?? "?"} (${pid[i]})` : (n ?? String(i));
  };
}

/**
 * scoreTimeline's options from a report: per window, one line for each chosen process and one for the highest
 * score of all the others; the labelled windows shaded; the threshold at a quantile of the scores.
 */
export function reportTimelineOptions(r: ReportLike, o: ReportTimelineOptions = {}): ScoreTimelineOptions {
  const which = o.detector ?? r.rankedBy;
  const score = which === "consensus" ? r.consensus : r.scores[which];
  if (!score)
    throw new OptionError(
      `the report has no "${which}" scores`,
      `use one of: ${[...Object.keys(r.scores), "consensus"].join(", ")}`,
    );
  const keys = r.features.keys;
  if (!keys.has("pid"))
    throw new OptionError("scoreTimeline(report) needs a report by pid", 'findAnomalies(cap, { by: "pid" })');
  const t = keys.numeric("t_s");
  const pid = keys.numeric("pid");
  const name = rowNames(keys);
  const pids =
    o.pids ??
    (o.labels?.length
      ? [...new Set(o.labels.map((l) => l.pid))]
      : [...new Set(r.top.slice(0, 3).map((a) => pid[a.row]!))]);
  const times = [...new Set(Array.from(t))].sort((a, b) => a - b);
  const slot = new Map(times.map((v, i) => [v, i]));
  const lines = new Map<number, ScoreSeries & { score: Float64Array }>();
  for (const p of pids) lines.set(p, { name: `pid ${p}`, score: new Float64Array(times.length).fill(NaN) });
  const others = { name: "highest of all other processes", score: new Float64Array(times.length).fill(NaN) };
  for (let i = 0; i < t.length; i++) {
    const j = slot.get(t[i]!)!;
    const line = lines.get(pid[i]!);
    if (line) {
      line.score[j] = score[i]!;
      line.name = name(i);
    } else if (!(others.score[j]! >= score[i]!)) others.score[j] = score[i]!;
  }
  const windows: LabelledWindow[] = (o.labels ?? []).map((l) => ({
    start: l.start_s,
    end: l.end_s,
    ...(l.kind ? { label: l.kind } : {}),
  }));
  const th = o.threshold === undefined ? { quantile: 0.98 } : o.threshold;
  const { detector: _d, pids: _p, labels: _l, threshold: _t, ...rest } = o;
  return {
    ...rest,
    t: times,
    series: [...lines.values(), others],
    ...(th === null ? {} : { threshold: typeof th === "number" ? th : quantile(score, th.quantile) }),
    ...(windows.length ? { windows } : {}),
    title: o.title ?? `${which} score per process over time${windows.length ? " (shaded: labelled anomalies)" : ""}`,
    yTitle: o.yTitle ?? `${which} score`,
  };
}

/** What pcaScatter reads of a fitted PCA detector: its standardisation and axes (row-major, one per component). */
export interface PcaLike {
  mean: ArrayLike<number>;
  scale: ArrayLike<number>;
  axes: ArrayLike<number>;
  explainedVarianceRatio: ArrayLike<number>;
  score?(X: MatrixLike): ArrayLike<number>;
}

/** A row-major matrix (bpflab's Matrix, structurally). */
export interface MatrixLike {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

export interface PcaFromDetectorOptions extends Partial<Omit<PcaScatterOptions, "x" | "y">> {
  /** The rows' keys (features(...).keys): hover text "name (pid) t=… s". */
  keys?: Frame;
}

export function isPcaLike(x: unknown): x is PcaLike {
  const p = x as Partial<PcaLike> | null;
  return !!p && typeof p === "object" && !!p.mean && !!p.scale && !!p.axes && !!p.explainedVarianceRatio;
}

/** pcaScatter's options from a fitted PCA and the matrix it scores: each row projected on the first two axes. */
export function pcaOptions(pca: PcaLike, X: MatrixLike, o: PcaFromDetectorOptions = {}): PcaScatterOptions {
  const d = X.cols;
  if (pca.mean.length !== d || pca.axes.length < 2 * d) {
    throw new OptionError(
      `pcaScatter: the detector was fitted on ${pca.mean.length} columns with ${Math.floor(pca.axes.length / Math.max(1, pca.mean.length))} axes; X has ${d} columns`,
      "pass the matrix the PCA was fitted on, fitted with at least 2 components",
    );
  }
  const pc1 = new Float64Array(X.rows);
  const pc2 = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < d; j++) {
      const z = (X.data[i * d + j]! - pca.mean[j]!) / (pca.scale[j]! || 1);
      pc1[i]! += z * pca.axes[j]!;
      pc2[i]! += z * pca.axes[d + j]!;
    }
  }
  const score = o.score ?? (pca.score ? pca.score(X) : new Float64Array(X.rows));
  const { keys, ...rest } = o;
  let text = o.text;
  if (!text && keys && keys.has("t_s")) {
    const name = rowNames(keys);
    const t = keys.numeric("t_s");
    text = Array.from(t, (ti, i) => `${name(i)} t=${ti} s`);
  }
  return {
    ...rest,
    x: pc1,
    y: pc2,
    score,
    ...(text ? { text } : {}),
    explained: [pca.explainedVarianceRatio[0] ?? 0, pca.explainedVarianceRatio[1] ?? 0],
  };
}
