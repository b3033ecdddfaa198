// Stack profiling side by side in one run: bpflab `profile` at 99 Hz and 999 Hz against `perf record -g` and
// bpftrace's `profile:hz` (Debian's libbpf-tools 0.26 ships no `profile`), bpflab `offcpu` against libbpf-tools
// `offcputime`, on the same fixed work; then the symbolization of node itself. Run as root: `npm run bench:profile`.
//
// Each run starts the workload gated (test/workloads/stacks.c), attaches the tool to its pid, opens the gate, and
// stops the tool once the work is done but before the process exits, so every tool can still read its mappings.
// Reported per configuration (medians over rounds that interleave every configuration with bare runs):
// - slowdown: the workload's CPU time (its own CLOCK_PROCESS_CPUTIME_ID) over the bare runs' median;
// - the tool's own CPU, split into start-up (until attached: compiling, loading, early symbol tables) and run
//   (from attached until it has the profile: its final read and symbolization included);
// - added CPU per second of run: (workload CPU − bare CPU + the tool's run CPU) / the bare run's wall time;
// - stop → profile: from the stop signal until the tool has a symbolized profile (perf: record's exit and
//   `perf script`, the input of stackcollapse-perf);
// - what it saw: the share of the samples in spin_a among spin_a + spin_b (the truth is 75 %), and the share
//   of samples that landed in either by name (the rest: thread start-up, or stacks that stayed addresses).

import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readlinkSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capture } from "../kernel/capture/engine.js";
import { packageRoot } from "../kernel/paths.js";
import { readElfPath } from "../kernel/symbols/elf-file.js";
import { Symbolizer } from "../kernel/symbols/symbolizer.js";
import { readMaps } from "../kernel/symbols/proc-maps.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LOOPS = Number(process.env.BENCH_LOOPS ?? 6000);
const NAPS = Number(process.env.BENCH_NAPS ?? 20_000);
const NAP_US = 50;
const stacks = join(packageRoot(), "test", "workloads", ".output", "stacks");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // USER_HZ of /proc/PID/stat

/** What the workload says its work cost. */
interface Work {
  cpuS: number;
  wallS: number;
  offcpuS: number;
}

/** A stacks process waiting at its gate. */
class Gated {
  private readonly child: ChildProcess;
  private out = "";
  private readonly exited: Promise<void>;

