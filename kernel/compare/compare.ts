// Detector comparison harness: fits and scores each detector on the same labelled data and reports ranking
// metrics, F1 variants, time and peak memory, plus curves and scores ready to plot.

import { DetectorInputError } from "../errors.js";
import { Frame } from "../frame/frame.js";
import type { Detector } from "../detectors/detector.js";
import { Matrix, matrixFromFrame, toMatrix } from "../detectors/matrix.js";
import { createDetector } from "../detectors/registry.js";
import { averagePrecision, bestF1, f1AtContamination, prCurve, rocAuc, rocCurve, thresholdSweep } from "./metrics.js";
import { measurePeak, PeakMethod } from "./peak-memory.js";
import { TimeSeriesOptions, timeSeriesMetrics, TimeSeriesMetrics } from "./time-series-metrics.js";

/** A detector to compare: a registry name, a name with options (and an optional display label), or an instance. */
export type DetectorSpec = string | { name: string; options?: Record<string, unknown>; label?: string } | Detector;

/** Labelled data: a Frame holding a label column (features = its other numeric columns, or `features`), or a matrix and labels. */
export type CompareData = Frame | { matrix: Matrix; labels: ArrayLike<number> };

export interface CompareOptions {
  /** Label column of a Frame (1 = anomaly, 0 = normal). Default "label". */
  label?: string;
  /** Feature columns of a Frame (default: every numeric column except the label). */
  features?: string[];
  /** Seed passed to detectors created by name (default 0). */
  seed?: number;
  /** Most points kept per ROC/PR curve, evenly spaced by threshold rank (default 1000). */
  curvePoints?: number;
  /**
   * The rows are time series (one, or one per entity): adds VUS-PR, PA%K, event-wise metrics and the legacy
   * point-adjusted F1 to each row (see TimeSeriesOptions). `true` = one series, row i at time i.
   */
  timeSeries?: TimeSeriesOptions | true;
}

/**
 * One detector's results. Times are wall-clock ms of one fit and one score over all rows. The time-series metrics
 * are present only when the data is a time series (CompareOptions.timeSeries).
 */
export interface CompareRow extends Partial<TimeSeriesMetrics> {
  detector: string;
  roc_auc: number;
  /** Average precision (sklearn's average_precision_score). */
  pr_auc: number;
  best_f1: number;
  /** F1 flagging the top-k rows, k = number of true anomalies. */
  f1_at_contamination: number;
  fit_ms: number;
  score_ms: number;
  /** Peak resident memory added by fit + score, in bytes (see measurePeak). */
  peak_mem_bytes: number;
}

export interface CompareResult {
  rows: CompareRow[];
  /** Plot-ready curves per detector (fpr/tpr, recall/precision). */
  curves: { detector: string; fpr: Float64Array; tpr: Float64Array; recall: Float64Array; precision: Float64Array }[];
  /** Each detector's score per row, for plotting against the labels. */
  scores: Record<string, Float64Array>;
  labels: Uint8Array;
  /** How peak memory was measured. */
  memoryMethod: PeakMethod;
}

/**
 * Fits every detector on all rows and scores the same rows (unsupervised, as BASELINES.md does); the labels only
 * grade the scores. Detectors run one after another, so times and memory are not disturbed by each other.
 *
 * @example
 *   const r = compareDetectors(frame, ["iforest", "pca", { name: "knn", options: { k: 10 } }], { label: "label" });
 *   console.table(r.rows);
 */
