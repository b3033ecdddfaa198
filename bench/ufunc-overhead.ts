// Added cost per call of a probed user-space function, side by side in one run: bpflab `ufunc` (uprobe +
// uretprobe, per-thread latency; and count-only, uprobe alone) vs `bpftrace` counting calls with a uprobe (the named peer) and bpftrace timing
// them with a uprobe + uretprobe pair (the same work as ufunc). Run as root: `npx tsx bench/ufunc-overhead.ts`.
//
// The workload calls an empty function (ufunc-target's tiny()) CALLS times; each configuration runs it ROUNDS
// times, interleaved with bare runs, and keeps the median (the machine's noise moves both alike). Every tool
// probes the binary for all processes, as each does by default.

import { spawn, execFileSync, ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { capture } from "../kernel/capture/engine.js";
import { packageRoot } from "../kernel/paths.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CALLS = Number(process.env.BENCH_CALLS ?? 300_000);
const target = join(packageRoot(), "test", "workloads", ".output", "ufunc-target");
const FN = "tiny";

/** CPU ns and wall ns per call of one workload run. */
function runWorkload(): { cpu: number; wall: number } {
  const [cpu, wall] = execFileSync(target, ["time", String(CALLS)], { encoding: "utf8" }).trim().split(/\s+/).map(Number);
  return { cpu: cpu!, wall: wall! };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Tracer { name: string; start(): Promise<void>; stop(): Promise<void> }

/** bpftrace with `program`; it prints "Attaching N probes..." once attached, SIGINT ends it. */
function bpftrace(name: string, program: string): Tracer {
  let child: ChildProcess | undefined;
  return {
    name,
    start: () => new Promise((resolve, reject) => {
      child = spawn("/usr/bin/bpftrace", ["-e", program], { stdio: ["ignore", "pipe", "pipe"] });
      let seen = "";
      const onData = (d: Buffer) => {
        seen += d.toString();
        if (/Attaching/.test(seen)) setTimeout(resolve, 300); // the banner comes just before the attach ends
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`${name} exited (${code}) before attaching: ${seen.slice(0, 300)}`)));
      setTimeout(() => reject(new Error(`${name} did not attach in 30 s: ${seen.slice(0, 300)}`)), 30_000);
    }),
    stop: () => new Promise((resolve) => {
      if (!child || child.exitCode !== null) return resolve();
      child.removeAllListeners("exit");
      child.once("exit", () => resolve());
      child.kill("SIGINT");
      setTimeout(() => child?.kill("SIGKILL"), 5000);
    }),
  };
}

/** A bpflab ufunc capture in this process, stopped through its AbortSignal. */
function bpflab(name: string, latency: boolean): Tracer {
  let ac: AbortController | undefined;
  let done: Promise<unknown> | undefined;
  return {
    name,
    start: () => new Promise((resolve, reject) => {
      ac = new AbortController();
      let started = false;
      done = capture({ collectors: { ufunc: { functions: [`${target}:${FN}`], latency } }, duration: "10m", interval: "1s",
        signal: ac.signal, handleSignals: false,
        onInterval: () => { if (!started) { started = true; resolve(); } } }).catch(reject);
    }),
    stop: async () => {
      ac?.abort();
      await done;
    },
  };
}

async function main(): Promise<void> {
  if (!existsSync(target)) throw new Error("build the target first: make -C test/workloads (or bash scripts/setup.sh)");
  if (!existsSync("/usr/bin/bpftrace")) throw new Error("/usr/bin/bpftrace is missing: bash scripts/setup.sh installs it");
  process.stderr.write(`ufunc overhead: ${ROUNDS} rounds of ${CALLS} calls of ${FN}()\n`);
  const tracers = [
    bpflab("bpflab ufunc", true),
    bpflab("bpflab ufunc --no-latency", false),
    bpftrace("bpftrace uprobe count", `uprobe:${target}:${FN} { @ = count(); }`),
    bpftrace("bpftrace uprobe+uretprobe latency",
      `uprobe:${target}:${FN} { @s[tid] = nsecs; } uretprobe:${target}:${FN} /@s[tid]/ { @n = count(); @t = sum(nsecs - @s[tid]); delete(@s[tid]); }`),
  ];
  const bare: { cpu: number; wall: number }[] = [];
  const traced = new Map<string, { cpu: number; wall: number }[]>(tracers.map((t) => [t.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    bare.push(runWorkload());
    for (const t of tracers) {
      await t.start();
      try {
        traced.get(t.name)!.push(runWorkload());
      } finally {
        await t.stop();
      }
      bare.push(runWorkload());
    }
    process.stderr.write(`  round ${r + 1}/${ROUNDS}\n`);
  }
  const base = { cpu: median(bare.map((x) => x.cpu)), wall: median(bare.map((x) => x.wall)) };
  const rows = [{ name: "none", cpu: base.cpu, wall: base.wall },
    ...tracers.map((t) => ({ name: t.name, cpu: median(traced.get(t.name)!.map((x) => x.cpu)),
      wall: median(traced.get(t.name)!.map((x) => x.wall)) }))];
  const peer = rows.find((r) => r.name === "bpftrace uprobe count")!;
  const head = ["tracer", "CPU ns/call", "added CPU ns/call", "wall ns/call", "ratio to peer"];
  const body = rows.map((r) => [r.name, r.cpu.toFixed(1), (r.cpu - base.cpu).toFixed(1), r.wall.toFixed(1),
    r.name === "none" || r === peer ? "" : ((r.cpu - base.cpu) / (peer.cpu - base.cpu)).toFixed(2) + "×"]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  process.stdout.write("\n" + [head, ...body].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join("  ")).join("\n") + "\n");
  process.stdout.write("\nratio to peer = added CPU ns of this tracer / added CPU ns of `bpftrace uprobe count` in this run;" +
    " CPU ns/call is the workload's user+system CPU time per call (median of rounds)\n");
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
