// Forecast-residual detectors (EWMA/seasonal and LSTM) on a planted series and on a public NAB series.

import { join } from "node:path";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readCsv } from "../../kernel/compare/read-csv.js";
import { ForecastEwma } from "../../kernel/detectors/forecast-ewma.js";
import { Lstm } from "../../kernel/detectors/lstm.js";
import { matrixFromColumns } from "../../kernel/detectors/matrix.js";
import { Rng } from "../../kernel/detectors/rng.js";
import { DATASETS, topK } from "./planted.js";

/** A daily-like sine (period 48) with noise and spikes at known rows. */
function series(n = 1200, spikes = [300, 700, 1000]): Float64Array {
  const rng = new Rng(11);
  const x = Float64Array.from({ length: n }, (_, t) => 10 + 3 * Math.sin((2 * Math.PI * t) / 48) + 0.2 * rng.normal());
  for (const s of spikes) x[s]! += 4;
  return x;
}

describe("forecast-ewma", () => {
  it("flags planted spikes in a seasonal series, with and without a season", () => {
    const x = series();
    for (const period of [0, 48]) {
      const s = new ForecastEwma({ period, alpha: 0.5 }).fit(x).score(x);
      expect(s[0]).toBe(0);
      expect(topK(s, 3).sort((a, b) => a - b)).toEqual([300, 700, 1000]);
    }
  });

  it("seasonal profile makes residuals of a clean periodic series small", () => {
    const x = series(1200, []);
    const plain = new ForecastEwma({ alpha: 0.3 }).fit(x);
    const seasonal = new ForecastEwma({ alpha: 0.3, period: 48 }).fit(x);
    expect(seasonal.residualScale[0]).toBeLessThan(plain.residualScale[0]!);
  });

  it("scores several time-ordered columns jointly", () => {
    const a = series();
    const b = series(1200, [500]);
    const s = new ForecastEwma({ alpha: 0.5 }).fit(matrixFromColumns({ a, b })).score(matrixFromColumns({ a, b }));
    expect(topK(s, 4).sort((x, y) => x - y)).toEqual([300, 500, 700, 1000]);
  });

  it("NAB machine_temperature: the top residual lies inside a labelled anomaly window", async () => {
    const f = await readCsv(join(DATASETS, "nab", "data", "realKnownCause", "machine_temperature_system_failure.csv"));
    const windows = JSON.parse(readFileSync(join(DATASETS, "nab", "labels", "combined_windows.json"), "utf8"))[
      "realKnownCause/machine_temperature_system_failure.csv"
    ] as [string, string][];
    const v = f.numeric("value");
    const ts = f.strings("timestamp");
    const s = new ForecastEwma().fit(v).score(v);
    const top = ts[topK(s, 1)[0]!]!;
    // Timestamps compare as text: both are "YYYY-MM-DD HH:MM:SS".
    expect(windows.some(([a, b]) => top >= a.slice(0, 19) && top <= b.slice(0, 19))).toBe(true);
  });
});

describe("lstm", () => {
  it("flags planted spikes and is deterministic for a seed", () => {
    const x = series(900, [300, 700]);
    const opts = { seed: 1, epochs: 4, maxTrainWindows: 384, window: 12, units: 8 };
    const a = new Lstm(opts).fit(x).score(x);
    const b = new Lstm(opts).fit(x).score(x);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.subarray(0, 12).every((v) => v === 0)).toBe(true);
    // A spike misses its own forecast and disturbs the next `window` forecasts; its own row must be among the top.
    const top = topK(a, 6);
    expect(top).toContain(300);
    expect(top).toContain(700);
  });
});
