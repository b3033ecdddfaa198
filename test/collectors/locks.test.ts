// locks collector against a workload that contends on a kernel lock: threads mapping and unmapping memory in
// one address space wait for its mmap_lock (an rwsem taken for writing), and the histogram holds every wait.

import { describe, expect, it } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import { lockType } from "../../kernel/collectors/locks.js";
import { liveIt } from "../helpers/live.js";
import { machineLoadPath } from "../helpers/machine-load.js";

describe("locks collector", () => {
  it("names lock types from the contention flags", () => {
    expect([32, 33, 4, 2, 1, 5, 0, 18, 8].map(lockType)).toEqual([
      "mutex",
      "mutex",
      "rwsem-write",
      "rwsem-read",
      "spinlock",
      "rwlock-write",
      "semaphore",
      "percpu-rwsem-read",
      "rtmutex",
    ]);
  });

  liveIt(
    "shows the waits on mmap_lock of threads doing mmap/munmap in one mm, each counted in the histogram",
    async () => {
      const T = 4;
      const cap = await capture({
        collectors: { locks: { histogram: true }, sched: {} },
        duration: "30s",
        interval: "250ms",
        command: [machineLoadPath(), "mmap-storm", String(T), "20000"],
      });
      expect(cap.meta.commandExitCode).toBe(0);
      const pid = cap.meta.pid!;
      const f = cap.frame("locks");
      // the filter kept the workload only
      expect(new Set(f.numeric("pid"))).toEqual(new Set([pid]));
      const rows = f.rows().filter((r) => r["lock_type"] === "rwsem-write");
      const waiters = new Set(rows.map((r) => r["tid"]));
      // the workers (not the main thread, which only starts and joins them) wait for each other
      expect(waiters.size).toBeGreaterThanOrEqual(T - 1);
      expect(waiters.has(pid)).toBe(false);
      expect(rows.every((r) => Number(r["waits"]) > 0 && Number(r["wait_ns"]) >= Number(r["max_wait_ns"]))).toBe(true);
      // a thread cannot wait longer than it lives: at most the capture's span per thread
      const perTid = new Map<unknown, number>();
      for (const r of f.rows()) perTid.set(r["tid"], (perTid.get(r["tid"]) ?? 0) + Number(r["wait_ns"]));
      for (const ns of perTid.values()) expect(ns).toBeLessThan(cap.meta.elapsedMs * 1e6);
      // the histogram counts each wait once, per thread and type
      const h = cap.frame("locks_hist");
      expect(h.sum("count")).toBe(f.sum("waits"));
      expect(cap.meta.lost.locks).toBe(0);
    },
  );
});
