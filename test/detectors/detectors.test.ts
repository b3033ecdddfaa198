// Every tabular detector on planted anomalies, determinism, and exactness of the neighbour detectors.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { rocAuc } from "../../kernel/compare/metrics.js";
import { createDetector } from "../../kernel/detectors/registry.js";
import { averagePathLength, IsolationForest } from "../../kernel/detectors/isolation-forest.js";
import { KnnDistance, Lof } from "../../kernel/detectors/neighbors.js";
import { Pca } from "../../kernel/detectors/pca.js";
import { explain, topFeatures } from "../../kernel/detectors/explain.js";
import { symmetricEigen } from "../../kernel/detectors/eigen.js";
import { planted, topK } from "./planted.js";

const TABULAR = ["iforest", "pca", "zscore", "hbos", "ecod", "knn", "lof"] as const;
// HBOS' default α = 0.1 caps a row's per-feature penalty at −log(0.1) ≈ 2.3, so two empty-bin features of an
// outlier tie with three sparse-tail features of a normal row; a small α lets the histogram itself decide.
const OPTIONS: Record<string, Record<string, unknown>> = { hbos: { alpha: 0.001 } };

describe.each(TABULAR)("%s", (name) => {
  it("ranks the planted anomalies on top (ROC-AUC > 0.97, ≥ 4 of the 6 in the top 12)", () => {
    const { X, labels } = planted(name === "pca" ? "correlated" : "independent");
    expect(rocAuc(labels, createDetector(name, { seed: 3 }).fit(X).score(X))).toBeGreaterThan(0.97);
    const s = createDetector(name, { seed: 3, ...OPTIONS[name] })
      .fit(X)
      .score(X);
    expect(s.length).toBe(X.rows);
    const hits = topK(s, 12).filter((i) => labels[i] === 1).length;
    expect(hits).toBeGreaterThanOrEqual(4);
  });

  it("is deterministic for a seed and scores new rows with the fitted model", () => {
    const { X } = planted(name === "pca" ? "correlated" : "independent");
    const a = createDetector(name, { seed: 5 }).fit(X);
    const b = createDetector(name, { seed: 5 }).fit(X);
    expect(Array.from(a.score(X))).toEqual(Array.from(b.score(X)));
    const probe = { ...X, rows: 2, data: Float64Array.from([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 9, 0.1, 0.1]) };
    const s = a.score(probe);
    expect(s[1]).toBeGreaterThan(s[0]!); // the row 9 off the correlation is the stranger one
  });
});

describe("isolation forest", () => {
  it("c(n) follows scikit-learn's harmonic approximation", () => {
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(256)).toBeCloseTo(2 * (Math.log(255) + 0.5772156649015329) - (2 * 255) / 256, 14);
  });

  it("builds depth-limited trees over min(256, n) rows and scores in (0, 1]", () => {
    const { X } = planted("independent", 2000);
    const f = new IsolationForest({ seed: 1 }).fit(X);
    expect(f.maxSamples).toBe(256);
    expect(f.roots.length).toBe(100);
    const s = f.score(X);
    expect(Math.min(...s)).toBeGreaterThan(0);
    expect(Math.max(...s)).toBeLessThanOrEqual(1);
    // Path lengths stored at leaves never exceed max depth (8) + c(256).
    expect(Math.max(...f.leafPath)).toBeLessThanOrEqual(8 + averagePathLength(256));
    expect(new IsolationForest({ seed: 2 }).fit(X).score(X)[0]).not.toBe(s[0]);
  });

  it("honours maxFeatures and bootstrap and still finds the planted rows", () => {
    const { X, labels } = planted();
    const f = new IsolationForest({
      seed: 4,
      maxFeatures: 0.6,
      bootstrap: true,
      maxSamples: 128,
      nEstimators: 200,
    }).fit(X);
    expect(f.roots.length).toBe(200);
    expect(rocAuc(labels, f.score(X))).toBeGreaterThan(0.95);
  });

  it("explains a planted row by the feature it was moved in", () => {
    const { X, moved } = planted();
    const f = new IsolationForest({ seed: 0 }).fit(X);
    for (let i = 0; i < moved.length; i++) {
      const e = explain(f, X, X.rows - moved.length + i);
      expect(moved[i]!.map((j) => `x${j}`)).toContain(topFeatures(e, 1)[0]!.feature);
      expect(e.share.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });
});

describe("PCA", () => {
  it("contributions sum to the SPE, T² and PyOD scores and point at the moved feature", () => {
    const { X, moved } = planted("correlated");
    const p = new Pca({ components: 1 }).fit(X);
    const row = X.rows - 1;
    const { spe, t2, pyod } = p.scores(X);
    const c = p.contributions(X, row);
    expect(c.spe.reduce((a, b) => a + b, 0)).toBeCloseTo(spe[row]!, 9);
    expect(c.t2.reduce((a, b) => a + b, 0)).toBeCloseTo(t2[row]!, 9);
    expect(c.pyod.reduce((a, b) => a + b, 0)).toBeCloseTo(pyod[row]!, 9);
    expect(p.score(X)[row]).toBe(pyod[row]); // the default score is PyOD's
    expect(moved[moved.length - 1]!.map((j) => `x${j}`)).toContain(topFeatures(explain(p, X, row), 1)[0]!.feature);
    expect(new Pca({ components: 1, score: "t2" }).fit(X).score(X)[row]).toBeCloseTo(t2[row]!, 12);
  });

  it("Jacobi eigendecomposition reconstructs its matrix", () => {
    const a = Float64Array.from([4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 1]);
    const { values, vectors } = symmetricEigen(a, 3);
    expect(values[0]).toBeGreaterThanOrEqual(values[1]!);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += values[k]! * vectors[k * 3 + i]! * vectors[k * 3 + j]!;
        expect(s).toBeCloseTo(a[i * 3 + j]!, 12);
      }
    }
  });

  it("refuses more components than columns", () => {
    const { X } = planted("independent", 50, 3);
    expect(() => new Pca({ components: 4 }).fit(X)).toThrow(/components = 4 but the data has only 3 columns/);
  });
});

