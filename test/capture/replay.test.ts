// replay(): a saved capture played back interval by interval gives the same frames as loading it, with the same
// progress shape capture() hands out, and live's panel renders from it. No root needed.

import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { loadCapture } from "../../kernel/capture/load-capture.js";
import { replay } from "../../kernel/capture/replay.js";
import type { CaptureProgress } from "../../kernel/capture/plan.js";
import { liveReplay } from "../../kernel/plots/live.js";
import { packageRoot } from "../../kernel/paths.js";
import { StreamingZscore } from "../../kernel/online/streaming-zscore.js";

const dataset = join(packageRoot(), "datasets", "redis-injected");

describe("replay", () => {
  it("at speed ∞ produces the same frames as loading, one interval at a time", async () => {
    const loaded = await loadCapture(dataset);
    const ticks: CaptureProgress[] = [];
    const played = await replay(dataset, { speed: Infinity, onInterval: (p) => ticks.push(p) });
    expect(Object.keys(played.frames).sort()).toEqual(Object.keys(loaded.frames).sort());
    for (const [name, f] of Object.entries(loaded.frames)) {
      const g = played.frame(name);
      expect(g.length).toBe(f.length);
      for (const c of f.columnNames) expect(g.values(c)).toEqual(f.values(c));
    }
    expect(played.meta).toEqual(loaded.meta);
    // one tick per interval, the chunks adding up to the frames, the sums growing like a capture's
    expect(ticks.length).toBe(Math.ceil(loaded.meta.elapsedMs / loaded.meta.intervalMs));
    const sched = loaded.frame("sched");
    expect(ticks.reduce((n, p) => n + p.chunk["sched"]!.length, 0)).toBe(sched.length);
    expect(ticks[ticks.length - 1]!.rows["sched"]).toBe(sched.length);
    expect(ticks[ticks.length - 1]!.lost).toEqual(loaded.meta.lost);
    // each chunk holds only its interval's rows
    const I = loaded.meta.intervalMs / 1000;
    ticks.forEach((p, k) => {
      for (const t of p.chunk["sched"]!.numeric("t_s")) expect(Math.floor(t / I + 1e-9)).toBe(k);
    });
  });

  it("keeps the capture's pace divided by the speed, and stops on an abort with what it played", async () => {
    const loaded = await loadCapture(dataset);
    const speed = (loaded.meta.elapsedMs / 1000) * 4; // the whole capture in about 250 ms
    const t0 = Date.now();
    await replay(loaded, { speed });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(200);
    const ac = new AbortController();
    let n = 0;
    const cut = await replay(loaded, {
      speed: Infinity,
      signal: ac.signal,
      onInterval: () => {
        if (++n === 3) ac.abort();
      },
    });
    expect(n).toBe(3);
    expect(cut.meta.interrupted).toBe(true);
    expect(cut.frame("sched").length).toBeLessThan(loaded.frame("sched").length);
    await expect(replay(loaded, { speed: 0 })).rejects.toThrow(/speed must be above 0/);
  });

  it("liveReplay renders the live panel from a replay, interval by interval, and its final state", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
      lines.push(String(s));
      return true;
    });
    try {
      const cap = await liveReplay(dataset, { speed: Infinity, online: [new StreamingZscore()] });
      expect(cap.frame("alerts").length).toBeGreaterThan(0);
      expect(cap.frame("sched").length).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
    const text = lines.join("");
    expect(text).toMatch(/Replay of/);
    expect(text).toMatch(/sched/);
    expect(text).toMatch(/done/);
    // the badge of the online detector's alerts
    expect(text).toMatch(/\d+ alert\(s\): /);
  });
});

describe("bpflab replay", () => {
  it("plays a dataset back and prints its summary; a bad speed is a usage error", async () => {
    const { bpflab } = await import("../cli/run-cli.js");
    const r = bpflab(["replay", dataset, "--speed", "inf", "--json"], { timeout: 120_000 });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { collectors: { collector: string; rows: number }[] };
    const loaded = await loadCapture(dataset);
    expect(s.collectors.find((c) => c.collector === "sched")!.rows).toBe(loaded.frame("sched").length);
    const bad = bpflab(["replay", dataset, "--speed", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--speed 0: not a speed/);
  }, 180_000);
});
