import { describe, expect, test } from "vitest";
import { featureContributions, pcaScatter, prCurves, rocCurves, scoreTimeline } from "../../kernel/plots/detection.js";
import { comparisonTable } from "../../kernel/plots/comparison-table.js";
import { OptionError } from "../../kernel/errors.js";

type Rec = Record<string, unknown>;

describe("scoreTimeline", () => {
  const t = Array.from({ length: 20 }, (_, i) => i * 0.5);
  const score = t.map((x) => (x >= 4 && x < 6 ? 5 : 1));
  test("threshold line, flagged markers and shaded labelled windows", () => {
    const fig = scoreTimeline({
      t,
      series: [
        { name: "pca", score },
        { name: "iforest", score: score.map((s) => s / 2) },
      ],
      threshold: 3,
      windows: [{ start: 4, end: 6, label: "stress-ng" }],
    });
    expect(fig.data.map((d) => d["name"])).toEqual([
      "pca",
      "pca > threshold",
      "iforest",
      "iforest > threshold",
      "above the threshold",
    ]);
    // the legend lists each series once and the markers once, not "X > threshold" for every series
    const legend = fig.data.filter((d) => d["showlegend"] !== false).map((d) => d["name"]);
    expect(legend).toEqual(["pca", "iforest", "above the threshold"]);
    expect(fig.data[1]!["legendgroup"]).toBe("pca");
    expect((fig.data[0] as Rec).y).toHaveLength(20);
    expect((fig.data[1] as Rec).x).toEqual([4, 4.5, 5, 5.5]);
    expect((fig.data[3] as Rec).x).toEqual([]);
    const shapes = fig.layout["shapes"] as Rec[];
    expect(shapes.filter((s) => s.type === "rect")).toEqual([expect.objectContaining({ x0: 4, x1: 6, yref: "paper" })]);
    expect(shapes.filter((s) => s.type === "line")).toEqual([expect.objectContaining({ y0: 3, y1: 3 })]);
    const notes = (fig.layout["annotations"] as Rec[]).map((a) => a.text);
    expect(notes).toEqual(["stress-ng", "threshold<br>3"]);
    // the threshold's label sits in the right margin (x beyond the plot), not on the data
    const th = (fig.layout["annotations"] as Rec[])[1];
    expect(th).toMatchObject({ xref: "paper", x: 1, xanchor: "left" });
    expect((fig.layout["margin"] as Rec).r).toBeGreaterThanOrEqual(80);
  });

  test("labels of overlapping windows go on separate rows", () => {
    const fig = scoreTimeline({
      t,
      series: { name: "s", score },
      windows: [
        { start: 1, end: 5, label: "a" },
        { start: 2, end: 3, label: "b" },
        { start: 6, end: 8, label: "c" },
        { start: 4, end: 7, label: "d" },
      ],
    });
    const shift = Object.fromEntries((fig.layout["annotations"] as Rec[]).map((a) => [a.text, a.yshift]));
    expect(shift).toEqual({ a: 0, b: 14, d: 14, c: 0 });
    expect((fig.layout["margin"] as Rec).t).toBe(72 + 14);
  });

  test("a score array of the wrong length is an OptionError", () => {
    expect(() => scoreTimeline({ t, series: { name: "x", score: [1, 2] } })).toThrow(OptionError);
  });
});

describe("ROC and PR curves", () => {
  test("one trace per detector plus the chance line; AUC in the legend", () => {
    const fig = rocCurves([
      {
        name: "pca",
        points: [
          { fpr: 0, tpr: 0 },
          { fpr: 0.1, tpr: 0.8 },
          { fpr: 1, tpr: 1 },
        ],
        auc: 0.91,
      },
      {
        name: "iforest",
        points: [
          { fpr: 0, tpr: 0 },
          { fpr: 1, tpr: 1 },
        ],
      },
    ]);
    expect(fig.data.map((d) => d["name"])).toEqual(["pca (AUC 0.910)", "iforest", "chance"]);
    expect((fig.data[0] as Rec).x).toEqual([0, 0.1, 1]);
    expect((fig.data[0] as Rec).y).toEqual([0, 0.8, 1]);
    expect((fig.layout["yaxis"] as Rec).scaleanchor).toBe("x");
    expect(((fig.layout["xaxis"] as Rec).title as Rec).text).toBe("false positive rate");
  });

  test("PR curves draw the no-skill line at the prevalence", () => {
    const fig = prCurves(
      [
        {
          name: "pca",
          points: [
            { recall: 0, precision: 1 },
            { recall: 1, precision: 0.2 },
          ],
          ap: 0.5,
        },
      ],
      { prevalence: 0.05 },
    );
    expect(fig.data).toHaveLength(2);
    expect((fig.data[1] as Rec).y).toEqual([0.05, 0.05]);
    expect(fig.data[1]!["name"]).toBe("no skill (5.0% anomalies)");
  });
});

describe("pcaScatter and featureContributions", () => {
  test("points coloured by score, labelled anomalies outlined, variance in axis titles", () => {
    const fig = pcaScatter({
      x: new Float64Array([0, 1, 2, 9]),
      y: new Float64Array([0, 1, 0, 9]),
      score: [0.1, 0.2, 0.1, 3],
      labels: [0, 0, 0, 1],
      explained: [0.6, 0.25],
    });
    expect(fig.data).toHaveLength(2);
    expect((fig.data[0] as Rec).x).toEqual([0, 1, 2, 9]);
    expect(((fig.data[0] as Rec).marker as Rec).color).toEqual([0.1, 0.2, 0.1, 3]);
    expect((fig.data[1] as Rec).x).toEqual([9]);
    expect(((fig.layout["xaxis"] as Rec).title as Rec).text).toBe("PC1 (60.0% of variance)");
  });

  test("contributions sorted by magnitude, largest on top, sign coloured", () => {
    const fig = featureContributions({ features: ["a", "b", "c"], values: [0.1, -2, 1], topN: 2 });
    const bar = fig.data[0] as { y: string[]; x: number[]; marker: { color: string[] } };
    expect(bar.y).toEqual(["c", "b"]);
    expect(bar.x).toEqual([1, -2]);
    expect(new Set(bar.marker.color).size).toBe(2);
  });
});

describe("comparisonTable", () => {
  test("marks the best value per column, respecting lower-is-better", () => {
    const t = comparisonTable(
      [
        { detector: "pca", roc_auc: 0.9, fit_ms: 12 },
        { detector: "iforest", roc_auc: 0.95, fit_ms: 40 },
      ],
      { lowerIsBetter: ["fit_ms"], units: { fit_ms: "ms" } },
    );
    expect(t.best("roc_auc")).toBe(1);
    expect(t.best("fit_ms")).toBe(0);
    expect(t.best("detector")).toBeUndefined();
    const b = t.toMimeBundle();
    expect(b["text/html"]).toContain("0.950 ★");
    expect(b["text/html"]).toContain("12 ★");
    expect(b["text/plain"]).toMatch(/pca\s+0\.900\s+12/);
  });
});
