// The streaming n-gram detector without root, on event frames made from real syscall traces (the shipped corpus
// datasets/syscall-sequences, bpflab's own captures of http.server, a shell suite and redis): fitted on the
// normal training runs, it stays silent on every held-out normal run streamed interval by interval and alerts on
// abnormal runs, naming n-grams never seen; learning from scratch, it alerts on a loop's first new calls and
// keeps its memory within its caps.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ColumnSpec } from "../../kernel/frame/frame.js";
import { FrameBuilder } from "../../kernel/frame/frame-builder.js";
import { readParquet } from "../../kernel/frame/parquet.js";
import { tracesFromTable, Trace } from "../../kernel/detectors/sequence/traces.js";
import { StreamingNgram } from "../../kernel/online/streaming-ngram.js";
import type { Alert } from "../../kernel/online/alert.js";
import { packageRoot } from "../../kernel/paths.js";

const SCHEMA: ColumnSpec[] = [
  { name: "pid", type: "u32" },
  { name: "tid", type: "u32" },
  { name: "process", type: "str" },
  { name: "syscall", type: "str" },
];

/** A syscalls_events frame: each run's calls on its own thread (pid = tid), runs one after another. */
function events(program: string, runs: { tid: number; calls: readonly string[] }[]) {
  const b = new FrameBuilder(SCHEMA);
  for (const { tid, calls } of runs) {
    for (const c of calls) {
      const r = b.beginRow();
      b.setNum(0, r, tid);
      b.setNum(1, r, tid);
      b.setStr(2, r, program);
      b.setStr(3, r, c);
    }
  }
  return b.finish("syscalls_events");
}

/** Streams `calls` through `d` in intervals of `per` calls; the alerts, each with the call offset it came at. */
function stream(d: StreamingNgram, clock: { k: number }, program: string, tid: number, calls: string[], per = 500) {
  const out: { at: number; alert: Alert }[] = [];
  for (let i = 0; i < calls.length; i += per) {
    clock.k++;
    const chunk = { syscalls_events: events(program, [{ tid, calls: calls.slice(i, i + per) }]) };
    for (const a of d.update({ elapsedMs: clock.k * 1000, chunk }, clock.k)) out.push({ at: i, alert: a });
  }
  return out;
}

const dir = join(packageRoot(), "datasets", "syscall-sequences");
const load = async (f: string): Promise<Trace[]> =>
  tracesFromTable((await readParquet(join(dir, f))).frame, "trace", "call", "label");

describe("streaming n-gram detector", () => {
  it("fitted on normal runs: silent on held-out normal runs, alerts on abnormal ones with the n-grams never seen", async () => {
    const train = await load("train.parquet");
    const test = await load("test.parquet");
    let normalAlerts = 0;
    const caught: string[] = [];
    for (const program of ["http.server", "shell-suite", "redis"]) {
      const mine = (t: Trace) => t.id.startsWith(`${program}/`);
      const baseline = events(
        program,
        train.filter(mine).map((t, j) => ({ tid: 50 + j, calls: t.calls })),
      );
      const d = new StreamingNgram({ baseline });
      const clock = { k: 0 };
      let tid = 100;
      for (const t of test.filter(mine)) {
        const alerts = stream(d, clock, program, ++tid, t.calls);
        if (t.label === 0) normalAlerts += alerts.length;
        else if (alerts.length) {
          caught.push(t.id);
          const a = alerts[0]!.alert;
          expect(a.entity).toBe(program);
          expect(a.pid).toBe(tid);
          expect(a.drivers[0]!.metric).toBe("ngram_tail_nll");
          expect(a.message).toMatch(/never seen/);
          // the named n-grams are real calls in context ("X after A→B")
          expect(a.drivers.slice(3).every((x) => / after |thread's start/.test(x.metric))).toBe(true);
        }
      }
    }
    console.log("streaming ngram on the corpus: abnormal runs caught", caught, "alerts on normal runs", normalAlerts);
    expect(normalAlerts).toBe(0);
    // measured: http.server/shell, http.server/privesc, shell-suite/reverse-shell, redis/config-save (of 9)
    expect(caught.length).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it("learning from scratch: silent while a loop repeats, alerts on the interval it first forks and execs", () => {
    const d = new StreamingNgram();
    const clock = { k: 0 };
    const loop = Array.from({ length: 400 }, (_, i) => (i % 2 ? "nanosleep" : "getppid"));
    const before: Alert[] = [];
    for (let i = 0; i < 10; i++) before.push(...stream(d, clock, "svc", 7, loop, 400).map((x) => x.alert));
    expect(before).toEqual([]);
    // the turn: the loop forks a child that execs a shell (the child's calls on its own thread), and waits
    const child = ["execve", "brk", "mmap", "access", "openat", "newfstatat", "mmap", "close", "openat", "read"];
    const parent = [...loop.slice(0, 200), "clone", "wait4", ...loop.slice(0, 200)];
    const turned = () =>
      d.update(
        {
          elapsedMs: ++clock.k * 1000,
          chunk: {
            syscalls_events: events("svc", [
              { tid: 7, calls: parent },
              { tid: 8, calls: child },
            ]),
          },
        },
        clock.k,
      );
    const [hit] = turned();
    expect(hit, "an alert on the turned interval").toBeDefined();
    expect(hit!.pid).toBe(8);
    expect(hit!.message).toMatch(/execve at a thread's start, never seen/);
    expect(hit!.drivers.some((x) => /^clone after (getppid|nanosleep)→(getppid|nanosleep)$/.test(x.metric))).toBe(true);
    // the anomaly was not learnt: the same interval again still alerts
    expect(turned().length).toBe(1);
    // back to normal: silent
    expect(stream(d, clock, "svc", 7, loop, 400)).toEqual([]);
  });

  it("keeps its tables within maxGrams and drops programs gone quiet", () => {
    const d = new StreamingNgram({ maxGrams: 200, forget: 3 });
    const clock = { k: 0 };
    // many distinct calls in a seeded random order: far more distinct n-grams than the cap
    let seed = 1;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const calls = Array.from({ length: 20_000 }, () => `call${Math.floor(rnd() * 40)}`);
    stream(d, clock, "noisy", 9, calls, 1000);
    // halved when over the cap: at most the cap plus one interval's new n-grams (2 orders × 1,000 calls)
    expect(d.entries).toBeLessThanOrEqual(200 + 2000);
    expect(d.size).toBe(1);
    for (let i = 0; i < 3; i++) d.update({ elapsedMs: ++clock.k * 1000, chunk: {} }, clock.k);
    expect(d.size).toBe(0);
    expect(d.entries).toBe(0);
  });
});
