// Synthetic interval frames for driving capture sinks without BPF: a `seq` column numbering every row of the
// capture, so a reader can check that rows are complete, in order and not repeated.

import { FrameBuilder } from "../../../kernel/frame/frame-builder.js";
import type { ColumnSpec, Frame } from "../../../kernel/frame/frame.js";
import { SCHEMA_VERSION, type CaptureMeta } from "../../../kernel/capture/capture-meta.js";

export const SPILL_SCHEMA: ColumnSpec[] = [
  { name: "ts", type: "timestamp", unit: "us since epoch" },
  { name: "seq", type: "i64", unit: "count", description: "row number over the whole capture" },
  { name: "pid", type: "u32" },
  { name: "tid", type: "u32" },
  { name: "comm", type: "str" },
  { name: "value", type: "f64" },
  { name: "ts_ns", type: "u64", unit: "ns" },
];

/** `n` rows numbered from `first`; each interval builds its own dictionary, as the engine's chunks do. */
export function intervalFrame(name: string, first: number, n: number, random = false): Frame {
  const b = new FrameBuilder(SPILL_SCHEMA, n);
  for (let i = 0; i < n; i++) {
    const r = b.beginRow();
    const k = first + i;
    b.setNum(0, r, 1_764_150_000_000_000 + k * 1000);
    b.setNum(1, r, k);
    b.setNum(2, r, 100 + (k % 7));
    b.setNum(3, r, 100 + (k % 7) + (k % 3));
    b.setStr(4, r, `comm-${k % 5}`);
    b.setNum(5, r, random ? Math.random() : k * 0.5);
    b.setBig(6, r, 2n ** 60n + BigInt(k));
  }
  return b.finish(name);
}

export function spillMeta(collectors: string[], over: Partial<CaptureMeta> = {}): CaptureMeta {
  return {
    bpflabVersion: "0.1.0",
    schemaVersion: SCHEMA_VERSION,
    host: "spillhost",
    kernel: "6.1.0-test",
    wallStartUs: 1_764_150_000_000_000,
    monoStartNs: String(Date.now() * 1e6),
    durationMs: 20_000,
    elapsedMs: 0,
    intervalMs: 100,
    collectors,
    options: Object.fromEntries(collectors.map((c) => [c, {}])),
    lost: {},
    interrupted: false,
    ...over,
  };
}
