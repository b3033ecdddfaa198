// The traced command's life and the capture's signals: the command dies with bpflab (even SIGKILLed, even while
// still stopped), its exit status is bpflab's, a command that does not exist is 127 with nothing written; an
// aborted signal stops a capture at once; SIGHUP saves like SIGTERM; overlapping captures leave no handler behind.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import { liveIt } from "../helpers/live.js";

const root = join(__dirname, "../..");
const cli = join(root, "kernel/cli/main.ts");
const tmp = mkdtempSync(join(tmpdir(), "bpflab-life-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readProc(pid));
function readProc(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return "";
  }
}

/** The pid of the process whose command line is exactly `argv`, polled for up to `ms`. */
async function pidOf(argv: string[], ms = 10_000): Promise<number> {
  const want = argv.join("\0") + "\0";
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) {
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        if (readFileSync(`/proc/${d}/cmdline`, "utf8") === want) return Number(d);
      } catch {
        // gone meanwhile
      }
    }
  }
  throw new Error(`no process ${argv.join(" ")}`);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function gone(pid: number, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (!alive(pid)) return true;
  return !alive(pid);
}

function bpflab(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", cli, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, err: r.stderr };
}

describe("the traced command", () => {
  liveIt("exits with bpflab's status: its own when it ends first, 127 when it cannot start (nothing written)", () => {
    expect(bpflab(["capture", "-c", "sched", "-d", "20s", "--", "sh", "-c", "exit 3"]).code).toBe(3);
    expect(bpflab(["capture", "-c", "sched", "-d", "1s", "--", "sleep", "30"]).code).toBe(0); // ended by the capture
    const out = join(tmp, "never");
    const r = bpflab(["capture", "-c", "sched", "-d", "1s", "-o", out, "--", "no-such-command-bpflab"]);
    expect(r.code).toBe(127);
    expect(r.err).toContain("command not found: no-such-command-bpflab");
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  liveIt("dies when bpflab is SIGKILLed during the capture", async () => {
    const argv = ["sleep", "1000.25"];
    const child = spawn(
      process.execPath,
      ["--import", "tsx", cli, "capture", "-c", "sched", "-d", "60s", "--", ...argv],
      {
        cwd: root,
        stdio: "ignore",
      },
    );
    const pid = await pidOf(argv, 30_000);
    expect(alive(pid)).toBe(true);
    child.kill("SIGKILL");
    expect(await gone(pid)).toBe(true);
  });

  liveIt("dies, not left stopped, when bpflab is SIGKILLed before it resumed the command", async () => {
    const argv = ["sleep", "1000.5"];
    const script =
      `import(${JSON.stringify(join(root, "kernel/capture/target.ts"))}).then(async (m) => {` +
      ` const t = m.StoppedCommand ?? m.default.StoppedCommand; await t.start(${JSON.stringify(argv)});` +
      ` console.log("stopped"); setInterval(() => {}, 1000); })`;
    const child = spawn(process.execPath, ["--import", "tsx", "-e", script], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((r) => child.stdout!.on("data", (d: Buffer) => d.toString().includes("stopped") && r()));
    // still the shell that stopped itself before exec'ing the command, waiting for the probes
    const pid = await pidOf(["/bin/sh", "-c", 'kill -STOP $$; exec "$@"', "bpflab-command", ...argv]);
    expect(readProc(pid)).toMatch(/^State:\s+T/m);
    child.kill("SIGKILL");
    expect(await gone(pid)).toBe(true);
  });
});

describe("capture signals", () => {
  liveIt("an already-aborted signal ends the capture at once, with what it had", async () => {
    const t0 = Date.now();
    const cap = await capture({ collectors: ["sched"], duration: "60s", signal: AbortSignal.abort() });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(cap.meta.interrupted).toBe(true);
  });

  liveIt("SIGHUP ends a capture like SIGTERM: the process lives on and the data is kept", async () => {
    const p = capture({ collectors: ["sched"], duration: "60s", interval: "200ms" });
    await sleep(1500);
    process.kill(process.pid, "SIGHUP");
    const cap = await p;
    expect(cap.meta.interrupted).toBe(true);
    expect(cap.frame("sched").length).toBeGreaterThan(0);
  });

  liveIt(
    "overlapping captures each release their handlers: the listeners from before are back after both",
    async () => {
      const mine = () => {};
      process.on("SIGINT", mine);
      try {
        const before = {
          int: process.listeners("SIGINT"),
          term: process.listenerCount("SIGTERM"),
          hup: process.listenerCount("SIGHUP"),
        };
        const a = capture({ collectors: ["sched"], duration: "60s", interval: "200ms" });
        await sleep(300);
        const b = capture({ collectors: ["syscalls"], duration: "2s", interval: "200ms" });
        await b; // b ends first, a goes on and still owns SIGINT
        expect(process.listeners("SIGINT")).not.toContain(mine);
        process.kill(process.pid, "SIGINT"); // reaches a, not the suspended listener
        const capA = await a;
        expect(capA.meta.interrupted).toBe(true);
        expect(process.listeners("SIGINT")).toEqual(before.int);
        expect([process.listenerCount("SIGTERM"), process.listenerCount("SIGHUP")]).toEqual([before.term, before.hup]);
      } finally {
        process.off("SIGINT", mine);
      }
    },
  );
});
