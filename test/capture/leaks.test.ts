// No BPF link, program, map or fd outlives a capture: after success, after an error mid-capture, after SIGINT.

import { describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import { join } from "node:path";
import { BpfObject, openObjectCount } from "../../kernel/loader/bpf-object.js";
import { objectDir } from "../../kernel/paths.js";
import { liveIt, resources, settledResources } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

const all = ["sched", "syscalls", "process"];

describe("capture resources", () => {
  liveIt("the leak check itself sees an object left open", async () => {
    const before = resources();
    const obj = BpfObject.open(join(objectDir(), "sched.bpf.o"));
    try {
      obj.load();
      obj.attachAll();
      const seen = await settledResources(before, 300);
      expect(seen.links.length).toBeGreaterThan(before.links.length);
      expect(seen.progs.length).toBeGreaterThan(before.progs.length);
      expect(seen.bpfFds.length).toBeGreaterThan(0);
    } finally {
      obj.close();
    }
    expect(await settledResources(before)).toEqual(before);
  });

  liveIt("releases everything after a normal capture", async () => {
    const before = resources();
    let during: ReturnType<typeof resources> | undefined;
    const cap = await capture({
      collectors: all,
      duration: "600ms",
      interval: "200ms",
      onInterval: () => {
        during ??= resources();
      },
    });
    expect(cap.frame("sched").length).toBeGreaterThan(0);
    // the probe did see the capture's own links and programs while it ran
    expect(during!.links.length).toBeGreaterThan(before.links.length);
    expect(during!.bpfFds.length).toBeGreaterThan(before.bpfFds.length);
    expect(resources().bpfFds).toEqual([]); // fds and links go at once
    expect(await settledResources(before)).toEqual(before);
    expect(openObjectCount()).toBe(0);
  });

  liveIt("releases the stack collectors' perf events, stack maps and links", async () => {
    const before = resources();
    const cap = await capture({ collectors: ["profile", "offcpu"], duration: "600ms", interval: "200ms" });
    expect(cap.frame("profile").length + cap.frame("offcpu").length).toBeGreaterThan(0);
    expect(resources().fdCount).toBe(before.fdCount); // the perf event fds went with their links
    expect(await settledResources(before)).toEqual(before);
    expect(openObjectCount()).toBe(0);
  });

  liveIt("releases everything when the capture throws midway, and rethrows", async () => {
    const before = resources();
    await expect(
      capture({
        collectors: all,
        duration: "5s",
        interval: "100ms",
        onInterval: () => {
          throw new Error("display failed");
        },
      }),
    ).rejects.toThrow("display failed");
    expect(resources().bpfFds).toEqual([]); // fds and links go at once
    expect(await settledResources(before)).toEqual(before);
    expect(openObjectCount()).toBe(0);
  });

  liveIt("stops on SIGINT, keeps the data captured so far, and releases everything", async () => {
    const before = resources();
    const listeners = process.listenerCount("SIGINT");
    const started = Date.now();
    let intervals = 0;
    const cap = await capture({
      collectors: all,
      duration: "30s",
      interval: "200ms",
      onInterval: () => {
        if (++intervals === 3) process.kill(process.pid, "SIGINT");
      },
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(cap.meta.interrupted).toBe(true);
    expect(cap.meta.elapsedMs).toBeGreaterThan(500);
    expect(cap.frame("sched").length).toBeGreaterThan(0);
    expect(cap.frame("syscalls").length).toBeGreaterThan(0);
    expect(resources().bpfFds).toEqual([]); // fds and links go at once
    expect(await settledResources(before)).toEqual(before);
    expect(process.listenerCount("SIGINT")).toBe(listeners); // SIGINT is the process's own business again
  });

  liveIt("stops on an AbortSignal and terminates its command", async () => {
    const before = resources();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const cap = await capture({
      collectors: ["sched"],
      duration: "30s",
      signal: ac.signal,
      command: [workloadPath(), "sleep", "20000"],
    });
    expect(cap.meta.interrupted).toBe(true);
    expect(cap.meta.commandExitCode).toBe(128 + 15);
    expect(resources().bpfFds).toEqual([]); // fds and links go at once
    expect(await settledResources(before)).toEqual(before);
  });
});
