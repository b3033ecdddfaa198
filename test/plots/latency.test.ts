// Latency plots from histogram frames: the heat map's grid holds every count at its interval and bucket, the
// distribution's bars and text hold the totals, and a frame without histogram columns is a one-line error.

import { describe, expect, it } from "vitest";
import { OptionError } from "../../kernel/errors.js";
import { histGrid } from "../../kernel/plots/hist-rows.js";
import { latencyDistribution, latencyDistributionText } from "../../kernel/plots/latency-distribution.js";
import { latencyHeatmap } from "../../kernel/plots/latency-heatmap.js";
import { histFrame } from "../helpers/hist-frame.js";

const frame = histFrame([
  ...Array.from({ length: 30 }, () => ({ t: 0, syscall: "read", ns: 1500 })),
  ...Array.from({ length: 5 }, () => ({ t: 1, syscall: "read", ns: 3_000_000 })),
  ...Array.from({ length: 7 }, () => ({ t: 1, syscall: "write", ns: 1500 })),
]);

describe("latency plots", () => {
  it("histGrid merges quarter buckets into powers of two and keeps every count", () => {
    const g = histGrid(frame);
    // 1500 ns is in (1024, 2048], 3 ms in (2^21, 2^22]
    expect(g.le).toEqual([2048, 2 ** 22]);
    expect(g.times).toEqual([0, 1]);
    expect(g.counts).toEqual([
      [30, 7],
      [0, 5],
    ]);
    expect(g.labels[0]).toBe("1.02 µs – 2.05 µs");
    const q = histGrid(frame, { resolution: "quarter", where: { syscall: "read" } });
    expect(q.totals.reduce((a, b) => a + b, 0)).toBe(35);
    expect(q.le[0]).toBe(1536);
    expect(q.below[0]).toBe(1280);
  });

  it("the heat map is interval × bucket, coloured by log count, with the raw counts in the hover", () => {
    const fig = latencyHeatmap(frame, { where: { syscall: "read" } });
    const t = fig.data[0]!;
    expect(t["type"]).toBe("heatmap");
    expect(t["x"]).toEqual([0, 1]);
    expect(t["customdata"]).toEqual([
      [30, 0],
      [0, 5],
    ]);
    expect((t["z"] as number[][])[0]![0]).toBeCloseTo(Math.log10(31));
    expect(fig.title).toContain("syscall=read");
  });

  it("the distribution has one bar per bucket with its count, p50 and p99 in the title, runqlat-like text", () => {
    const fig = latencyDistribution(frame);
    expect(fig.data[0]!["x"]).toEqual([37, 5]);
    expect(fig.title).toMatch(/42 events, p50 .*µs, p99 .*ms/);
    const text = latencyDistributionText(frame).split("\n");
    expect(text[0]).toMatch(/latency\s+: count\s+distribution/);
    expect(text[1]).toMatch(/1\.02 µs – 2\.05 µs : 37\s+\|\*{40}\|/);
    expect(text[2]).toMatch(/: 5\s+\|\*{5} {35}\|/);
  });

  it("a frame without le_ns is an OptionError that says to capture with --hist", () => {
    const notHist = histFrame([]).take([]);
    expect(() => latencyHeatmap(notHist, { where: { nope: 1 } })).toThrow(OptionError);
    expect(() => latencyHeatmap(notHist, { where: { nope: 1 } })).toThrow(/no column "nope"/);
  });
});
