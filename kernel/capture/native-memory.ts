// Returns memory that native code freed (DuckDB's Parquet writer and readers) to the OS. glibc keeps freed
// blocks in per-thread arenas, so without a trim a long capture's RSS climbs after each compaction although
// nothing is held; malloc_trim(0) gives the free pages back. A no-op where libc has no malloc_trim (musl).

import type * as Koffi from "koffi" with { "resolution-mode": "import" };

let trim: ((pad: number) => number) | null | undefined;

/** Calls glibc's malloc_trim(0) (bound on first use); never throws. */
export function releaseNativeMemory(): void {
  if (trim === undefined) {
    try {
      const koffi = require("koffi") as typeof Koffi;
      trim = koffi.load("libc.so.6").func("int malloc_trim(size_t pad)") as (pad: number) => number;
    } catch {
      trim = null;
    }
  }
  try {
    trim?.(0);
  } catch {
    trim = null;
  }
}
