// Overhead of tracing on the traced system, side by side in one run: CPU ns added per syscall (getppid loop)
// by bpflab `syscalls` vs libbpf-tools `syscount` vs `bpftrace`, and per pipe round trip (two wakeups and
// context switches) by bpflab `sched` vs libbpf-tools `runqlat`, per page faulted in by bpflab `memory` and
// per socket round trip (TCP loopback, unix) by bpflab `net`, both vs an equivalent `bpftrace` script (libbpf-tools
// has no tracepoint-only peer for them). Run as root: `npm run bench:capture`; BENCH_ONLY=memory,net (workload
// name prefixes: getppid, pipe, memory, net) runs a subset.
//
// Every tool traces the whole system (no pid filter), as each does by default. Each configuration runs the
// workload ROUNDS times, interleaved with bare runs, and keeps the median: the machine's noise moves both alike.

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../kernel/paths.js";
import { bpflab, externalTool, Tracer } from "./tracers.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SYSCALLS = Number(process.env.BENCH_SYSCALLS ?? 3_000_000);
const PINGPONGS = Number(process.env.BENCH_PINGPONGS ?? 200_000);
const ALLOC_MB = Number(process.env.BENCH_ALLOC_MB ?? 64);
const SOCK_PINGPONGS = Number(process.env.BENCH_SOCK_PINGPONGS ?? 50_000);
const ONLY = (process.env.BENCH_ONLY ?? "").split(",").filter(Boolean);
const wanted = (label: string) => ONLY.length === 0 || ONLY.some((p) => label.startsWith(p));
const workload = join(packageRoot(), "test", "workloads", ".output", "workload");

/** Runs the workload and returns its CPU ns per operation (first number it prints). */
function runWorkload(args: string[]): number {
  const out = execFileSync(workload, args, { encoding: "utf8" });
  return Number(out.trim().split(/\s+/)[0]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  workload: string;
  tracer: string;
  ns: number;
  added: number;
}

async function measure(label: string, args: string[], tracers: Tracer[]): Promise<Row[]> {
  const bare: number[] = [];
  const traced = new Map<string, number[]>(tracers.map((t) => [t.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    bare.push(runWorkload(args));
    for (const t of tracers) {
      await t.start();
      try {
        traced.get(t.name)!.push(runWorkload(args));
      } finally {
        await t.stop();
      }
      bare.push(runWorkload(args));
    }
    process.stderr.write(`  ${label}: round ${r + 1}/${ROUNDS}\n`);
  }
  const base = median(bare);
  return [
    { workload: label, tracer: "none", ns: base, added: 0 },
    ...tracers.map((t) => {
      const ns = median(traced.get(t.name)!);
      return { workload: label, tracer: t.name, ns, added: ns - base };
    }),
  ];
}

function table(rows: Row[], peer: Record<string, string>): string {
  const head = ["workload", "tracer", "CPU ns/op", "added ns/op", "ratio to peer"];
  const body = rows.map((r) => {
    const p = peer[r.workload] && rows.find((x) => x.workload === r.workload && x.tracer === peer[r.workload]);
    const ratio = p && r.tracer !== "none" && r.tracer !== p.tracer ? (r.added / p.added).toFixed(2) + "×" : "";
    return [r.workload, r.tracer, r.ns.toFixed(1), r.added.toFixed(1), ratio];
  });
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body]
    .map((r) => r.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join("  "))
    .join("\n");
}

async function main(): Promise<void> {
  if (!existsSync(workload))
    throw new Error(`build the workload first: make -C test/workloads (or bash scripts/setup.sh)`);
  for (const tool of ["/usr/sbin/syscount", "/usr/sbin/runqlat", "/usr/bin/bpftrace"]) {
    if (!existsSync(tool))
      throw new Error(`${tool} is missing: bash scripts/setup.sh installs libbpf-tools and bpftrace`);
  }
  process.stderr.write(
    `capture overhead: ${ROUNDS} rounds, ${SYSCALLS} getppid calls, ${PINGPONGS} pipe round trips, ` +
      `${ALLOC_MB} MiB faulted in x5, ${SOCK_PINGPONGS} socket round trips\n`,
  );
  const rows: Row[] = [];
  if (wanted("getppid")) {
    rows.push(
      ...(await measure(
        "getppid",
        ["time-getppid", String(SYSCALLS)],
        [
          bpflab("bpflab syscalls", { syscalls: {} }),
          bpflab("bpflab syscalls --no-latency", { syscalls: { latency: false } }),
          externalTool("syscount", "/usr/sbin/syscount", [], /Tracing syscalls/),
          externalTool("syscount -L", "/usr/sbin/syscount", ["-L"], /Tracing syscalls/),
          externalTool(
            "bpftrace count",
            "/usr/bin/bpftrace",
            ["-e", "tracepoint:raw_syscalls:sys_exit { @[args->id] = count(); }"],
            /Attaching/,
          ),
        ],
      )),
    );
  }
  if (wanted("pipe ping-pong")) {
    rows.push(
      ...(await measure(
        "pipe ping-pong",
        ["pingpong", String(PINGPONGS)],
        [
          bpflab("bpflab sched", { sched: {} }),
          bpflab("bpflab sched --no-waits", { sched: { waits: false } }),
          externalTool("runqlat", "/usr/sbin/runqlat", [], /Tracing run queue latency/),
        ],
      )),
    );
  }
  // memory: one page fault and one rss_stat event per page; the peer keeps the same per-process state
  const memPeer =
    "tracepoint:kmem:rss_stat { @rss[pid, args->member] = args->size; } " +
    "tracepoint:exceptions:page_fault_user { @faults[pid] = count(); }";
  if (wanted("memory")) {
    rows.push(
      ...(await measure(
        "memory page faults",
        ["time-alloc", String(ALLOC_MB)],
        [
          bpflab("bpflab memory", { memory: {} }),
          bpflab("bpflab memory --no-page-faults", { memory: { pageFaults: false } }),
          externalTool("bpftrace rss+faults", "/usr/bin/bpftrace", ["-e", memPeer], /Attaching/),
        ],
      )),
    );
  }
  // net: two sends and two receives per round trip; the peer sums bytes and counts calls per thread
  const netPeer =
    "tracepoint:sock:sock_send_length { @tx[tid] = sum(args->ret); @txc[tid] = count(); } " +
    "tracepoint:sock:sock_recv_length { @rx[tid] = sum(args->ret); @rxc[tid] = count(); }";
  for (const kind of ["tcp", "unix"]) {
    if (!wanted(`net ${kind}`)) continue;
    rows.push(
      ...(await measure(
        `net ${kind} ping-pong`,
        ["sockpingpong", String(SOCK_PINGPONGS), kind],
        [
          bpflab("bpflab net", { net: {} }),
          bpflab("bpflab net --no-tcp", { net: { tcp: false } }),
          externalTool("bpftrace bytes+calls", "/usr/bin/bpftrace", ["-e", netPeer], /Attaching/),
        ],
      )),
    );
  }
  process.stdout.write(
    "\n" +
      table(rows, {
        getppid: "syscount",
        "pipe ping-pong": "runqlat",
        "memory page faults": "bpftrace rss+faults",
        "net tcp ping-pong": "bpftrace bytes+calls",
        "net unix ping-pong": "bpftrace bytes+calls",
      }) +
      "\n",
  );
  process.stdout.write(
    "\nratio to peer = added ns of this tracer / added ns of the peer (syscount, runqlat, bpftrace) in this run;" +
      " CPU ns/op is the workload's own user+system CPU time per operation (median of rounds)\n",
  );
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
