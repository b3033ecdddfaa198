// compare on sequence data: detectors fitted on normal traces, scored per trace of a labelled set, graded with the
// same metrics as the tabular comparison. Sequence detectors read the calls in order; tabular detectors (iforest,
// ...) read each trace's bag of syscalls (call frequencies), so the two kinds are compared on the same traces.

import { OptionError } from "../errors.js";
import { createDetector, detectorNames } from "../detectors/registry.js";
import { createSequenceDetector, sequenceDetectorNames } from "../detectors/sequence/registry.js";
import { ngramFeatures, Trace } from "../detectors/sequence/traces.js";
import { averagePrecision, bestF1, f1AtContamination, rocAuc, thresholdSweep } from "./metrics.js";
import type { CompareRow } from "./compare.js";
import { measurePeak } from "./peak-memory.js";

/**
 * One row per detector: ROC-AUC, PR-AUC, best F1 and F1 at the true contamination over the `test` traces (label:
 * each trace's), fit time on `train` (normal traces) and score time on `test`.
 * @example compareSequences(train, test, ["stide", "ngram", "iforest"], { seed: 0 })
 */
export function compareSequences(
  train: readonly Trace[],
  test: readonly Trace[],
  detectors: readonly string[],
  opts: { seed?: number } = {},
): { rows: CompareRow[]; scores: Record<string, Float64Array>; labels: Uint8Array } {
  const labels = Uint8Array.from(test, (t) => (t.label && t.label > 0 ? 1 : 0));
  const positives = labels.reduce((a, b) => a + b, 0);
  if (positives === 0 || positives === labels.length) {
    throw new OptionError(
      `the scored traces need both labels: ${positives} of ${labels.length} are anomalous`,
      "score a set with normal and anomalous traces (--data) and fit on normal ones (--fit)",
    );
  }
  const seed = opts.seed ?? 0;
  const rows: CompareRow[] = [];
  const scores: Record<string, Float64Array> = {};
  const trainCalls = train.map((t) => t.calls);
  const testCalls = test.map((t) => t.calls);
  for (const name of detectors) {
    let fitMs = 0,
      scoreMs = 0;
    const peak = measurePeak(() => {
      const t0 = performance.now();
      if ((sequenceDetectorNames as string[]).includes(name)) {
        const d = createSequenceDetector(name, { seed }).fit(trainCalls);
        const t1 = performance.now();
        const s = Float64Array.from(testCalls, (c) => d.scoreTrace(c));
        fitMs = t1 - t0;
        scoreMs = performance.now() - t1;
        return s;
      }
      if (!(detectorNames as string[]).includes(name)) {
        throw new OptionError(
          `unknown detector "${name}"`,
          `sequence detectors: ${sequenceDetectorNames.join(", ")}; tabular ones (on the bag of syscalls): ${detectorNames.join(", ")}`,
        );
      }
      const Xtrain = ngramFeatures(trainCalls, { n: 1, top: 64 });
      const Xtest = ngramFeatures(testCalls, { n: 1, top: 64, vocabulary: trainCalls });
      const d = createDetector(name, { seed }).fit(Xtrain);
      const t1 = performance.now();
      const s = d.score(Xtest);
      fitMs = t1 - t0;
      scoreMs = performance.now() - t1;
      return s;
    });
    const s = peak.result;
    rows.push({
      detector: name,
      roc_auc: rocAuc(labels, s),
      pr_auc: averagePrecision(labels, s),
      best_f1: bestF1(thresholdSweep(labels, s)).f1,
      f1_at_contamination: f1AtContamination(labels, s),
      fit_ms: fitMs,
      score_ms: scoreMs,
      peak_mem_bytes: peak.peakBytes,
    });
    scores[name] = s;
  }
  return { rows, scores, labels };
}
