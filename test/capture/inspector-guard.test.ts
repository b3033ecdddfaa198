// SIGUSR1 must never open Node's inspector in a bpflab process (kernel/capture/inspector-guard.ts): unguarded, it
// listens on 127.0.0.1 for anyone's code to run as root. Each case signals a real child process; the first shows
// that the check sees the inspector open where nothing guards it, so the others' "closed" means something.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { cliArgv, root, tsxImport } from "../cli/run-cli.js";
import { holdsBpfLinks } from "../helpers/bpf-links.js";
import { liveIt } from "../helpers/live.js";

// a port of the kernel's choosing, were the inspector opened: never a fixed one another test or user could meet
const INSPECT = "--inspect-port=0";

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs node with `args`, sends SIGUSR1 once `ready(pid, out)` holds, and waits for the exit (killed after 20 s). */
async function signalled(args: string[], ready: (pid: number, out: string) => boolean): Promise<Run> {
  const child = spawn(process.execPath, [INSPECT, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "",
    err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
  for (let i = 0; i < 400 && !ready(child.pid!, out); i++) await new Promise((r) => setTimeout(r, 50));
  child.kill("SIGUSR1");
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  clearTimeout(kill);
  return { code, out, err };
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("SIGUSR1 and Node's inspector", () => {
  it("unguarded, a node process opens its inspector on SIGUSR1 (what the guard prevents)", async () => {
    const r = await signalled(
      [
        "-e",
        'process.stdout.write("ready\\n"); setTimeout(() => process.stdout.write(`inspector ${require("inspector").url() ?? "closed"}\\n`), 1500)',
      ],
      (_pid, out) => out.includes("ready"),
    );
    expect(r.err).toMatch(/Debugger listening on ws:\/\/127\.0\.0\.1:\d+/);
    expect(r.out).toMatch(/inspector ws:\/\//);
  });

  it("guarded, SIGUSR1 leaves a note and the inspector closed", async () => {
    const r = await signalled(["--import", tsxImport, join(root, "test/helpers/usr1-guarded.ts")], (_pid, out) =>
      out.includes("ready"),
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("inspector closed");
    expect(r.err).not.toMatch(/Debugger listening/);
    expect(r.err).toContain("bpflab: SIGUSR1 ignored: no flight recorder (capture --ring) is running in this process");
  });

  liveIt(
    "bpflab capture without --ring: SIGUSR1 while attached is a note; the capture ends as planned and is saved",
    async () => {
      const dir = mkdtempSync(join(root, "usr1-"));
      dirs.push(dir);
      const r = await signalled([...cliArgv, "capture", "-c", "process", "-d", "3s", "-o", join(dir, "out")], (pid) =>
        holdsBpfLinks(pid),
      );
      expect(r.code, r.err).toBe(0);
      expect(r.err).not.toMatch(/Debugger listening/);
      expect(r.err).toContain("SIGUSR1 ignored");
      const cap = await loadCapture(join(dir, "out"));
      expect(cap.meta.elapsedMs).toBeGreaterThanOrEqual(2900); // not cut short by the signal
      expect(cap.frames["process"]).toBeDefined();
    },
    60_000,
  );
});
