// Metrics against scikit-learn (fixture from scripts/sklearn-metrics-fixture.py) and hand-worked cases.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  averagePrecision,
  bestF1,
  f1AtContamination,
  pointAdjustedF1,
  prCurve,
  rocAuc,
  rocCurve,
  thresholdSweep,
} from "../../kernel/compare/metrics.js";

interface Case {
  name: string;
  labels: number[];
  scores: number[];
  roc_auc: number;
  average_precision: number;
  best_f1: number;
}
const fixture = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "sklearn-metrics.json"), "utf8")) as {
  cases: Case[];
};

describe.each(fixture.cases.map((c) => [c.name, c] as const))("scikit-learn fixture %s", (_name, c) => {
  it("ROC-AUC, average precision and best F1 agree to 1e-9", () => {
    expect(Math.abs(rocAuc(c.labels, c.scores) - c.roc_auc)).toBeLessThan(1e-9);
    expect(Math.abs(averagePrecision(c.labels, c.scores) - c.average_precision)).toBeLessThan(1e-9);
    expect(Math.abs(bestF1(thresholdSweep(c.labels, c.scores)).f1 - c.best_f1)).toBeLessThan(1e-9);
  });
});

describe("curves and F1 variants", () => {
  it("ROC and PR curves are monotone and end at full recall", () => {
    const c = fixture.cases[0]!;
    const sw = thresholdSweep(c.labels, c.scores);
    const roc = rocCurve(sw);
    const pr = prCurve(sw);
    expect(roc.fpr[0]).toBe(0);
    expect(roc.tpr[roc.tpr.length - 1]).toBe(1);
    for (let i = 1; i < roc.fpr.length; i++)
      expect(roc.fpr[i]! >= roc.fpr[i - 1]! && roc.tpr[i]! >= roc.tpr[i - 1]!).toBe(true);
    expect(pr.recall[pr.recall.length - 1]).toBe(1);
  });

  it("F1 at the true contamination flags the top-k rows", () => {
    // 2 positives; top-2 scores are rows 3 (positive) and 0 (negative): precision = recall = 1/2.
    expect(f1AtContamination([0, 0, 1, 1, 0], [0.8, 0.1, 0.3, 0.9, 0.2])).toBeCloseTo(0.5, 15);
  });

  it("point-adjusted F1 credits a whole segment once any of its points is flagged", () => {
    const y = [0, 0, 1, 1, 1, 1, 0, 0, 1, 0];
    const s = [0.1, 0.2, 0.1, 0.9, 0.1, 0.1, 0.3, 0.2, 0.1, 0.2];
    // Threshold 0.9: segment [2..5] detected (4 tp), row 8 missed (1 fn), no fp → F1 = 8 / (8 + 0 + 1) = 0.8889.
    const pa = pointAdjustedF1(y, s);
    expect(pa.f1).toBeCloseTo(8 / 9, 12);
    expect(pa.threshold).toBe(0.9);
    // Unadjusted, the best is flagging everything: 5 tp, 5 fp → F1 = 10 / 15.
    expect(bestF1(thresholdSweep(y, s)).f1).toBeCloseTo(2 / 3, 12);
  });

  it("rejects one-class labels, non-0/1 labels and non-finite scores", () => {
    expect(() => rocAuc([0, 0], [1, 2])).toThrow(/needs both normal and anomalous rows/);
    expect(() => rocAuc([0, 2], [1, 2])).toThrow(/label of row 1 is 2/);
    expect(() => rocAuc([0, 1], [1, NaN])).toThrow(/score of row 1 is NaN/);
  });
});
