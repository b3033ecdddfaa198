// Peak memory of a synchronous step, from the kernel's resident-set high-water mark (VmHWM), which catches
// allocations a sampler between event-loop turns would miss.

import { readFileSync, writeFileSync } from "node:fs";

/** How `peakBytes` was measured. */
export type PeakMethod = "vmhwm" | "rss-before-after";

function status(): { rss: number; hwm: number } | undefined {
  try {
    const s = readFileSync("/proc/self/status", "utf8");
    const rss = /VmRSS:\s+(\d+) kB/.exec(s);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(s);
    return rss && hwm ? { rss: Number(rss[1]) * 1024, hwm: Number(hwm[1]) * 1024 } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn` and reports the peak resident memory it added: VmHWM after − VmRSS before, after resetting the
 * high-water mark by writing "5" to /proc/self/clear_refs (Linux ≥ 4.0; allowed for one's own process). So it counts
 * every page the step touched, typed arrays and JS heap alike, net of what was resident before (the input, when
 * already loaded). Garbage left from earlier steps but not yet collected can make it read low; elsewhere (no /proc,
 * or clear_refs refused) it falls back to the RSS difference before/after, which misses transient peaks.
 */
export function measurePeak<T>(fn: () => T): { result: T; peakBytes: number; method: PeakMethod } {
  let method: PeakMethod = "vmhwm";
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    method = "rss-before-after";
  }
  const before = status();
  const rss0 = process.memoryUsage().rss;
  const result = fn();
  const after = status();
  if (method === "vmhwm" && before && after) return { result, peakBytes: Math.max(0, after.hwm - before.rss), method };
  return { result, peakBytes: Math.max(0, process.memoryUsage().rss - rss0), method: "rss-before-after" };
}
