// Detection with known truth on a synthetic machine (exact, no kernel): each injection is the top incident, with
// the right process, overlapping time and the cause among its top drivers; no injection, no incident; the
// explanations add up; the three modes and the bad-input errors.

import { describe, expect, it } from "vitest";
import { findAnomalies, FindAnomaliesOptions } from "../../kernel/analysis/anomalies.js";
import { namedFeatures } from "../../kernel/analysis/drivers.js";
import { namesCause } from "../../kernel/analysis/signals.js";
import { Capture } from "../../kernel/capture/capture.js";
import { DatasetError, OptionError } from "../../kernel/errors.js";
import { formatReport, reportJson } from "../../kernel/analysis/report-format.js";
import { CLIENT_PID, Injection, SERVICE_PID, syntheticSystem, WORKER_PID } from "./synthetic-system.js";

const CAUSE: Record<Injection, RegExp> = {
  "syscall-storm": /^sys_getppid_count$/,
  "cpu-hog": /^(sustained_)?oncpu_ns$/,
  blocked: /^(syscalls_count|oncpu_ns|vol_switches|sys_\w+_count)$/,
  "server-blocked": /^(syscalls_count|oncpu_ns|vol_switches|sys_\w+_count)$/,
  "fork-storm": /^forks$/,
  // either call leads (the syscalls group scores only its largest deviation); the other is named with it
  "durable-writes": /^sys_(pwrite64|fsync)_count$/,
};

function topIncident(inj: Injection, seed: number, opts: FindAnomaliesOptions = {}) {
  const { cap, truth } = syntheticSystem({ seed, injection: inj });
  const r = findAnomalies(cap, opts);
  return { r, truth: truth!, top: r.incidents[0] };
}

describe("calls made to wait", () => {
  // the service's 50 calls a window take 20× longer for 6 s, nothing else changes
  const incidentsOn = (syscall: string, seed: number) =>
    findAnomalies(syntheticSystem({ seed, slower: { syscall, factor: 20 } }).cap).incidents.filter(
      (i) => i.entity.pid === SERVICE_PID,
    );

  it.each([1, 2])("waiting longer in clock_nanosleep is no anomaly, slower preads are (seed %i)", (seed) => {
    expect(incidentsOn("clock_nanosleep", seed)).toEqual([]);
    const slow = incidentsOn("pread64", seed);
    expect(slow.length).toBeGreaterThan(0);
    expect(slow[0]!.drivers[0]!.feature).toBe("sys_pread64_mean_latency_ns");
  });
});

describe.each(Object.keys(CAUSE) as Injection[])("history mode finds %s", (inj) => {
  it.each([1, 2, 3])(
    "seed %i: top incident = the injected process, at its time, cause in the top 3 drivers",
    (seed) => {
      const { r, truth, top } = topIncident(inj, seed);
      expect(r.mode).toBe("history");
      expect(top, JSON.stringify(r.incidents.slice(0, 3).map((i) => i.entity))).toBeDefined();
      expect(top!.entity.pid).toBe(truth.pid);
      expect(top!.start_s < truth.end && top!.end_s > truth.start).toBe(true);
      expect(
        // a driver's companions are named with it (a silent process: "idle, with system calls 0/s, …")
        top!.drivers
          .slice(0, 3)
          .flatMap(namedFeatures)
          .some((f) => CAUSE[inj].test(f)),
        JSON.stringify(top!.drivers),
      ).toBe(true);
      // Every driver names the value beside its normal one.
      for (const d of top!.drivers) expect(Number.isFinite(d.value) && Number.isFinite(d.baseline)).toBe(true);
    },
  );
});

describe("a driver names what moved with it", () => {
  it.each([1, 2, 3])("seed %i: pwrite64 and fsync calls, both new, are named together", (seed) => {
    const { top } = topIncident("durable-writes", seed);
    const lead = top!.drivers[0]!;
    const both = namedFeatures(lead).sort();
    expect(both.slice(0, 2), JSON.stringify(top!.drivers)).toEqual(["sys_fsync_count", "sys_pwrite64_count"]);
    expect(lead.text).toMatch(/^pwrite64 calls \S+\/s, none in its baseline, with fsync calls \S+\/s, none in its/);
    // the companion is named, not counted: the score holds the group's largest deviation once
    expect(top!.drivers.some((d) => d.feature === lead.with![0]!.feature)).toBe(false);
    expect(namesCause(top!.drivers.slice(0, 3).flatMap(namedFeatures), "syscalls:fsync count up")).toBe(true);
  });
});

describe("no injection, no incident", () => {
  it.each([1, 2, 3, 4, 5])("seed %i: nothing reaches the default threshold", (seed) => {
    const r = findAnomalies(syntheticSystem({ seed }).cap);
    expect(r.incidents).toEqual([]);
  });
});

