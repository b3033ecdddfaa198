// The displays of a detector comparison in one call: table, ROC curves and PR curves. Typed structurally on
// compareDetectors' result so the plots do not depend on the detector code.

import { ComparisonRow, ComparisonTable } from "./comparison-table.js";
import { prCurves, rocCurves } from "./detection.js";
import { Figure } from "./figure.js";

/** The parts of a comparison result the displays read (compareDetectors returns this shape). */
export interface ComparisonLike {
  // Other columns (best_f1, fit_ms, ...) show in the table too. No index signature here: compareDetectors' rows
  // are an interface (CompareRow), which TypeScript will not widen to a Record.
  rows: { detector: string; roc_auc: number; pr_auc: number }[];
  curves: {
    detector: string;
    fpr: ArrayLike<number>;
    tpr: ArrayLike<number>;
    recall: ArrayLike<number>;
    precision: ArrayLike<number>;
  }[];
  /** Ground truth (1 = anomaly), for the PR no-skill line. */
  labels: ArrayLike<number>;
}

/** Columns where lower is better, and units, of compareDetectors' rows. */
const LOWER = ["fit_ms", "score_ms", "peak_mem_bytes"];
const UNITS: Record<string, string> = { fit_ms: "ms", score_ms: "ms", peak_mem_bytes: "bytes" };

/**
 * Table (best value per metric marked), ROC curves with AUC and PR curves with AP and the no-skill line.
 *
 * @example
 *   const r = compareDetectors(frame, ["iforest", "pca"], { label: "label" });
 *   const { table, roc, pr } = comparisonFigures(r, { dataset: "cardio" });
 *   show(table); show(roc); show(pr);
 */
export function comparisonFigures(
  r: ComparisonLike,
  options: { dataset?: string } = {},
): { table: ComparisonTable; roc: Figure; pr: Figure } {
  const on = options.dataset ? ` on ${options.dataset}` : "";
  const byName = new Map(r.rows.map((row) => [row.detector, row]));
  let positives = 0;
  for (let i = 0; i < r.labels.length; i++) if (Number(r.labels[i]) !== 0) positives++;
  const prevalence = r.labels.length ? positives / r.labels.length : undefined;
  return {
    table: new ComparisonTable(r.rows as unknown as ComparisonRow[], {
      title: `Detector comparison${on}`,
      lowerIsBetter: LOWER,
      units: UNITS,
    }),
    roc: rocCurves(
      r.curves.map((c) => ({ ...c, auc: byName.get(c.detector)?.roc_auc })),
      { title: `ROC curves${on}` },
    ),
    pr: prCurves(
      r.curves.map((c) => ({ ...c, ap: byName.get(c.detector)?.pr_auc })),
      { title: `Precision-recall curves${on}`, prevalence },
    ),
  };
}
