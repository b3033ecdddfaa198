// PCA's three scores on every public set against scikit-learn (fixture from scripts/pca-reference.py): the default
// is PyOD's PCA, so ROC-AUC and AP must agree within 0.01 on each set; SPE and T² are checked the same way.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { averagePrecision, rocAuc } from "../../kernel/compare/metrics.js";
import { Pca, PcaScore } from "../../kernel/detectors/pca.js";
import type { Matrix } from "../../kernel/detectors/matrix.js";
import { nabLagged, odds } from "./planted.js";

interface RefScore {
  roc_auc: number;
  average_precision: number;
  first_rows: number[];
}
interface RefSet {
  name: string;
  rows: number;
  cols: number;
  k90: number;
  min_ratio: number;
  scores: Record<"pyod" | "pyod_flipped" | "mahalanobis" | "spe" | "t2", RefScore>;
}
const fixture = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "pca-reference.json"), "utf8")) as {
  sets: RefSet[];
};

async function load(name: string): Promise<{ X: Matrix; y: ArrayLike<number> }> {
  const [kind, set] = name.split("/") as [string, string];
  return kind === "odds" ? odds(set as "cardio" | "shuttle" | "satellite") : nabLagged(set);
}

const variants: { ref: keyof RefSet["scores"]; score: PcaScore; components?: number | "all" }[] = [
  { ref: "pyod", score: "pyod" },
  { ref: "spe", score: "spe", components: 0.9 },
  { ref: "t2", score: "t2", components: 0.9 },
  { ref: "mahalanobis", score: "t2", components: "all" },
];

describe.each(fixture.sets.map((s) => [s.name, s] as const))("%s", (name, ref) => {
  it("every score's ROC-AUC and AP within 0.01 of scikit-learn's; the default is PyOD's", async () => {
    const { X, y } = await load(name);
    expect([X.rows, X.cols]).toEqual([ref.rows, ref.cols]);
    const def = new Pca().fit(X);
    expect(def.options.score).toBe("pyod");
    expect(def.k).toBe(X.cols);
    for (const v of variants) {
      const p = v.ref === "pyod" ? def : new Pca({ score: v.score, components: v.components! }).fit(X);
      const s = p.score(X);
      const r = ref.scores[v.ref];
      expect(Math.abs(rocAuc(y, s) - r.roc_auc), `${v.ref} ROC-AUC`).toBeLessThanOrEqual(0.01);
      expect(Math.abs(averagePrecision(y, s) - r.average_precision), `${v.ref} AP`).toBeLessThanOrEqual(0.01);
      if (v.components === 0.9) expect(p.k).toBe(ref.k90);
    }
  });

  it("per-row scores equal scikit-learn's (PyOD's where no axis' variance is rounding noise)", async () => {
    const { X } = await load(name);
    const rel = (a: ArrayLike<number>, b: number[]) =>
      Math.max(...b.map((v, i) => Math.abs(a[i]! - v) / Math.max(1e-12, Math.abs(v))));
    const spe = new Pca({ score: "spe" }).fit(X).score(X);
    expect(rel(spe, ref.scores.spe.first_rows)).toBeLessThan(1e-6);
    // Below ~1e-10 an axis' ratio is whatever the eigensolver's rounding left; PyOD's score is then that noise's.
    if (ref.min_ratio > 1e-10) {
      expect(rel(new Pca().fit(X).score(X), ref.scores.pyod.first_rows)).toBeLessThan(1e-6);
    }
    expect(rel(new Pca({ score: "t2" }).fit(X).score(X), ref.scores.t2.first_rows)).toBeLessThan(1e-6);
  });
});