  constructor(args: string[]) {
    this.child = spawn(stacks, [...args, "gated"], { stdio: ["pipe", "pipe", "inherit"] });
    this.child.stdout!.on("data", (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((r) => this.child.on("exit", () => r()));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Opens the gate and waits for the work to be done. */
  async work(): Promise<Work> {
    // waits on the pipe, not a timer: this process's CPU is bpflab's in its rows
    const line = new Promise<void>((r) => {
      const check = () => {
        if (!/\n/.test(this.out)) return;
        this.child.stdout!.off("data", check);
        r();
      };
      this.child.stdout!.on("data", check);
      this.child.on("exit", () => r());
    });
    this.child.stdin!.write("go\n");
    await line;
    const num = (k: string) => Number(new RegExp(`${k}=(\\d+)`).exec(this.out)?.[1] ?? 0) / 1e9;
    return { cpuS: num("cpu_ns"), wallS: num("wall_ns"), offcpuS: num("offcpu_ns") };
  }

  /** Lets the process exit. */
  async end(): Promise<void> {
    this.child.stdin!.end();
    await this.exited;
  }
}

/** What a tool saw and cost. */
interface Seen {
  /** the tool's CPU from its start until attached (compiling, loading, reading symbol tables it reads early) */
  startCpuS: number;
  /** and from attached until it has the profile */
  tracerCpuS: number;
  stopS: number;
  /** samples (profile) or seconds off-CPU (offcpu) per class */
  a: number;
  b: number;
  total: number;
}

interface Tool {
  attach(pid: number): Promise<void>;
  stop(): Promise<Seen>;
}

/** CPU seconds a process has used so far (utime + stime). */
function procCpuS(pid: number): number {
  const st = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / TICK;
}

/** Whether `pid` holds an fd whose link matches `re` (a perf event, a BPF link: the tool has attached). */
function holds(pid: number, re: RegExp): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return re.test(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

const secs = (s: string) => {
  const m = /(\d+)m([\d.]+)s/.exec(s)!;
  return Number(m[1]) * 60 + Number(m[2]);
};

/**
 * An external tool, run by bash so that its whole CPU (exit work included) is counted by `times`; attached
 * once it holds an fd matching `attached` (then 300 ms of grace); stopped with SIGINT.
 */
class External implements Tool {
  private child: ChildProcess | undefined;
  private pid = 0;
  private cpuAtAttach = 0;
  private out = "";
  private err = "";
  private exited: Promise<number> | undefined;

  constructor(
    private readonly argv: (pid: number) => string[],
    private readonly attached: RegExp,
    private readonly parse: (
      out: string,
    ) => Promise<Omit<Seen, "startCpuS" | "tracerCpuS" | "stopS">> | Omit<Seen, "startCpuS" | "tracerCpuS" | "stopS">,
  ) {}

  async attach(target: number): Promise<void> {
    const [cmd, ...args] = this.argv(target);
    this.out = this.err = "";
    this.child = spawn("bash", ["-c", '"$@" & echo "PID $!" >&2; wait $!; times >&2', "tool", cmd!, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (d: Buffer) => (this.out += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.err += d.toString()));
    this.exited = new Promise((r) => this.child!.on("exit", (code) => r(code ?? 1)));
    const t0 = performance.now();
    for (;;) {
      const m = /PID (\d+)/.exec(this.err);
      if (m) this.pid = Number(m[1]);
      if (this.pid && holds(this.pid, this.attached)) break;
      if (performance.now() - t0 > 60_000) throw new Error(`${cmd} did not attach: ${this.err.slice(0, 300)}`);
      await sleep(20);
    }
    await sleep(300);
    this.cpuAtAttach = procCpuS(this.pid);
  }

  async stop(): Promise<Seen> {
    const t0 = performance.now();
    // bash starts background jobs with SIGINT ignored: a tool that has not installed its handler yet misses
    // the first one, so it is repeated until the tool is gone
    let code: number | undefined;
    void this.exited!.then((c) => (code = c));
    while (code === undefined) {
      try {
        process.kill(this.pid, "SIGINT");
      } catch {
        // already gone
      }
      await Promise.race([this.exited, sleep(2000)]);
    }
    const kids = (this.err.trim().split("\n").pop() ?? "").match(/(\d+)m([\d.]+)s/g) ?? [];
    if (kids.length < 2) throw new Error(`tool said: ${this.err.slice(0, 300)}`);
    const seen = await this.parse(this.out);
    const stopS = (performance.now() - t0) / 1000;
    const post = postCpu;
    postCpu = 0;
    return {
      ...seen,
      startCpuS: this.cpuAtAttach,
      tracerCpuS: secs(kids[0]!) + secs(kids[1]!) - this.cpuAtAttach + post,
      stopS,
    };
  }
}

/** CPU of a tool's post-processing step (perf script), added to its run's tracer CPU. */
let postCpu = 0;

/** Samples per class from bpftrace's `@[kstack, ustack] = count()` map, printed at exit. */
function bpftraceSplit(out: string) {
  let a = 0,
    b = 0,
    total = 0;
  for (const m of out.matchAll(/@\[([\s\S]*?)\]: (\d+)/g)) {
    const n = Number(m[2]);
    total += n;
    if (/\bspin_a\+/.test(m[1]!)) a += n;
    else if (/\bspin_b\+/.test(m[1]!)) b += n;
  }
  return { a, b, total };
}

/** perf record -g into a private directory; its profile comes from `perf script` (timed, CPU counted). */
function perfTool(hz: number): Tool {
  let dir = "";
  return new External(
    (pid) => {
      dir = mkdtempSync(join(tmpdir(), "bpflab-bench-"));
      return [
        "perf",
        "record",
        "-q",
        "-F",
        String(hz),
        "-g",
        "-e",
        "cpu-clock",
        "-p",
        String(pid),
        "-o",
        join(dir, "perf.data"),
      ];
    },
    /perf_event/,
    async (_out) => {
      const script = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          "bash",
          ["-c", 'perf script -F tid,ip,sym -i "$1"; times >&2', "s", join(dir, "perf.data")],
          {
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        const chunks: Buffer[] = [];
        let err = "";
        child.stdout.on("data", (d: Buffer) => chunks.push(d));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("exit", () => {
          const kids = (err.trim().split("\n").pop() ?? "").match(/(\d+)m([\d.]+)s/g) ?? [];
          if (kids.length < 2) return reject(new Error(`perf script: ${err.slice(0, 300)}`));
          postCpu = secs(kids[0]!) + secs(kids[1]!);
          resolve(Buffer.concat(chunks).toString());
        });
      });
      rmSync(dir, { recursive: true, force: true });
      let a = 0,
        b = 0,
        total = 0;
      for (const sample of script.split(/\n\s*\n/)) {
        if (!sample.trim()) continue;
        total++;
        if (/\sspin_a\b/.test(sample)) a++;
        else if (/\sspin_b\b/.test(sample)) b++;
      }
      return { a, b, total };
    },
  );
}

function bpftraceTool(hz: number): Tool {
  return new External(
    (pid) => ["bpftrace", "-e", `profile:hz:${hz} /pid == ${pid}/ { @[kstack, ustack] = count(); }`],
    /perf_event/,
    bpftraceSplit,
  );
}

/** libbpf-tools offcputime -p: off-CPU µs per stack, printed at exit; a: through nanosleep, b: the rest. */
function offcputimeTool(): Tool {
  return new External(
    (pid) => ["/usr/sbin/offcputime", "-p", String(pid)],
    /bpf[-_]link|perf_event/,
    (out) => {
      let a = 0,
        total = 0;
      for (const block of out.split(/\n\s*\n/)) {
        const m = /\n\s*-\s+\S+ \(\d+\)\n\s+(\d+)\s*$/.exec(block.trimEnd());
        if (!m) continue;
        const s = Number(m[1]) / 1e6;
        total += s;
        if (/nanosleep/.test(block)) a += s;
      }
      return { a, b: total - a, total };
    },
  );
}

/** bpflab in this process: attached at its first interval; its CPU is this process's until the capture returns. */
function bpflabTool(collectors: Record<string, Record<string, unknown>>, frame: "profile" | "offcpu"): Tool {
  let ac: AbortController;
  let done: ReturnType<typeof capture>;
  let c0: NodeJS.CpuUsage;
  let startCpuS = 0;
  return {
    async attach(pid) {
      const s0 = process.cpuUsage();
      ac = new AbortController();
      let attached!: () => void;
      const ready = new Promise<void>((r) => (attached = r));
      done = capture({
        collectors,
        pid,
        duration: "10m",
        interval: "1s",
        signal: ac.signal,
        handleSignals: false,
        onInterval: () => attached(),
      });
      await Promise.race([ready, done]);
      const s = process.cpuUsage(s0);
      startCpuS = (s.user + s.system) / 1e6;
      c0 = process.cpuUsage();
    },
    async stop() {
      const t0 = performance.now();
      ac.abort();
      const cap = await done;
      const f = cap.frame(frame);
      const stopS = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      const st = f.strings("stack");
      const v = f.numeric(frame === "profile" ? "samples" : "offcpu_ns");
      const scale = frame === "profile" ? 1 : 1e-9;
      let a = 0,
        b = 0,
        total = 0;
      for (let i = 0; i < f.length; i++) {
        const n = v[i]! * scale;
        total += n;
        if (frame === "offcpu") {
          if (/nanosleep/.test(st[i]!)) a += n;
          else b += n;
        } else if (/(^|;)spin_a(;|$)/.test(st[i]!)) a += n;
        else if (/(^|;)spin_b(;|$)/.test(st[i]!)) b += n;
      }
      return { a, b, total, startCpuS, tracerCpuS: (c.user + c.system) / 1e6, stopS };
    },
  };
}

interface Config {
  name: string;
  tool?: () => Tool;
}

interface Sample {
  work: Work;
  seen?: Seen;
}

async function runOnce(args: string[], tool: Tool | undefined): Promise<Sample> {
  const g = new Gated(args);
  try {
    await sleep(50);
    if (tool) await tool.attach(g.pid);
    const work = await g.work();
    const seen = tool ? await tool.stop() : undefined;
    return { work, seen };
  } finally {
    await g.end();
  }
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : "–");

async function measure(title: string, args: string[], configs: Config[], offcpu: boolean): Promise<void> {
  const runs = new Map<string, Sample[]>(configs.map((c) => [c.name, []]));
  const bare: Sample[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of configs) {
      bare.push(await runOnce(args, undefined));
      runs.get(c.name)!.push(await runOnce(args, c.tool?.()));
    }
    process.stderr.write(`  ${title}: round ${r + 1}/${ROUNDS}\n`);
  }
  const bareCpu = median(bare.map((s) => s.work.cpuS));
  const bareWall = median(bare.map((s) => s.work.wallS));
  const bareOff = median(bare.map((s) => s.work.offcpuS));
  console.log(
    `\n${title}: bare ${bareCpu.toFixed(2)} s CPU, ${bareWall.toFixed(2)} s wall` +
      (offcpu ? `, ${bareOff.toFixed(2)} s off-CPU` : "") +
      ` (medians of ${bare.length} bare runs; ${ROUNDS} runs per tool)\n`,
  );
  if (offcpu) {
    console.log(
      "| tool | slowdown (CPU) | tool's own CPU: start-up + run to profile | added CPU per s of run | stop → profile | off-CPU seen in nanosleep (truth: wall − CPU) |",
    );
    console.log("|---|---:|---:|---:|---:|---|");
  } else {
    console.log(
      "| tool | slowdown (CPU) | tool's own CPU: start-up + run to profile | added CPU per s of run | stop → profile | spin_a share (truth 75 %) | samples named spin_a/b |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|");
  }
  for (const c of configs) {
    const rs = runs.get(c.name)!;
    const slow = median(rs.map((s) => s.work.cpuS / bareCpu));
    const added = median(rs.map((s) => (s.work.cpuS - bareCpu + s.seen!.tracerCpuS) / bareWall));
    const stop = median(rs.map((s) => s.seen!.stopS));
    const ms = (f: (s: Seen) => number) => (1000 * median(rs.map((s) => f(s.seen!)))).toFixed(0);
    const own = `${ms((s) => s.startCpuS)} + ${ms((s) => s.tracerCpuS)} ms`;
    if (offcpu) {
      const seen = median(rs.map((s) => s.seen!.a));
      const truth = median(rs.map((s) => s.work.offcpuS));
      console.log(
        `| ${c.name} | ${slow.toFixed(3)}× | ${own} | ${(1000 * added).toFixed(1)} ms | ${(1000 * stop).toFixed(0)} ms | ` +
          `${seen.toFixed(2)} s of ${truth.toFixed(2)} s (${pct(seen / truth)}) |`,
      );
    } else {
      const share = median(rs.map((s) => s.seen!.a / (s.seen!.a + s.seen!.b)));
      const named = median(rs.map((s) => (s.seen!.a + s.seen!.b) / s.seen!.total));
      const samples = median(rs.map((s) => s.seen!.total));
      console.log(
        `| ${c.name} | ${slow.toFixed(3)}× | ${own} | ${(1000 * added).toFixed(1)} ms | ${(1000 * stop).toFixed(0)} ms | ` +
          `${pct(share)} | ${pct(named)} of ${samples.toFixed(0)} |`,
      );
    }
  }
}

/** Cold symbolization of node: the mappings and ELF symbols of this very process, then 5,000 addresses. */
function symbolization(): void {
  const node = realpathSync(process.execPath);
  const time = (fn: () => void, n = 3) => {
    const ts: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      fn();
      ts.push(performance.now() - t);
    }
    return median(ts);
  };
  const elf = readElfPath(node)!;
  const text = readMaps(process.pid)!.filter((m) => m.path === node && m.executable);
  // addresses inside 5,000 of node's functions as this process maps them
  const seg = elf.segments.find((s) => text.some((m) => m.offset >= s.offset && m.offset < s.offset + s.filesz))!;
  const addrs: number[] = [];
  const step = Math.max(1, Math.floor(elf.symbols.addr.length / 5000));
  for (let i = 0; i < elf.symbols.addr.length && addrs.length < 5000; i += step) {
    const off = elf.symbols.addr[i]! - seg.vaddr + seg.offset;
    const m = text.find((x) => off >= x.offset && off < x.offset + (x.end - x.start));
    if (m) addrs.push(m.start + off - m.offset + 1);
  }
  let named = 0;
  const ours = time(() => {
    const s = new Symbolizer();
    s.noteProcess(process.pid);
    named = addrs.filter((a) => !s.userFrame(process.pid, a, false).startsWith("[")).length;
  });
  const table = time(() => void readElfPath(node));
  const nm = time(() => void execFileSync("nm", ["--defined-only", node], { maxBuffer: 1 << 30 }));
  const nmC = time(() => void execFileSync("nm", ["-C", "--defined-only", node], { maxBuffer: 1 << 30 }));
  console.log(`\nSymbolization of node (${node}, ${elf.symbols.addr.length} function symbols; medians of 3)\n`);
  console.log("| what | time | ratio to nm -C |");
  console.log("|---|---|---|");
  console.log(`| bpflab: read node's ELF symbol table | ${table.toFixed(0)} ms | ${(table / nmC).toFixed(2)}× |`);
  console.log(
    `| bpflab: this process's maps and every mapped file, then ${addrs.length} addresses (${named} named, demangled) | ` +
      `${ours.toFixed(0)} ms | ${(ours / nmC).toFixed(2)}× |`,
  );
  console.log(`| nm --defined-only node | ${nm.toFixed(0)} ms | ${(nm / nmC).toFixed(2)}× |`);
  console.log(`| nm -C --defined-only node (peer: list and demangle) | ${nmC.toFixed(0)} ms | (peer) |`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("run as root: the tools attach BPF programs and perf events");
  process.stderr.write(`profile overhead: ${ROUNDS} rounds; 2 threads × ${LOOPS} rounds of spin_a + spin_b\n`);
  for (const hz of [99, 999]) {
    await measure(
      `CPU profile at ${hz} Hz of 2 threads × ${LOOPS} rounds of spin_a (3) + spin_b (1)`,
      ["loops", String(LOOPS), "2"],
      [
        { name: `perf record -g -F ${hz}`, tool: () => perfTool(hz) },
        { name: `bpftrace profile:hz:${hz}`, tool: () => bpftraceTool(hz) },
        { name: `bpflab profile ${hz} Hz`, tool: () => bpflabTool({ profile: { frequency: hz } }, "profile") },
      ],
      false,
    );
  }
  await measure(
    `Off-CPU time of ${NAPS} nanosleeps of ${NAP_US} µs`,
    ["naps", String(NAPS), String(NAP_US)],
    [
      { name: "libbpf-tools offcputime", tool: offcputimeTool },
      { name: "bpflab offcpu", tool: () => bpflabTool({ offcpu: {} }, "offcpu") },
    ],
    true,
  );
  symbolization();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
