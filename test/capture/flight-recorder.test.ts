// The flight recorder (capture({ ring })): a trigger at a known moment keeps exactly the calls of the window before
// it (a workload logs each call's CLOCK_MONOTONIC bounds, the clock of the events), the window's rows only, and
// memory that stays flat over a long run; plus the window logic on synthetic frames (no root).

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import type { Capture } from "../../kernel/capture/capture.js";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { recoverCapture } from "../../kernel/capture/recover.js";
import { FlightRecorder, frameBytes } from "../../kernel/capture/flight-recorder.js";
import { RingTriggers } from "../../kernel/capture/ring-triggers.js";
import type { CaptureOptions, CaptureProgress } from "../../kernel/capture/plan.js";
import type { Alert } from "../../kernel/online/alert.js";
import { MemorySink } from "../../kernel/capture/capture-sink.js";
import { prepareOutput } from "../../kernel/capture/output-dir.js";
import { SegmentWriter } from "../../kernel/capture/segment-writer.js";
import { spillMeta } from "./helpers/spill-frames.js";
import type { CaptureMeta } from "../../kernel/capture/capture-meta.js";
import { Frame, type ColumnSpec } from "../../kernel/frame/frame.js";
import { liveIt, resources } from "../helpers/live.js";
import { cliArgv, root as repoRoot } from "../cli/run-cli.js";
import { workloadPath } from "../helpers/workload.js";
import { holdsBpfLinks } from "../helpers/bpf-links.js";

