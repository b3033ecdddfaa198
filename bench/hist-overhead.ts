// Overhead and agreement of bpflab's latency histograms, disk and locks collectors beside their libbpf-tools
// peers, side by side in one run: `syscalls --hist` vs `syscount -L` and a bpftrace hist() (funclatency's kprobes
// do not attach here) on a getppid loop, `sched --hist` vs `runqlat` on pipe round trips, `disk --hist` vs
// `biolatency` on 4 KiB O_DIRECT reads, `locks --hist` vs a bpftrace contention hist() (klockstat needs kprobes)
// on threads contending on one mm's mmap_lock, and the floor: empty tp_btf programs on the same tracepoints.
// Every tracer filters on one cgroup the bench makes and moves each workload run into, so each counts only the
// workload's events and the counts can be checked against each other and the truth (N calls, N reads); only
// biolatency traces the whole system (its cgroup filter runs where requests are issued, often a kworker). Each
// round ends with a run that attaches bpflab and its peers together: the same events, so their counts must agree
// and their probe times compare exactly.
// Run as root: `npx tsx bench/hist-overhead.ts` (BENCH_ROUNDS, BENCH_ONLY=syscalls,sched,disk,locks; BENCH_PROGS=1
// adds each tracer's run time and runs per operation program by program, to see where its probe time goes;
// BENCH_BASELINE=<dir>[,<dir>...] adds syscalls and locks built from other sources, their .bpf.o files in each
// <dir>, beside).
//
// Each configuration runs the workload ROUNDS times, interleaved with bare runs, and keeps the median.

import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CaptureOptions } from "../kernel/capture/plan.js";
import { bpflabCapture } from "./tracers.js";
import type { Capture } from "../kernel/capture/capture.js";
import { bpf } from "../kernel/cell/cell.js";
import { packageRoot } from "../kernel/paths.js";
import type { Frame } from "../kernel/frame/frame.js";
import type { Collector } from "../kernel/collectors/schema.js";
import { collectors as registry } from "../kernel/collectors/registry.js";
import { makeCgroup2, TestCgroup } from "../test/helpers/cgroups.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY = (process.env.BENCH_ONLY ?? "").split(",").filter(Boolean);
const PER_PROG = process.env.BENCH_PROGS === "1";
/** Object directories of other builds, measured beside this one's syscalls and locks. */
const BASELINES = (process.env.BENCH_BASELINE ?? "").split(",").filter(Boolean);
const GETPPID_NR = 110; // x86_64

/** What a tracer saw of one workload run: events counted and the p50/p99 bucket bounds (ns), when it has them. */
interface Seen {
  events: number;
  p50?: number;
  p99?: number;
}

interface Tracer {
  name: string;
  start(): Promise<void>;
  stop(): Promise<Seen | undefined>;
  /** The process holding the tracer's BPF programs while it runs. */
  pid(): number | undefined;
}

/** p50 and p99 as the upper bounds of the buckets holding them. */
function quantiles(buckets: { le: number; n: number }[]): Seen {
  const b = [...buckets].sort((x, y) => x.le - y.le);
  const total = b.reduce((s, x) => s + x.n, 0);
  const at = (q: number) => {
    let acc = 0;
    for (const x of b) if ((acc += x.n) >= q * total) return x.le;
    return NaN;
  };
  return { events: total, p50: at(0.5), p99: at(0.99) };
}

/** libbpf-tools' log2 histogram ("  8 -> 15 : 277 |***|"), in µs unless `unitNs`. */
function libbpfHist(text: string, unitNs = 1000): Seen {
  const b = [...text.matchAll(/^\s*(\d+) -> (\d+)\s*: (\d+)/gm)].map((m) => ({
    le: (Number(m[2]) + 1) * unitNs,
    n: Number(m[3]),
  }));
  return quantiles(b);
}

