// MemorySink: the in-memory CaptureSink keeps every appended chunk and declares empty frames with their schema.

import { describe, expect, test } from "vitest";
import { MemorySink } from "../../kernel/capture/capture-sink.js";
import { SCHEMA_VERSION, type CaptureMeta } from "../../kernel/capture/capture.js";
import { allTypesFrame, ALL_TYPES_SCHEMA } from "../frame/sample-frames.js";

const meta: CaptureMeta = {
  bpflabVersion: "0.1.0",
  schemaVersion: SCHEMA_VERSION,
  host: "h",
  kernel: "k",
  wallStartUs: 0,
  monoStartNs: "0",
  durationMs: 1000,
  elapsedMs: 0,
  intervalMs: 100,
  collectors: ["a", "b"],
  options: {},
  lost: {},
  interrupted: false,
};

describe("MemorySink", () => {
  test("joins the chunks of each frame; a frame with no rows keeps its schema", async () => {
    const sink = new MemorySink();
    sink.begin(meta, [
      { name: "a", schema: ALL_TYPES_SCHEMA },
      { name: "b", schema: ALL_TYPES_SCHEMA },
    ]);
    const whole = allTypesFrame(50, "a");
    for (let i = 0; i < 50; i += 10) sink.append("a", whole.take(Array.from({ length: 10 }, (_, k) => i + k)));
    expect(sink.rows("a")).toBe(50);
    expect(await sink.finish(meta)).toEqual([]);
    const frames = sink.frames();
    expect(frames.a!.values("comm")).toEqual(whole.values("comm"));
    expect(frames.a!.values("ts_ns")).toEqual(whole.values("ts_ns"));
    expect(frames.b!.length).toBe(0);
    expect(frames.b!.columnNames).toEqual(whole.columnNames);
  });

  test("an undeclared frame is a programming error", () => {
    const sink = new MemorySink();
    sink.begin(meta, []);
    expect(() => sink.append("x", allTypesFrame(1))).toThrow(/not declared/);
  });
});
