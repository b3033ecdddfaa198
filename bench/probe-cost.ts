// CPU time of the probes themselves, per workload operation, read from the kernel's own BPF run-time
// statistics (kernel.bpf_stats_enabled: run_time_ns and run_cnt of every program). Unlike the workload's CPU
// time (bench/capture-overhead.ts), it does not drown in scheduling and VM noise on a busy machine, so it
// resolves costs of tens of ns. It leaves out the tracepoint's dispatch into the program (a few ns per event).
// Compares bpflab `memory` and `net` with equivalent bpftrace scripts in the same run.
// Run as root: `npx tsx bench/probe-cost.ts` (BENCH_ROUNDS, BENCH_ALLOC_MB, BENCH_SOCK_PINGPONGS).
//
// Stats are switched on (a system-wide sysctl) only while this runs, and restored to their previous value.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../kernel/paths.js";
import { bpflab, externalTool, Tracer } from "./tracers.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ALLOC_MB = Number(process.env.BENCH_ALLOC_MB ?? 64);
const SOCK_PINGPONGS = Number(process.env.BENCH_SOCK_PINGPONGS ?? 50_000);
const workload = join(packageRoot(), "test", "workloads", ".output", "workload");
const STATS = "/proc/sys/kernel/bpf_stats_enabled";

interface ProgStats {
  name: string;
  runs: number;
  ns: number;
}

/** run_cnt and run_time_ns of every BPF program in the kernel, by id. */
function progStats(): Map<number, ProgStats> {
  const list = JSON.parse(execFileSync("bpftool", ["prog", "show", "-j"], { encoding: "utf8" }) || "[]") as {
    id: number;
    name?: string;
    run_cnt?: number;
    run_time_ns?: number;
  }[];
  return new Map(list.map((p) => [p.id, { name: p.name ?? "?", runs: p.run_cnt ?? 0, ns: p.run_time_ns ?? 0 }]));
}

interface Row {
  workload: string;
  tracer: string;
  events: number;
  nsPerEvent: number;
  nsPerOp: number;
  programs: string;
}

/** Runs the workload under `t` ROUNDS times; sums the run time of the programs `t` loaded over all rounds. */
async function measure(label: string, args: string[], opsPerRun: number, t: Tracer): Promise<Row> {
  const before = progStats();
  await t.start();
  let runs = 0,
    ns = 0;
  const perProg = new Map<string, { runs: number; ns: number }>();
  try {
    const mine = [...progStats().keys()].filter((id) => !before.has(id));
    const s0 = progStats();
    for (let r = 0; r < ROUNDS; r++) execFileSync(workload, args, { encoding: "utf8" });
    const s1 = progStats();
    for (const id of mine) {
      const a = s0.get(id),
        b = s1.get(id);
      if (!a || !b) continue;
      const p = perProg.get(b.name) ?? { runs: 0, ns: 0 };
      p.runs += b.runs - a.runs;
      p.ns += b.ns - a.ns;
      perProg.set(b.name, p);
      runs += b.runs - a.runs;
      ns += b.ns - a.ns;
    }
  } finally {
    await t.stop();
  }
  const ops = opsPerRun * ROUNDS;
  const programs = [...perProg]
    .filter(([, p]) => p.runs > 0)
    .map(([n, p]) => `${n} ${(p.runs / ops).toFixed(2)}x${(p.ns / p.runs).toFixed(0)}ns`)
    .join(", ");
  return {
    workload: label,
    tracer: t.name,
    events: runs / ops,
    nsPerEvent: runs ? ns / runs : 0,
    nsPerOp: ns / ops,
    programs,
  };
}

function table(rows: Row[], peer: string): string {
  const head = [
    "workload",
    "tracer",
    "events/op",
    "ns/event",
    "probe ns/op",
    "ratio to peer",
    "programs (events/op x ns/event)",
  ];
  const body = rows.map((r) => {
    const p = rows.find((x) => x.workload === r.workload && x.tracer === peer);
    const ratio = p && r !== p ? (r.nsPerOp / p.nsPerOp).toFixed(2) + "×" : "";
    return [
      r.workload,
      r.tracer,
      r.events.toFixed(2),
      r.nsPerEvent.toFixed(1),
      r.nsPerOp.toFixed(1),
      ratio,
      r.programs,
    ];
  });
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body]
    .map((r) =>
      r
        .map((c, i) => (i < 2 || i === 6 ? c.padEnd(w[i]!) : c.padStart(w[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function main(): Promise<void> {
  if (!existsSync(workload))
    throw new Error(`build the workload first: make -C test/workloads (or bash scripts/setup.sh)`);
  if (!existsSync("/usr/bin/bpftrace"))
    throw new Error("/usr/bin/bpftrace is missing: bash scripts/setup.sh installs it");
  const memPeer =
    "tracepoint:kmem:rss_stat { @rss[pid, args->member] = args->size; } " +
    "tracepoint:exceptions:page_fault_user { @faults[pid] = count(); }";
  const netPeer =
    "tracepoint:sock:sock_send_length { @tx[tid] = sum(args->ret); @txc[tid] = count(); } " +
    "tracepoint:sock:sock_recv_length { @rx[tid] = sum(args->ret); @rxc[tid] = count(); }";
  const peer = "bpftrace";
  const jobs: { label: string; args: string[]; ops: number; tracers: Tracer[] }[] = [
    {
      label: "memory: per page faulted in",
      args: ["time-alloc", String(ALLOC_MB)],
      ops: ALLOC_MB * 256 * 5,
      tracers: [
        bpflab("bpflab memory", { memory: {} }),
        bpflab("bpflab memory --no-page-faults", { memory: { pageFaults: false } }),
        externalTool(peer, "/usr/bin/bpftrace", ["-e", memPeer], /Attaching/),
      ],
    },
    ...["tcp", "unix"].map((kind) => ({
      label: `net: per ${kind} round trip`,
      args: ["sockpingpong", String(SOCK_PINGPONGS), kind],
      ops: SOCK_PINGPONGS,
      tracers: [
        bpflab("bpflab net", { net: {} }),
        bpflab("bpflab net --no-tcp", { net: { tcp: false } }),
        externalTool(peer, "/usr/bin/bpftrace", ["-e", netPeer], /Attaching/),
      ],
    })),
  ];
  const previous = readFileSync(STATS, "utf8").trim();
  writeFileSync(STATS, "1");
  const rows: Row[] = [];
  try {
    for (const j of jobs) {
      for (const t of j.tracers) rows.push(await measure(j.label, j.args, j.ops, t));
      process.stderr.write(`  ${j.label}: done\n`);
    }
  } finally {
    writeFileSync(STATS, previous);
  }
  process.stdout.write("\n" + table(rows, peer) + "\n");
  process.stdout.write(
    "\nprobe ns/op = run time of the tracer's BPF programs (kernel bpf_stats) / workload operations;" +
      " whole system traced, so other processes' events are in it too; ratio to peer = against bpftrace in this run\n",
  );
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
