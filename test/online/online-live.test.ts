// The streaming n-gram detector during a live capture (root; under CI=true it runs and fails rather than skip):
// syscall events of a workload that loops normally for 5 s, then also opens a file and runs a shell every 100 ms.
// The alert must come within two intervals of the first call of the abnormal stretch (the first fork, read from
// the capture's own events), on that workload, and never during the normal stretch.

import { describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import type { Alert } from "../../kernel/online/alert.js";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

describe("online n-gram alerts in a live capture", () => {
  liveIt(
    "alert within two intervals of a workload's turn, none before it",
    async () => {
      const seen: Alert[] = [];
      // when each interval ended (s since the start): intervals are drained on a timer, not at multiples of 500 ms
      const ends: number[] = [];
      const cap = await capture({
        collectors: { syscalls: { events: true } },
        interval: "500ms",
        duration: "30s",
        command: [workloadPath(), "turn", "5000", "2500"],
        online: ["ngram"],
        onAlert: (a) => seen.push(a),
        onInterval: (p) => ends.push(p.elapsedMs / 1000),
      });
      const ev = cap.frame("syscalls_events");
      const pid = ev.numeric("pid"),
        names = ev.strings("syscall"),
        t = ev.numeric("t_s");
      let start = Infinity;
      for (let i = 0; i < ev.length; i++)
        if (pid[i] === cap.meta.pid && /^(clone3?|fork|vfork)$/.test(names[i]!)) start = Math.min(start, t[i]!);
      expect(start, "the workload forked (its abnormal stretch ran)").toBeLessThan(Infinity);
      const mine = seen.filter((a) => a.entity === "workload");
      // the interval the turn happened in: the first to end after it
      const startInterval = ends.findIndex((e) => e >= start);
      // nothing on the workload in the intervals before
      expect(mine.filter((a) => a.interval < startInterval)).toEqual([]);
      const hit = mine.find((a) => a.interval >= startInterval);
      expect(hit, `an alert after the turn at ${start.toFixed(2)} s`).toBeDefined();
      const latency = hit!.interval - startInterval;
      console.log(
        `ngram live: turn at ${start.toFixed(3)} s, alert at ${hit!.t_s} s (${latency} intervals)`,
        hit!.message,
      );
      expect(latency).toBeLessThanOrEqual(2);
      expect(hit!.message).toMatch(/never seen/);
      // the alerts frame holds them
      expect(cap.frame("alerts").length).toBe(seen.length);
    },
    60_000,
  );
});
