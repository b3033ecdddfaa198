// The comparison displays fed by the real detector code (compareDetectors, explain) on data with a known answer.

import { describe, expect, test } from "vitest";
import { compareDetectors } from "../../kernel/compare/compare.js";
import { createDetector } from "../../kernel/detectors/registry.js";
import { explain } from "../../kernel/detectors/explain.js";
import { matrixFromColumns } from "../../kernel/detectors/matrix.js";
import { comparisonFigures } from "../../kernel/plots/comparison-figures.js";
import { featureContributions, windowsFromLabels } from "../../kernel/plots/detection.js";

/** 200 rows of two smooth features; rows 150..154 get a large jump in feature "b" only. */
function data() {
  const n = 200;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = Math.sin(i / 7) + 0.01 * (i % 5);
    b[i] = Math.cos(i / 11) + 0.01 * (i % 3);
    if (i >= 150 && i < 155) {
      b[i]! += 8;
      labels[i] = 1;
    }
  }
  return { matrix: matrixFromColumns({ a, b }), labels };
}

describe("comparisonFigures on compareDetectors' result", () => {
  test("table marks the best detector; ROC/PR curves carry AUC/AP and the 2.5% no-skill line", () => {
    const d = data();
    const r = compareDetectors(d, ["zscore", "pca"]);
    const { table, roc, pr } = comparisonFigures(r, { dataset: "synthetic" });
    expect(table.rows.map((row) => row["detector"])).toEqual(["zscore", "pca"]);
    expect(table.title).toBe("Detector comparison on synthetic");
    const bestAuc = r.rows.reduce((bi, row, i) => (row.roc_auc > r.rows[bi]!.roc_auc ? i : bi), 0);
    expect(table.best("roc_auc")).toBe(bestAuc);
    expect(table.toMimeBundle()["text/html"]).toContain("ms");
    expect(roc.data).toHaveLength(3);
    expect(roc.data[0]!["name"]).toBe(`zscore (AUC ${r.rows[0]!.roc_auc.toFixed(3)})`);
    expect(roc.data[0]!["x"]).toHaveLength(r.curves[0]!.fpr.length);
    expect(pr.data.at(-1)!["name"]).toBe("no skill (2.5% anomalies)");
    expect(pr.data[1]!["y"]).toHaveLength(r.curves[1]!.precision.length);
  });
});

describe("featureContributions from explain()", () => {
  test("the jumped feature tops the bars of an anomalous row", () => {
    const d = data();
    const det = createDetector("zscore").fit(d.matrix);
    const fig = featureContributions(explain(det, d.matrix, 152));
    const bar = fig.data[0] as { y: string[]; x: number[] };
    expect(bar.y.at(-1)).toBe("b"); // largest magnitude is drawn last (on top)
    expect(fig.title).toMatch(/^Why row 152 scored .* \(zscore\)$/);
  });
});

describe("windowsFromLabels", () => {
  test("each run of 1s becomes one window ending at the next sample", () => {
    expect(windowsFromLabels([0, 1, 2, 3, 4, 5], [0, 1, 1, 0, 0, 1], "fault")).toEqual([
      { start: 1, end: 3, label: "fault" },
      { start: 5, end: 6, label: "fault" },
    ]);
  });
});