export function compareDetectors(
  data: CompareData,
  detectors: DetectorSpec[],
  opts: CompareOptions = {},
): CompareResult {
  const { matrix, labels } = prepare(data, opts);
  const ts = opts.timeSeries === true ? {} : opts.timeSeries;
  const seed = opts.seed ?? 0;
  const rows: CompareRow[] = [];
  const curves: CompareResult["curves"] = [];
  const scores: Record<string, Float64Array> = {};
  let memoryMethod: PeakMethod = "vmhwm";
  const used = new Set<string>();
  for (const spec of detectors) {
    const { det, label } = instantiate(spec, seed);
    let name = label;
    for (let i = 2; used.has(name); i++) name = `${label}#${i}`;
    used.add(name);
    let fitMs = 0;
    let scoreMs = 0;
    const peak = measurePeak(() => {
      const t0 = performance.now();
      det.fit(matrix);
      const t1 = performance.now();
      const s = det.score(matrix);
      fitMs = t1 - t0;
      scoreMs = performance.now() - t1;
      return s;
    });
    memoryMethod = peak.method;
    const s = peak.result;
    const sweep = thresholdSweep(labels, s);
    const roc = rocCurve(sweep);
    const pr = prCurve(sweep);
    const keep = thin(roc.fpr.length, opts.curvePoints ?? 1000);
    const keepPr = thin(pr.recall.length, opts.curvePoints ?? 1000);
    rows.push({
      detector: name,
      roc_auc: rocAuc(labels, s),
      pr_auc: averagePrecision(labels, s),
      best_f1: bestF1(sweep).f1,
      f1_at_contamination: f1AtContamination(labels, s),
      ...(ts ? timeSeriesMetrics(labels, s, ts) : {}),
      fit_ms: fitMs,
      score_ms: scoreMs,
      peak_mem_bytes: peak.peakBytes,
    });
    curves.push({
      detector: name,
      fpr: pick(roc.fpr, keep),
      tpr: pick(roc.tpr, keep),
      recall: pick(pr.recall, keepPr),
      precision: pick(pr.precision, keepPr),
    });
    scores[name] = s;
  }
  return { rows, curves, scores, labels, memoryMethod };
}

function prepare(data: CompareData, opts: CompareOptions): { matrix: Matrix; labels: Uint8Array } {
  let matrix: Matrix;
  let raw: ArrayLike<number>;
  if (data instanceof Frame) {
    const label = opts.label ?? "label";
    if (!data.has(label)) {
      throw new DetectorInputError(
        `no label column "${label}" in ${data.name}`,
        `columns: ${data.columnNames.join(", ")}`,
      );
    }
    const feats =
      opts.features ??
      data.schema
        .filter((s) => s.name !== label && s.type !== "str" && s.type !== "u64" && s.type !== "timestamp")
        .map((s) => s.name);
    if (data.spec(label).type === "str") {
      const seen = [...new Set(data.strings(label))];
      throw new DetectorInputError(
        `label column "${label}" of ${data.name} holds text (${seen.slice(0, 5).join(", ")}${seen.length > 5 ? ", …" : ""})`,
        "labels must be 0 (normal) or 1 (anomaly): write the column as numbers, e.g. 1 where it says the anomaly",
      );
    }
    matrix = matrixFromFrame(data, feats);
    raw = data.numeric(label);
  } else {
    matrix = toMatrix(data.matrix);
    raw = data.labels;
  }
  if (raw.length !== matrix.rows) {
    throw new DetectorInputError(`${raw.length} labels for ${matrix.rows} rows`, "give one label per row");
  }
  const labels = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i]!;
    if (v !== 0 && v !== 1) {
      throw new DetectorInputError(`label of row ${i} is ${v}`, "labels must be 0 (normal) or 1 (anomaly)");
    }
    labels[i] = v;
  }
  return { matrix, labels };
}

function instantiate(spec: DetectorSpec, seed: number): { det: Detector; label: string } {
  if (typeof spec === "string") return { det: createDetector(spec, { seed }), label: spec };
  if ("fit" in spec) return { det: spec, label: spec.name };
  return { det: createDetector(spec.name, { seed, ...spec.options }), label: spec.label ?? spec.name };
}

function thin(n: number, max: number): Int32Array {
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  return Int32Array.from({ length: max }, (_, i) => Math.round((i * (n - 1)) / (max - 1)));
}

function pick(a: Float64Array, idx: Int32Array): Float64Array {
  return Float64Array.from(idx, (i) => a[i]!);
}
