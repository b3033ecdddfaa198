// Starts a plan's baseline: redis-server first, then the api-server (whose port its client needs), then the
// rest; each must report "ready" before the capture begins.

import { join } from "node:path";
import { nativeBin } from "./native-bin.js";
import { startRedis } from "./redis-server.js";
import type { ProcessSet, ScenarioProcess } from "./scenario-process.js";
import type { BaselinePlan, BaselineRole } from "./scenario-types.js";

const READY_MS = 10_000;

/** The running baseline: its processes by role and what injections need to reach them. */
export interface RunningBaseline {
  procs: Map<BaselineRole, ScenarioProcess>;
  dir: string;
  redisSocket: string;
  apiPort: number;
  lockPath: string;
}

/** Key=value arguments as the native processes read them. */
export function argList(args: Record<string, number | string>): string[] {
  return Object.entries(args).map(([k, v]) => `${k}=${v}`);
}

export async function startBaseline(
  plan: BaselinePlan,
  set: ProcessSet,
  dir: string,
  signal?: AbortSignal,
): Promise<RunningBaseline> {
  const procs = new Map<BaselineRole, ScenarioProcess>();
  const redis = await startRedis(set, nativeBin("exec-guard"), dir, plan.redisKeys, signal);
  procs.set("redis-server", redis.proc);
  const runtime: Record<string, number | string> = { dir, sock: redis.socket };
  const order = [...plan.processes].sort((a, b) => Number(b.role === "api-server") - Number(a.role === "api-server"));
  let apiPort = 0;
  for (const { role, args } of order) {
    if (role === "redis-server") continue;
    const extra: Record<string, number | string> = {};
    if (role === "batch-job" || role === "app-logger" || role === "queue-worker") extra.dir = runtime.dir!;
    if (role === "redis-client") extra.sock = runtime.sock!;
    if (role === "api-client") extra.port = apiPort;
    const p = set.start(nativeBin(role), role, argList({ ...args, ...extra }), true);
    procs.set(role, p);
    if (role === "api-server") apiPort = Number((await p.waitFor("port", READY_MS, signal)).fields[0]);
  }
  for (const p of procs.values()) if (p.name !== "redis-server") await p.waitFor("ready", READY_MS, signal);
  return { procs, dir, redisSocket: redis.socket, apiPort, lockPath: join(dir, "queue.lock") };
}
