// On the shipped syscall-sequence corpus (datasets/syscall-sequences, bpflab's own captures of real programs),
// STIDE, the n-gram model and the GRU language model, fitted on normal runs only, separate the abnormal runs better
// than an isolation forest on the bag of syscalls (the per-trace call frequencies) fitted on the same runs. The GRU
// trains on every distinct 6-call window once, so rare normal stretches (start-up, shutdown) are learnt. Its
// ROC-AUC here varies with the seed (0.90–0.94 over seeds 0–4, 0.87–0.94 on freshly captured tuning corpora), so
// the margin over the forest (0.62) asked of it is the same 0.2 as of the others, with room for a seed's luck.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readParquet } from "../../../kernel/frame/parquet.js";
import { packageRoot } from "../../../kernel/paths.js";
import { ngramFeatures, tracesFromTable, Trace } from "../../../kernel/detectors/sequence/traces.js";
import { createSequenceDetector } from "../../../kernel/detectors/sequence/registry.js";
import { IsolationForest } from "../../../kernel/detectors/isolation-forest.js";
import { rocAuc } from "../../../kernel/compare/metrics.js";

const dir = join(packageRoot(), "datasets", "syscall-sequences");

async function load(file: string): Promise<Trace[]> {
  return tracesFromTable((await readParquet(join(dir, file))).frame, "trace", "call", "label");
}

describe("syscall-sequence corpus", () => {
  it("stide, ngram and lstm beat the bag-of-syscalls isolation forest (ROC-AUC over test traces)", async () => {
    const train = await load("train.parquet");
    const test = await load("test.parquet");
    expect(train.every((t) => t.label === 0)).toBe(true);
    const labels = test.map((t) => t.label!);
    expect(labels.filter((l) => l === 1).length).toBeGreaterThanOrEqual(6);
    // the baseline: call frequencies per trace, vocabulary from the training traces
    const vocab = train.map((t) => t.calls);
    const Xtrain = ngramFeatures(vocab, { n: 1, top: 64 });
    const Xtest = ngramFeatures(
      test.map((t) => t.calls),
      { n: 1, top: 64, vocabulary: vocab },
    );
    const forest = new IsolationForest({ seed: 0 }).fit(Xtrain);
    const base = rocAuc(labels, forest.score(Xtest));
    const results: Record<string, number> = { iforest: base };
    for (const name of ["stide", "ngram", "lstm"]) {
      const d = createSequenceDetector(name, { seed: 0 }).fit(vocab);
      results[name] = rocAuc(
        labels,
        test.map((t) => d.scoreTrace(t.calls)),
      );
    }
    console.log("corpus ROC-AUC", results);
    for (const name of ["stide", "ngram", "lstm"]) expect(results[name]).toBeGreaterThan(base + 0.2);
  }, 300_000);
});

describe("bpflab compare --sequence", () => {
  it("fits on the normal traces, scores each labelled trace, and reports the same metrics", async () => {
    const { bpflab } = await import("../../cli/run-cli.js");
    const r = bpflab(
      [
        "compare",
        "--data",
        join(dir, "test.parquet"),
        "--fit",
        join(dir, "train.parquet"),
        "--sequence",
        "trace:call",
        "--label",
        "label",
        "--detector",
        "stide,ngram,lstm,iforest",
        "--json",
      ],
      { timeout: 240_000 },
    );
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as { detector: string; roc_auc: number }[];
    expect(rows.map((x) => x.detector)).toEqual(["stide", "ngram", "lstm", "iforest"]);
    const auc = Object.fromEntries(rows.map((x) => [x.detector, x.roc_auc]));
    expect(auc["stide"]).toBeGreaterThan(auc["iforest"]!);
    expect(auc["ngram"]).toBeGreaterThan(auc["iforest"]!);
    expect(auc["lstm"]).toBeGreaterThan(auc["iforest"]!);
    const bad = bpflab(["compare", "--data", join(dir, "test.parquet"), "--sequence", "trace", "--label", "label"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/TRACE_COL:CALL_COL/);
  }, 300_000);
});