const root = mkdtempSync(join(tmpdir(), "bpflab-ring-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The workload's log: call i made between before and after (CLOCK_MONOTONIC ns). */
function readClockLog(path: string): { i: number; before: bigint; after: bigint }[] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .filter((l) => l)
    .map((l) => l.split(" "))
    .map(([i, b, a]) => ({ i: Number(i), before: BigInt(b!), after: BigInt(a!) }));
}

/**
 * Checks a window against the workload's log: every call made wholly inside (T − D, T] is there, once; every
 * call made wholly outside is not (a call straddling an edge may be either, its kernel time lies inside its
 * bounds). Returns the number of calls that had to be there.
 */
function checkWindow(cap: Capture, log: ReturnType<typeof readClockLog>, pid: number): number {
  const ring = cap.meta.ring!;
  const t0 = BigInt(cap.meta.monoStartNs);
  const to = t0 + BigInt(Math.round(ring.triggerS * 1e9));
  const from = to - BigInt(ring.windowMs) * 1_000_000n;
  const f = cap.frame("syscalls_events");
  const pids = f.numeric("pid"),
    ret = f.numeric("ret"),
    names = f.strings("syscall");
  const got = new Set<number>();
  let rows = 0;
  for (let i = 0; i < f.length; i++) {
    if (pids[i] !== pid || names[i] !== "lseek") continue;
    rows++;
    got.add(ret[i]!);
  }
  expect(rows, "each call once").toBe(got.size);
  let inside = 0;
  for (const c of log) {
    if (c.before > from && c.after <= to) {
      inside++;
      expect(got.has(c.i), `call ${c.i} inside the window`).toBe(true);
    } else if (c.after <= from || c.before > to) {
      expect(got.has(c.i), `call ${c.i} outside the window`).toBe(false);
    }
  }
  // nothing that the workload did not make
  const made = new Set(log.map((c) => c.i));
  for (const i of got) expect(made.has(i), `call ${i} made`).toBe(true);
  // rows are the window's and in time order
  const t = f.numeric("t_s");
  for (let i = 0; i < t.length; i++) {
    expect(t[i]!).toBeGreaterThan(ring.triggerS - ring.windowMs / 1000);
    expect(t[i]!).toBeLessThanOrEqual(ring.triggerS);
    if (i > 0) expect(t[i]!).toBeGreaterThanOrEqual(t[i - 1]!);
  }
  return inside;
}

describe("flight recorder", () => {
  liveIt(
    "a predicate trigger at 2.5 s keeps exactly the calls of the last second before it, and ends the capture",
    async () => {
      const logPath = join(root, "predicate.log");
      const before = resources();
      const cap = await capture({
        collectors: { syscalls: { events: true, eventSyscalls: ["lseek"] } },
        duration: "30s",
        interval: "100ms",
        ring: "1s",
        ringTrigger: (p) => p.elapsedMs >= 2500,
        command: [workloadPath(), "clock", "20000", "1000", logPath],
      });
      const ring = cap.meta.ring!;
      expect(ring.trigger).toBe("predicate");
      expect(ring.windowMs).toBe(1000);
      expect(ring.triggerS).toBeGreaterThanOrEqual(2.5);
      expect(ring.fromS).toBeCloseTo(ring.triggerS - 1, 9);
      expect(cap.meta.interrupted).toBe(false);
      expect(cap.meta.elapsedMs).toBeLessThan(10_000); // the trigger ended it, not the duration
      // a trigger's early end releases everything, as the end does: no BPF fd is left in this process
      expect(resources().bpfFds).toEqual(before.bpfFds);
      const inside = checkWindow(cap, readClockLog(logPath), cap.meta.pid!);
      // one call a millisecond: about 1,000 in the window (fewer when the loaded machine delays the workload)
      expect(inside).toBeGreaterThan(300);
      // the interval rows are those of the intervals that overlap the window
      const agg = cap.frame("syscalls").numeric("t_s");
      expect(agg.length).toBeGreaterThan(0);
      for (const t of agg) {
        expect(t + 0.1).toBeGreaterThan(ring.fromS);
        expect(t).toBeLessThan(ring.triggerS);
      }
    },
    120_000,
  );

  liveIt(
    "with onRingDump, SIGUSR1 and a predicate each give a dump of their window and the capture goes on to its end",
    async () => {
      const logPath = join(root, "dumps.log");
      const dumps: Capture[] = [];
      let fired = false;
      let signalled = false;
      const before = resources();
      const cap = await capture({
        collectors: { syscalls: { events: true, eventSyscalls: ["lseek"] } },
        duration: "30s",
        interval: "200ms",
        ring: "700ms",
        ringTrigger: (p) => !fired && p.elapsedMs >= 3000 && (fired = true),
        onRingDump: (d) => void dumps.push(d),
        // the signal 1.5 s into the capture, not 1.5 s after this call: on a loaded machine loading the programs
        // can take most of that, and the window would then reach back to before the workload started
        onInterval: (p) => {
          if (!signalled && p.elapsedMs >= 1500) {
            signalled = true;
            process.kill(process.pid, "SIGUSR1");
          }
        },
        command: [workloadPath(), "clock", "4500", "1000", logPath],
      });
      expect(resources().bpfFds).toEqual(before.bpfFds);
      const log = readClockLog(logPath);
      expect(log.length).toBe(4500); // the workload ran to its end
      expect(dumps.map((d) => d.meta.ring!.trigger)).toEqual(["SIGUSR1", "predicate"]);
      // one call a millisecond: about 700 in each window (fewer when the loaded machine delays the workload)
      for (const d of dumps) expect(checkWindow(d, log, cap.meta.pid!)).toBeGreaterThan(150);
      // the capture itself ends with the command: its window is the last 700 ms before the end
      expect(cap.meta.ring!.trigger).toBe("end");
      expect(cap.meta.interrupted).toBe(false);
      checkWindow(cap, log, cap.meta.pid!);
    },
    120_000,
  );

  liveIt(
    "memory stays bounded: over a 12 s capture the rows held stay flat while the rows seen grow",
    async () => {
      const held: { t: number; rows: number; bytes: number }[] = [];
      let seen = 0;
      const cap = await capture({
        collectors: { syscalls: { events: true }, sched: { events: true } },
        duration: "12s",
        interval: "100ms",
        ring: "1s",
        command: [workloadPath(), "clock", "1000000", "50", join(root, "long.log")],
        onInterval: (p) => {
          seen += Object.values(p.newRows).reduce((a, b) => a + b, 0);
          held.push({ t: p.elapsedMs, rows: p.ring!.heldRows, bytes: p.ring!.heldBytes });
        },
      });
      const peak = (from: number, to: number, k: "rows" | "bytes") =>
        Math.max(...held.filter((h) => h.t >= from && h.t < to).map((h) => h[k]));
      expect(peak(2000, 5000, "rows")).toBeGreaterThan(1000);
      // the last third holds no more than the early one (a steady load), within noise
      expect(peak(8000, 12_000, "rows") / peak(2000, 5000, "rows")).toBeLessThan(1.5);
      expect(peak(8000, 12_000, "bytes") / peak(2000, 5000, "bytes")).toBeLessThan(1.5);
      // it saw about 12 windows' worth of rows and kept about one (1 s + an interval)
      expect(seen / Math.max(...held.map((h) => h.rows))).toBeGreaterThan(6);
      const kept = cap.frame("syscalls_events").length;
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(seen / 6);
    },
    120_000,
  );
  liveIt(
    "RSS stays flat over a 16 s event capture at full rate: it grows by far less than the rows that go through",
    async () => {
      const samples: { t: number; rss: number; seen: number }[] = [];
      let seen = 0; // bytes of column data the recorder was handed
      await capture({
        collectors: { syscalls: { events: true } },
        duration: "16s",
        interval: "250ms",
        ring: "500ms",
        command: [workloadPath(), "threads", "1", "1000000000"], // getppid as fast as it goes, until the end
        onInterval: (p) => {
          for (const f of Object.values(p.chunk)) seen += frameBytes(f);
          samples.push({ t: p.elapsedMs, rss: process.memoryUsage().rss, seen });
        },
      });
      const during = (from: number, to: number) => samples.filter((s) => s.t >= from && s.t < to);
      // the median of each stretch: rows held for good would raise all of the late samples, while a collection
      // the garbage collector puts off (on a busy machine its helper threads get little CPU) raises a few
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
      const early = median(during(3000, 6000).map((s) => s.rss));
      const late = median(during(11_000, 16_000).map((s) => s.rss));
      const passed = samples.at(-1)!.seen - during(3000, 6000).at(-1)!.seen; // bytes handed on after the early part
      const MiB = 2 ** 20;
      console.log(
        `flight recorder RSS (median): ${(early / MiB).toFixed(0)} MiB at 3-6 s, ${(late / MiB).toFixed(0)} MiB at ` +
          `11-16 s (highest ${(Math.max(...samples.map((s) => s.rss)) / MiB).toFixed(0)} MiB); ` +
          `${(samples.at(-1)!.seen / MiB).toFixed(0)} MiB of rows went through`,
      );
      expect(passed).toBeGreaterThan(32 * MiB); // a real load: what would be held without the ring
      expect(late - early).toBeLessThan(passed / 4);
      expect(late - early).toBeLessThan(64 * MiB);
    },
    120_000,
  );

  liveIt(
    "bpflab capture --ring 1s --ring-dumps DIR: SIGUSR1 saves the second before it, the end saves the last one",
    async () => {
      const dir = mkdtempSync(join(root, "cli-"));
      const logPath = join(dir, "clock.log");
      const child = spawn(
        process.execPath,
        [
          ...cliArgv,
          "capture",
          "-c",
          "syscalls",
          "--events",
          "--event-syscall",
          "lseek",
          "-i",
          "200ms",
          "--ring",
          "1s",
          "--ring-dumps",
          join(dir, "dumps"),
          "-o",
          join(dir, "out"),
          "--",
          workloadPath(),
          "clock",
          "5000",
          "1000",
          logPath,
        ],
        { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
      );
      let err = "",
        out = "";
      child.stderr.on("data", (d) => (err += d));
      child.stdout.on("data", (d) => (out += d));
      for (let i = 0; i < 400 && !holdsBpfLinks(child.pid!); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 2000));
      child.kill("SIGUSR1");
      const code = await new Promise<number | null>((r) => child.on("exit", r));
      expect(code, err).toBe(0);
      expect(out).toMatch(/flight recorder: kept [\d.]+–[\d.]+ s \(the last 1 s\) before end/);
      const log = readClockLog(logPath);
      expect(log.length).toBe(5000); // SIGUSR1 with --ring-dumps did not end the capture
      const dump = await loadCapture(join(dir, "dumps", "dump-001"));
      expect(dump.meta.ring!.trigger).toBe("SIGUSR1");
      expect(checkWindow(dump, log, dump.meta.pid!)).toBeGreaterThan(300);
      const last = await loadCapture(join(dir, "out"));
      expect(last.meta.ring!.trigger).toBe("end");
      expect(checkWindow(last, log, last.meta.pid!)).toBeGreaterThan(300);
      expect(last.meta.ring!.triggerS - dump.meta.ring!.triggerS).toBeGreaterThan(1); // two distinct windows
    },
    120_000,
  );

  liveIt(
    "bpflab capture --alerts --ring 1s: the first alert, within two intervals of a burst, saves the second before it",
    async () => {
      const dir = mkdtempSync(join(root, "alert-"));
      const burstFile = join(dir, "burst");
      const r = spawnSync(
        process.execPath,
        [
          ...cliArgv,
          "capture",
          "-c",
          "syscalls",
          "-i",
          "200ms",
          "--alerts",
          "--ring",
          "1s",
          "-o",
          join(dir, "out"),
          "--",
          workloadPath(),
          "burst",
          "3000",
          "3000000",
          burstFile,
        ],
        { cwd: repoRoot, encoding: "utf8", timeout: 120_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      const cap = await loadCapture(join(dir, "out"));
      const ring = cap.meta.ring!;
      const burstS = Number(BigInt(readFileSync(burstFile, "utf8").trim()) - BigInt(cap.meta.monoStartNs)) / 1e9;
      expect(ring.trigger).toMatch(/^alert: workload \(\d+\): syscalls=/);
      // no alert before the burst; the first within two intervals of it (plus a tick and the drain)
      const alertTimes = [...r.stderr.matchAll(/^ALERT ([\d.]+) s zscore/gm)].map((m) => Number(m[1]));
      expect(alertTimes.length).toBeGreaterThan(0);
      for (const t of alertTimes) expect(t).toBeGreaterThan(burstS);
      expect(ring.triggerS).toBeGreaterThan(burstS);
      expect(ring.fromS).toBeLessThan(burstS); // the window holds the onset
      // the alerts are saved with the capture (--out): the one that triggered is there, with its time
      const saved = cap.frame("alerts");
      expect(saved.length).toBeGreaterThan(0);
      expect(`alert: ${saved.strings("message")[0]}`).toBe(ring.trigger);
      expect(saved.numeric("t_s")[0]!).toBeCloseTo(alertTimes[0]!, 1);

      // the trigger ended the capture (the workload had 3 s still to go) and its window holds the burst's calls
      expect(cap.meta.commandTerminated).toBe(true);
      expect(cap.meta.elapsedMs / 1000).toBeLessThan(burstS + 2);
      const f = cap.frame("syscalls");
      const names = f.strings("syscall"),
        count = f.numeric("count"),
        t = f.numeric("t_s");
      let getppid = 0;
      for (let i = 0; i < f.length; i++) {
        expect(t[i]! + 0.2).toBeGreaterThan(ring.fromS);
        if (names[i] === "getppid") getppid += count[i]!;
      }
      expect(getppid).toBeGreaterThan(10_000);
      // within two intervals, counted in the capture's own intervals (their starts, from the rows), not in seconds:
      // the alert's time is the end of the interval that raised it, so at most one interval starts in between
      const starts = [...new Set(t)];
      const between = starts.filter((s) => s > burstS && s < alertTimes[0]! - 0.05);
      expect(between.length, `interval starts ${starts.join(", ")}; burst at ${burstS}`).toBeLessThanOrEqual(1);
    },
    120_000,
  );
});

describe("a SIGKILLed flight recorder", () => {
  liveIt(
    "bpflab capture --ring 2s -o DIR, SIGKILLed at 6 s: its last window is on disk, older intervals pruned, and recovers",
    async () => {
      const dir = join(mkdtempSync(join(root, "killed-")), "out");
      const child = spawn(
        process.execPath,
        [...cliArgv, "capture", "-c", "sched", "-i", "200ms", "-d", "60s", "--ring", "2s", "-o", dir],
        { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
      );
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      const exited = new Promise((r) => child.on("exit", r));
      // 6 s of capture, and the disk holds rows up to at least 5 s (segments are cut each second, written behind)
      const maxT = async () => {
        try {
          const t = (await loadCapture(dir)).frame("sched").numeric("t_s");
          return t.length ? Math.max(...t) : -1;
        } catch {
          return -1; // not started yet
        }
      };
      const until = Date.now() + 60_000;
      while ((await maxT()) < 5.8) {
        expect(Date.now() < until, `the capture never reached 6 s: ${err}`).toBe(true);
        await new Promise((r) => setTimeout(r, 200));
      }
      child.kill("SIGKILL");
      await exited;
      const cut = await loadCapture(dir);
      expect(cut.meta.complete).toBe(false);
      const t = cut.frame("sched").numeric("t_s");
      const lo = Math.min(...t),
        hi = Math.max(...t);
      // the last window is whole (2 s of intervals before the newest), and what lies further back was pruned:
      // at most a second's segment and a second's pruning step beyond it, not the capture from 0 s
      expect(hi).toBeGreaterThanOrEqual(5.8);
      // (less one interval, and the few ms an interval boundary can come late on a busy machine)
      expect(hi - lo).toBeGreaterThanOrEqual(2 - 0.2 - 0.05);
      expect(lo).toBeGreaterThan(hi - 2 - 2.6);
      const r = await recoverCapture(dir);
      expect(r.paths.length).toBeGreaterThan(0);
      const back = await loadCapture(dir);
      expect(back.frame("sched").length).toBe(t.length);
    },
    120_000,
  );
});

describe("flight recorder window (no kernel)", () => {
  const evSchema: ColumnSpec[] = [
    { name: "t_s", type: "f64" },
    { name: "v", type: "u32" },
  ];
  const meta = { elapsedMs: 10_000, interrupted: false } as CaptureMeta;
  const events = (ts: number[]) =>
    new Frame("ev", evSchema, { t_s: Float64Array.from(ts), v: Uint32Array.from(ts, (t) => t * 100) });
  const interval = (ts: number[]) =>
    new Frame("agg", evSchema, { t_s: Float64Array.from(ts), v: Uint32Array.from(ts, (t) => t) });

  it("keeps events in (T − D, T] and intervals overlapping it, evicting older chunks as it goes", async () => {
    const inner = new MemorySink();
    const rec = new FlightRecorder(2000, 1000, inner);
    rec.begin(meta, [
      { name: "ev", schema: evSchema, events: true },
      { name: "agg", schema: evSchema },
      { name: "drops", schema: [{ name: "n", type: "u32" }] },
    ]);
    for (let k = 0; k < 12; k++) {
      if (k === 9) rec.stopAt({ reason: "test", atS: 9.5 }); // rows after it still arrive (the final drain)
      rec.append("ev", events([k + 0.25, k + 0.5, k + 0.75]));
      rec.append("agg", interval([k]));
    }
    rec.append("drops", new Frame("drops", [{ name: "n", type: "u32" }], { n: Uint32Array.of(7) }));
    // held: the window plus what came after the trigger (3 + 2 event chunks, 3 + 2 interval rows)
    expect(rec.heldRows).toBeLessThanOrEqual(5 * 3 + 5 + 1);
    const w = rec.window(9.5);
    expect(Array.from(w.ev!.numeric("t_s"))).toEqual([7.75, 8.25, 8.5, 8.75, 9.25, 9.5]);
    expect(Array.from(w.agg!.numeric("t_s"))).toEqual([7, 8, 9]);
    await rec.finish(meta);
    const f = inner.frames();
    expect(f.ev!.length).toBe(6);
    expect(f.drops!.length).toBe(1);
    expect(rec.heldRows).toBe(0);
  });

  it("over a disk sink, the window is on disk while it runs (old segments pruned); the end stores the window alone", async () => {
    const dir = join(root, "ring-disk");
    const out = await prepareOutput(dir);
    const writer = new SegmentWriter(out, { segmentMs: 0 }); // a segment per append: what is on disk is exact
    const rec = new FlightRecorder(2000, 1000, writer);
    const m = { ...spillMeta(["ev", "agg"]), intervalMs: 1000 };
    rec.begin(m, [
      { name: "ev", schema: evSchema, events: true },
      { name: "agg", schema: evSchema },
    ]);
    for (let k = 0; k < 30; k++) {
      rec.append("ev", events([k + 0.25, k + 0.5, k + 0.75]));
      rec.append("agg", interval([k]));
    }
    await writer.settled();
    // what a SIGKILL now would leave: the window (29.75 − 2, 29.75] and no more than two seconds before it
    const cut = await loadCapture(dir);
    expect(cut.meta.complete).toBe(false);
    const ev = Array.from(cut.frame("ev").numeric("t_s"));
    expect(ev[ev.length - 1]).toBe(29.75);
    expect(ev[0]).toBeLessThanOrEqual(27.75 + 1e-9);
    expect(ev[0]).toBeGreaterThanOrEqual(29.75 - 2 - 2);
    expect(new Set(ev).size).toBe(ev.length); // each row once
    const agg = Array.from(cut.frame("agg").numeric("t_s"));
    expect(agg[agg.length - 1]).toBe(29);
    expect(agg[0]).toBeLessThanOrEqual(27);
    expect(agg[0]).toBeGreaterThanOrEqual(29 - 2 - 3);
    // the end replaces what was on disk by the window: events in (27.75, 29.75], the intervals overlapping it
    await rec.finish({ ...m, elapsedMs: 29_750 });
    out.close();
    const done = await loadCapture(dir);
    expect(done.meta.complete).toBeUndefined();
    expect(done.meta.ring!.fromS).toBe(27.75);
    expect(Array.from(done.frame("ev").numeric("t_s"))).toEqual([28.25, 28.5, 28.75, 29.25, 29.5, 29.75]);
    expect(Array.from(done.frame("agg").numeric("t_s"))).toEqual([27, 28, 29]);
  });

  it("a held window survives eviction until its dump is taken", () => {
    const rec = new FlightRecorder(1000, 1000, new MemorySink());
    rec.begin(meta, [{ name: "ev", schema: evSchema, events: true }]);
    rec.append("ev", events([0.5, 0.9]));
    rec.hold(1.0);
    for (let k = 1; k < 6; k++) rec.append("ev", events([k + 0.5]));
    expect(Array.from(rec.window(1.0).ev!.numeric("t_s"))).toEqual([0.5, 0.9]);
    rec.release(1.0);
    expect(rec.window(1.0).ev!.length).toBe(0);
    expect(rec.heldRows).toBeLessThanOrEqual(2);
  });

  it("an online alert triggers it (once per interval, only new alerts), unless ringOnAlert is false", () => {
    const alert = (message: string) => ({ message }) as Alert;
    const p = { elapsedMs: 1000 } as CaptureProgress;
    const run = (ringOnAlert: boolean | undefined) => {
      const rec = new FlightRecorder(1000, 100, new MemorySink());
      const stops: string[] = [];
      const trig = new RingTriggers(
        rec,
        { ...(ringOnAlert !== undefined ? { ringOnAlert } : {}) } as CaptureOptions,
        (w) => {
          stops.push(w);
        },
        () => meta,
      );
      trig.start(process.hrtime.bigint(), false);
      const alerts: Alert[] = [];
      trig.check(p, alerts); // nothing raised yet
      alerts.push(alert("a"), alert("b"));
      trig.check(p, alerts);
      trig.check(p, alerts); // the same alerts again: not new
      trig.close();
      return { stops, stopped: rec.stoppedBy?.reason };
    };
    expect(run(undefined)).toEqual({ stops: ["ring trigger (alert: a)"], stopped: "alert: a" });
    expect(run(false)).toEqual({ stops: [], stopped: undefined });
  });
});
