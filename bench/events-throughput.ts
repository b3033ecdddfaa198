// Event-mode throughput (run as root): how fast bpflab turns syscall events into columns (and Parquet), beside
// a minimal C consumer of the same rings (the physical limit here), and what streaming every event costs the
// traced program, beside bpftrace printing per event, perf trace and strace -c. One run, printed as tables.
//
//   npx tsx bench/events-throughput.ts        (BENCH_EVENTS=2000000 BENCH_ROUNDS=3 to change the sizes;
//                                             BENCH_LIVE=0 for the consumer capacity alone)

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { capture } from "../kernel/capture/engine.js";
import { CollectorSession } from "../kernel/capture/collector-session.js";
import { EpochClock } from "../kernel/capture/epoch-clock.js";
import { resolvePlan } from "../kernel/capture/plan.js";
import { encodeConfig } from "../kernel/collectors/config-encoder.js";
import { collectors } from "../kernel/collectors/registry.js";
import type { Frame } from "../kernel/frame/frame.js";
import { writeParquet } from "../kernel/frame/parquet.js";
import { BpfObject } from "../kernel/loader/bpf-object.js";
import { koffi } from "../kernel/loader/libbpf.js";
import type { PerCpuRings } from "../kernel/loader/percpu-rings.js";
import { objectDir, packageRoot } from "../kernel/paths.js";
import { externalTool, Tracer } from "./tracers.js";

