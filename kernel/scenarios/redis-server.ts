// redis-server for a scenario: Debian's binary on a private unix socket in the scenario's own directory (no
// TCP port), with its data there too, filled with keys before the capture and stopped with everything else.

import { existsSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { ScenarioError } from "../errors.js";
import type { ProcessSet, ScenarioProcess } from "./scenario-process.js";

export const REDIS_SERVER = "/usr/bin/redis-server";

export interface RunningRedis {
  proc: ScenarioProcess;
  socket: string;
}

/** Starts redis-server in `dir` (under exec-guard, so it dies with bpflab) and fills it with `keys` keys. */
export async function startRedis(
  procs: ProcessSet,
  guard: string,
  dir: string,
  keys: number,
  signal?: AbortSignal,
): Promise<RunningRedis> {
  if (!existsSync(REDIS_SERVER)) {
    throw new ScenarioError(
      `${REDIS_SERVER} is missing: every scenario's baseline runs redis-server`,
      "install it with `apt-get install redis-server` (part of `bash scripts/setup.sh`)",
    );
  }
  const socket = join(dir, "redis.sock");
  const args = [
    REDIS_SERVER,
    ...["--port", "0", "--unixsocket", socket, "--unixsocketperm", "700", "--dir", dir],
    ...["--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--enable-debug-command", "local"],
    ...["--daemonize", "no", "--logfile", join(dir, "redis.log"), "--databases", "1"],
  ];
  const proc = procs.start(guard, "redis-server", args);
  const until = Date.now() + 10_000;
  for (;;) {
    if (!proc.running) {
      throw new ScenarioError(
        `redis-server exited with code ${proc.exitCode} at start`,
        `see its log in the scenario's directory; check \`${REDIS_SERVER} --version\` runs`,
      );
    }
    if (signal?.aborted) throw new ScenarioError("interrupted while starting redis-server", "");
    if (existsSync(socket) && (await redisCall(socket, ["PING"]).catch(() => "")) === "+PONG") break;
    if (Date.now() > until) throw new ScenarioError("redis-server did not answer PING within 10 s", "");
    await new Promise((r) => setTimeout(r, 20));
  }
  const filled = await redisCall(socket, ["DEBUG", "POPULATE", String(keys)]);
  if (filled !== "+OK") throw new ScenarioError(`redis-server refused DEBUG POPULATE: ${filled}`, "");
  return { proc, socket };
}

/** Sends one command and returns the first line of the reply ("+OK", ":3", "-ERR ..."): admin calls only. */
export function redisCall(socket: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = createConnection({ path: socket });
    let got = "";
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error("redis: no reply within 10 s"));
    }, 10_000);
    c.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    c.on("data", (d) => {
      got += d.toString("latin1");
      const nl = got.indexOf("\r\n");
      if (nl >= 0) {
        clearTimeout(timer);
        c.end();
        resolve(got.slice(0, nl));
      }
    });
    c.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(""));
  });
}
