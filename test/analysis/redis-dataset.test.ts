// The shipped labelled capture replays without root, its labels point at processes it holds, and the
// detectors find the injected anomalies in it.

import { join } from "node:path";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { features } from "../../kernel/features/features.js";
import { labelRows, readLabels } from "../../kernel/analysis/labels.js";
import { findAnomalies, logScale, percentileRanks } from "../../kernel/analysis/anomalies.js";
import { compareDetectors } from "../../kernel/compare/compare.js";
import { dropConstantColumns } from "../../kernel/detectors/matrix.js";
import { DatasetError } from "../../kernel/errors.js";

const dir = join(__dirname, "../../datasets/redis-injected");

describe("datasets/redis-injected", () => {
  it("loads, and every labelled pid is in the capture during its window", async () => {
    const cap = await loadCapture(dir);
    expect(cap.collectors.sort()).toEqual(["process", "sched", "syscalls"]);
    const labels = readLabels(join(dir, "labels.csv"));
    expect(labels.map((l) => l.kind)).toEqual([
      "redis-blocked",
      "redis-keys-storm",
      "syscall-storm",
      "fork-storm",
      "cpu-hog",
    ]);
    const sched = cap.frame("sched");
    const pid = sched.numeric("pid"),
      t = sched.numeric("t_s");
    for (const l of labels) {
      let seen = false;
      for (let i = 0; i < sched.length; i++)
        if (pid[i] === l.pid && t[i]! + 1 > l.start_s && t[i]! < l.end_s) seen = true;
      expect(seen, `${l.kind} pid ${l.pid}`).toBe(true);
    }
  });

  it("robust z-score on log-scaled features finds the injected anomalies (ROC-AUC > 0.9)", async () => {
    const cap = await loadCapture(dir);
    const f = features(cap, { by: "pid", window: "1s" });
    const y = labelRows(f, readLabels(join(dir, "labels.csv")));
    expect(y.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    const X = logScale(dropConstantColumns(f.matrix).matrix);
    const r = compareDetectors({ matrix: X, labels: y }, ["zscore", "iforest"], { seed: 0 });
    expect(r.rows.find((x) => x.detector === "zscore")!.roc_auc).toBeGreaterThan(0.9);
    expect(r.rows.find((x) => x.detector === "iforest")!.roc_auc).toBeGreaterThan(0.8);
    const rep = findAnomalies(cap, { top: 5 });
    expect(rep.top.length).toBe(5);
    expect(rep.top.some((a) => y[a.row] === 1)).toBe(true);
  });

  it("percentile ranks share ties and span 0..1", () => {
    expect(Array.from(percentileRanks(new Float64Array([3, 1, 2, 2])))).toEqual([1, 0, 0.5, 0.5]);
  });

  it("a labels file with a foreign header is refused with what to write", () => {
    const p = join(mkdtempSync(join(tmpdir(), "bpflab-labels-")), "labels.csv");
    writeFileSync(p, "a,b\n1,2\n");
    expect(() => readLabels(p)).toThrow(DatasetError);
    expect(() => readLabels(p)).toThrow(/kind,pid,comm,start_s,end_s,description/);
  });
});
