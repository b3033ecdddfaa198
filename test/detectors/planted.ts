// Test data: Gaussian rows with a few planted outliers, and the ODDS loader; shared by detector tests.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readCsv } from "../../kernel/compare/read-csv.js";
import { Matrix, matrixFromFrame } from "../../kernel/detectors/matrix.js";
import { Rng } from "../../kernel/detectors/rng.js";

export const DATASETS = join(__dirname, "..", "..", "datasets", "public");

/**
 * n rows × d Gaussian features and `planted` outliers in the last rows, the i-th moved by ±7 (alternating) in
 * features i mod d and (i + 1) mod d (spread over features, so no single direction absorbs them; two features, so
 * rank-based detectors such as ECOD see more than the natural per-feature extremes every sample has). `kind`:
 * - "independent": iid N(0, 1) features, the case per-feature detectors (zscore, HBOS, ECOD) assume;
 * - "correlated": x_j = z + 0.3 e_j (one latent factor), so the outliers break the correlation: the case PCA's
 *   reconstruction error is for (with iid features every direction is noise and PCA has nothing to learn).
 * Every detector given its kind should rank the outliers first, so a miss is a bug. `moved[i]` = features of outlier i.
 */
export function planted(
  kind: "independent" | "correlated" = "independent",
  n = 600,
  d = 5,
  planted = 6,
  seed = 7,
): { X: Matrix; labels: Uint8Array; moved: [number, number][] } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * d);
  const labels = new Uint8Array(n);
  const moved: [number, number][] = [];
  for (let r = 0; r < n; r++) {
    const z = kind === "correlated" ? rng.normal() : 0;
    for (let j = 0; j < d; j++) data[r * d + j] = kind === "correlated" ? z + 0.3 * rng.normal() : rng.normal();
    const i = r - (n - planted);
    if (i >= 0) {
      labels[r] = 1;
      const pair: [number, number] = [i % d, (i + 1) % d];
      moved.push(pair);
      for (const j of pair) data[r * d + j]! += i % 2 === 0 ? 7 : -7;
    }
  }
  return { X: { data, rows: n, cols: d, columns: Array.from({ length: d }, (_, j) => `x${j}`) }, labels, moved };
}

/** An ODDS set as a matrix of its f* columns and its labels. */
export async function odds(name: "cardio" | "shuttle" | "satellite"): Promise<{ X: Matrix; y: Float64Array }> {
  const f = await readCsv(join(DATASETS, "odds", `${name}.csv`));
  return {
    X: matrixFromFrame(
      f,
      f.columnNames.filter((c) => c !== "label"),
    ),
    y: f.numeric("label"),
  };
}

/** Indices of the k highest scores. */
export function topK(scores: Float64Array, k: number): number[] {
  return [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!).slice(0, k);
}

/**
 * A NAB realKnownCause series as lag vectors of its last `lags` values, (v[t−lags+1], …, v[t]), each labelled 1 when
 * its last point lies inside a labelled window (timestamps compared as text, as scripts/pca-reference.py does).
 */
export async function nabLagged(series: string, lags = 10): Promise<{ X: Matrix; y: Uint8Array }> {
  const f = await readCsv(join(DATASETS, "nab", "data", "realKnownCause", `${series}.csv`));
  const windows = (
    JSON.parse(readFileSync(join(DATASETS, "nab", "labels", "combined_windows.json"), "utf8")) as Record<
      string,
      [string, string][]
    >
  )[`realKnownCause/${series}.csv`]!;
  const v = f.numeric("value");
  const stamp = f.strings("timestamp").map((s) => s.slice(0, 19));
  const n = v.length - lags + 1;
  const data = new Float64Array(n * lags);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < lags; j++) data[i * lags + j] = v[i + j]!;
    const at = stamp[i + lags - 1]!;
    y[i] = windows.some(([a, b]) => at >= a.slice(0, 19) && at <= b.slice(0, 19)) ? 1 : 0;
  }
  return { X: { data, rows: n, cols: lags, columns: Array.from({ length: lags }, (_, j) => `lag${lags - 1 - j}`) }, y };
}
