// memory collector against a process that maps and touches a known amount of anonymous memory.

import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import type { Frame } from "../../kernel/frame/frame.js";
import { kernelHasTracepoint, kernelPageSize } from "../../kernel/collectors/kernel-features.js";
import { memory } from "../../kernel/collectors/memory.js";
import { OptionError } from "../../kernel/errors.js";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

const MB = 64;
const BYTES = MB * 1024 * 1024;

/** Values of `col` on the rows of `pid`, in time order (the last drain of a capture is in map order). */
function valuesFor(f: Frame, pid: number, col: string): number[] {
  const pids = f.numeric("pid"),
    t = f.numeric("t_s");
  const v = f.numeric(col);
  const rows: number[] = [];
  for (let i = 0; i < f.length; i++) if (pids[i] === pid) rows.push(i);
  return rows.sort((a, b) => t[a]! - t[b]!).map((i) => v[i]!);
}

describe("memory collector", () => {
  liveIt(`sees RSS rise by the ${MB} MiB a process touches, and one fault per page`, async () => {
    const cap = await capture({
      collectors: ["memory"],
      duration: "20s",
      interval: "100ms",
      command: [workloadPath(), "alloc", String(MB)],
    });
    const f = cap.frame("memory");
    const pid = cap.meta.pid!;
    expect(cap.meta.commandExitCode).toBe(0);
    const anon = valuesFor(f, pid, "rss_anon_bytes");
    // rows before the mapping and after the unmap hold the baseline; the hold shows the full X MiB on top
    const rise = Math.max(...anon) - Math.min(...anon);
    expect(rise).toBeGreaterThan(BYTES * 0.95);
    expect(rise).toBeLessThan(BYTES * 1.05);
    // the interval's peak is at least the last value seen, and also holds the X MiB
    expect(Math.max(...valuesFor(f, pid, "rss_max_bytes"))).toBeGreaterThanOrEqual(Math.max(...anon));
    if (kernelHasTracepoint("page_fault_user")) {
      const faults = valuesFor(f, pid, "page_faults").reduce((a, b) => a + b, 0);
      expect(faults).toBeGreaterThanOrEqual(BYTES / kernelPageSize());
    }
    // one row per process and interval, named after the program, filtered to the command in the kernel
    const t = valuesFor(f, pid, "t_s");
    expect(new Set(t).size).toBe(t.length);
    expect(new Set(f.strings("comm").filter((_, i) => f.numeric("pid")[i] === pid))).toEqual(new Set(["workload"]));
    expect(new Set(f.numeric("tid"))).toEqual(new Set([pid]));
    expect(new Set(f.numeric("pid"))).toEqual(new Set([pid]));
    expect(cap.meta.lost.memory).toBe(0);
  });

  liveIt("charges RSS changes made from another process's context to the process that owns the memory", async () => {
    // the child maps and reads 32 MiB of a file; the parent then pages them out of it (process_madvise):
    // those rss_stat events run in the parent (curr == 0) and must land on the child's row, via mm->owner
    const file = join(tmpdir(), `bpflab-pageout-${process.pid}.dat`);
    const cap = await capture({
      collectors: ["memory"],
      duration: "20s",
      interval: "100ms",
      command: [workloadPath(), "pageout", "32", file],
    });
    const f = cap.frame("memory");
    const parent = cap.meta.pid!;
    expect(cap.meta.commandExitCode).toBe(0);
    const child = [...new Set(f.numeric("pid"))].find((p) => p !== parent)!;
    const fileRss = valuesFor(f, child, "rss_file_bytes");
    const drop = Math.max(...fileRss) - fileRss[fileRss.length - 1]!;
    expect(drop).toBeGreaterThan(32 * 1024 * 1024 * 0.95);
    // the parent never mapped the file: its own file RSS is its binary and libc, far below 32 MiB
    expect(Math.max(...valuesFor(f, parent, "rss_file_bytes"))).toBeLessThan(16 * 1024 * 1024);
  });

  liveIt("keeps the RSS gauges without the page-fault probe", async () => {
    const cap = await capture({
      collectors: { memory: { pageFaults: false } },
      duration: "20s",
      interval: "100ms",
      command: [workloadPath(), "alloc", "32"],
    });
    const f = cap.frame("memory");
    const anon = valuesFor(f, cap.meta.pid!, "rss_anon_bytes");
    expect(Math.max(...anon) - Math.min(...anon)).toBeGreaterThan(32 * 1024 * 1024 * 0.95);
    expect(valuesFor(f, cap.meta.pid!, "page_faults").every((n) => n === 0)).toBe(true);
  });

  liveIt("sees the whole system without a filter, this process among it", async () => {
    const held: Buffer[] = [];
    // touch 16 MiB of fresh memory in this process at each interval: its RSS changes while the capture runs
    // and another process allocates too, so the capture has two memory users even on an idle machine
    let other: number | undefined;
    const cap = await capture({
      collectors: ["memory"],
      duration: "1500ms",
      interval: "500ms",
      onInterval: () => {
        held.push(Buffer.alloc(16 * 1024 * 1024, 1));
        other ??= spawn(workloadPath(), ["alloc", "8"], { stdio: "ignore" }).pid;
      },
    });
    const f = cap.frame("memory");
    const pids = new Set(f.numeric("pid"));
    expect(pids.has(other!)).toBe(true);
    const anon = valuesFor(f, process.pid, "rss_anon_bytes");
    expect(anon.length).toBeGreaterThan(0);
    // node's anonymous memory (heap, the buffers held) is tens of MiB at least
    expect(Math.max(...anon)).toBeGreaterThan(16 * 1024 * 1024);
    expect(held.length).toBeGreaterThan(0);
  });
});

describe("memory collector, options and kernel features", () => {
  it("finds tracepoints in the kernel's BTF by whole name only", () => {
    expect(kernelHasTracepoint("rss_stat")).toBe(true);
    expect(kernelHasTracepoint("sched_switch")).toBe(true);
    expect(kernelHasTracepoint("rss_sta")).toBe(false); // a prefix of a real one
    expect(kernelHasTracepoint("no_such_tracepoint_anywhere")).toBe(false);
  });

  it("leaves page_fault_user unloaded when asked, or where the kernel lacks it", () => {
    expect(memory.disabledPrograms!({ pageFaults: false })).toEqual(["page_fault_user"]);
    expect(memory.disabledPrograms!({ pageFaults: true })).toEqual(
      kernelHasTracepoint("page_fault_user") ? [] : ["page_fault_user"],
    );
    expect(memory.resolveOptions({})).toEqual({ pageFaults: true, mapEntries: 0 }); // mapEntries 0: the header's size
    expect(() => memory.resolveOptions({ pageFaults: 1 as unknown as boolean })).toThrow(OptionError);
  });

  it("knows the page size the counters are in", () => {
    expect([4096, 16384, 65536]).toContain(kernelPageSize());
  });
});
