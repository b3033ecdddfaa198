// Isolation forest and PCA against scikit-learn on the public ODDS sets (reference: test/fixtures/BASELINES.md,
// measured with scikit-learn 1.2.1 on these files), and PCA scores against scikit-learn itself when it is installed.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { averagePrecision, rocAuc } from "../../kernel/compare/metrics.js";
import { IsolationForest } from "../../kernel/detectors/isolation-forest.js";
import { Pca } from "../../kernel/detectors/pca.js";
import { DATASETS, odds } from "./planted.js";

// From BASELINES.md: IF ROC-AUC mean over seeds 0–4; PCA(0.90) k and ROC-AUC/AP.
const BASELINE = {
  cardio: { ifAuc: 0.9318, pcaK: 12, pcaAuc: 0.7273, pcaAp: 0.2681 },
  shuttle: { ifAuc: 0.9971, pcaK: 6, pcaAuc: 0.5134, pcaAp: 0.0879 },
  satellite: { ifAuc: 0.6962, pcaK: 4, pcaAuc: 0.6482, pcaAp: 0.5189 },
} as const;

describe.each(Object.keys(BASELINE) as (keyof typeof BASELINE)[])("ODDS %s", (name) => {
  it("isolation forest: mean ROC-AUC over 5 seeds within 0.01 of scikit-learn's", async () => {
    const { X, y } = await odds(name);
    let sum = 0;
    for (let seed = 0; seed < 5; seed++) sum += rocAuc(y, new IsolationForest({ seed }).fit(X).score(X));
    expect(Math.abs(sum / 5 - BASELINE[name].ifAuc)).toBeLessThanOrEqual(0.01);
  });

  it("PCA(0.90) reconstruction error: same k, ROC-AUC and AP within 0.01 of scikit-learn's", async () => {
    const { X, y } = await odds(name);
    const p = new Pca({ components: 0.9, score: "spe" }).fit(X);
    const s = p.score(X);
    expect(p.k).toBe(BASELINE[name].pcaK);
    expect(Math.abs(rocAuc(y, s) - BASELINE[name].pcaAuc)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(averagePrecision(y, s) - BASELINE[name].pcaAp)).toBeLessThanOrEqual(0.01);
  });
});

const python = "/usr/bin/python3";
const haveSklearn = existsSync(python) && spawnSync(python, ["-c", "import sklearn"]).status === 0;

describe("PCA scores against scikit-learn itself", () => {
  it.skipIf(!haveSklearn)(
    "cardio: per-row SPE equals StandardScaler → PCA(0.90) reconstruction error to 1e-9 relative",
    async () => {
      const csv = join(DATASETS, "odds", "cardio.csv");
      const code = [
        "import sys, json, pandas as pd, numpy as np",
        "from sklearn.preprocessing import StandardScaler",
        "from sklearn.decomposition import PCA",
        "df = pd.read_csv(sys.argv[1]); df.pop('label')",
        "z = StandardScaler().fit_transform(df.values)",
        "p = PCA(n_components=0.90, svd_solver='full').fit(z)",
        "print(json.dumps(((z - p.inverse_transform(p.transform(z))) ** 2).sum(axis=1).tolist()))",
      ].join("\n");
      const r = spawnSync(python, ["-c", code, csv], {
        encoding: "utf8",
        env: { ...process.env, OMP_NUM_THREADS: "1" },
      });
      expect(r.status, r.stderr).toBe(0);
      const ref = JSON.parse(r.stdout) as number[];
      const { X } = await odds("cardio");
      const s = new Pca({ score: "spe" }).fit(X).score(X);
      let worst = 0;
      for (let i = 0; i < ref.length; i++)
        worst = Math.max(worst, Math.abs(s[i]! - ref[i]!) / Math.max(1e-12, Math.abs(ref[i]!)));
      expect(worst).toBeLessThan(1e-9);
    },
  );
});
