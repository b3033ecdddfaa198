// In-memory captures for the features tests: frames from plain rows, identity columns, capture metadata.

import { Capture, CaptureMeta, SCHEMA_VERSION } from "../../kernel/capture/capture.js";
import { ColumnData, ColumnSpec, Frame } from "../../kernel/frame/frame.js";

export const START_US = 1_700_000_000_000_000;

/** A frame from rows of plain values; str columns are dictionary-encoded, u64 become bigints. */
export function frame(name: string, schema: ColumnSpec[], rows: Record<string, number | string | bigint>[]): Frame {
  const cols: Record<string, ColumnData> = {};
  for (const s of schema) {
    const v = rows.map((r) => r[s.name]!);
    if (s.type === "str") {
      const dict = [...new Set(v as string[])];
      cols[s.name] = { codes: Uint32Array.from(v as string[], (x) => dict.indexOf(x)), dict };
    } else if (s.type === "u64") cols[s.name] = BigUint64Array.from(v as bigint[]);
    else if (s.type === "u32") cols[s.name] = Uint32Array.from(v as number[]);
    else cols[s.name] = Float64Array.from(v as number[]);
  }
  return new Frame(name, schema, cols, rows.length);
}

export const base: ColumnSpec[] = [
  { name: "ts", type: "timestamp" },
  { name: "t_s", type: "f64" },
  { name: "pid", type: "u32" },
  { name: "tid", type: "u32" },
  { name: "comm", type: "str" },
  { name: "cgroup_id", type: "u64" },
];
export const at = (t: number) => ({ ts: START_US + t * 1e6, t_s: t });

export function meta(collectors: string[], extra: Partial<CaptureMeta> = {}): CaptureMeta {
  return {
    bpflabVersion: "0.1.0",
    schemaVersion: SCHEMA_VERSION,
    host: "test",
    kernel: "6.1",
    wallStartUs: START_US,
    monoStartNs: "0",
    durationMs: 2000,
    elapsedMs: 2000,
    intervalMs: 100,
    collectors,
    options: {},
    lost: {},
    interrupted: false,
    ...extra,
  };
}

export const cap = (frames: Record<string, Frame>, extra: Partial<CaptureMeta> = {}) =>
  new Capture(meta(Object.keys(frames), extra), frames);
