// The normal load a seed makes: which background processes run and how (rates, periods, sizes), drawn from
// the seed alone, so that every scenario and the no-injection captures of one seed share the same baseline.

import { Rng } from "../detectors/rng.js";
import type { BaselinePlan } from "./scenario-types.js";

/**
 * The baseline of `seed` on a machine with `cpus` CPUs (the pinned worker takes the last one). Each process
 * gets its own seed for its own randomness (arrival times, sizes), also drawn from `seed`.
 */
export function planBaseline(seed: number, cpus: number): BaselinePlan {
  const rng = new Rng(seed);
  const u = (lo: number, hi: number, digits = 2) => round(lo + (hi - lo) * rng.next(), digits);
  const s = () => rng.nextU32();
  const redisKeys = Math.round(u(100_000, 250_000, 0));
  const pinnedCpu = Math.max(0, cpus - 1);
  const pinnedPeriod = u(5, 20);
  return {
    redisKeys,
    pinnedCpu,
    processes: [
      // a periodic batch job: a CPU burst and an output file every few seconds
      { role: "batch-job", args: { seed: s(), period_s: u(4, 9), work_ms: u(150, 400, 0), out_kb: u(256, 2048, 0) } },
      // a request/response service on loopback and its client, with a slowly swelling request rate
      { role: "api-server", args: { work_us: u(150, 500, 0) } },
      { role: "api-client", args: { seed: s(), rate: u(30, 120, 1), conns: 1 + rng.int(3) } },
      // a logger appending lines (with bursts), fsync every few seconds, rotating at 2 MiB
      { role: "app-logger", args: { seed: s(), rate: u(20, 150, 1), fsync_s: u(2, 5) } },
      // a metrics agent: reads /proc and pushes a datagram each period
      { role: "metrics-agent", args: { seed: s(), period_s: u(0.8, 2) } },
      // idle daemons: wake rarely, stat a file, sleep
      { role: "idle-daemon", args: { seed: s(), period_s: u(5, 15) } },
      { role: "housekeeper", args: { seed: s(), period_s: u(3, 8) } },
      // a queue worker: short jobs under a file lock (the blocked scenario's victim)
      { role: "queue-worker", args: { seed: s(), period_ms: u(100, 400, 0), job_ms: u(5, 25, 1) } },
      // a latency-sensitive loop pinned to one CPU (the noisy neighbour's victim): 5-15 % of that CPU
      {
        role: "pinned-worker",
        args: { seed: s(), cpu: pinnedCpu, period_ms: pinnedPeriod, work_ms: round(pinnedPeriod * u(0.05, 0.15), 2) },
      },
      // redis-server (started first, filled with redisKeys keys) and its client: GET/SET at a swelling rate
      { role: "redis-server", args: {} },
      {
        role: "redis-client",
        args: { seed: s(), rate: u(100, 400, 0), value_bytes: u(32, 512, 0), reads: u(0.6, 0.9), keys: redisKeys },
      },
    ],
  };
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
