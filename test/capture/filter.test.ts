// The pid filter runs in the kernel and follows the target's descendants over fork.

import { spawn } from "node:child_process";
import { describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

describe("pid filter", () => {
  liveIt("traces a running process and the children it forks during the capture, and nothing else", async () => {
    const w = workloadPath();
    // waits for a line on stdin, then runs two children: 1000 + 2000 getppid calls
    const target = spawn("/bin/sh", ["-c", `read go; ${w} getppid 1000; ${w} getppid 2000; read done`], {
      stdio: ["pipe", "ignore", "inherit"],
    });
    let sent = false;
    const cap = await capture({
      collectors: ["syscalls", "process"],
      duration: "3s",
      interval: "250ms",
      pid: target.pid!,
      onInterval: () => {
        if (!sent) {
          sent = true;
          target.stdin!.write("go\n");
        }
      },
    });
    target.stdin!.end("done\n");
    const f = cap.frame("syscalls");
    const pids = new Set(f.numeric("pid"));
    expect(pids.has(target.pid!)).toBe(true);
    expect(pids.has(process.pid)).toBe(false);
    const ev = cap.frame("process");
    const children = ev
      .rows()
      .filter((r) => r.event === "fork" && r.ppid === target.pid)
      .map((r) => r.pid as number);
    expect(children.length).toBe(2);
    for (const p of pids) expect([target.pid, ...children]).toContain(p);
    const names = f.strings("syscall"),
      counts = f.numeric("count"),
      rowPid = f.numeric("pid");
    let getppid = 0;
    for (let i = 0; i < f.length; i++)
      if (names[i] === "getppid" && children.includes(rowPid[i]!)) getppid += counts[i]!;
    expect(getppid).toBe(3000);
  });
});
