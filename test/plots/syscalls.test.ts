import { describe, expect, test } from "vitest";
import {
  fmtNs,
  latencyHistogram,
  syscallLatencySeries,
  syscallTotals,
  topSyscalls,
} from "../../kernel/plots/syscalls.js";
import { syscallsFrame } from "./fixtures.js";

type Rec = Record<string, unknown>;

describe("topSyscalls", () => {
  test("totals per syscall and stacked succeeded/failed bars, largest on top", () => {
    const t = syscallTotals(syscallsFrame());
    expect(Array.from(t.syscall)).toEqual(["read", "write", "openat"]);
    expect(Array.from(t.count)).toEqual([1000, 500, 50]);
    expect(Array.from(t.errors)).toEqual([10, 0, 25]);

    const fig = topSyscalls(syscallsFrame());
    expect(fig.data).toHaveLength(2);
    const [ok, failed] = fig.data as { y: string[]; x: number[]; text?: string[]; customdata?: number[] }[];
    expect(ok!.y).toEqual(["openat", "write", "read"]);
    expect(ok!.x).toEqual([25, 500, 990]);
    expect(failed!.x).toEqual([25, 0, 10]);
    expect(failed!.text).toEqual(["50.0% failed", "", "1.0% failed"]);
    expect(fig.layout["barmode"]).toBe("stack");
    expect(((fig.layout["xaxis"] as Rec)["title"] as Rec)["text"]).toBe("calls (count)");
  });

  test("topN cuts and says of how many", () => {
    const fig = topSyscalls({ syscall: ["a", "b", "c"], count: [3, 2, 1], errors: [0, 0, 0] }, { topN: 2 });
    expect(fig.data[0]!["y"]).toEqual(["b", "a"]);
    expect(fig.title).toBe("Top 2 syscalls by count (of 3)");
  });
});

describe("latencyHistogram", () => {
  test("log bins weighted by calls: shares sum to 100% and land in the right decade", () => {
    const series = syscallLatencySeries(syscallsFrame());
    expect(series).toHaveLength(1);
    expect(Array.from(series[0]!.values_ns)).toEqual([2000, 2000, 20000, 1e6]);
    const fig = latencyHistogram(series, { binsPerDecade: 4 });
    const bar = fig.data[0] as { x: number[]; y: number[]; customdata: string[] };
    expect(bar.y.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 9);
    // 1000 of 1550 calls at 2 µs: log10(2000) = 3.30 → the bin centred at 3.375.
    const k = bar.x.findIndex((c) => Math.abs(c - 3.375) < 1e-9);
    expect(bar.y[k]).toBeCloseTo((100 * 1000) / 1550, 9);
    expect(bar.customdata[k]).toBe("1.78 µs – 3.16 µs");
    const xaxis = fig.layout["xaxis"] as { ticktext: string[]; tickvals: number[] };
    expect(xaxis.ticktext).toContain("1 µs");
    expect(xaxis.ticktext).toContain("1 ms");
    expect(((fig.layout["yaxis"] as Rec)["title"] as Rec)["text"]).toBe("share of calls (%)");
  });

  test("one series per named syscall", () => {
    const fig = latencyHistogram(syscallLatencySeries(syscallsFrame(), ["read", "openat"]));
    expect(fig.data.map((t) => t["name"])).toEqual(["read", "openat"]);
    expect(fig.layout["showlegend"]).toBe(true);
  });

  test("fmtNs picks the unit", () => {
    expect([fmtNs(500), fmtNs(2500), fmtNs(3.2e6), fmtNs(4e9)]).toEqual(["500 ns", "2.5 µs", "3.2 ms", "4 s"]);
  });
});
