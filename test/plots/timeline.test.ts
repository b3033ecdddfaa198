import { describe, expect, test } from "vitest";
import { processHeatmap, processTimeline } from "../../kernel/plots/timeline.js";
import { processSeries } from "../../kernel/plots/process-series.js";
import { OptionError } from "../../kernel/errors.js";
import { schedFrame } from "./fixtures.js";

type Rec = Record<string, unknown>;

const axisTitle = (layout: Rec, axis: string) => ((layout[axis] as Rec)["title"] as Rec)["text"] as string;

describe("processSeries", () => {
  test("sums threads per pid, ranks by total, scales oncpu_ns to % of one CPU", () => {
    const s = processSeries(schedFrame(), { metric: "oncpu_ns" });
    expect(s.labels).toEqual(["busy (100)", "mid (200)", "spike (400)", "idle (300)"]);
    expect(s.times).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.binS).toBe(1);
    expect(Array.from(s.values[0]!)).toEqual(new Array(10).fill(60).map((v) => expect.closeTo(v, 9)));
    expect(s.values[2]![5]).toBeCloseTo(90, 9);
    expect(s.values[2]![4]).toBe(0);
    expect(s.valueTitle).toBe("on-CPU (% of one CPU)");
    expect(s.processCount).toBe(4);
  });

  test("rebins to a coarser step and keeps top N", () => {
    const s = processSeries(schedFrame(), { metric: "runq_ns", binS: 5, topN: 2 });
    expect(s.times).toEqual([0, 5]);
    expect(s.labels).toEqual(["busy (100)", "mid (200)"]);
    // busy: 2 threads × 2 ms × 5 intervals = 20 ms per 5 s bin.
    expect(Array.from(s.values[0]!)).toEqual([expect.closeTo(20, 9), expect.closeTo(20, 9)]);
    expect(s.valueTitle).toBe("run-queue wait (ms per 5 s)");
  });

  test("groups by comm and accepts plain arrays", () => {
    const s = processSeries(
      { t_s: [0, 0, 1, 1], label: ["x", "y", "x", "x"], value: [1, 2, 3, 4] },
      { metric: "count" },
    );
    expect(s.labels).toEqual(["x", "y"]);
    expect(Array.from(s.values[0]!)).toEqual([1, 7]);
    expect(s.valueTitle).toBe("syscalls (per 1 s)");
  });

  test("a missing column names the columns there are", () => {
    expect(() => processSeries(schedFrame(), { metric: "nope_ns" })).toThrow(OptionError);
    expect(() => processSeries(schedFrame(), { metric: "nope_ns" })).toThrow(/columns: ts, t_s, pid/);
  });
});

describe("processTimeline", () => {
  test("one line per kept process with x = t_s and unit-bearing axis titles", () => {
    const fig = processTimeline(schedFrame(), { metric: "oncpu_ns", topN: 3 });
    expect(fig.data).toHaveLength(3);
    expect(fig.data.map((t) => t["name"])).toEqual(["busy (100)", "mid (200)", "spike (400)"]);
    for (const t of fig.data) {
      expect(t["type"]).toBe("scatter");
      expect(t["x"]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect((t["y"] as number[]).length).toBe(10);
    }
    expect(axisTitle(fig.layout, "xaxis")).toBe("time since capture start (s)");
    expect(axisTitle(fig.layout, "yaxis")).toBe("on-CPU (% of one CPU)");
    expect(fig.title).toBe("on-CPU per process (top 3 of 4 processes)");
    expect(fig.layout["paper_bgcolor"]).toBe("rgba(0,0,0,0)");
    // Plain JSON: typed arrays would serialise as {"0":..} objects.
    expect(JSON.parse(JSON.stringify(fig.toJSON()))).toEqual(fig.toJSON());
  });
});

describe("processHeatmap", () => {
  test("z is processes × intervals with the busiest process on top", () => {
    const fig = processHeatmap(schedFrame(), { metric: "oncpu_ns" });
    expect(fig.data).toHaveLength(1);
    const h = fig.data[0]! as { type: string; x: number[]; y: string[]; z: number[][] };
    expect(h.type).toBe("heatmap");
    expect(h.y).toEqual(["idle (300)", "spike (400)", "mid (200)", "busy (100)"]);
    expect(h.z).toHaveLength(4);
    expect(h.z.every((row) => row.length === 10)).toBe(true);
    expect(h.z[1]![5]).toBeCloseTo(90, 9);
    expect(h.z[3]![0]).toBeCloseTo(60, 9);
    expect(fig.layout["height"]).toBeGreaterThanOrEqual(260);
  });
});
