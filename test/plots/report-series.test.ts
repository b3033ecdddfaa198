// scoreTimeline(report) and pcaScatter(detector, X): the charts straight from findAnomalies' report and a
// fitted PCA, checked against the arrays computed by hand from the same report.

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { AnomalyReport, findAnomalies, logScale } from "../../kernel/analysis/anomalies.js";
import { readLabels } from "../../kernel/analysis/labels.js";
import { createDetector } from "../../kernel/detectors/registry.js";
import { dropConstantColumns } from "../../kernel/detectors/matrix.js";
import { pcaScatter, scoreTimeline } from "../../kernel/plots/detection.js";
import { OptionError } from "../../kernel/errors.js";

const redis = join(__dirname, "../../datasets/redis-injected");
let report: AnomalyReport;

beforeAll(async () => {
  report = findAnomalies(await loadCapture(redis), { detectors: ["zscore", "iforest"], top: 5 });
});

describe("scoreTimeline(report)", () => {
  it("draws each labelled process and the highest of the others, per window", () => {
    const labels = readLabels(join(redis, "labels.csv"));
    const fig = scoreTimeline(report, { detector: "zscore", labels });
    const pids = [...new Set(labels.map((l) => l.pid))];
    const lines = fig.data.filter((d) => d["mode"] === "lines");
    expect(lines).toHaveLength(pids.length + 1);
    expect(lines.map((d) => d["name"])).toContain("rogue-syscalls (28016)");
    const t = report.features.keys.numeric("t_s");
    const pid = report.features.keys.numeric("pid");
    const z = report.scores["zscore"]!;
    const times = [...new Set(t)].sort((a, b) => a - b);
    const at = times.indexOf(40);
    const rogue = lines.find((d) => d["name"] === "rogue-syscalls (28016)")!;
    const want = z[[...t.keys()].find((i) => t[i] === 40 && pid[i] === 28016)!];
    expect((rogue["y"] as number[])[at]).toBe(want);
    let others = -Infinity;
    for (let i = 0; i < t.length; i++) if (t[i] === 40 && !pids.includes(pid[i]!)) others = Math.max(others, z[i]!);
    expect((lines.at(-1)!["y"] as number[])[at]).toBe(others);
    // the 98th percentile as threshold, the labelled windows shaded
    const sorted = Float64Array.from(z).sort();
    const th = sorted[Math.floor(0.98 * (sorted.length - 1))];
    expect((fig.layout["shapes"] as { type: string; y0?: number }[]).find((s) => s.type === "line")!.y0).toBe(th);
    expect((fig.layout["shapes"] as { type: string }[]).filter((s) => s.type === "rect")).toHaveLength(labels.length);
  });

  it("defaults to the top rows' processes and the ranking detector; a wrong detector is an OptionError", () => {
    const fig = scoreTimeline(report);
    expect(fig.title).toContain("zscore");
    expect(() => scoreTimeline(report, { detector: "lof" })).toThrow(OptionError);
  });
});

describe("pcaScatter(detector, X)", () => {
  it("projects every row on the first two axes, named after its process", () => {
    const X = logScale(dropConstantColumns(report.features.matrix).matrix);
    const pca = createDetector("pca").fit(X);
    const fig = pcaScatter(pca, X, { score: report.consensus, keys: report.features.keys });
    const pts = fig.data[0]!;
    expect((pts["x"] as number[]).length).toBe(X.rows);
    // PC scores of standardised data have mean 0
    const mean = (pts["x"] as number[]).reduce((a, b) => a + b, 0) / X.rows;
    expect(Math.abs(mean)).toBeLessThan(1e-9);
    expect((pts["text"] as string[])[0]).toMatch(/^.+ \(\d+\) t=\d+(\.\d+)? s$/);
    expect(() => pcaScatter(createDetector("zscore").fit(X), X)).toThrow(/needs a fitted PCA detector/);
  });
});
