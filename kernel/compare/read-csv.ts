// CSV reading moved to kernel/frame/read-csv.ts (a frame reader, streamed); re-exported for existing imports.

/** @deprecated import from the package root ("bpflab") or kernel/frame/read-csv.js */
export { parseCsv, readCsv } from "../frame/read-csv.js";
