import { describe, expect, it } from "vitest";
import { HistoryScorer } from "../../kernel/analysis/history-scores.js";
import { PARTIAL_EXIT } from "../../kernel/features/silence.js";

/** `entities` processes over `windows` windows, one row each per window, columns from `value(entity, window)`. */
function rows(entities: number, windows: number, columns: string[], value: (e: number, w: number) => number[]) {
  const data: number[] = [];
  const entity: number[] = [];
  const window: number[] = [];
  for (let w = 0; w < windows; w++) {
    for (let e = 0; e < entities; e++) {
      data.push(...value(e, w));
      entity.push(e);
      window.push(w);
    }
  }
  const X = { data: Float64Array.from(data), rows: entity.length, cols: columns.length, columns };
  const ctx = { entity, window, peer: entity.map((e) => `p${e}`) };
  return { X, ctx, row: (e: number, w: number) => w * entities + e };
}

describe("HistoryScorer", () => {
  // Ten processes with a steady own history (a little jitter), then in window 12 all of them shift up by 2 (log
  // units: a VM stall raises everyone's run-queue wait), and process 3 by 4.
  const jitter = (e: number, w: number) => 0.05 * (((e * 7 + w * 13) % 5) - 2);
  const shifted = rows(10, 14, ["runq"], (e, w) => [3 + jitter(e, w) + (w === 12 ? (e === 3 ? 4 : 2) : 0)]);

  it("without commonMode, a shift every process shares scores in every one of them", () => {
    const s = new HistoryScorer(shifted.X, shifted.ctx, { kind: "causal" });
    for (let e = 0; e < 10; e++) expect(s.scores[shifted.row(e, 12)]).toBeGreaterThan(9);
  });

  it("commonMode takes the shared shift off: only what sets a process apart scores, and drivers still add up", () => {
    const s = new HistoryScorer(shifted.X, shifted.ctx, { kind: "causal" }, { commonMode: true });
    // What is left of the others is their jitter around the median shift.
    for (let e = 0; e < 10; e++) if (e !== 3) expect(s.scores[shifted.row(e, 12)]).toBeLessThan(0.1);
    const r = shifted.row(3, 12);
    // 2 log units beyond the common shift, in units of the 0.5 floor: z ≈ 4.
    expect(s.scores[r]).toBeGreaterThan(12);
    expect(s.scores[r]).toBeLessThan(20);
    const sum = s.contributions(r).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(s.scores[r]!, 6);
    // Normal windows are unchanged by it.
    const plain = new HistoryScorer(shifted.X, shifted.ctx, { kind: "causal" });
    for (let w = 0; w < 12; w++) expect(s.scores[shifted.row(5, w)]).toBe(plain.scores[shifted.row(5, w)]);
  });

  it("commonMode needs commonMin processes with their own history of the activity", () => {
    const few = rows(3, 14, ["runq"], (e, w) => [3 + jitter(e, w) + (w === 12 ? 2 : 0)]);
    const s = new HistoryScorer(few.X, few.ctx, { kind: "causal" }, { commonMode: true });
    for (let e = 0; e < 3; e++) expect(s.scores[few.row(e, 12)]).toBeGreaterThan(9);
  });

  it("lifecycle columns are not scored in a process's exit window, and are in a full one", () => {
    // Column 0: exits. Process 0 exits in window 10 (its last, partial window); process 1 has one in a full window.
    const r = rows(2, 12, ["exits", "calls"], (e, w) => [(e === 0 && w === 10) || (e === 1 && w === 11) ? 1 : 0, 2]);
    const partial = new Uint8Array(r.X.rows);
    partial[r.row(0, 10)] = PARTIAL_EXIT;
    const ctx = { ...r.ctx, partial };
    const lifecycle = [true, false];
    const s = new HistoryScorer(r.X, ctx, { kind: "causal" }, { lifecycle });
    expect(s.scores[r.row(0, 10)]).toBe(0);
    expect(s.scores[r.row(1, 11)]).toBeGreaterThan(0);
    expect(new HistoryScorer(r.X, ctx, { kind: "causal" }).scores[r.row(0, 10)]).toBeGreaterThan(0);
  });

  it("a rare state scores by how rare it is in the process's own history: news for a busy worker, not for a daemon", () => {
    // Column 0: idle (0/1). Process 0 is never idle for 20 windows, then idle; process 1 is idle every window.
    const r = rows(2, 21, ["idle"], (e, w) => [e === 1 || w === 20 ? 1 : 0]);
    const s = new HistoryScorer(r.X, r.ctx, { kind: "causal" }, { rare: [true] });
    // 20 windows never idle: p = 0.5 / 21, z² = 2 ln 42.
    expect(s.scores[r.row(0, 20)]).toBeCloseTo(2 * Math.log(42), 9);
    // Idle in all 20: p = 20.5 / 21, next to nothing.
    expect(s.scores[r.row(1, 20)]).toBeLessThan(0.05);
    // The state's absence is no news, and its contribution is the whole score.
    expect(s.scores[r.row(0, 19)]).toBe(0);
    expect(s.contributions(r.row(0, 20))[0]).toBeCloseTo(s.scores[r.row(0, 20)]!, 12);
  });

  it("in an idle window, what fell to zero with it adds as far as the process's wakeup rate makes such a window rare", () => {
    // Columns: idle, wakeups (log1p of the count per window, as resolutionScale gives), CPU (log units).
    // Process 0 wakes 10–12 times a window, process 1 once or twice; both go idle in window 20, then are busy again.
    const wake = (e: number, w: number) => (e === 0 ? 10 + (w % 3) : 1 + (w % 2));
    const r = rows(2, 22, ["idle", "wakeups", "cpu"], (e, w) =>
      w === 20 ? [1, 0, 0] : [0, Math.log1p(wake(e, w)), 3 + 0.1 * (w % 2)],
    );
    const arrivals = { column: 1, count: Math.expm1 };
    const rare = [true, false, false];
    const s = new HistoryScorer(r.X, r.ctx, { kind: "causal" }, { rare, arrivals });
    const state = 2 * Math.log(42); // 20 windows never idle: p = 0.5 / 21
    // Process 0: at least 10 wakeups in 95 % of its windows: a window without one has p = e^-10, z² = 2 · 10.
    expect(s.scores[r.row(0, 20)]).toBeCloseTo(20, 9);
    // Process 1: e^-1 says less than the state's rarity, so the falls add nothing.
    expect(s.scores[r.row(1, 20)]).toBeCloseTo(state, 9);
    for (const e of [0, 1]) {
      const row = r.row(e, 20);
      const c = s.contributions(row);
      expect(c[0]).toBeCloseTo(state, 9);
      expect(c.reduce((a, b) => a + b, 0)).toBeCloseTo(s.scores[row]!, 9);
      // the falls in full, to name them
      const fell = s.deviations(row, s.envelope(row), true);
      expect(fell[1]).toBeLessThan(0);
      expect(fell[2]).toBeLessThan(-5);
    }
    // Without arrivals, the falls add in full (CPU alone 6 floors below its range).
    const plain = new HistoryScorer(r.X, r.ctx, { kind: "causal" }, { rare });
    expect(plain.scores[r.row(1, 20)]).toBeGreaterThan(state + 36);
  });

  it("a new process is compared with everyone but itself: its own storm does not set everyone's normal", () => {
    // Ten processes from the start make ~10 calls a window; a new one (entity 10) makes 1,000 a window from window
    // 10 on: 10 of its rows among 210, so with itself in everyone's reference the 99th percentile would be its own.
    const all = rows(11, 20, ["calls"], (e, w) => [e < 10 ? Math.log1p(10 + ((e + w) % 3)) : Math.log1p(1000)]);
    const keep = [...Array(all.X.rows).keys()].filter((r) => all.ctx.entity[r]! < 10 || all.ctx.window[r]! >= 10);
    const X = { ...all.X, rows: keep.length, data: Float64Array.from(keep, (r) => all.X.data[r]!) };
    const ctx = {
      entity: keep.map((r) => all.ctx.entity[r]!),
      window: keep.map((r) => all.ctx.window[r]!),
      peer: keep.map((r) => all.ctx.peer[r]!),
    };
    const s = new HistoryScorer(X, ctx, { kind: "causal" });
    const first = keep.indexOf(all.row(10, 10));
    const env = s.envelope(first);
    expect(env.source[0]).toBe("all");
    expect(env.n[0]).toBe(200);
    // everyone else's 99th percentile is log1p(12): 1,000 calls are (log1p(1000) − log1p(12)) / 0.5 ≈ 8.7 floors out
    expect(env.hi[0]).toBeCloseTo(Math.log1p(12), 9);
    expect(s.scores[first]).toBeCloseTo(((Math.log1p(1000) - Math.log1p(12)) / 0.5) ** 2, 6);
  });

  // Uneven values with ties and zeros, for the references against a direct computation.
  const uneven = (e: number, w: number) => [((e * 37 + w * 11) % 7) * 0.5, (e + w) % 4 === 0 ? 0 : (e * w) % 5];
  /** `late` arrives at window 8 (its earlier rows missing); its envelope at window 9, and every value of `others`. */
  function referenceOf(entities: number, late: number, others: (e: number) => boolean, peer?: (e: number) => string) {
    const r = rows(entities, 12, ["a", "b"], uneven);
    const missing = new Uint8Array(r.X.rows * 2);
    for (let w = 0; w < 8; w++) missing.fill(1, r.row(late, w) * 2, r.row(late, w) * 2 + 2);
    const ctx = { ...r.ctx, missing, ...(peer ? { peer: r.ctx.entity.map(peer) } : {}) };
    const env = new HistoryScorer(r.X, ctx, { kind: "causal" }).envelope(r.row(late, 9));
    const values = [0, 1].map((j) => {
      const v: number[] = [];
      for (let w = 0; w < 12; w++) for (let e = 0; e < entities; e++) if (others(e)) v.push(uneven(e, w)[j]!);
      return v;
    });
    return { env, values };
  }
  const q = (xs: number[], p: number) => {
    const a = [...xs].sort((x, y) => x - y);
    const pos = p * (a.length - 1);
    const i = Math.floor(pos);
    return a[i]! + ((a[Math.min(i + 1, a.length - 1)] ?? a[i]!) - a[i]!) * (pos - i);
  };

  /** The envelope summarises `values` (per feature) as `source` does: hi at its quantile, peers' scale from the spread. */
  function expectSummary(env: ReturnType<typeof referenceOf>["env"], values: number[][], source: "all" | "peers") {
    const top = source === "all" ? 0.99 : 0.95;
    values.forEach((others, j) => {
      expect(env.source[j]).toBe(source);
      expect(env.n[j]).toBe(others.length);
      expect(env.lo[j]).toBeCloseTo(q(others, 0.05), 12);
      expect(env.center[j]).toBeCloseTo(q(others, 0.5), 12);
      expect(env.hi[j]).toBeCloseTo(q(others, top), 12);
      const spread = source === "all" ? 0 : (q(others, top) - q(others, 0.05)) / 3.29;
      expect(env.scale[j]).toBeCloseTo(Math.max(0.5, spread), 12);
      expect(env.share[j]).toBeCloseTo(others.filter((v) => v > 0).length / others.length, 12);
    });
  }

  it("everyone-but-itself is the same summary as one over the others' rows", () => {
    const { env, values } = referenceOf(6, 5, (e) => e < 5);
    expectSummary(env, values, "all");
  });

  it("a newcomer's peers are the same summary as one over the other members' rows, its own left out", () => {
    // Entities 0–4 are one peer group, 5 and 6 another; entity 4 arrives at window 8, so with one window of its own
    // it is compared with its group's others (each group's rows are sorted once, each entity's own taken out).
    const { env, values } = referenceOf(
      7,
      4,
      (e) => e < 4,
      (e) => (e < 5 ? "g" : "h"),
    );
    expectSummary(env, values, "peers");
  });

  it("a run of a rare state is not learnt while it lasts: each window of it is as rare as the first", () => {
    // Never idle for 20 windows, then idle for 6 (a worker stuck on a lock), then busy, then idle once more.
    const r = rows(1, 30, ["idle"], (_, w) => [(w >= 20 && w < 26) || w === 28 ? 1 : 0]);
    const s = new HistoryScorer(r.X, r.ctx, { kind: "causal" }, { rare: [true], learnBelow: 9 });
    // Each window below learnBelow, yet none learnt during the run: p stays 0.5 / (20 + 1).
    expect(s.scores[r.row(0, 20)]).toBeCloseTo(2 * Math.log(42), 9);
    expect(s.scores[r.row(0, 25)]).toBeCloseTo(2 * Math.log(42), 9);
    // Learnt once it was back to normal: the second time it has been seen before (6 of 28 windows).
    expect(s.scores[r.row(0, 28)]).toBeCloseTo(2 * Math.log(29 / 6.5), 9);
  });

  it("with commonMode, a rare state's contribution is still its whole score", () => {
    // Six daemons idle in most windows (their idleness a little news every window: the common shift), one busy
    // worker goes idle in window 20: the scores take the common part off, so must its contribution.
    const r = rows(7, 21, ["idle"], (e, w) => [e === 0 ? (w === 20 ? 1 : 0) : (w + e) % 4 === 0 ? 0 : 1]);
    const s = new HistoryScorer(r.X, r.ctx, { kind: "causal" }, { rare: [true], commonMode: true });
    const row = r.row(0, 20);
    expect(s.scores[row]).toBeGreaterThan(0);
    expect(s.scores[row]).toBeLessThan(2 * Math.log(42));
    expect(s.contributions(row)[0]).toBeCloseTo(s.scores[row]!, 12);
  });

  it("a rare event scores against whatever reference the row has, in its exit window too", () => {
    // Column 0: OOM kills. Ten processes never OOM-killed; process 9 is killed in its last (exit) window.
    const r = rows(10, 8, ["oom_kills"], (e, w) => [e === 9 && w === 7 ? 1 : 0]);
    const partial = new Uint8Array(r.X.rows);
    partial[r.row(9, 7)] = PARTIAL_EXIT;
    const s = new HistoryScorer(r.X, { ...r.ctx, partial }, { kind: "causal" }, { rareEvents: [true] });
    // Its own 7 windows of history: p = 0.5 / 8.
    expect(s.scores[r.row(9, 7)]).toBeCloseTo(2 * Math.log(16), 9);
    for (let e = 0; e < 9; e++) expect(s.scores[r.row(e, 7)]).toBe(0);
  });
});
