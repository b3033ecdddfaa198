// Older captures mapped forward on load: version 2's sched rows, which could charge a sleep that began before the
// capture to one interval, are cut to what one thread can be blocked in an interval.

import { describe, expect, it } from "vitest";
import { SCHEMA_VERSION, type CaptureMeta } from "../../kernel/capture/capture-meta.js";
import { upgradeFrames } from "../../kernel/capture/schema-upgrade.js";
import { Frame } from "../../kernel/frame/frame.js";

function sched(offcpu: number[]): Frame {
  return new Frame(
    "sched",
    [
      { name: "t_s", type: "f64" },
      { name: "tid", type: "u32" },
      { name: "offcpu_ns", type: "i64", unit: "ns" },
    ],
    {
      t_s: Float64Array.from(offcpu, (_, i) => i),
      tid: Uint32Array.from(offcpu, () => 2),
      offcpu_ns: Float64Array.from(offcpu),
    },
  );
}

const meta = (schemaVersion: number) => ({ schemaVersion, intervalMs: 1000 }) as CaptureMeta;

describe("schema upgrade", () => {
  it("version 2: a sched row's off-CPU time is cut to the interval (with a boundary's slack); others untouched", () => {
    const frames = { sched: sched([83e9, 1e9, 2e8]) };
    const up = upgradeFrames(frames, meta(2));
    expect(Array.from(up["sched"]!.numeric("offcpu_ns"))).toEqual([1.1e9, 1e9, 2e8]);
    expect(Array.from(up["sched"]!.numeric("tid"))).toEqual([2, 2, 2]);
    // nothing over the interval: the same frames back
    const fine = { sched: sched([1e9, 5e8]) };
    expect(upgradeFrames(fine, meta(2))).toBe(fine);
  });

  it(`version ${SCHEMA_VERSION} (this one) reads as written`, () => {
    const frames = { sched: sched([83e9]) };
    expect(upgradeFrames(frames, meta(SCHEMA_VERSION))).toBe(frames);
  });
});
