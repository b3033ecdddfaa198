// One engine, one run, in its own process (so its peak memory is its own): reads the .f64 file written by
// detectors-data.ts, fits and scores, writes the scores as .f64 and prints one JSON line of timings.
// Usage: npx tsx bench/detectors-worker.ts ENGINE DATA.f64 ROWS COLS SCORES.f64 [SEEDS]
// With SEEDS > 1 (isolation forests) it runs seeds 0..SEEDS−1, writes their scores one after another and reports
// the mean time per seed; the peak covers the whole run.

import { readFileSync, writeFileSync } from "node:fs";
import { IsolationForest } from "../kernel/detectors/isolation-forest.js";
import { matrix } from "../kernel/detectors/matrix.js";
import { Pca } from "../kernel/detectors/pca.js";
import { measurePeak } from "../kernel/compare/peak-memory.js";

const [engine, dataPath, rowsArg, colsArg, outPath, seedsArg] = process.argv.slice(2);
const seeds = Number(seedsArg ?? 1);
const n = Number(rowsArg);
const d = Number(colsArg);
const buf = readFileSync(dataPath!);
const data = new Float64Array(buf.buffer, buf.byteOffset, n * d);
const X = matrix(data, n, d);
// Touch every page of the input before timing (the Python side does the same), so no engine pays first-touch faults.
let touch = 0;
for (let i = 0; i < data.length; i += 512) touch += data[i]!;
if (Number.isNaN(touch)) console.error("input holds NaN");
// Engines that want rows of JS values get them before timing starts: conversion is their input format, not work.
let rows: number[][] | undefined;
let objects: Record<string, number>[] | undefined;
if (engine === "npm-isolation-forest") {
  objects = Array.from({ length: n }, (_, r) => {
    const o: Record<string, number> = {};
    for (let j = 0; j < d; j++) o[`f${j}`] = data[r * d + j]!;
    return o;
  });
} else if (engine!.startsWith("ml-pca")) {
  rows = Array.from({ length: n }, (_, r) => Array.from(data.subarray(r * d, (r + 1) * d)));
}

let fitMs = 0;
let scoreMs = 0;
let extra: Record<string, unknown> = {};
function run(seed: number): Float64Array {
  const t0 = performance.now();
  switch (engine) {
    case "bpflab-iforest": {
      const f = new IsolationForest({ seed }).fit(X);
      const t1 = performance.now();
      const s = f.score(X);
      fitMs += t1 - t0;
      scoreMs += performance.now() - t1;
      return s;
    }
    case "bpflab-pca": {
      const p = new Pca({ components: 0.9, score: "spe" }).fit(X);
      const t1 = performance.now();
      const s = p.score(X);
      fitMs += t1 - t0;
      scoreMs += performance.now() - t1;
      extra = { k: p.k };
      return s;
    }
    case "npm-isolation-forest": {
      const { IsolationForest: NpmForest } = require("isolation-forest");
      const f = new NpmForest(100, 256);
      f.fit(objects);
      const t1 = performance.now();
      const s = Float64Array.from(f.predict(objects) as number[]);
      fitMs += t1 - t0;
      scoreMs += performance.now() - t1;
      return s;
    }
    case "ml-pca-svd":
    case "ml-pca-cov": {
      const { PCA } = require("ml-pca");
      const p = new PCA(rows, { scale: true, method: engine === "ml-pca-svd" ? "SVD" : "covarianceMatrix" });
      const cum: number[] = p.getCumulativeVariance();
      let k = 0;
      while (k < d && cum[k]! <= 0.9) k++;
      k = Math.min(k + 1, d);
      const t1 = performance.now();
      // SPE = squared projections on the discarded components (all d components span the space).
      const proj = p.predict(rows);
      const s = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        let q = 0;
        for (let i = k; i < d; i++) q += proj.get(r, i) ** 2;
        s[r] = q;
      }
      fitMs += t1 - t0;
      scoreMs += performance.now() - t1;
      extra = { k };
      return s;
    }
    default:
      throw new Error(`unknown engine ${engine}`);
  }
}

// The output buffer is touched before measuring, so the peak is that of fit + score, not of keeping S score arrays.
const all = new Float64Array(seeds * n).fill(1);
const { peakBytes } = measurePeak(() => {
  for (let s = 0; s < seeds; s++) all.set(run(s), s * n);
});
writeFileSync(outPath!, new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
console.log(
  JSON.stringify({ fit_ms: fitMs / seeds, score_ms: scoreMs / seeds, peak_bytes: peakBytes, seeds, ...extra }),
);
