// compareDetectors and the `bpflab compare` entry point on public data, CSV and Parquet.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compareDetectors } from "../../kernel/compare/compare.js";
import { runCompareCli } from "../../kernel/compare/compare-cli.js";
import { averagePrecision, rocAuc } from "../../kernel/compare/metrics.js";
import { readCsv } from "../../kernel/compare/read-csv.js";
import { IsolationForest } from "../../kernel/detectors/isolation-forest.js";
import { OptionError } from "../../kernel/errors.js";
import { DATASETS } from "../detectors/planted.js";

const cardio = join(DATASETS, "odds", "cardio.csv");
const tmp = mkdtempSync(join(tmpdir(), "bpflab-compare-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("compareDetectors", () => {
  it("reports metrics that match the returned scores, curves and honest resource numbers", async () => {
    const frame = await readCsv(cardio);
    const r = compareDetectors(
      frame,
      ["iforest", "pca", { name: "knn", options: { k: 10 }, label: "knn-10" }, new IsolationForest({ seed: 9 })],
      { label: "label", seed: 2 },
    );
    expect(r.rows.map((x) => x.detector)).toEqual(["iforest", "pca", "knn-10", "iforest#2"]);
    const y = frame.numeric("label");
    for (const row of r.rows) {
      const s = r.scores[row.detector]!;
      expect(row.roc_auc).toBe(rocAuc(y, s));
      expect(row.pr_auc).toBe(averagePrecision(y, s));
      expect(row.best_f1).toBeGreaterThanOrEqual(row.f1_at_contamination);
      expect(row.fit_ms).toBeGreaterThan(0);
      expect(row.score_ms).toBeGreaterThan(0);
      expect(Number.isFinite(row.peak_mem_bytes) && row.peak_mem_bytes >= 0).toBe(true);
    }
    // The seed option reaches detectors created by name.
    expect(Array.from(r.scores.iforest!)).toEqual(
      Array.from(
        new IsolationForest({ seed: 2 })
          .fit({ frame, columns: frame.columnNames.slice(0, 21) })
          .score({ frame, columns: frame.columnNames.slice(0, 21) }),
      ),
    );
    expect(r.rows[1]!.roc_auc).toBeCloseTo(0.95, 4); // PyOD-style PCA on cardio (test/fixtures/pca-reference.json)
    const c = r.curves[0]!;
    expect(c.fpr.length).toBeLessThanOrEqual(1000);
    expect(c.fpr[c.fpr.length - 1]).toBe(1);
    expect(r.labels.reduce((a, b) => a + b, 0)).toBe(176);
  });

  it("names a missing label column", async () => {
    const frame = await readCsv(cardio);
    expect(() => compareDetectors(frame, ["iforest"], { label: "y" })).toThrow(/no label column "y"/);
  });
});

describe("runCompareCli", () => {
  it("json: an array of { detector, roc_auc, pr_auc, best_f1, fit_ms, score_ms }", async () => {
    const out = await runCompareCli({ data: cardio, label: "label", detectors: ["iforest", "pca"], format: "json" });
    const rows = JSON.parse(out) as Record<string, unknown>[];
    expect(rows.map((r) => Object.keys(r).sort())).toEqual(
      Array(2).fill(["best_f1", "detector", "fit_ms", "pr_auc", "roc_auc", "score_ms"]),
    );
    expect(rows[1]!.roc_auc).toBeCloseTo(0.95, 4); // PyOD-style PCA, the default
  });

  it("table: a header line and one row per detector", async () => {
    const out = await runCompareCli({ data: cardio, label: "label", detectors: ["hbos", "ecod"], format: "table" });
    const lines = out.split("\n");
    expect(lines[0]).toMatch(/1831 rows, 176 anomalies \(9.61 %\)/);
    expect(lines[1]).toMatch(/^DETECTOR\s+ROC-AUC\s+PR-AUC/);
    expect(lines[2]).toMatch(/^hbos\s+0\.\d{4}/);
    expect(lines[3]).toMatch(/^ecod\s+0\.\d{4}/);
  });

  it("reads Parquet written by bpflab", async () => {
    const { writeParquet } = await import("../../kernel/frame/parquet.js");
    const frame = await readCsv(cardio);
    const path = join(tmp, "cardio.parquet");
    await writeParquet(frame, path);
    const out = JSON.parse(await runCompareCli({ data: path, label: "label", detectors: ["pca"], format: "json" }));
    expect(out[0].roc_auc).toBeCloseTo(0.95, 4); // PyOD-style PCA, the default
  });

  it("rejects unknown detectors, formats and file types with hints", async () => {
    await expect(
      runCompareCli({ data: cardio, label: "label", detectors: ["forest"], format: "json" }),
    ).rejects.toThrow(/known detectors/);
    await expect(
      runCompareCli({ data: cardio, label: "label", detectors: [], format: "xml" as "json" }),
    ).rejects.toBeInstanceOf(OptionError);
    await expect(
      runCompareCli({ data: join(tmp, "x.xlsx"), label: "label", detectors: [], format: "json" }),
    ).rejects.toThrow(/unknown file type/);
  });
});

describe("time series in compare", () => {
  const redis = join(__dirname, "..", "..", "datasets", "redis-injected");

  it("a capture with interval labels: json rows keep their keys and add the time-series metrics", async () => {
    const out = await runCompareCli({
      data: redis,
      labels: join(redis, "labels.csv"),
      detectors: ["zscore"],
      format: "json",
    });
    const [row] = JSON.parse(out) as Record<string, number>[];
    expect(Object.keys(row!)).toEqual([
      "detector",
      "roc_auc",
      "pr_auc",
      "best_f1",
      "fit_ms",
      "score_ms",
      "vus_pr",
      "pa_k_auc",
      "event_recall",
      "false_alarms_per_h",
      "time_to_detect_s",
      "legacy_point_adjusted_f1",
    ]);
    expect(row!.roc_auc).toBeGreaterThan(0.9); // as test/analysis/redis-dataset.test.ts finds with labelRows
    for (const k of ["vus_pr", "pa_k_auc", "event_recall"]) expect(row![k]).toBeGreaterThan(0);
    // PA%K's area never exceeds the lenient point adjust it generalises (K = 0 is its first point).
    expect(row!.pa_k_auc).toBeLessThanOrEqual(row!.legacy_point_adjusted_f1!);
  });

  it("the table prints the legacy point-adjusted F1 for time series only", async () => {
    const ts = await runCompareCli({ data: redis, detectors: ["zscore"], format: "table" });
    expect(ts).toMatch(/VUS-PR\s+PA%K-AUC\s+EVENTS\s+FA\/H\s+TTD-S\s+PA-F1\(LEGACY\)/);
    const tab = await runCompareCli({ data: cardio, label: "label", detectors: ["zscore"], format: "table" });
    expect(tab).not.toMatch(/PA-F1|VUS/);
  });

  it("labels that match no entity of the capture are a one-line error", async () => {
    const bad = join(tmp, "labels.csv");
    writeFileSync(bad, "kind,pid,comm,start_s,end_s,description\ncpu-hog,999999,x,10,20,not in this capture\n");
    await expect(runCompareCli({ data: redis, labels: bad, detectors: ["zscore"], format: "json" })).rejects.toThrow(
      /label "cpu-hog" \(pid 999999, comm x, 10\.0–20\.0 s\) matches no row of this capture/,
    );
  });
});
