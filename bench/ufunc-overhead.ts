// Added cost per call of a probed user-space function, side by side in one run: bpflab `ufunc` (uprobe +
// uretprobe, per-thread latency; and count-only, uprobe alone) vs `bpftrace` counting calls with a uprobe (the named peer) and bpftrace timing
// them with a uprobe + uretprobe pair (the same work as ufunc). Run as root: `npx tsx bench/ufunc-overhead.ts`.
//
// The workload calls an empty function (ufunc-target's tiny()) CALLS times; each configuration runs it ROUNDS
// times, interleaved with bare runs, and keeps the median (the machine's noise moves both alike). Every tool
// probes the binary for all processes, as each does by default.

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../kernel/paths.js";
import { bpflab, externalTool } from "./tracers.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CALLS = Number(process.env.BENCH_CALLS ?? 300_000);
const target = join(packageRoot(), "test", "workloads", ".output", "ufunc-target");
const FN = "tiny";

/** CPU ns and wall ns per call of one workload run. */
function runWorkload(): { cpu: number; wall: number } {
  const [cpu, wall] = execFileSync(target, ["time", String(CALLS)], { encoding: "utf8" })
    .trim()
    .split(/\s+/)
    .map(Number);
  return { cpu: cpu!, wall: wall! };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (!existsSync(target)) throw new Error("build the target first: make -C test/workloads (or bash scripts/setup.sh)");
  if (!existsSync("/usr/bin/bpftrace"))
    throw new Error("/usr/bin/bpftrace is missing: bash scripts/setup.sh installs it");
  process.stderr.write(`ufunc overhead: ${ROUNDS} rounds of ${CALLS} calls of ${FN}()\n`);
  const tracers = [
    bpflab("bpflab ufunc", { ufunc: { functions: [`${target}:${FN}`], latency: true } }),
    bpflab("bpflab ufunc --no-latency", { ufunc: { functions: [`${target}:${FN}`], latency: false } }),
    externalTool(
      "bpftrace uprobe count",
      "/usr/bin/bpftrace",
      ["-e", `uprobe:${target}:${FN} { @ = count(); }`],
      /Attaching/,
    ),
    externalTool(
      "bpftrace uprobe+uretprobe latency",
      "/usr/bin/bpftrace",
      [
        "-e",
        `uprobe:${target}:${FN} { @s[tid] = nsecs; } uretprobe:${target}:${FN} /@s[tid]/ { @n = count(); @t = sum(nsecs - @s[tid]); delete(@s[tid]); }`,
      ],
      /Attaching/,
    ),
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
  const rows = [
    { name: "none", cpu: base.cpu, wall: base.wall },
    ...tracers.map((t) => ({
      name: t.name,
      cpu: median(traced.get(t.name)!.map((x) => x.cpu)),
      wall: median(traced.get(t.name)!.map((x) => x.wall)),
    })),
  ];
  const peer = rows.find((r) => r.name === "bpftrace uprobe count")!;
  const head = ["tracer", "CPU ns/call", "added CPU ns/call", "wall ns/call", "ratio to peer"];
  const body = rows.map((r) => [
    r.name,
    r.cpu.toFixed(1),
    (r.cpu - base.cpu).toFixed(1),
    r.wall.toFixed(1),
    r.name === "none" || r === peer ? "" : ((r.cpu - base.cpu) / (peer.cpu - base.cpu)).toFixed(2) + "×",
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  process.stdout.write(
    "\n" +
      [head, ...body]
        .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join("  "))
        .join("\n") +
      "\n",
  );
  process.stdout.write(
    "\nratio to peer = added CPU ns of this tracer / added CPU ns of `bpftrace uprobe count` in this run;" +
      " CPU ns/call is the workload's user+system CPU time per call (median of rounds)\n",
  );
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