describe("explanations add up", () => {
  it("a history incident's score is the sum of its windows' scores, and its drivers' shares sum to at most 1", () => {
    const { r, top } = topIncident("cpu-hog", 1);
    const rowSum = top!.rows.reduce((a, row) => a + r.scores["history"]![row]!, 0);
    expect(top!.score).toBeCloseTo(rowSum, 9);
    const shares = top!.drivers.reduce((a, d) => a + d.share, 0);
    expect(shares).toBeGreaterThan(0.5);
    expect(shares).toBeLessThanOrEqual(1 + 1e-9);
  });

  it("a row's drivers (all of its features) make up its whole score", () => {
    const { r } = topIncident("syscall-storm", 2);
    const row = r.top[0]!;
    expect(row.scores["history"]).toBeGreaterThan(0);
    // The five largest of its Σ z² terms: almost all of the score, never more.
    const shares = row.drivers.reduce((a, d) => a + d.share, 0);
    expect(shares).toBeGreaterThan(0.99);
    expect(shares).toBeLessThanOrEqual(1 + 1e-9);
  });

  it("in the baseline mode a row is explained by the ranking detector's own contributions", () => {
    const { r, truth, top } = topIncident("syscall-storm", 1, {
      baselineUntil: "15s",
      mode: "baseline",
      detectors: ["hbos"],
    });
    expect(top!.entity.pid).toBe(truth.pid);
    expect(top!.drivers.reduce((a, d) => a + d.share, 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect(top!.drivers[0]!.share).toBeGreaterThan(0);
    expect(r.reference).toMatch(/before 15 s/);
  });
});

describe("silence", () => {
  it("a slow worker's quiet second or two is no incident; six silent seconds are, each as rare as idleness is for it", () => {
    for (const seed of [1, 2, 3]) {
      const short = findAnomalies(syntheticSystem({ seed, quiet: [20, 22] }).cap);
      expect(short.incidents.filter((i) => i.entity.pid === WORKER_PID)).toEqual([]);
      const long = findAnomalies(syntheticSystem({ seed, quiet: [20, 26] }).cap);
      const top = long.incidents[0]!;
      expect(top.entity.pid).toBe(WORKER_PID);
      expect([top.start_s, top.end_s]).toEqual([20, 26]);
      // No one window reaches a flagged row's score: the run does.
      const windows = top.rows.map((r) => long.scores["history"]![r]!);
      expect(Math.max(...windows)).toBeLessThan(9);
      expect(top.score).toBeGreaterThanOrEqual(25);
      // One finding, the idle state, with what stopped named beside it; the shares add up.
      expect(top.drivers[0]!.feature).toBe("idle");
      expect(top.drivers[0]!.text).toMatch(/^idle \(no CPU time, no system calls\).*system calls 0\/s, down from/);
      expect(top.drivers.reduce((a, d) => a + d.share, 0)).toBeCloseTo(1, 6);
    }
  });
});

describe("whom a process waited on", () => {
  it("a stalled service is its incident's peak, and its client, blocked on it, joins the incident", () => {
    for (const seed of [1, 2, 3]) {
      // without sched_waits the busier client tops the list: two incidents, the client's first
      const blind = findAnomalies(syntheticSystem({ seed, injection: "server-blocked", waits: false }).cap);
      expect(blind.incidents[0]!.entity.pid).toBe(CLIENT_PID);
      expect(blind.incidents.some((i) => i.entity.pid === SERVICE_PID)).toBe(true);
      const { cap, truth } = syntheticSystem({ seed, injection: "server-blocked" });
      const r = findAnomalies(cap);
      const top = r.incidents[0]!;
      expect(top.entity.pid).toBe(truth!.pid);
      expect(top.entities.map((e) => e.pid)).toEqual([SERVICE_PID, CLIENT_PID]);
      expect(top.waitedOn).toEqual([{ pid: CLIENT_PID, on: SERVICE_PID, kind: "wakeup", waitS: 6 }]);
      // the drivers are the service's own, and the text says who waited on it
      expect(top.drivers.every((d) => d.text.length > 0)).toBe(true);
      expect(formatReport(r)).toMatch(/client 4243 waited 6\.0 s on it/);
      expect(r.incidents.filter((i) => i.entity.pid === CLIENT_PID)).toEqual([]);
    }
  });

  it("a process queued behind a CPU hog joins the hog's incident, and the hog is its peak", () => {
    const { cap, truth } = syntheticSystem({ seed: 2, injection: "cpu-hog", victim: true });
    const r = findAnomalies(cap);
    const top = r.incidents[0]!;
    expect(top.entity.pid).toBe(truth!.pid);
    expect(top.entities.map((e) => e.pid)).toEqual([truth!.pid, 100]);
    expect(top.waitedOn).toEqual([{ pid: 100, on: truth!.pid, kind: "cpu", waitS: expect.closeTo(3.6, 6) }]);
    expect(formatReport(r)).toMatch(/svc-0 100 queued 3\.6 s for CPUs it held/);
    expect(r.incidents.filter((i) => i.entity.pid === 100)).toEqual([]);
  });

  it("two processes that queued about as long behind each other: the waits do not decide the peak, the scores do", () => {
    // The hog queued 1.2× as long behind svc-0 as svc-0 behind it: by net waits svc-0 would be the peak.
    const { cap, truth } = syntheticSystem({ seed: 2, injection: "cpu-hog", victim: true, mutual: 1.2 });
    const r = findAnomalies(cap);
    const top = r.incidents[0]!;
    expect(top.entities.map((e) => e.pid).sort()).toEqual([100, truth!.pid].sort());
    const s = r.scores["history"]!;
    const pids = r.features.keys.numeric("pid");
    const best = (pid: number) => Math.max(...top.rows.filter((x) => pids[x] === pid).map((x) => s[x]!));
    expect(top.entity.pid).toBe(best(truth!.pid) >= best(100) ? truth!.pid : 100);
    // One-sided (3× or more), the waits decide: svc-0 is the peak although the hog scores higher.
    const lop = findAnomalies(syntheticSystem({ seed: 2, injection: "cpu-hog", victim: true, mutual: 4 }).cap);
    expect(lop.incidents[0]!.entity.pid).toBe(100);
  });

  it("a blocked process's incident names the process outside it that ended the block (a lock's holder)", () => {
    const { cap, truth } = syntheticSystem({ seed: 1, injection: "blocked", holder: true });
    const r = findAnomalies(cap);
    expect(r.incidents[0]!.entity.pid).toBe(truth!.pid);
    expect(r.incidents[0]!.blockedBy).toEqual([{ pid: 103, name: "svc-3", kind: "wakeup", waitS: 6 }]);
    expect(formatReport(r)).toMatch(/blocked 6\.0 s until svc-3 103 woke it/);
    expect(reportJson(r).incidents).toMatchObject([
      { blocked_by: [{ pid: 103, comm: "svc-3", kind: "wakeup", wait_s: 6 }] },
    ]);
    // without the row, nothing is claimed
    expect(
      findAnomalies(syntheticSystem({ seed: 1, injection: "blocked" }).cap).incidents[0]!.blockedBy,
    ).toBeUndefined();
  });
});

describe("detection modes", () => {
  it("--baseline-until: the first part is normal and never flagged", () => {
    const { r, truth, top } = topIncident("blocked", 1, { baselineUntil: "15s" });
    expect(r.scoredFromS).toBe(15);
    expect(top!.entity.pid).toBe(truth.pid);
    expect(r.incidents.every((i) => i.start_s >= 15)).toBe(true);
  });

  it("--baseline: each process against the same-named processes of another capture", () => {
    const quiet = syntheticSystem({ seed: 7 }).cap;
    const { cap, truth } = syntheticSystem({ seed: 7, injection: "syscall-storm" });
    const r = findAnomalies(cap, { baseline: quiet });
    expect(r.reference).toMatch(/baseline capture/);
    expect(r.incidents[0]!.entity.pid).toBe(truth!.pid);
    expect(findAnomalies(syntheticSystem({ seed: 7 }).cap, { baseline: quiet }).incidents).toEqual([]);
  });

  it("unsupervised stays available with any detectors", () => {
    const { cap, truth } = syntheticSystem({ seed: 3, injection: "syscall-storm" });
    const r = findAnomalies(cap, { detectors: ["zscore", "iforest"] });
    expect(r.mode).toBe("unsupervised");
    expect(r.top[0]!.entity.pid).toBe(truth!.pid);
  });
});

describe("bad input is a one-line error that says what to do", () => {
  const { cap } = syntheticSystem({ seed: 1, injection: "cpu-hog" });
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  };

  it("labels that match no entity", () => {
    const labels = [{ kind: "cpu-hog", start_s: 20, end_s: 26, pids: [99999] }];
    expect(() => findAnomalies(cap, { labels })).toThrow(DatasetError);
    expect(message(() => findAnomalies(cap, { labels })).split("\n")[0]).toBe(
      'label "cpu-hog" (pid 99999, 20.0–26.0 s) matches no row of this capture',
    );
  });

  it("a baseline capture with other collectors than the scored one", () => {
    const other = new Capture({ ...cap.meta, collectors: ["sched"] }, { sched: cap.frames["sched"]! });
    expect(() => findAnomalies(cap, { baseline: other })).toThrow(OptionError);
    expect(message(() => findAnomalies(cap, { baseline: other }))).toMatch(
      /^the baseline capture has collectors sched, the scored one process, sched, syscalls\n {2}hint: capture the baseline with the same collectors/,
    );
  });

  it("a baseline shorter than one window", () => {
    const short = new Capture({ ...cap.meta, elapsedMs: 400 }, cap.frames as Record<string, never>);
    expect(message(() => findAnomalies(cap, { baseline: short }))).toMatch(
      /^the baseline capture lasts 0\.40 s, shorter than one window \(1 s\)\n {2}hint: /,
    );
    expect(message(() => findAnomalies(cap, { baselineUntil: "500ms" }))).toMatch(
      /^--baseline-until 500ms is shorter than one window \(1 s\)/,
    );
    expect(message(() => findAnomalies(cap, { baselineUntil: "45s" }))).toMatch(/leaves no window to score/);
  });

  it("a baseline twice, and the baseline mode without one", () => {
    expect(message(() => findAnomalies(cap, { baseline: cap, baselineUntil: "10s" }))).toMatch(/not both/);
    expect(message(() => findAnomalies(cap, { mode: "baseline" }))).toMatch(/^the baseline mode needs a baseline/);
  });
});
