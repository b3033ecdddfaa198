// The metrics the series detectors watch beyond calls, CPU and forks: a leak is memory that keeps growing (a
// gauge's growth, not its level), and a burst of traffic is network bytes.

import { describe, expect, it } from "vitest";
import { FrameBuilder } from "../../kernel/frame/frame-builder.js";
import type { Frame } from "../../kernel/frame/frame.js";
import { OnlineEwma } from "../../kernel/online/online-ewma.js";
import { StreamingZscore } from "../../kernel/online/streaming-zscore.js";
import type { Alert } from "../../kernel/online/alert.js";

const MiB = 1024 * 1024;

/** One interval's frame of `name`: a row per [pid, comm, value of `col`]. */
function frame(name: string, col: string, rows: [number, string, number][]): Frame {
  const b = new FrameBuilder([
    { name: "pid", type: "u32" },
    { name: "comm", type: "str" },
    { name: col, type: "i64" },
  ]);
  for (const [pid, comm, v] of rows) {
    const r = b.beginRow();
    b.setNum(0, r, pid);
    b.setStr(1, r, comm);
    b.setNum(2, r, v);
  }
  return b.finish(name);
}

/** 40 one-second intervals of `chunkAt(i)` through a fresh detector of each kind; their alerts. */
function run(chunkAt: (i: number) => Record<string, Frame>, observer?: number): Record<string, Alert[]> {
  const out: Record<string, Alert[]> = {};
  for (const d of [new StreamingZscore(), new OnlineEwma()]) {
    const alerts: Alert[] = (out[d.name] = []);
    for (let i = 0; i < 40; i++) {
      alerts.push(...d.update({ elapsedMs: (i + 1) * 1000, chunk: chunkAt(i), ...(observer ? { observer } : {}) }, i));
    }
  }
  return out;
}

