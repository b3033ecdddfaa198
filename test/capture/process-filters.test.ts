// The cgroup and name filters in the kernel, against processes whose membership the test controls: a cgroup
// filter keeps exactly the processes in that cgroup (there at the start, moved in during the capture, forked
// inside it) and none outside; a name filter keeps exactly the processes of that name, from their exec on.

import { ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import { resolveCgroupFilter } from "../../kernel/capture/cgroup-filter.js";
import { cgroupWithin } from "../../kernel/capture/tracker.js";
import { OptionError } from "../../kernel/errors.js";
import type { Capture } from "../../kernel/capture/capture.js";
import { makeCgroup2 } from "../helpers/cgroups.js";
import { liveIt } from "../helpers/live.js";
import { machineLoadPath } from "../helpers/machine-load.js";
import { workloadPath } from "../helpers/workload.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a capture and resolves once its first interval is in (so the programs are attached). */
async function started(o: Parameters<typeof capture>[0]): Promise<{ stop: () => Promise<Capture> }> {
  const ctl = new AbortController();
  let first: () => void;
  const running = new Promise<void>((r) => (first = r));
  const done = capture({ ...o, signal: ctl.signal, onInterval: () => first() });
  await Promise.race([running, done]);
  return {
    stop: async () => {
      await sleep(300);
      ctl.abort();
      return done;
    },
  };
}

const pidsOf = (cap: Capture, frame: string) => new Set(cap.frame(frame).numeric("pid"));

describe("process filters", () => {
  it("check the cgroup and name before anything touches the kernel", async () => {
    expect(() => resolveCgroupFilter("/no/such/cgroup-bpflab")).toThrow(OptionError);
    expect(() => resolveCgroupFilter("/a/../../etc")).toThrow(/leaves the cgroup tree|no cgroup/);
    expect(resolveCgroupFilter("/")).toMatchObject({ level: 0, path: "/" });
    expect(cgroupWithin("/a/b/c", "/a/b")).toBe(true);
    expect(cgroupWithin("/a/bc", "/a/b")).toBe(false);
    expect(cgroupWithin("/x", "/")).toBe(true);
    await expect(capture({ collectors: ["sched"], duration: "1s", comm: "a-name-longer-than-15" })).rejects.toThrow(
      /1 to 15 bytes/,
    );
  });

  liveIt("a cgroup filter keeps exactly the processes in that cgroup: there, moved in, forked inside", async () => {
    const cg = makeCgroup2();
    const children: ChildProcess[] = [];
    const start = (args: string[]) => {
      const c = spawn(machineLoadPath(), args, { stdio: ["pipe", "ignore", "inherit"] });
      children.push(c);
      return c;
    };
    try {
      const inside = spawn(workloadPath(), ["wait-stdin"], { stdio: ["pipe", "ignore", "inherit"] });
      const outside = spawn(workloadPath(), ["wait-stdin"], { stdio: ["pipe", "ignore", "inherit"] });
      children.push(inside, outside);
      cg.add(inside.pid!);
      const mover = start(["fork-on-line", "3", "1000"]);
      const run = await started({
        collectors: ["syscalls", "sched"],
        cgroup: cg.path,
        duration: "30s",
        interval: "100ms",
      });
      cg.add(mover.pid!); // moved in while capturing; its children are forked inside
      for (let i = 0; i < 10; i++) {
        inside.stdin!.write("x\n");
        outside.stdin!.write("x\n");
      }
      mover.stdin!.end("go\n");
      await once(mover, "exit");
      inside.stdin!.end();
      outside.stdin!.end();
      await Promise.all([once(inside, "exit"), once(outside, "exit")]);
      const cap = await run.stop();
      expect(cap.meta.cgroup).toBe(cg.path);
      const sys = pidsOf(cap, "syscalls");
      expect(sys.has(inside.pid!)).toBe(true);
      expect(sys.has(mover.pid!)).toBe(true);
      expect(sys.has(outside.pid!)).toBe(false);
      // every row is of a process in the cgroup: by path, and the three forked children are among them
      for (const name of ["syscalls", "sched"]) {
        expect(new Set(cap.frame(name).strings("cgroup")), name).toEqual(new Set([cg.path]));
      }
      const forked = [...sys].filter((p) => p !== inside.pid && p !== mover.pid);
      expect(forked).toHaveLength(3);
      const f = cap.frame("syscalls");
      const names = f.strings("syscall"),
        pid = f.numeric("pid"),
        n = f.numeric("count");
      for (const p of forked) {
        let calls = 0;
        for (let i = 0; i < f.length; i++) if (pid[i] === p && names[i] === "getppid") calls += n[i]!;
        expect(calls).toBe(1000);
      }
    } finally {
      for (const c of children) c.kill();
      await sleep(100);
      cg.remove();
    }
  });

  liveIt("a process moved out of the cgroup is dropped at once, though its thread was let through before", async () => {
    // sys_enter remembers per thread that the filter wanted it (bpf/bpflab.bpf.h, filter_gen): the move must
    // undo that, or the reads after it would be counted
    const a = makeCgroup2(),
      b = makeCgroup2();
    const p = spawn(workloadPath(), ["wait-stdin"], { stdio: ["pipe", "ignore", "inherit"] });
    try {
      a.add(p.pid!);
      const run = await started({ collectors: ["syscalls"], cgroup: a.path, duration: "30s", interval: "100ms" });
      p.stdin!.write("x".repeat(10)); // wait-stdin reads a byte per read(2): 10 return, then one blocks
      await sleep(300);
      b.add(p.pid!);
      await sleep(300);
      p.stdin!.write("y".repeat(20));
      await sleep(300);
      p.stdin!.end();
      await once(p, "exit");
      const cap = await run.stop();
      const f = cap.frame("syscalls");
      const names = f.strings("syscall"),
        pid = f.numeric("pid"),
        n = f.numeric("count");
      let reads = 0;
      for (let i = 0; i < f.length; i++) if (pid[i] === p.pid && names[i] === "read") reads += n[i]!;
      // the reads inside (the first began before the capture: not timed, not counted), and perhaps the one that
      // began inside and returned after the move; none of the 19 after it
      expect(reads).toBeGreaterThanOrEqual(9);
      expect(reads).toBeLessThanOrEqual(10);
    } finally {
      p.kill();
      a.remove();
      b.remove();
    }
  });

  liveIt("a name filter keeps exactly the processes of that name, from the exec that gives it", async () => {
    const run = await started({ collectors: ["syscalls"], comm: "workload", duration: "30s", interval: "100ms" });
    // env execs the workload: it is "env" until then, "workload" after; machine-load is never "workload"
    const named = spawn("/usr/bin/env", [workloadPath(), "getppid", "5000"], { stdio: "ignore" });
    const other = spawn(machineLoadPath(), ["naps", "3", "1", "/dev/null"], { stdio: "ignore" });
    await Promise.all([once(named, "exit"), once(other, "exit")]);
    const cap = await run.stop();
    expect(cap.meta.comm).toBe("workload");
    const f = cap.frame("syscalls");
    expect(new Set(f.strings("process"))).toEqual(new Set(["workload"]));
    expect(pidsOf(cap, "syscalls").has(other.pid!)).toBe(false);
    const names = f.strings("syscall"),
      pid = f.numeric("pid"),
      n = f.numeric("count");
    let calls = 0;
    for (let i = 0; i < f.length; i++) if (pid[i] === named.pid && names[i] === "getppid") calls += n[i]!;
    expect(calls).toBe(5000);
  });
});
