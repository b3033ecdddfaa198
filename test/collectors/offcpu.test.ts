// offcpu collector against a thread whose time off-CPU is known: 5 sleeps of 300 ms in nanosleep.

import { describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import type { Frame } from "../../kernel/frame/frame.js";
import { liveIt, resources } from "../helpers/live.js";
import { stacksTargetPath } from "../helpers/stacks-target.js";

function offcpuOf(f: Frame, pid: number, test: (stack: string) => boolean = () => true): number {
  const pids = f.numeric("pid");
  const ns = f.numeric("offcpu_ns");
  const stacks = f.strings("stack");
  let s = 0;
  for (let i = 0; i < f.length; i++) if (pids[i] === pid && test(stacks[i]!)) s += ns[i]!;
  return s / 1e9;
}

/** A stack through the sleep syscall, entered from main. */
const sleeping = (s: string) => /(^|;)main;/.test(s) && /(^|;)__x64_sys_(clock_)?nanosleep_\[k\](;|$)/.test(s);

describe("offcpu collector", () => {
  liveIt("charges 5 × 300 ms of nanosleep, ≈1.5 s, to the stack through the sleep syscall", async () => {
    const before = resources();
    const run = () =>
      capture({
        collectors: ["offcpu"],
        duration: "20s",
        interval: "250ms", // sleeps span intervals: each is charged where it ends, with the stack it began with
        command: [stacksTargetPath(), "sleep", "5", "300"],
      });
    // A block whose start or end the kernel would not let the program read (task storage busy on that CPU: with
    // other tests' fork storms, a task's storage being freed at its exit, preempted there) is counted as lost,
    // not measured: such a run says nothing exact, so it runs again (at most twice), and the count is checked.
    let cap = await run();
    for (let i = 0; i < 2 && cap.meta.lost["offcpu"]; i++) cap = await run();
    const pid = cap.meta.pid!;
    const f = cap.frame("offcpu");
    const onSleep = offcpuOf(f, pid, sleeping);
    // on failure, where the process's time off-CPU went, stack by stack
    const where = () =>
      JSON.stringify(
        [...Array(f.length).keys()]
          .filter((i) => f.numeric("pid")[i] === pid)
          .map((i) => [f.strings("stack")[i], f.numeric("offcpu_ns")[i], f.numeric("blocks")[i]]),
      );
    expect(onSleep, where()).toBeGreaterThan(1.5 * 0.98);
    expect(onSleep).toBeLessThan(1.5 * 1.05);
    // the sleep stack holds nearly all of the process's time off-CPU, in 5 blocks
    expect(onSleep / offcpuOf(f, pid)).toBeGreaterThan(0.95);
    const blocks = f.numeric("blocks"),
      stacks = f.strings("stack"),
      pids = f.numeric("pid");
    let n = 0;
    for (let i = 0; i < f.length; i++) if (pids[i] === pid && sleeping(stacks[i]!)) n += blocks[i]!;
    expect(n).toBe(5);
    // the tracing program's own frames are not part of the stack
    expect(stacks.some((s) => /bpf_prog_|bpf_trace_run/.test(s))).toBe(false);
    expect(cap.meta.lost["offcpu"]).toBe(0);
    // no fd of this process outlives the capture (perf events, links, maps: the whole-system ids are checked
    // in test/capture/leaks.test.ts, where no other capture runs)
    const after = resources();
    expect(after.bpfFds).toEqual(before.bpfFds);
    expect(after.fdCount).toBe(before.fdCount);
  });

  liveIt("leaves out blocks shorter than minBlockUs", async () => {
    const cap = await capture({
      collectors: { offcpu: { minBlockUs: 400_000, blockedOnly: true } },
      duration: "20s",
      command: [stacksTargetPath(), "sleep", "3", "300"],
    });
    const pid = cap.meta.pid!;
    expect(offcpuOf(cap.frame("offcpu"), pid, sleeping)).toBe(0);
    const cap2 = await capture({
      collectors: { offcpu: { minBlockUs: 200_000, blockedOnly: true } },
      duration: "20s",
      command: [stacksTargetPath(), "sleep", "3", "300"],
    });
    const t = offcpuOf(cap2.frame("offcpu"), cap2.meta.pid!, sleeping);
    expect(t).toBeGreaterThan(0.9 * 0.98);
    expect(t).toBeLessThan(0.9 * 1.05);
  });
});
