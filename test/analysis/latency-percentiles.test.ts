// Percentiles from histogram frames: against exact quantiles of known samples (within a bucket's width), the
// Prometheus conventions (interpolation in the bucket, +Inf), grouping and per-interval rows.

import { describe, expect, it } from "vitest";
import { bucketQuantile, latencyPercentiles, quantileName } from "../../kernel/analysis/latency-percentiles.js";
import { OptionError } from "../../kernel/errors.js";
import { histFrame } from "../helpers/hist-frame.js";

/** Seeded log-normal-ish samples: 1 µs median with a long tail. */
function samples(n: number, seed: number): number[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
  return Array.from({ length: n }, () =>
    Math.round(1000 * Math.exp(1.5 * Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd()))),
  );
}

describe("latency percentiles", () => {
  it("are within one bucket (25 %) of the exact quantiles of the samples", () => {
    const v = samples(50_000, 7);
    const f = histFrame(v.map((ns) => ({ t: 0, syscall: "read", ns })));
    const p = latencyPercentiles(f).rows()[0]!;
    const sorted = [...v].sort((a, b) => a - b);
    expect(p["count"]).toBe(v.length);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const exact = sorted[Math.ceil(q * v.length) - 1]!;
      const got = p[`${quantileName(q)}_ns`] as number;
      expect(Math.abs(got - exact) / exact, `q=${q}: ${got} vs ${exact}`).toBeLessThan(0.25);
    }
  });

  it("interpolate inside the bucket and stop at the +Inf bucket's lower bound", () => {
    // 10 values in (8, 10], 10 in (10, 12]
    expect(bucketQuantile({ le: [10, 12], count: [10, 10] }, 0.5)).toBe(10);
    expect(bucketQuantile({ le: [10, 12], count: [10, 10] }, 0.75)).toBe(11);
    expect(bucketQuantile({ le: [100, Infinity], count: [1, 99] }, 0.99)).toBe(100);
    expect(bucketQuantile({ le: [], count: [] }, 0.5)).toBeNaN();
  });

  it("group by key columns and by interval", () => {
    const f = histFrame([
      ...Array.from({ length: 100 }, () => ({ t: 0, syscall: "read", ns: 1000 })),
      ...Array.from({ length: 100 }, () => ({ t: 1, syscall: "read", ns: 1_000_000 })),
      ...Array.from({ length: 10 }, () => ({ t: 1, syscall: "write", ns: 50 })),
    ]);
    const by = latencyPercentiles(f, { by: ["syscall"] });
    expect(by.strings("syscall")).toEqual(["read", "write"]);
    expect([...by.numeric("count")]).toEqual([200, 10]);
    const per = latencyPercentiles(f, { by: ["syscall"], perInterval: true, quantiles: [0.5] });
    expect(per.columnNames).toEqual(["t_s", "syscall", "count", "p50_ns"]);
    const p50 = per.numeric("p50_ns");
    // 1 µs lands in (896, 1024], 1 ms in (917504, 1048576]: the medians stay inside them
    expect(p50[0]).toBeGreaterThan(896);
    expect(p50[0]).toBeLessThanOrEqual(1024);
    expect(p50[1]).toBeGreaterThan(917_504);
    expect(p50[2]).toBeLessThanOrEqual(56);
  });

  it("name quantiles as Prometheus users expect, and reject bad input with a hint", () => {
    expect([0.5, 0.9, 0.99, 0.999, 0.9999, 0.95].map(quantileName)).toEqual([
      "p50",
      "p90",
      "p99",
      "p999",
      "p99_99",
      "p95",
    ]);
    const f = histFrame([{ t: 0, syscall: "read", ns: 5 }]);
    expect(() => latencyPercentiles(f, { by: ["nope"] })).toThrow(OptionError);
    expect(() => latencyPercentiles(f, { quantiles: [1.5] })).toThrow(/not in \(0, 1\]/);
  });
});