const N = Number(process.env.BENCH_EVENTS ?? 2_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const workload = join(packageRoot(), "test", "workloads", ".output", "workload");
const object = join(objectDir(), "syscalls.bpf.o");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const RING_KB = 1 << 18; // 256 MiB per CPU: the whole burst fits while nothing drains

/**
 * One timed drain: CPU ns of the thread that drains (C: its one thread), CPU ns of the whole process (bpflab: V8's
 * background threads too), wall-clock ns, minor page faults (fresh column pages written), rows.
 */
interface Drain {
  ns: number;
  procNs: number;
  /** Wall-clock ns of the drain (C: consume_ns). */
  wallNs: number;
  faults: number;
  events: number;
}

const clockGettime = koffi.load("libc.so.6").func("int clock_gettime(int clk, void *ts)") as unknown as (
  clk: number,
  ts: Buffer,
) => number;
const CLOCK_THREAD_CPUTIME_ID = 3;
const ts = Buffer.alloc(16);
/** This thread's CPU time in ns (process.cpuUsage() counts every thread of the process). */
function threadCpuNs(): number {
  if (clockGettime(CLOCK_THREAD_CPUTIME_ID, ts) !== 0) throw new Error("clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
  return Number(ts.readBigInt64LE(0)) * 1e9 + Number(ts.readBigInt64LE(8));
}

/** A session draining its rings into columns through one of the two loops (BPFLAB_EVENT_DRAIN is read at
 * attach, when the decoder compiles). */
function eventSession(path: "native" | "js", pool = true): CollectorSession {
  const plan = resolvePlan({
    collectors: { syscalls: { events: true, ringKb: RING_KB } },
    duration: "10m",
  });
  const filter = { tgid: 0, followChildren: false };
  const s = CollectorSession.open(plan.collectors[0]!, { filter, maxTracked: 1 });
  // read at attach, when the decoder compiles and the builder takes its column pool
  const prev = process.env.BPFLAB_EVENT_DRAIN,
    prevPool = process.env.BPFLAB_COLUMN_POOL;
  if (path === "js") process.env.BPFLAB_EVENT_DRAIN = "js";
  else delete process.env.BPFLAB_EVENT_DRAIN;
  if (!pool) process.env.BPFLAB_COLUMN_POOL = "0";
  try {
    s.attach(new EpochClock(s.ctl, s.btf), filter);
  } finally {
    if (prev === undefined) delete process.env.BPFLAB_EVENT_DRAIN;
    else process.env.BPFLAB_EVENT_DRAIN = prev;
    if (prevPool === undefined) delete process.env.BPFLAB_COLUMN_POOL;
    else process.env.BPFLAB_COLUMN_POOL = prevPool;
  }
  const ev = (s as unknown as { parts: { events?: { decoder?: { drainPath: string } } }[] }).parts.find(
    (p) => p.events,
  )!.events!;
  if (ev.decoder?.drainPath !== path) throw new Error(`the ${path} drain is not available (make -C kernel/native)`);
  return s;
}

const collect = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/**
 * Collects the garbage the other consumers left (the frames of the drain before, the pool-less session's fresh
 * 160 MiB) and waits for V8's threads to free it, untimed: else the next drain pays for it, when the column pool's
 * own collection runs inside it (here up to 60 ns an event, a drain's whole cost), which a capture, with one
 * session per frame and its frames' blocks reused, never does.
 */
async function settle(): Promise<void> {
  collect();
  await new Promise((r) => setTimeout(r, 100));
}

/** Drains a session's rings into columns (drainRings + take(), cgroup columns included): what a capture does. */
function timedDrain(s: CollectorSession): { d: Drain; frame: Frame } {
  const f0 = process.resourceUsage().minorPageFault;
  const c0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  const t0 = threadCpuNs();
  s.drainRings(true);
  const frame = s.take()["syscalls_events"]!;
  const t = threadCpuNs() - t0;
  const wall = Number(process.hrtime.bigint() - w0);
  const c = process.cpuUsage(c0);
  const faults = process.resourceUsage().minorPageFault - f0;
  return { d: { ns: t, procNs: (c.user + c.system) * 1000, wallNs: wall, faults, events: frame.length }, frame };
}

type Consumer = "native" | "nativeFresh" | "js";

/**
 * The consumers alone: the rings are filled while nothing drains, then one drain into columns is timed. Three
 * sessions are attached at once (native drain, native drain into fresh columns without the column pool, JS
 * drain), so each round's burst is in all their rings and all decode the very same events (in rotating order);
 * the Parquet write is timed after the native drain. A first round warms the sessions up (their builders keep
 * capacity, the pool keeps the blocks of frames since dropped, as from one drain to the next in a capture). The C
 * consumer runs twice a round: into fresh columns (only its name columns touched first) and into columns all
 * touched first (a C consumer reusing its columns, the fair peer of the pooled drains).
 */
async function drainCapacity(
  dir: string,
  rounds: number,
  bin: string,
): Promise<Record<Consumer | "parquet" | "c" | "cWarm", Drain[]>> {
  const out: Record<Consumer | "parquet" | "c" | "cWarm", Drain[]> = {
    native: [],
    nativeFresh: [],
    js: [],
    parquet: [],
    c: [],
    cWarm: [],
  };
  const sessions: Partial<Record<Consumer, CollectorSession>> = {};
  try {
    sessions.native = eventSession("native");
    sessions.nativeFresh = eventSession("native", false);
    sessions.js = eventSession("js");
    const order: Consumer[] = ["native", "nativeFresh", "js"];
    for (let r = 0; r <= rounds; r++) {
      // the C consumer's workloads of the last round went into these rings too: skipped, so every drain timed
      // holds this round's burst alone, as the C consumer's does (else 5 M records, 2.5× C's, in blocks the
      // column pool had not seen, so the pooled drains took fresh memory's page faults as well)
      for (const s of Object.values(sessions)) skipPending(s!);
      execFileSync(workload, ["getppid", String(N)]); // blocks this thread: nothing drains meanwhile
      for (let k = 0; k < order.length; k++) {
        const which = order[(k + r) % order.length]!;
        await settle();
        const { d, frame } = timedDrain(sessions[which]!);
        if (which === "native") {
          // DuckDB writes on threads of its own: the process's CPU is the Parquet figure's
          const c0 = process.cpuUsage();
          await writeParquet(frame, join(dir, `events-${r}.parquet`));
          const c = process.cpuUsage(c0);
          const ns = d.procNs + (c.user + c.system) * 1000;
          if (r > 0) out.parquet.push({ ...d, ns, procNs: ns, wallNs: NaN });
        }
        if (r > 0) out[which].push(d);
      }
      if (r > 0) {
        out.c.push(cConsumer(dir, bin, false));
        out.cWarm.push(cConsumer(dir, bin, true));
      }
      process.stderr.write(`  drain capacity: round ${r}/${rounds}${r ? "" : " (warm-up)"}\n`);
    }
    return out;
  } finally {
    for (const s of Object.values(sessions)) s.close();
  }
}

/** Frees every record waiting in a session's event rings, undecoded (what another consumer's workload left). */
function skipPending(s: CollectorSession): void {
  for (const p of (s as unknown as { parts: { events?: { rings?: PerCpuRings } }[] }).parts) {
    const rings = p.events?.rings;
    if (!rings) continue;
    for (const c of rings.cursors().cursors) c.pos = c.end;
    rings.commit();
  }
}

/** The same drain by libbpf's ring_buffer__consume in C, into columns. */
function cConsumer(dir: string, bin: string, warm: boolean): Drain {
  // the .rodata bpflab writes (latency on, no filter), so both consumers read the very same programs' records
  const obj = BpfObject.open(object);
  let rodata: Buffer;
  try {
    const { Btf } = require("../kernel/loader/btf.js") as typeof import("../kernel/loader/btf.js");
    const ro = obj.map(".rodata");
    rodata = encodeConfig(
      Btf.ofObject(object),
      "syscalls",
      ro.initialValue(),
      collectors.syscalls!.config(collectors.syscalls!.resolveOptions({ events: true })),
      { tgid: 0, followChildren: false },
    );
  } finally {
    obj.close();
  }
  const file = join(dir, "rodata.bin");
  writeFileSync(file, rodata);
  const out = execFileSync(
    bin,
    [object, file, String(RING_KB * 1024), String(N * 2), "--", workload, "getppid", String(N)],
    { encoding: "utf8", env: { ...process.env, EVENTS_CONSUMER_WARM: warm ? "1" : "0" } },
  );
  const r = JSON.parse(out.trim().split("\n").pop()!) as {
    events: number;
    cpu_ns: number;
    consume_ns: number;
    faults: number;
  };
  return { ns: r.cpu_ns, procNs: r.cpu_ns, wallNs: r.consume_ns, events: r.events, faults: r.faults };
}

/** CPU ns and wall ns per call of a workload run. */
function run(args: string[]): { cpu: number; wall: number } {
  const [cpu, wall] = execFileSync(workload, args, { encoding: "utf8" }).trim().split(/\s+/).map(Number);
  return { cpu: cpu!, wall: wall! };
}

interface LiveRow {
  producers: number;
  tracer: string;
  cpu: number;
  wall: number;
  delivered?: number;
  lost?: number;
}

/** bpflab capturing the workload's events live (the consumer shares the machine's two CPUs with it). */
async function bpflabLive(
  args: string[],
  calls: number,
): Promise<{ cpu: number; wall: number; rows: number; lost: number }> {
  let res: { cpu: number; wall: number } | undefined;
  const ac = new AbortController();
  let started = false;
  let pid: number | undefined;
  const cap = capture({
    collectors: { syscalls: { events: true } },
    duration: "10m",
    interval: "1s",
    signal: ac.signal,
    handleSignals: false,
    onInterval: () => {
      if (started) return;
      started = true;
      setImmediate(() => {
        // spawned asynchronously so the capture keeps draining while it runs
        const { execFile } = require("node:child_process") as typeof import("node:child_process");
        const child = execFile(workload, args, { encoding: "utf8" }, (_e, out) => {
          const [cpu, wall] = out.trim().split(/\s+/).map(Number);
          res = { cpu: cpu!, wall: wall! };
          setTimeout(() => ac.abort(), 300);
        });
        pid = child.pid;
      });
    },
  });
  const c = await cap;
  const f = c.frame("syscalls_events");
  const names = f.strings("syscall");
  const pids = f.numeric("pid");
  let rows = 0;
  // other programs on the machine may run the same workload: count this one's calls only
  for (let i = 0; i < f.length; i++) if (names[i] === "getppid" && pids[i] === pid) rows++;
  void calls;
  return { ...res!, rows, lost: c.meta.lost.syscalls ?? 0 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bpflab-bench-"));
  try {
    const bin = join(dir, "events-consumer");
    execFileSync("cc", ["-O2", "-o", bin, join(__dirname, "events-consumer.c"), "-lbpf"]);

    // 1. the consumers alone, side by side
    const cap = await drainCapacity(dir, ROUNDS, bin);
    const rate = (x: Drain) => (x.events / x.ns) * 1e9;
    const cRate = median(cap.c.map(rate)),
      cWarmRate = median(cap.cWarm.map(rate));
    console.log(
      `\nConsumer capacity: ${fmt(N)} getppid events waiting in the rings, one drain timed in CPU time of the thread that drains (median of ${ROUNDS} interleaved rounds; the last column counts every thread of the process, V8's garbage-collector threads too)\n`,
    );
    console.log(
      "| consumer | events per thread-CPU-second | ns per event | ratio to C (fresh columns) | ratio to C (reused columns) | per-round ratio to C, fresh (median, min–max) | per-round ratio to C, reused (median, min–max) | best round's ns per event | best to best, ratio to C (fresh, reused) | page faults per 1,000 events | process CPU ns per event (all threads) | paired ratio to C by process CPU, fresh / reused | wall ns per event | paired ratio to C by wall time, fresh / reused |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    // This VM's page-fault cost swings several-fold from minute to minute, so a drain and the C drains of its
    // own round (seconds apart) are also compared pairwise: the median of those ratios is the steadier figure.
    const paired = (xs: Drain[], peer: Drain[]) => {
      const q = xs.map((x, i) => rate(x) / rate(peer[i]!));
      return `${median(q).toFixed(2)}× (${Math.min(...q).toFixed(2)}–${Math.max(...q).toFixed(2)})`;
    };
    // and each consumer's least disturbed round (the floor of what it costs here), best against best
    const best = (xs: Drain[]) => Math.max(...xs.map(rate));
    const row = (name: string, xs: Drain[]) => {
      const b = best(xs);
      const r = median(xs.map(rate));
      const f = median(xs.map((x) => (x.faults / x.events) * 1000));
      const proc = median(xs.map((x) => x.procNs / x.events));
      const wall = median(xs.map((x) => x.wallNs / x.events));
      // the same pairing by another clock: ratio = the peer's ns per event / this one's
      const by = (k: "procNs" | "wallNs", peer: Drain[]) =>
        `${median(xs.map((x, i) => peer[i]![k] / peer[i]!.events / (x[k] / x.events))).toFixed(2)}×`;
      console.log(
        `| ${name} | ${fmt(r)} | ${(1e9 / r).toFixed(0)} | ${(r / cRate).toFixed(2)}× | ${(r / cWarmRate).toFixed(2)}× | ${paired(xs, cap.c)} | ${paired(xs, cap.cWarm)} | ${(1e9 / b).toFixed(0)} | ${(b / best(cap.c)).toFixed(2)}×, ${(b / best(cap.cWarm)).toFixed(2)}× | ${f.toFixed(1)} | ${proc.toFixed(0)} | ${by("procNs", cap.c)} / ${by("procNs", cap.cWarm)} | ${Number.isNaN(wall) ? "" : wall.toFixed(0)} | ${Number.isNaN(wall) ? "" : `${by("wallNs", cap.c)} / ${by("wallNs", cap.cWarm)}`} |`,
      );
    };
    row("C, libbpf ring_buffer__consume into fresh columns (bench/events-consumer.c)", cap.c);
    row("C, libbpf ring_buffer__consume into columns written before (reused)", cap.cWarm);
    row("bpflab, native drain (kernel/native) into typed columns (column pool)", cap.native);
    row("bpflab, native drain into fresh typed columns (BPFLAB_COLUMN_POOL=0)", cap.nativeFresh);
    row("bpflab, JS drain (the fallback) into typed columns (column pool)", cap.js);
    row("bpflab, native drain into columns, then Parquet (zstd)", cap.parquet);

    if (process.env.BENCH_LIVE === "0") return;
    // 2. live: what the traced program pays, and how many events arrive
    const CALLS = Math.min(N, 1_000_000);
    const rows: LiveRow[] = [];
    for (const producers of [1, 2]) {
      const args = producers === 1 ? ["time-getppid", String(CALLS)] : ["time-threads", "2", String(CALLS / 2)];
      const bare: { cpu: number; wall: number }[] = [];
      const bl: Awaited<ReturnType<typeof bpflabLive>>[] = [];
      const bt: { cpu: number; wall: number }[] = [];
      const pt: { cpu: number; wall: number }[] = [];
      const st: { cpu: number; wall: number }[] = [];
      const bpftrace: Tracer = externalTool(
        "bpftrace",
        "bash",
        [
          "-c",
          `exec bpftrace -e 'tracepoint:raw_syscalls:sys_exit /comm == "workload"/ { printf("%d %d %d %d\\n", pid, tid, args->id, args->ret); }' > /dev/null`,
        ],
        /Attaching/,
      );
      for (let r = 0; r < ROUNDS; r++) {
        bare.push(run(args));
        bl.push(await bpflabLive(args, CALLS));
        bare.push(run(args));
        await bpftrace.start().catch(() => undefined);
        try {
          bt.push(run(args));
        } finally {
          await bpftrace.stop();
        }
        bare.push(run(args));
        pt.push(traceUnder(["perf", "trace", "-o", "/dev/null", "--"], args));
        st.push(traceUnder(["strace", "-f", "-c", "-o", "/dev/null"], args));
        process.stderr.write(`  live, ${producers} producer(s): round ${r + 1}/${ROUNDS}\n`);
      }
      const b = { cpu: median(bare.map((x) => x.cpu)), wall: median(bare.map((x) => x.wall)) };
      rows.push({ producers, tracer: "none", ...b });
      const m = bl[Math.floor(bl.length / 2)]!;
      rows.push({
        producers,
        tracer: "bpflab --events",
        cpu: median(bl.map((x) => x.cpu)),
        wall: median(bl.map((x) => x.wall)),
        delivered: median(bl.map((x) => x.rows)),
        lost: m.lost,
      });
      rows.push({ producers, tracer: "bpftrace printf per event", ...medianOf(bt) });
      rows.push({ producers, tracer: "perf trace", ...medianOf(pt) });
      rows.push({ producers, tracer: "strace -f -c", ...medianOf(st) });
    }
    console.log(`\nLive: ${fmt(CALLS)} getppid calls by 1 or 2 threads while traced (median of ${ROUNDS})\n`);
    console.log("| producers | tracer | CPU ns/call | added ns/call | events/s (wall) | delivered | lost |");
    console.log("|---:|---|---:|---:|---:|---:|---:|");
    for (const r of rows) {
      const base = rows.find((x) => x.producers === r.producers && x.tracer === "none")!;
      const perSec = (1e9 / r.wall) * 1;
      console.log(
        `| ${r.producers} | ${r.tracer} | ${fmt(r.cpu)} | ${r.tracer === "none" ? "" : fmt(r.cpu - base.cpu)} | ` +
          `${r.tracer === "none" ? "" : fmt(perSec)} | ${r.delivered !== undefined ? fmt(r.delivered) : ""} | ${r.lost ?? ""} |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function medianOf(xs: { cpu: number; wall: number }[]): { cpu: number; wall: number } {
  return { cpu: median(xs.map((x) => x.cpu)), wall: median(xs.map((x) => x.wall)) };
}

/** The workload started under a tracer that runs it (perf trace, strace); NaN when the tool is missing. */
function traceUnder(tool: string[], args: string[]): { cpu: number; wall: number } {
  try {
    const out = execFileSync(tool[0]!, [...tool.slice(1), workload, ...args], { encoding: "utf8" });
    const [cpu, wall] = out.trim().split("\n").pop()!.trim().split(/\s+/).map(Number);
    return { cpu: cpu!, wall: wall! };
  } catch {
    return { cpu: NaN, wall: NaN };
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
