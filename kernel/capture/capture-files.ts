// A Capture on disk: one Parquet file per collector (`<collector>.parquet`), each carrying the whole CaptureMeta
// in its key-value metadata. Re-exports the modules that write (save-capture.ts), read (load-capture.ts), spill
// while capturing (segment-writer.ts) and finish cut-off captures (recover.ts), for existing imports.

export { META_KEY, COLLECTOR_KEY, captureKv } from "./capture-kv.js";
export { saveCapture, writeCapture } from "./save-capture.js";
export type { SaveOptions, SavableCapture } from "./save-capture.js";
export { loadCapture, MIN_SCHEMA_VERSION } from "./load-capture.js";
