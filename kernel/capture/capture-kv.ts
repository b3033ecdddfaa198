// The key-value metadata of a saved capture's files: the whole CaptureMeta as JSON plus plain keys other tools
// read. Pairs with save-capture.ts, load-capture.ts and segment-merge.ts.

import type { CaptureMeta } from "./capture-meta.js";

/** Key-value metadata key holding the CaptureMeta as JSON. */
export const META_KEY = "bpflab.meta";
/** Key-value metadata key naming the collector whose frame the file holds. */
export const COLLECTOR_KEY = "bpflab.collector";

/**
 * The key-value metadata of one collector's file: the whole meta as JSON (what loadCapture reads) plus the
 * fields people look for with other tools (`SELECT * FROM parquet_kv_metadata('sched.parquet')`, pyarrow's
 * `schema.metadata`) as plain keys.
 */
export function captureKv(meta: CaptureMeta, collector: string): Record<string, string> {
  const kv: Record<string, string> = {
    [META_KEY]: JSON.stringify(meta),
    [COLLECTOR_KEY]: collector,
    "bpflab.version": meta.bpflabVersion,
    "bpflab.schema_version": String(meta.schemaVersion),
    host: meta.host,
    kernel: meta.kernel,
    wall_start: Number.isFinite(meta.wallStartUs) ? new Date(meta.wallStartUs / 1000).toISOString() : "",
    mono_start_ns: meta.monoStartNs,
    duration_ms: String(meta.durationMs),
    elapsed_ms: String(meta.elapsedMs),
    interval_ms: String(meta.intervalMs),
    collectors: meta.collectors.join(","),
    lost_events: String(meta.lost[collector] ?? 0),
    interrupted: String(meta.interrupted),
  };
  if (meta.pid !== undefined) kv.pid = String(meta.pid);
  if (meta.command !== undefined) kv.command = JSON.stringify(meta.command);
  return kv;
}
