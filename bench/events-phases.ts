// Where an event drain's time goes (run as root): the native drain of N waiting getppid records, phase by phase
// (reserve, the decode loop, unreserve + commit, EventBuilder.take, the cgroup columns at the session's take),
// in CPU time of this process (all threads: V8's GC helpers included), wall time, minor page faults and the GC
// pauses that fall in each phase. A diagnosis beside bench/events-throughput.ts, not a result of its own.
//
//   npx tsx bench/events-phases.ts            (BENCH_EVENTS=2000000 BENCH_ROUNDS=5)

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { CollectorSession } from "../kernel/capture/collector-session.js";
import { EpochClock } from "../kernel/capture/epoch-clock.js";
import { resolvePlan } from "../kernel/capture/plan.js";
import { EventBuilder } from "../kernel/frame/event-builder.js";
import { PerCpuRings } from "../kernel/loader/percpu-rings.js";
import { packageRoot } from "../kernel/paths.js";

const N = Number(process.env.BENCH_EVENTS ?? 2_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const workload = join(packageRoot(), "test", "workloads", ".output", "workload");

interface Acc {
  cpu: number;
  wall: number;
  faults: number;
  gc: number;
}
const phases = new Map<string, Acc>();
let gcMs = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ["gc"] });

/** Runs `f`, charging its CPU, wall time, faults and GC pauses to `name`. */
function timed<T>(name: string, f: () => T): T {
  const c0 = process.cpuUsage(),
    w0 = performance.now(),
    f0 = process.resourceUsage().minorPageFault,
    g0 = gcMs;
  try {
    return f();
  } finally {
    const c = process.cpuUsage(c0);
    const a = phases.get(name) ?? { cpu: 0, wall: 0, faults: 0, gc: 0 };
    a.cpu += (c.user + c.system) / 1000;
    a.wall += performance.now() - w0;
    a.faults += process.resourceUsage().minorPageFault - f0;
    a.gc += gcMs - g0;
    phases.set(name, a);
  }
}

function wrap<T extends object>(proto: T, key: keyof T, name: string): void {
  const orig = proto[key] as unknown as (...a: unknown[]) => unknown;
  (proto as Record<keyof T, unknown>)[key] = function (this: unknown, ...a: unknown[]) {
    return timed(name, () => orig.apply(this, a));
  };
}

async function main(): Promise<void> {
  const plan = resolvePlan({ collectors: { syscalls: { events: true, ringKb: 1 << 18 } }, duration: "10m" });
  const filter = { tgid: 0, followChildren: false };
  const s = CollectorSession.open(plan.collectors[0]!, { filter, maxTracked: 1 });
  try {
    s.attach(new EpochClock(s.ctl, s.btf), filter);
    const ev = (
      s as unknown as { parts: { events?: { decoder: { decodeMerged: unknown; drainPath: string } } }[] }
    ).parts.find((p) => p.events)!.events!;
    if (ev.decoder.drainPath !== "native") throw new Error("the native drain is not built (make -C kernel/native)");
    const dm = ev.decoder.decodeMerged as (...a: unknown[]) => number;
    ev.decoder.decodeMerged = (...a: unknown[]) => timed("decode loop (native)", () => dm(...a));
    wrap(EventBuilder.prototype, "reserve", "reserve (columns)");
    wrap(EventBuilder.prototype, "unreserve", "unreserve");
    wrap(PerCpuRings.prototype, "commit", "commit");
    wrap(PerCpuRings.prototype, "cursors", "cursors");
    wrap(EventBuilder.prototype, "take", "EventBuilder.take");
    const total: Acc[] = [];
    let events = 0;
    for (let r = 0; r <= ROUNDS; r++) {
      // the event loop turns between drains, as in a capture (timers, the sink's writes)
      await new Promise((res) => setTimeout(res, 20));
      execFileSync(workload, ["getppid", String(N)]);
      if (r === 1) phases.clear(); // round 0 warms up
      const before = new Map([...phases].map(([k, v]) => [k, { ...v }]));
      let n = 0;
      timed("TOTAL drainRings + take", () => {
        s.drainRings(true);
        n = s.take()["syscalls_events"]!.length;
      });
      if (r > 0) events += n;
      const t = phases.get("TOTAL drainRings + take")!;
      const b = before.get("TOTAL drainRings + take") ?? { cpu: 0, wall: 0, faults: 0, gc: 0 };
      if (r > 0) total.push({ cpu: t.cpu - b.cpu, wall: t.wall - b.wall, faults: t.faults - b.faults, gc: 0 });
      process.stderr.write(`  round ${r}/${ROUNDS}: ${n} events\n`);
    }
    const sum = (k: string) => phases.get(k) ?? { cpu: 0, wall: 0, faults: 0, gc: 0 };
    const tot = sum("TOTAL drainRings + take");
    const inner = ["cursors", "reserve (columns)", "decode loop (native)", "unreserve", "commit", "EventBuilder.take"];
    const rest = {
      cpu: tot.cpu - inner.reduce((x, k) => x + sum(k).cpu, 0),
      wall: tot.wall - inner.reduce((x, k) => x + sum(k).wall, 0),
      faults: tot.faults - inner.reduce((x, k) => x + sum(k).faults, 0),
      gc: tot.gc - inner.reduce((x, k) => x + sum(k).gc, 0),
    };
    phases.set("rest (cgroup columns at the session's take, glue)", rest);
    console.log(`\n${events} events over ${ROUNDS} drains; per event:\n`);
    console.log("| phase | CPU ns | wall ns | faults per 1,000 | GC pause ns |");
    console.log("|---|---:|---:|---:|---:|");
    for (const [k, a] of phases) {
      const e = events;
      console.log(
        `| ${k} | ${((a.cpu * 1e6) / e).toFixed(1)} | ${((a.wall * 1e6) / e).toFixed(1)} | ` +
          `${((a.faults * 1000) / e).toFixed(1)} | ${((a.gc * 1e6) / e).toFixed(1)} |`,
      );
    }
    console.log(
      `\nper drain CPU ms: ${total.map((t) => t.cpu.toFixed(0)).join(", ")}; wall ms: ${total.map((t) => t.wall.toFixed(0)).join(", ")}`,
    );
  } finally {
    s.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
