// Percentile features from histogram frames: each (window, process) gets the p50 and p99 of its own buckets,
// as the collector declares them (sched_hist: runq_p50_ns, runq_p99_ns; disk_hist: the service stage only).

import { describe, expect, it } from "vitest";
import { features } from "../../kernel/features/features.js";
import { histSlot, histUpperNs } from "../../kernel/collectors/histogram.js";
import { Frame } from "../../kernel/frame/frame.js";

const SLOTS = 146;

/** A hist frame of (t, pid, ns) samples, bucketed as the kernel does, with extra string columns. */
function hist(name: string, samples: { t: number; pid: number; ns: number; stage?: string }[]): Frame {
  const cells = new Map<string, { t: number; pid: number; le: number; stage: string; n: number }>();
  for (const s of samples) {
    const le = histUpperNs(histSlot(s.ns, SLOTS), SLOTS);
    const k = `${s.t}|${s.pid}|${le}|${s.stage}`;
    const c = cells.get(k) ?? { t: s.t, pid: s.pid, le, stage: s.stage ?? "", n: 0 };
    c.n++;
    cells.set(k, c);
  }
  const rows = [...cells.values()];
  const stages = [...new Set(rows.map((r) => r.stage))];
  return new Frame(
    name,
    [
      { name: "t_s", type: "f64" },
      { name: "pid", type: "u32" },
      { name: "tid", type: "u32" },
      { name: "comm", type: "str" },
      { name: "stage", type: "str" },
      { name: "le_ns", type: "f64" },
      { name: "count", type: "i64" },
    ],
    {
      t_s: Float64Array.from(rows.map((r) => r.t)),
      pid: Uint32Array.from(rows.map((r) => r.pid)),
      tid: Uint32Array.from(rows.map((r) => r.pid)),
      comm: { codes: new Uint32Array(rows.length), dict: ["w"] },
      stage: { codes: Uint32Array.from(rows.map((r) => stages.indexOf(r.stage))), dict: stages },
      le_ns: Float64Array.from(rows.map((r) => r.le)),
      count: Float64Array.from(rows.map((r) => r.n)),
    },
  );
}

describe("histogram features", () => {
  it("give each (window, process) the percentiles of its own run-queue waits", () => {
    const samples = [
      ...Array.from({ length: 99 }, () => ({ t: 0.5, pid: 10, ns: 1000 })),
      { t: 0.5, pid: 10, ns: 5_000_000 },
      ...Array.from({ length: 50 }, () => ({ t: 1.5, pid: 10, ns: 100_000 })),
      ...Array.from({ length: 10 }, () => ({ t: 0.5, pid: 20, ns: 50 })),
    ];
    const f = features({ frames: { sched_hist: hist("sched_hist", samples) } }, { by: "pid", window: "1s" });
    const cols = f.matrix.columns;
    expect(cols).toEqual(expect.arrayContaining(["runq_p50_ns", "runq_p99_ns"]));
    const at = (col: string, t: number, pid: number) => {
      const tk = f.keys.numeric("t_s"),
        pk = f.keys.numeric("pid");
      const r = [...Array(f.matrix.rows).keys()].find((i) => tk[i] === t && pk[i] === pid)!;
      return f.matrix.data[r * f.matrix.cols + cols.indexOf(col)]!;
    };
    // p50 inside 1 µs's bucket (896, 1024]; p99 the 99th of 100: still that bucket's top; the next window's 100 µs
    expect(at("runq_p50_ns", 0, 10)).toBeGreaterThan(896);
    expect(at("runq_p50_ns", 0, 10)).toBeLessThanOrEqual(1024);
    expect(at("runq_p99_ns", 0, 10)).toBeLessThanOrEqual(1024);
    expect(at("runq_p50_ns", 1, 10)).toBeGreaterThan(90_000);
    expect(at("runq_p50_ns", 1, 10)).toBeLessThanOrEqual(114_688);
    expect(at("runq_p99_ns", 0, 20)).toBeLessThanOrEqual(56);
  });

  it("disk's percentiles read the service stage only", () => {
    const samples = [
      ...Array.from({ length: 20 }, () => ({ t: 0.2, pid: 7, ns: 2_000_000, stage: "service" })),
      ...Array.from({ length: 20 }, () => ({ t: 0.2, pid: 7, ns: 10, stage: "queue" })),
    ];
    const f = features({ frames: { disk_hist: hist("disk_hist", samples) } }, { by: "pid", window: "1s" });
    const c = f.matrix.columns.indexOf("disk_service_p50_ns");
    expect(c).toBeGreaterThanOrEqual(0);
    expect(f.matrix.data[c]).toBeGreaterThan(1_835_008);
  });
});
