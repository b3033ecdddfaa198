// Seeded synthetic benchmark data for bench/detectors.ts: n × 16 rows on a 4-dimensional linear manifold plus noise,
// with 1 % planted anomalies pushed off the manifold in 2–4 features. Written as raw little-endian f64 (row-major)
// and u8 labels so every engine (Node, Python) reads the same bytes.

import { writeFileSync } from "node:fs";
import { Rng } from "../kernel/detectors/rng.js";

export const BENCH_COLS = 16;
const LATENT = 4;

/** Generates the data set and writes `${prefix}.f64` and `${prefix}.labels.u8`. */
export function writeBenchData(prefix: string, n: number, seed = 42): { dataPath: string; labelPath: string } {
  const d = BENCH_COLS;
  const rng = new Rng(seed);
  const w = Float64Array.from({ length: LATENT * d }, () => rng.normal());
  const data = new Float64Array(n * d);
  const labels = new Uint8Array(n);
  const z = new Float64Array(LATENT);
  for (let r = 0; r < n; r++) {
    for (let l = 0; l < LATENT; l++) z[l] = rng.normal();
    for (let j = 0; j < d; j++) {
      let v = 0.3 * rng.normal();
      for (let l = 0; l < LATENT; l++) v += z[l]! * w[l * d + j]!;
      data[r * d + j] = v;
    }
    if (rng.next() < 0.01) {
      labels[r] = 1;
      const k = 2 + rng.int(3);
      for (let i = 0; i < k; i++) data[r * d + rng.int(d)]! += (rng.next() < 0.5 ? -1 : 1) * (3 + 3 * rng.next());
    }
  }
  const dataPath = `${prefix}.f64`;
  const labelPath = `${prefix}.labels.u8`;
  writeFileSync(dataPath, new Uint8Array(data.buffer));
  writeFileSync(labelPath, labels);
  return { dataPath, labelPath };
}
