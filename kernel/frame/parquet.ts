// Parquet files of Frames: the public API, re-exported from write-parquet.ts (writeParquet) and read-parquet.ts
// (readParquet), kept for existing imports.

export {
  FRAME_KEY,
  SCHEMA_KEY,
  frameKv,
  writeError,
  writeParquet,
  writeParquetInto,
  writeParquetOn,
} from "./write-parquet.js";
export type { WriteParquetOptions } from "./write-parquet.js";
export {
  checkParquetFile,
  readParquet,
  readParquetMetadata,
  readParquetMetadataOn,
  readParquetOn,
} from "./read-parquet.js";
export type { ReadParquetOptions } from "./read-parquet.js";
