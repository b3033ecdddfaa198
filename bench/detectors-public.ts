// PCA's scores on every public set (datasets/public), bpflab beside scikit-learn's figures for the same scores
// (test/fixtures/pca-reference.json, made by scripts/pca-reference.py): the table behind README's PCA claims.
//
// Usage: npx tsx bench/detectors-public.ts        (prints a Markdown table; no root, ~2 s)

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { averagePrecision, rocAuc } from "../kernel/compare/metrics.js";
import { Pca, PcaScore } from "../kernel/detectors/pca.js";
import type { Matrix } from "../kernel/detectors/matrix.js";
import { nabLagged, odds } from "../test/detectors/planted.js";

interface RefSet {
  name: string;
  rows: number;
  cols: number;
  scores: Record<string, { roc_auc: number; average_precision: number }>;
}
const ref = JSON.parse(readFileSync(join(__dirname, "..", "test", "fixtures", "pca-reference.json"), "utf8")) as {
  sklearn: string;
  sets: RefSet[];
};

const variants: { key: string; label: string; score: PcaScore; components: number | "all" }[] = [
  { key: "pyod", label: "PyOD-style (default)", score: "pyod", components: "all" },
  { key: "spe", label: "reconstruction error (SPE, 90 %)", score: "spe", components: 0.9 },
  { key: "t2", label: "T² (90 %)", score: "t2", components: 0.9 },
  { key: "mahalanobis", label: "T² (all components)", score: "t2", components: "all" },
];

async function main(): Promise<void> {
  const head = ["set", "n × d", ...variants.map((v) => `${v.label} ROC-AUC / AP: bpflab (scikit-learn)`)];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i < 2 ? "---" : "---:")).join("|")}|`];
  for (const set of ref.sets) {
    const [kind, name] = set.name.split("/") as [string, string];
    const { X, y }: { X: Matrix; y: ArrayLike<number> } =
      kind === "odds" ? await odds(name as "cardio") : await nabLagged(name);
    const cells = variants.map((v) => {
      const s = new Pca({ score: v.score, components: v.components }).fit(X).score(X);
      const r = set.scores[v.key]!;
      return `${rocAuc(y, s).toFixed(4)} / ${averagePrecision(y, s).toFixed(4)} (${r.roc_auc.toFixed(4)} / ${r.average_precision.toFixed(4)})`;
    });
    lines.push(`| ${set.name} | ${X.rows} × ${X.cols} | ${cells.join(" | ")} |`);
  }
  process.stdout.write(
    `scikit-learn ${ref.sklearn}; NAB series as lag-10 vectors, point labels\n\n${lines.join("\n")}\n`,
  );
}

void main();
