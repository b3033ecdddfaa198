// bpflab top: a refreshing view on a terminal (alternate screen), one block per interval in a pipe; the numbers
// are LiveStats', checked against a workload that burns a known amount of CPU.

import { spawnSync } from "node:child_process";
import { describe, expect } from "vitest";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";
import { bpflab, cliArgv, root } from "./run-cli.js";

const sh = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

describe("bpflab top", () => {
  liveIt("in a pipe prints a block per interval and the busiest processes of the whole run", () => {
    // burn 1500 ms of CPU, then the command exits and so does the capture
    const r = bpflab(["top", "-d", "20s", "-i", "500ms", "--", workloadPath(), "burn", "1500"]);
    expect(r.code, r.err).toBe(0);
    const blocks = r.out.split("\n\n").filter((b) => b.startsWith("bpflab top · sched, syscalls"));
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    // while it burns, the intervals show it busy, never above one CPU (plus the jitter of interval boundaries);
    // how busy depends on what else runs on this 2-core machine, so the exact check is the whole-run one below
    const live = [...r.out.matchAll(/^\s+\d+ {2}workload\s+([\d.]+)/gm)].map((m) => Number(m[1]));
    expect(live.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...live)).toBeGreaterThan(20);
    expect(Math.max(...live)).toBeLessThan(130);
    // the final view: on-CPU over the whole run = 1500 ms / elapsed
    const final = r.out.slice(r.out.lastIndexOf("bpflab top · "));
    expect(final).toMatch(/ · done/);
    const elapsed = Number(/· ([\d.]+) of 20\.0 s/.exec(final)![1]);
    const pct = Number(/^\s+\d+ {2}workload\s+([\d.]+)/m.exec(final)![1]);
    expect(pct).toBeGreaterThan(((1500 * 0.9) / (elapsed * 1000)) * 100);
    expect(pct).toBeLessThan(((1500 * 1.1) / (elapsed * 1000)) * 100);
  });

  liveIt("on a terminal redraws the alternate screen and leaves it at the end", () => {
    const cmd = [process.execPath, ...cliArgv, "top", "-d", "2500ms", "-i", "500ms"];
    const r = spawnSync("script", ["-qec", cmd.map(sh).join(" "), "/dev/null"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("\x1b[?1049h");
    expect(r.stdout.split("\x1b[H").filter((s) => s.includes("PID  PROCESS")).length).toBeGreaterThanOrEqual(3);
    const after = r.stdout.slice(r.stdout.indexOf("\x1b[?1049l"));
    expect(after).toContain("done");
    expect(after).toContain("busiest processes over the whole");
  });
});
