// From a capture to ranked anomalies: features per (window, process), several detectors, a consensus rank,
// and for each top row the features that drive it. Used by `bpflab detect`, `bpflab demo` and the notebooks.

import type { Capture } from "../capture/capture.js";
import { DetectorInputError, OptionError } from "../errors.js";
import type { Cell } from "../frame/frame.js";
import { createDetector } from "../detectors/registry.js";
import { explain, topFeatures } from "../detectors/explain.js";
import { dropConstantColumns, Matrix } from "../detectors/matrix.js";
import { EntityKind, features, Features } from "../features/features.js";

export interface FindAnomaliesOptions {
  /**
   * Detectors to run (default zscore then iforest: on captures of busy machines, robust z-scores of log-scaled
   * features put injected bursts first, where pca and hbos are swayed by the many idle processes; see
   * datasets/redis-injected); tabular ones, not the time-series forecasters.
   */
  detectors?: string[];
  /** What orders the rows: a detector's own score (ties broken by the consensus), or "consensus" (default: the first detector). */
  rankBy?: string;
  by?: EntityKind;
  window?: string | number;
  /** How many top rows to report (default 10). */
  top?: number;
  seed?: number;
}

export interface Anomaly {
  rank: number;
  /** Row of `features.matrix` / `features.keys`. */
  row: number;
  t_s: number;
  /** µs since epoch. */
  ts: number;
  /** The entity's key columns: pid + comm, tid + pid + comm, comm, or cgroup_id. */
  entity: Record<string, Cell>;
  /** Mean percentile rank over the detectors, 0..1: 1 = the most anomalous row for every detector. */
  consensus: number;
  /** Percentile rank of the row by each detector, 0..1. */
  percentiles: Record<string, number>;
  /** Each detector's raw score of the row. */
  scores: Record<string, number>;
  /**
   * The features that make the row unusual, largest share first: robust z-scores (median/MAD, on the
   * log-scaled features) whatever the detectors were, so that every report explains rows the same way.
   */
  drivers: { feature: string; value: number; share: number }[];
}

export interface AnomalyReport {
  /** What ordered `top`: a detector's name or "consensus". */
  rankedBy: string;
  features: Features;
  /** Features left out because they were constant over the capture (no information, and PCA cannot scale them). */
  dropped: string[];
  /** Each detector's scores, one per features row. */
  scores: Record<string, Float64Array>;
  consensus: Float64Array;
  top: Anomaly[];
}

/**
 * Ranks (window, entity) rows of a capture by how anomalous the detectors find them.
 * @example const r = findAnomalies(cap, { detectors: ["iforest", "pca"], by: "pid", window: "1s" }); r.top[0]
 */
export function findAnomalies(cap: Capture, opts: FindAnomaliesOptions = {}): AnomalyReport {
  const names = opts.detectors?.length ? opts.detectors : ["zscore", "iforest"];
  const rankBy = opts.rankBy ?? names[0]!;
  if (rankBy !== "consensus" && !names.includes(rankBy)) {
    throw new OptionError(
      `rankBy "${rankBy}" is not one of the detectors run (${names.join(", ")})`,
      'name one of them, or "consensus"',
    );
  }
  const f = features(cap, { by: opts.by ?? "pid", window: opts.window ?? "1s" });
  if (f.matrix.rows < 8) {
    throw new DetectorInputError(
      `only ${f.matrix.rows} (window, ${opts.by ?? "pid"}) rows in this capture: too few to rank`,
      "capture for longer, use a shorter window, or capture the whole machine rather than one pid",
    );
  }
  const { matrix, dropped } = dropConstantColumns(f.matrix);
  if (matrix.cols === 0) {
    throw new DetectorInputError(
      "every feature is constant over this capture",
      "capture while something happens on the machine",
    );
  }
  const X = logScale(matrix);
  const scores: Record<string, Float64Array> = {};
  for (const n of names)
    scores[n] = createDetector(n, { seed: opts.seed ?? 0 })
      .fit(X)
      .score(X);
  const consensus = new Float64Array(X.rows);
  const pct: Record<string, Float64Array> = {};
  for (const n of names) {
    pct[n] = percentileRanks(scores[n]!);
    for (let i = 0; i < X.rows; i++) consensus[i]! += pct[n]![i]! / names.length;
  }
  const explainer = createDetector("zscore").fit(X);
  const key = rankBy === "consensus" ? consensus : scores[rankBy]!;
  // Ties are common (robust z-scores saturate on the same extreme feature value): the consensus breaks them.
  const order = Array.from(key.keys()).sort((a, b) => key[b]! - key[a]! || consensus[b]! - consensus[a]!);
  const keyNames = f.keys.columnNames.filter((c) => c !== "t_s" && c !== "ts");
  const t = f.keys.numeric("t_s"),
    ts = f.keys.numeric("ts");
  const keyVals = Object.fromEntries(keyNames.map((k) => [k, f.keys.values(k)]));
  const top = order.slice(0, opts.top ?? 10).map((row, i): Anomaly => {
    const drivers = topFeatures(explain(explainer, X, row), 5).map((d) => ({
      feature: d.feature,
      share: d.share,
      value: matrix.data[row * matrix.cols + matrix.columns.indexOf(d.feature)]!,
    }));
    return {
      rank: i + 1,
      row,
      t_s: t[row]!,
      ts: ts[row]!,
      entity: Object.fromEntries(keyNames.map((k) => [k, keyVals[k]![row]!])),
      consensus: consensus[row]!,
      percentiles: Object.fromEntries(names.map((n) => [n, pct[n]![row]!])),
      scores: Object.fromEntries(names.map((n) => [n, scores[n]![row]!])),
      drivers,
    };
  });
  return { rankedBy: rankBy, features: f, dropped, scores, consensus, top };
}

/**
 * log1p of every (non-negative) count and duration: system metrics span orders of magnitude (1 syscall vs
 * 10^6), and on a linear scale one busy process hides every other anomaly from distance-based detectors.
 */
export function logScale(m: Matrix): Matrix {
  const data = new Float64Array(m.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = m.data[i]!;
    data[i] = v >= 0 ? Math.log1p(v) : -Math.log1p(-v);
  }
  return { ...m, data };
}

/** Rank of each score among all, scaled to 0..1 (ties share their mean rank). */
export function percentileRanks(s: Float64Array): Float64Array {
  const n = s.length;
  const idx = Array.from(s.keys()).sort((a, b) => s[a]! - s[b]!);
  const out = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && s[idx[j + 1]!] === s[idx[i]!]) j++;
    const r = n > 1 ? (i + j) / 2 / (n - 1) : 1;
    for (let k = i; k <= j; k++) out[idx[k]!] = r;
    i = j + 1;
  }
  return out;
}
