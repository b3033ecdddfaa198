// Drops cannot be missed: a map too small for the keys of an interval loses records, and the capture says how
// many, whose (the drops frame), and how to avoid it (a warning naming --map-entries).

import { describe, expect, it } from "vitest";
import { dropsFrame, dropWarnings } from "../../kernel/capture/drops.js";
import { capture } from "../../kernel/capture/engine.js";
import { setLogSink } from "../../kernel/log.js";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

describe("drops", () => {
  liveIt("a full map's lost records are counted per process, in the drops frame and a warning", async () => {
    const warnings: string[] = [];
    const prev = setLogSink((level, msg) => {
      if (level === "warn") warnings.push(msg);
    });
    try {
      // 25 children, each its own (tid, syscall) keys, into a map of 8 entries
      const cap = await capture({
        collectors: { syscalls: { mapEntries: 8 }, process: {} },
        duration: "20s",
        command: [workloadPath(), "fork", "25"],
      });
      const lost = cap.meta.lost.syscalls!;
      expect(lost).toBeGreaterThan(0);
      const drops = cap.frame("drops");
      const pids = drops.numeric("pid");
      const n = drops.numeric("lost");
      // every lost record belongs to a process of the traced tree (the command or a child it forked), and all
      // of them are attributed to one
      const ev = cap.frame("process");
      const isFork = ev.strings("event").map((e) => e === "fork");
      const ppid = ev.numeric("ppid");
      const tree = new Set([
        cap.meta.pid!,
        ...ev.numeric("pid").filter((_, i) => isFork[i] && ppid[i] === cap.meta.pid),
      ]);
      expect(tree.size).toBe(26);
      expect(drops.strings("collector").every((c) => c === "syscalls")).toBe(true);
      expect(n.reduce((a, b) => a + b, 0)).toBe(lost);
      expect(pids.length).toBeGreaterThan(0);
      expect([...pids].filter((p) => !tree.has(p))).toEqual([]);
      const w = warnings.find((m) => m.startsWith("syscalls lost"));
      expect(w).toContain(lost.toLocaleString("en-US"));
      expect(w).toContain("--map-entries");
    } finally {
      setLogSink(prev);
    }
  });

  liveIt("a capture that loses nothing has an empty drops frame and no warning", async () => {
    const cap = await capture({
      collectors: ["syscalls"],
      duration: "5s",
      command: [workloadPath(), "getppid", "1000"],
    });
    expect(cap.meta.lost.syscalls).toBe(0);
    expect(cap.frame("drops").length).toBe(0);
  });

  it("names the fix that helps: bigger maps for a full map, bigger rings for records an event ring dropped", () => {
    const drops = dropsFrame([{ collector: "syscalls", byPid: new Map([[42, 1000]]) }]);
    const [map] = dropWarnings({ syscalls: 1000 }, drops);
    expect(map).toContain("--map-entries");
    expect(map).not.toContain("--ring-kb");
    const [ring] = dropWarnings({ syscalls: 1000 }, drops, { syscalls: 1000 });
    expect(ring).toContain("--ring-kb");
    expect(ring).not.toContain("--map-entries");
    const [both] = dropWarnings({ syscalls: 1000 }, drops, { syscalls: 400 });
    expect(both).toContain("400 of them in its event rings: raise --ring-kb");
    expect(both).toContain("--map-entries");
  });
});