describe("online series beyond calls and CPU", () => {
  it("a process whose memory grows 64 MiB a second from interval 30 alerts on its growth, not on its size", () => {
    // "big" holds 2 GiB steadily (its size is no news), "leak" 100 MiB, jittering by a page, until it leaks
    const alerts = run((i) => ({
      memory: frame("memory", "rss_anon_bytes", [
        [10, "big", 2048 * MiB + (i % 3) * 4096],
        [20, "leak", 100 * MiB + (i % 2) * 4096 + (i >= 30 ? (i - 29) * 64 * MiB : 0)],
      ]),
    }));
    for (const [name, list] of Object.entries(alerts)) {
      expect(
        list.every((a) => a.entity === "leak"),
        name,
      ).toBe(true);
      const first = list[0]!;
      expect(first.interval, name).toBe(30);
      expect(first.drivers[0]!.metric).toBe("rss_growth_bytes");
      // level 30 − level 29: 64 MiB of leak less the page of jitter interval 29 held
      expect(first.drivers[0]!.value).toBe(64 * MiB - 4096);
    }
  });

  it("network bytes are a series too", () => {
    const alerts = run((i) => ({
      net: (() => {
        const b = new FrameBuilder([
          { name: "pid", type: "u32" },
          { name: "comm", type: "str" },
          { name: "tx_bytes", type: "i64" },
          { name: "rx_bytes", type: "i64" },
        ]);
        const r = b.beginRow();
        b.setNum(0, r, 30);
        b.setStr(1, r, "client");
        b.setNum(2, r, i === 35 ? 500 * MiB : 20_000 + (i % 4) * 1000);
        b.setNum(3, r, 40_000);
        return b.finish("net");
      })(),
    }));
    for (const [name, list] of Object.entries(alerts)) {
      // the client's own series, and the machine's total beside it
      const mine = list.filter((a) => a.entity === "client");
      expect(
        mine.map((a) => [a.interval, a.drivers[0]!.metric]),
        name,
      ).toEqual([[35, "net_bytes"]]);
      expect(list.filter((a) => a.entity !== "client").every((a) => a.entity === "system")).toBe(true);
    }
  });

  it("leaves the capturing process out: its saves are no anomaly, of its own or of the machine", () => {
    // bpflab (pid 7) writes its files at interval 30: a burst of calls that alerts when anyone else makes it
    const chunkAt = (i: number) => ({
      syscalls: frame("syscalls", "count", [
        [7, "node", i === 30 ? 50_000 : 40 + (i % 3)],
        [8, "worker", 1000 + (i % 5) * 10],
      ]),
    });
    const seen = run(chunkAt);
    for (const list of Object.values(seen)) expect(list.map((a) => a.entity)).toContain("node");
    for (const [name, list] of Object.entries(run(chunkAt, 7))) expect(list, name).toEqual([]);
  });

  it("a process too new for a past of its own alerts past twice what every established process did lately", () => {
    // "worker" makes ~1,000 calls an interval throughout; "storm" starts at interval 20 with 40,000 a second (its
    // own series would learn that as its normal), "small" at interval 25 with 1,500 (more than the worker, less
    // than twice as much), "early" is there from the capture's start with 50,000 (nothing to compare with yet)
    const alerts = run((i) => ({
      syscalls: frame("syscalls", "count", [
        [8, "worker", 1000 + (i % 5) * 10],
        ...(i < 3 ? [[9, "early", 50_000] as [number, string, number]] : []),
        ...(i >= 20 ? [[30, "storm", 40_000] as [number, string, number]] : []),
        ...(i >= 25 ? [[31, "small", 1500] as [number, string, number]] : []),
      ]),
    }));
    for (const [name, list] of Object.entries(alerts)) {
      const storm = list.filter((a) => a.entity === "storm");
      expect(storm[0]?.interval, name).toBe(20);
      expect(storm[0]!.drivers[0]).toMatchObject({ metric: "syscalls", value: 40_000, expected: 1040 });
      // ln(40000 / 1040) / ln 2 = 5.27 times the threshold's factor
      expect(storm[0]!.score).toBeCloseTo((8 * Math.log(40_000 / 1040)) / Math.log(2), 6);
      expect(
        list.some((a) => a.entity === "small" || a.entity === "early"),
        name,
      ).toBe(false);
    }
  });

  it("a busy process that stops dead alerts once; one with quiet intervals, or one that exited, does not", () => {
    // "server" makes 450–540 calls every interval and none at 30–32; "worker" has a quiet interval every 3;
    // "leaver" makes 600 a second until it exits in interval 30
    const exits = (i: number) => {
      const b = new FrameBuilder([
        { name: "pid", type: "u32" },
        { name: "ppid", type: "u32" },
        { name: "comm", type: "str" },
        { name: "event", type: "str" },
      ]);
      if (i === 30) {
        const r = b.beginRow();
        b.setNum(0, r, 12);
        b.setNum(1, r, 1);
        b.setStr(2, r, "leaver");
        b.setStr(3, r, "exit");
      }
      return b.finish("process");
    };
    const alerts = run((i) => ({
      syscalls: frame("syscalls", "count", [
        ...(i < 30 || i > 32 ? [[10, "server", 450 + (i % 4) * 30] as [number, string, number]] : []),
        ...(i % 3 ? [[11, "worker", 800 + (i % 2) * 10] as [number, string, number]] : []),
        ...(i < 30 ? [[12, "leaver", 600 + (i % 2) * 10] as [number, string, number]] : []),
      ]),
      process: exits(i),
    }));
    for (const [name, list] of Object.entries(alerts)) {
      const server = list.filter((a) => a.entity === "server" && a.drivers.some((d) => d.value === 0));
      expect(
        server.map((a) => a.interval),
        name,
      ).toEqual([30]);
      // the least of its last 10 intervals (450) against the floor of 100 calls, scaled so that 3× is the threshold
      expect(server[0]!.score).toBeCloseTo((8 * Math.log(450 / 100)) / Math.log(3), 6);
      expect(
        list.some((a) => a.entity === "worker" || a.entity === "leaver"),
        name,
      ).toBe(false);
    }
  });
});
