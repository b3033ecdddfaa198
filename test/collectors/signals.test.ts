// signals collector against known truths: K kill -USR1 from /bin/kill are K generated and K delivered signals
// with that sender and target, and a process the OOM killer takes inside a memory-limited cgroup the test
// makes is reported with its pid, its RSS and its exit by SIGKILL.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import { signalName } from "../../kernel/collectors/signals.js";
import type { Cell } from "../../kernel/frame/frame.js";
import { makeMemoryLimited } from "../helpers/cgroups.js";
import { liveIt } from "../helpers/live.js";
import { machineLoadPath } from "../helpers/machine-load.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("signals collector", () => {
  it("names signals as kill -l does", () => {
    expect([1, 9, 10, 15, 17, 34, 35, 64].map(signalName)).toEqual([
      "SIGHUP",
      "SIGKILL",
      "SIGUSR1",
      "SIGTERM",
      "SIGCHLD",
      "SIGRTMIN",
      "SIGRTMIN+1",
      "SIGRTMAX",
    ]);
  });

  liveIt(
    "sees K kill -USR1 as K generated and K delivered, with kill as sender and the workload as target",
    async () => {
      const K = 5;
      const target = spawn(machineLoadPath(), ["signals", String(K)], { stdio: ["ignore", "pipe", "inherit"] });
      const exited = once(target, "exit");
      await once(target.stdout!, "data"); // its handler is in place
      const stop = new AbortController();
      const killers: number[] = [];
      let started: () => void;
      const running = new Promise<void>((r) => (started = r));
      const done = capture({
        collectors: ["signals"],
        pid: target.pid!,
        duration: "20s",
        interval: "100ms",
        signal: stop.signal,
        onInterval: () => started(),
      });
      await running;
      for (let i = 0; i < K; i++) {
        const k = spawn("/bin/kill", ["-USR1", String(target.pid)], { stdio: "ignore" });
        killers.push(k.pid!);
        await once(k, "exit");
        await sleep(30); // one at a time: a signal still pending when the next comes would merge with it
      }
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0); // its handler counted all K
      await sleep(200);
      stop.abort();
      const cap = await done;
      const rows = cap
        .frame("signals")
        .rows()
        .filter((r) => r["signal"] === "SIGUSR1");
      const of = (ev: string) => rows.filter((r) => r["event"] === ev);
      const gen = of("generate"),
        del = of("deliver");
      expect(gen).toHaveLength(K);
      expect(del).toHaveLength(K);
      const pick = (rs: Record<string, Cell | null>[], ...cols: string[]) => rs.map((r) => cols.map((c) => r[c]));
      expect(new Set(pick(gen, "pid", "comm", "result", "origin", "to_process").map((r) => r.join()))).toEqual(
        new Set([[target.pid, "machine-load", "delivered", "user", true].join()]),
      );
      expect(pick(gen, "sender_pid").flat().sort()).toEqual([...killers].sort());
      expect(new Set(gen.map((r) => r["sender_comm"]))).toEqual(new Set(["kill"]));
      expect(pick(del, "sender_pid").flat().sort()).toEqual([...killers].sort());
      expect(new Set(pick(del, "pid", "sender_comm", "action").map((r) => r.join()))).toEqual(
        new Set([[target.pid, "kill", "handler"].join()]),
      );
      expect(cap.meta.lost.signals).toBe(0);
    },
    30_000,
  );

  liveIt(
    "reports a process the OOM killer takes in a memory-limited cgroup, with its pid, RSS and exit",
    async () => {
      const LIMIT = 64 << 20;
      const cg = makeMemoryLimited(LIMIT);
      try {
        const hog = spawn(machineLoadPath(), ["hog", "1024"], { stdio: ["pipe", "ignore", "ignore"] });
        const exited = once(hog, "exit");
        cg.add(hog.pid!);
        const stop = new AbortController();
        let started: () => void;
        const running = new Promise<void>((r) => (started = r));
        const done = capture({
          collectors: ["signals"],
          duration: "30s",
          interval: "100ms",
          signal: stop.signal,
          onInterval: () => started(),
        });
        await running;
        hog.stdin!.end("go\n");
        const [code, sig] = (await exited) as [number | null, string | null];
        expect([code, sig]).toEqual([null, "SIGKILL"]);
        await sleep(200);
        stop.abort();
        const cap = await done;
        const mine = cap
          .frame("signals")
          .rows()
          .filter((r) => r["pid"] === hog.pid);
        const oom = mine.filter((r) => r["event"] === "oom_kill");
        expect(oom).toHaveLength(1);
        expect(oom[0]!["comm"]).toBe("machine-load");
        // it held most of its limit when chosen (the counters lag by up to a few pages per CPU)
        expect(Number(oom[0]!["rss_bytes"])).toBeGreaterThan(LIMIT / 2);
        expect(Number(oom[0]!["rss_bytes"])).toBeLessThanOrEqual(LIMIT + (4 << 20));
        const exit = mine.filter((r) => r["event"] === "exit");
        expect(exit.map((r) => r["signal"])).toEqual(["SIGKILL"]);
      } finally {
        cg.remove();
      }
    },
    40_000,
  );
});