describe("neighbours are exact", () => {
  it("kNN distance equals a brute-force k-th neighbour distance", () => {
    const { X } = planted("independent", 400, 4);
    const s = new KnnDistance({ k: 5 }).fit(X).score(X);
    for (const r of [0, 17, 250, 399]) {
      const d: number[] = [];
      for (let o = 0; o < X.rows; o++) {
        if (o === r) continue;
        let q = 0;
        for (let j = 0; j < 4; j++) q += (X.data[r * 4 + j]! - X.data[o * 4 + j]!) ** 2;
        d.push(Math.sqrt(q));
      }
      d.sort((a, b) => a - b);
      expect(s[r]).toBeCloseTo(d[4]!, 12);
    }
  });

  const python = "/usr/bin/python3";
  const haveSklearn = existsSync(python) && spawnSync(python, ["-c", "import sklearn"]).status === 0;
  it.skipIf(!haveSklearn)("LOF equals scikit-learn's −negative_outlier_factor_ and −score_samples", () => {
    const { X } = planted("correlated", 500, 3);
    const probe = Float64Array.from([0, 0, 0, 3, -3, 0, 1, 1, 1]);
    const code = [
      "import sys, json, numpy as np",
      "from sklearn.neighbors import LocalOutlierFactor",
      "X = np.array(json.loads(sys.stdin.readline())).reshape(-1, 3)",
      "P = np.array(json.loads(sys.stdin.readline())).reshape(-1, 3)",
      "m = LocalOutlierFactor(n_neighbors=20, novelty=True).fit(X)",
      "print(json.dumps([(-m.negative_outlier_factor_).tolist(), (-m.score_samples(P)).tolist()]))",
    ].join("\n");
    const r = spawnSync(python, ["-c", code], {
      input: `${JSON.stringify(Array.from(X.data))}\n${JSON.stringify(Array.from(probe))}\n`,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const [train, test] = JSON.parse(r.stdout) as [number[], number[]];
    const lof = new Lof({ k: 20 }).fit(X);
    const s = lof.score(X);
    for (let i = 0; i < train.length; i++) expect(s[i]).toBeCloseTo(train[i]!, 9);
    const t = lof.score({ ...X, rows: 3, data: probe });
    for (let i = 0; i < 3; i++) expect(t[i]).toBeCloseTo(test[i]!, 9);
  });
});

describe("explanations add up to the score", () => {
  const cases: [string, Record<string, unknown>, "independent" | "correlated"][] = [
    ["iforest", {}, "independent"],
    ["pca", {}, "correlated"],
    ["pca", { score: "spe" }, "correlated"],
    ["pca", { score: "t2", components: 2 }, "correlated"],
    ["zscore", {}, "independent"],
    ["zscore", { aggregate: "mean" }, "independent"],
    ["hbos", {}, "independent"],
    ["ecod", {}, "independent"],
    ["knn", {}, "independent"],
    ["knn", { method: "mean" }, "independent"],
    ["forecast-ewma", {}, "independent"],
  ];
  it.each(cases)("%s %j: Σ (or max) of the contributions is the score, rows planted and normal", (name, o, kind) => {
    const { X } = planted(kind, 300);
    const det = createDetector(name, { seed: 1, ...o }).fit(X);
    const s = det.score(X);
    for (const row of [0, 17, X.rows - 1, X.rows - 3]) {
      const e = explain(det, X, row);
      expect(e.score).toBeCloseTo(s[row]!, 9);
      const total = e.combine === "sum" ? e.contribution.reduce((a, b) => a + b, 0) : Math.max(...e.contribution);
      expect(total, `${name} row ${row}`).toBeCloseTo(s[row]!, 9);
      if (s[row] === 0) continue; // forecast-ewma: the first row has no forecast and scores 0
      if (e.combine === "sum") expect(e.share.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      else expect(Math.max(...e.share)).toBeCloseTo(1, 12);
    }
  });

  it("lstm: contributions sum to the score of a row after the first window", () => {
    const { X } = planted("independent", 120, 3);
    const det = createDetector("lstm", { seed: 1, epochs: 1, window: 8 }).fit(X);
    const s = det.score(X);
    const e = explain(det, X, 100);
    expect(e.contribution.reduce((a, b) => a + b, 0)).toBeCloseTo(s[100]!, 9);
  });

  it("LOF has no per-feature decomposition and says so", () => {
    const { X } = planted("independent", 100);
    expect(() => explain(createDetector("lof").fit(X), X, 0)).toThrow(/lof has no per-feature decomposition/);
  });
});