const SUFFIX: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** bpftrace's hist() ("[1K, 2K)  123 |@@@|") of the map block that starts with `header`, values in ns. */
function bpftraceHist(text: string, header: string): Seen {
  const start = text.indexOf(header);
  if (start < 0) return { events: 0 };
  const block = text.slice(start + header.length).split(/\n\s*\n|\n@/)[0] ?? "";
  const b = [...block.matchAll(/^\[([\d.]+)([KMG]?), ([\d.]+)([KMG]?)\)\s+(\d+)/gm)].map((m) => ({
    le: Number(m[3]) * SUFFIX[m[4] ?? ""]!,
    n: Number(m[5]),
  }));
  const zero = /^\[0\]\s+(\d+)/m.exec(block);
  if (zero) b.push({ le: 1, n: Number(zero[1]) });
  return quantiles(b);
}

/** An external tool: ready once `ready` shows on its output; stop() sends SIGINT and parses what it printed. */
function tool(name: string, cmd: string, args: string[], ready: RegExp, parse: (out: string) => Seen): Tracer {
  let child: ChildProcess | undefined;
  let out = "";
  return {
    name,
    pid: () => child?.pid,
    start: () =>
      new Promise((resolve, reject) => {
        out = "";
        // stdbuf: the tools printf their banner, which stdio holds back when stdout is a pipe
        const c = spawn("stdbuf", ["-oL", "-eL", cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        child = c;
        const onData = (d: Buffer) => {
          out += d.toString();
          if (ready.test(out)) setTimeout(resolve, 300);
        };
        c.stdout.on("data", onData);
        c.stderr.on("data", onData);
        c.once("exit", (code) => reject(new Error(`${name} exited (${code}) before attaching: ${out.slice(0, 300)}`)));
        setTimeout(() => reject(new Error(`${name} did not attach in 30 s: ${out.slice(0, 300)}`)), 30_000);
      }),
    stop: () =>
      new Promise((resolve) => {
        const c = child;
        if (!c || c.exitCode !== null) return resolve(parse(out));
        c.removeAllListeners("exit");
        c.once("exit", () => resolve(parse(out)));
        c.kill("SIGINT");
        setTimeout(() => c.kill("SIGKILL"), 10_000);
      }),
  };
}

/** A bpflab capture in this process filtered on `cgroup`, attached once its first interval was drained. */
function bpflabTracer(
  name: string,
  collectors: CaptureOptions["collectors"],
  cgroup: string | undefined,
  parse: (cap: Capture) => Seen | undefined,
): Tracer {
  return { ...bpflabCapture(name, collectors, parse, cgroup ? { cgroup } : {}), pid: () => process.pid };
}

/**
 * `c` with `opts` on an object built from other sources (a BENCH_BASELINE directory of .bpf.o), its frames read from
 * the maps they were declared with: the code before a change, beside the code after it in the same run.
 */
function baseline(c: Collector, dir: string, opts: Record<string, unknown>): Collector {
  const frames = c.frames.map(({ sourceFor: _moved, ...f }) => f);
  return {
    ...c,
    objectPath: join(dir, `${c.object}.bpf.o`),
    frames,
    resolveOptions: () => c.resolveOptions(opts),
    framesFor: (o) => {
      const on = new Set(c.framesFor(o).map((f) => f.name));
      return frames.filter((f) => on.has(f.name));
    },
  };
}

/** The events and p50/p99 of a `<collector>_hist` frame's rows that `keep` selects. */
function histSeen(f: Frame | undefined, keep: (i: number) => boolean = () => true): Seen {
  if (!f) return { events: 0 };
  const le = f.numeric("le_ns"),
    n = f.numeric("count");
  const by = new Map<number, number>();
  for (let i = 0; i < f.length; i++) if (keep(i)) by.set(le[i]!, (by.get(le[i]!) ?? 0) + n[i]!);
  return quantiles([...by].map(([l, c]) => ({ le: l, n: c })));
}

/** Empty tp_btf programs on `tracepoints`: what attaching costs before any work (the floor). */
async function floor(name: string, tracepoints: string[]): Promise<Tracer> {
  const source =
    `struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, u32); __type(value, u64); }` +
    ` ${name}_unused SEC(".maps");\n` +
    tracepoints.map((tp) => `SEC("tp_btf/${tp}") int BPF_PROG(${name}_${tp}) { return 0; }\n`).join("");
  const cell = await bpf({ name, source, description: `empty programs on ${tracepoints.join(", ")}` });
  return bpflabTracer(`empty tp_btf (${tracepoints.join(", ")})`, [cell], undefined, () => undefined);
}

const STATS = "/proc/sys/kernel/bpf_stats_enabled";

/** The ids of the BPF programs process `pid` holds open (its fds' fdinfo has `prog_id:`). */
function progIdsOf(pid: number): Set<number> {
  const ids = new Set<number>();
  const dir = `/proc/${pid}/fdinfo`;
  for (const fd of readdirSync(dir)) {
    let info: string;
    try {
      info = readFileSync(join(dir, fd), "utf8");
    } catch {
      continue; // closed meanwhile
    }
    const m = /^prog_id:\s*(\d+)/m.exec(info);
    if (m) ids.add(Number(m[1]));
  }
  return ids;
}

interface ProgStat {
  name: string;
  ns: number;
  runs: number;
}

/** run_time_ns and run_cnt of every BPF program in the kernel, by id (kernel.bpf_stats_enabled must be 1). */
function progStats(): Map<number, ProgStat> {
  const list = JSON.parse(execFileSync("bpftool", ["prog", "show", "-j"], { encoding: "utf8" }) || "[]") as {
    id: number;
    name?: string;
    run_time_ns?: number;
    run_cnt?: number;
  }[];
  return new Map(
    list.map((p) => [p.id, { name: p.name ?? String(p.id), ns: p.run_time_ns ?? 0, runs: p.run_cnt ?? 0 }]),
  );
}

/** A workload and the tracers measured on it. */
interface Spec {
  key: string;
  label: string;
  args: string[];
  /** Wall time per operation instead of the workload's CPU time (the disk's completions run in interrupts). */
  wall: boolean;
  ops: number;
  tracers: () => Promise<Tracer[]>;
}

interface Row {
  workload: string;
  tracer: string;
  ns: number;
  added: number;
  /** Run time of the tracer's programs per operation (bpf_stats), median of rounds. */
  probeNs?: number;
  /** The same per event the tracer counted in that round (lock waits vary from run to run), median of rounds. */
  probeEventNs?: number;
  /** Probe ns/op in the rounds where bpflab and its peers ran together on the very same events, median. */
  togetherNs?: number;
  /** This tracer's probe time over the peer's in each of those rounds (the same events: exact), median. */
  togetherRatio?: number;
  ops: number;
  seen?: Seen;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One run of the workload inside `cg`: spawned waiting on stdin, moved into the cgroup, then let go. */
function runIn(cg: TestCgroup, bin: string, args: string[], wall: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn(bin, args, { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    c.stdout.on("data", (d: Buffer) => (out += d.toString()));
    c.once("error", reject);
    c.once("exit", (code) => {
      const [cpu, w] = out.trim().split(/\s+/).map(Number);
      if (code !== 0 || cpu === undefined || w === undefined) reject(new Error(`${args[0]} failed (${code}): ${out}`));
      else resolve(wall ? w : cpu);
    });
    cg.add(c.pid!);
    c.stdin.end("go\n");
  });
}

/** Starts `t` and returns the ids of the programs it loaded: new ones its process holds (other sessions load
 * some meanwhile). */
async function startTracer(t: Tracer): Promise<number[]> {
  const before = progStats();
  await t.start();
  const now = progStats();
  const pid = t.pid();
  const held = pid === undefined ? undefined : progIdsOf(pid);
  return [...now.keys()].filter((id) => !before.has(id) && (!held || held.has(id)));
}

/** run_time_ns summed over `ids` between two progStats() reads. */
const probeDelta = (s0: Map<number, ProgStat>, s1: Map<number, ProgStat>, ids: number[]) =>
  ids.reduce((sum, id) => sum + (s1.get(id)?.ns ?? 0) - (s0.get(id)?.ns ?? 0), 0);

/**
 * Rounds of the workload, each with a bare run, then each tracer alone (and a bare run after it), then the
 * tracers but the floor attached together (start order reversed every other round): the together run gives
 * them the very same events, so its probe ratios are exact where the events vary from run to run (lock waits).
 * Its counts are the agreement table's. `peer` names the tracer the ratios are taken to.
 */
async function measure(
  cg: TestCgroup,
  bin: string,
  label: string,
  args: string[],
  tracers: Tracer[],
  wall: boolean,
  ops: number,
  peer: string,
  agreement: { workload: string; tracer: string; seen: Seen | undefined }[],
): Promise<Row[]> {
  const bare: number[] = [];
  const traced = new Map<
    string,
    {
      ns: number[];
      probe: number[];
      probeEvent: number[];
      seen: (Seen | undefined)[];
      progs: Map<string, { ns: number[]; runs: number[] }>;
      together: number[];
      togetherRatio: number[];
    }
  >(
    tracers.map((t) => [
      t.name,
      { ns: [], probe: [], probeEvent: [], seen: [], progs: new Map(), together: [], togetherRatio: [] },
    ]),
  );
  const both = tracers.filter((t) => !t.name.startsWith("empty"));
  for (let r = 0; r < ROUNDS; r++) {
    bare.push(await runIn(cg, bin, args, wall));
    for (const t of tracers) {
      const m = traced.get(t.name)!;
      const mine = await startTracer(t);
      const s0 = progStats();
      let ns: number;
      let seen: Seen | undefined;
      let probe: number;
      try {
        ns = await runIn(cg, bin, args, wall);
        const s1 = progStats();
        const delta = (id: number, f: "ns" | "runs") => (s1.get(id)?.[f] ?? 0) - (s0.get(id)?.[f] ?? 0);
        probe = probeDelta(s0, s1, mine);
        m.probe.push(probe / ops);
        for (const id of mine) {
          const name = s0.get(id)!.name;
          const p = m.progs.get(name) ?? { ns: [], runs: [] };
          p.ns.push(delta(id, "ns") / ops);
          p.runs.push(delta(id, "runs") / ops);
          m.progs.set(name, p);
        }
      } finally {
        seen = await t.stop();
        m.seen.push(seen);
      }
      // over the events this round counted, not another round's
      if (seen?.events) m.probeEvent.push(probe / seen.events);
      m.ns.push(ns);
      bare.push(await runIn(cg, bin, args, wall));
    }
    const order = r % 2 ? [...both].reverse() : both;
    const ids = new Map<string, number[]>();
    try {
      for (const t of order) ids.set(t.name, await startTracer(t));
      const s0 = progStats();
      await runIn(cg, bin, args, wall);
      const s1 = progStats();
      const probe = new Map(both.map((t) => [t.name, probeDelta(s0, s1, ids.get(t.name)!)]));
      for (const t of both) {
        const m = traced.get(t.name)!;
        m.together.push(probe.get(t.name)! / ops);
        if (probe.get(peer)) m.togetherRatio.push(probe.get(t.name)! / probe.get(peer)!);
      }
    } finally {
      for (const t of order) {
        const seen = ids.has(t.name) ? await t.stop() : undefined;
        if (r === ROUNDS - 1) agreement.push({ workload: label, tracer: t.name, seen });
      }
    }
    process.stderr.write(`  ${label}: round ${r + 1}/${ROUNDS}\n`);
  }
  if (PER_PROG)
    for (const t of tracers)
      for (const [name, p] of traced.get(t.name)!.progs)
        process.stderr.write(
          `  ${t.name}: ${name}: ${median(p.ns).toFixed(0)} ns/op over ${median(p.runs).toFixed(2)} runs/op` +
            ` (${(median(p.ns) / (median(p.runs) || 1)).toFixed(0)} ns/run)\n`,
        );
  const base = median(bare);
  return [
    { workload: label, tracer: "none", ns: base, added: 0, ops },
    ...tracers.map((t) => {
      const m = traced.get(t.name)!;
      const ns = median(m.ns);
      const seen = m.seen[m.ns.indexOf(ns)];
      return {
        workload: label,
        tracer: t.name,
        ns,
        added: ns - base,
        ops,
        probeNs: median(m.probe),
        ...(m.probeEvent.length ? { probeEventNs: median(m.probeEvent) } : {}),
        ...(m.together.length ? { togetherNs: median(m.together) } : {}),
        ...(m.togetherRatio.length ? { togetherRatio: median(m.togetherRatio) } : {}),
        ...(seen ? { seen } : {}),
      };
    }),
  ];
}

const fmtNs = (ns: number | undefined) =>
  ns === undefined || !Number.isFinite(ns)
    ? ""
    : ns >= 1e6
      ? `${(ns / 1e6).toFixed(2)} ms`
      : ns >= 1e3
        ? `${(ns / 1e3).toFixed(1)} µs`
        : `${ns.toFixed(0)} ns`;

function table(rows: Row[], peer: Record<string, string>, unit: Record<string, string>): string {
  const out = [
    "| workload | tracer | ns/op | added ns/op | ratio to peer | probe ns/op (bpf_stats) | probe ratio | events counted | probe ns/event | probe ratio per event | together: probe ns/op | together: probe ratio | p50 | p99 |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const p = rows.find((x) => x.workload === r.workload && x.tracer === peer[r.workload]);
    const other = p && r.tracer !== "none" && r.tracer !== p.tracer;
    const ratio = other ? `${(r.added / p.added).toFixed(2)}×` : "";
    const probeRatio = other && r.probeNs !== undefined && p.probeNs ? `${(r.probeNs / p.probeNs).toFixed(2)}×` : "";
    const eventRatio =
      other && r.probeEventNs !== undefined && p.probeEventNs ? `${(r.probeEventNs / p.probeEventNs).toFixed(2)}×` : "";
    const together = other && r.togetherRatio !== undefined ? `${r.togetherRatio.toFixed(2)}×` : "";
    out.push(
      `| ${r.workload} (${unit[r.workload]}) | ${r.tracer} | ${r.ns.toFixed(0)} | ${r.tracer === "none" ? "" : r.added.toFixed(0)} | ${ratio} | ` +
        `${r.probeNs === undefined ? "" : r.probeNs.toFixed(0)} | ${probeRatio} | ` +
        `${r.seen ? r.seen.events.toLocaleString("en-US") : ""} | ${r.probeEventNs?.toFixed(0) ?? ""} | ${eventRatio} | ` +
        `${r.togetherNs?.toFixed(0) ?? ""} | ${together} | ` +
        `${fmtNs(r.seen?.p50)} | ${fmtNs(r.seen?.p99)} |`,
    );
  }
  return out.join("\n");
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bpflab-hist-bench-"));
  const cg = makeCgroup2("bpflab-bench");
  const cgDir = cg.dir;
  const wanted = (w: string) => ONLY.length === 0 || ONLY.includes(w);
  // bpf_stats (system-wide) only while this runs, then back to what it was
  const statsWas = readFileSync(STATS, "utf8");
  writeFileSync(STATS, "1\n");
  try {
    const bin = join(dir, "hist-workload");
    execFileSync("cc", ["-O2", "-pthread", "-o", bin, join(packageRoot(), "bench", "hist-workload.c")]);
    const file = join(dir, "data");
    writeFileSync(file, Buffer.alloc(64 << 20, 0x5a), { mode: 0o600 });
    execFileSync("sync");
    const load = execFileSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).trim();
    process.stderr.write(`hist overhead: ${ROUNDS} rounds, cgroup ${cg.path}, load average ${load}\n`);
    const rows: Row[] = [];
    const cgf = `/cgroup == cgroupid("${cgDir}")/`;
    const N = { getppid: 2_000_000, pingpong: 100_000, dread: 20_000, storm: 40_000 };

    const getppidSeen = (c: Capture) => {
      const f = c.frames["syscalls_hist"];
      const sc = f?.strings("syscall");
      return histSeen(f, (i) => sc?.[i] === "getppid");
    };
    const specs: Spec[] = [
      {
        key: "syscalls",
        label: "getppid",
        args: ["getppid", String(N.getppid)],
        wall: false,
        ops: N.getppid,
        tracers: async () => [
          bpflabTracer("bpflab `syscalls --hist`", { syscalls: { histogram: true } }, cg.path, getppidSeen),
          ...BASELINES.map((dir, i) =>
            bpflabTracer(
              `bpflab \`syscalls --hist\`, build ${i + 1} of BENCH_BASELINE`,
              [baseline(registry.syscalls!, dir, { histogram: true })],
              cg.path,
              getppidSeen,
            ),
          ),
          tool("syscount -L", "/usr/sbin/syscount", ["-L", "-c", cgDir], /Tracing syscalls/, (out) => ({
            events: Number(/^getppid\s+(\d+)/m.exec(out)?.[1] ?? 0),
          })),
          tool(
            "bpftrace hist() per syscall",
            "/usr/bin/bpftrace",
            [
              "-e",
              `tracepoint:raw_syscalls:sys_enter ${cgf} { @s[tid] = nsecs; } ` +
                `tracepoint:raw_syscalls:sys_exit /@s[tid]/ { @h[args->id] = hist(nsecs - @s[tid]); delete(@s[tid]); } ` +
                `END { clear(@s); }`,
            ],
            /Attaching/,
            (out) => bpftraceHist(out, `@h[${GETPPID_NR}]:`),
          ),
          await floor("floor_sys", ["sys_enter", "sys_exit"]),
        ],
      },
      {
        key: "sched",
        label: "pipe ping-pong",
        args: ["pingpong", String(N.pingpong)],
        wall: false,
        ops: N.pingpong,
        tracers: async () => [
          bpflabTracer("bpflab `sched --hist`", { sched: { histogram: true } }, cg.path, (c) =>
            histSeen(c.frames["sched_hist"]),
          ),
          // what sched_waits (whom each wait was on; on by default) costs, beside the same without it
          bpflabTracer("bpflab `sched --hist --no-waits`", { sched: { histogram: true, waits: false } }, cg.path, (c) =>
            histSeen(c.frames["sched_hist"]),
          ),
          tool("runqlat", "/usr/sbin/runqlat", ["-c", cgDir], /Tracing run queue latency/, (o) => libbpfHist(o)),
          await floor("floor_sched", ["sched_wakeup", "sched_wakeup_new", "sched_switch"]),
        ],
      },
      {
        key: "disk",
        label: "4 KiB O_DIRECT reads",
        args: ["dread", file, String(N.dread)],
        wall: true,
        ops: N.dread,
        tracers: async () => [
          bpflabTracer("bpflab `disk --hist`", { disk: { histogram: true } }, cg.path, (c) => {
            const f = c.frames["disk_hist"];
            const st = f?.strings("stage");
            const h = histSeen(f, (i) => st?.[i] === "service");
            // requests completed, from the main frame; the histogram should hold as many service times
            const completed = c.frames["disk"]?.sum("count") ?? 0;
            if (completed !== h.events) process.stderr.write(`  disk: ${completed} completed, ${h.events} timed\n`);
            return { ...h, events: completed };
          }),
          // whole system: its cgroup filter runs at issue, often from a kworker, and misses most requests
          tool("biolatency", "/usr/sbin/biolatency", [], /Tracing block device I\/O/, (o) => libbpfHist(o)),
          await floor("floor_block", ["block_rq_insert", "block_rq_issue", "block_rq_complete"]),
        ],
      },
      {
        key: "locks",
        label: "mmap_lock contention",
        args: ["mmap-storm", "2", String(N.storm)],
        wall: false,
        ops: 2 * N.storm,
        tracers: async () => [
          bpflabTracer("bpflab `locks --hist`", { locks: { histogram: true } }, cg.path, (c) =>
            histSeen(c.frames["locks_hist"]),
          ),
          ...BASELINES.map((dir, i) =>
            bpflabTracer(
              `bpflab \`locks --hist\`, build ${i + 1} of BENCH_BASELINE`,
              [baseline(registry.locks!, dir, { histogram: true })],
              cg.path,
              (c) => histSeen(c.frames["locks_hist"]),
            ),
          ),
          tool(
            "bpftrace contention hist()",
            "/usr/bin/bpftrace",
            [
              "-e",
              `tracepoint:lock:contention_begin ${cgf} { @s[tid] = nsecs; } ` +
                `tracepoint:lock:contention_end /@s[tid]/ { @h = hist(nsecs - @s[tid]); delete(@s[tid]); } ` +
                `END { clear(@s); }`,
            ],
            /Attaching/,
            (out) => bpftraceHist(out, "@h:"),
          ),
          await floor("floor_lock", ["contention_begin", "contention_end"]),
        ],
      },
    ];
    const agreement: { workload: string; tracer: string; seen: Seen | undefined }[] = [];
    const peer: Record<string, string> = {
      getppid: "syscount -L",
      "pipe ping-pong": "runqlat",
      "4 KiB O_DIRECT reads": "biolatency",
      "mmap_lock contention": "bpftrace contention hist()",
    };
    for (const w of specs) {
      if (!wanted(w.key)) continue;
      const tracers = await w.tracers();
      rows.push(...(await measure(cg, bin, w.label, w.args, tracers, w.wall, w.ops, peer[w.label]!, agreement)));
    }
    const unit = {
      getppid: "CPU ns per call",
      "pipe ping-pong": "CPU ns per round trip",
      "4 KiB O_DIRECT reads": "wall ns per read",
      "mmap_lock contention": "CPU ns per mmap+munmap",
    };
    process.stdout.write(`\nload average at start: ${load}\n\n${table(rows, peer, unit)}\n`);
    process.stdout.write(
      "\nratio to peer = added ns of this tracer / added ns of the peer in this run (median of rounds); probe" +
        " ns/op = run time of the tracer's BPF programs per operation (bpf_stats; leaves out the tracepoint's" +
        " dispatch); probe ns/event = the same over the events the tracer counted in that round (median of rounds);" +
        " together = the rounds' run with bpflab and its peers attached at once, on the very same events (the ratio" +
        " is taken per round, then the median); events counted and p50/p99 (upper bound of the bucket holding them)" +
        " are from the median round\n",
    );
    process.stdout.write(
      "\nagreement: the last round's run with bpflab and its peers attached together\n\n" +
        "| workload | tracer | events counted | p50 | p99 |\n|---|---|---:|---:|---:|\n" +
        agreement
          .map(
            (a) =>
              `| ${a.workload} | ${a.tracer} | ${a.seen ? a.seen.events.toLocaleString("en-US") : ""} | ` +
              `${fmtNs(a.seen?.p50)} | ${fmtNs(a.seen?.p99)} |`,
          )
          .join("\n") +
        "\n",
    );
  } finally {
    writeFileSync(STATS, statsWas);
    cg.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
