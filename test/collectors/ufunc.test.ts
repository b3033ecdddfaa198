// ufunc collector against ufunc-target, whose function calls (and their durations) are known exactly.

import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { capture } from "../../kernel/capture/engine.js";
import { AttachError, OptionError } from "../../kernel/errors.js";
import type { Frame } from "../../kernel/frame/frame.js";
import { openObjectCount } from "../../kernel/loader/bpf-object.js";
import { parseUfuncTargets, UFUNC_MAX_DEPTH, UFUNC_MAX_FUNCS } from "../../kernel/collectors/ufunc-targets.js";
import { liveIt, resources, settledResources } from "../helpers/live.js";
import { ufuncTargetPath } from "../helpers/ufunc-target.js";

const LIBC = "/lib/x86_64-linux-gnu/libc.so.6";

/** Sums of calls, total_ns and the max of max_ns over the rows of `pid` for `fn`. */
function stats(f: Frame, pid: number, fn: string): { calls: number; total: number; max: number; rows: number } {
  const pids = f.numeric("pid"),
    fns = f.strings("function");
  const calls = f.numeric("calls"),
    total = f.numeric("total_ns"),
    max = f.numeric("max_ns");
  const s = { calls: 0, total: 0, max: 0, rows: 0 };
  for (let i = 0; i < f.length; i++) {
    if (pids[i] !== pid || fns[i] !== fn) continue;
    s.calls += calls[i]!;
    s.total += total[i]!;
    s.max = Math.max(s.max, max[i]!);
    s.rows++;
  }
  return s;
}

describe("ufunc collector", () => {
  liveIt("counts exactly N and M calls of two functions, and G calls of libc getpid, separately", async () => {
    const bin = ufuncTargetPath();
    const N = 5000,
      M = 3000,
      G = 2000;
    const cap = await capture({
      collectors: {
        ufunc: {
          functions: [`${bin}:work_item`, { binary: bin, symbol: "other_item" }, `${LIBC}:getpid`, `${bin}:nest`],
        },
      },
      duration: "30s",
      interval: "100ms",
      command: [bin, "run", String(N), String(M), String(G), "0", "1"],
    });
    const f = cap.frame("ufunc");
    const pid = cap.meta.pid!;
    expect(cap.meta.commandExitCode).toBe(0);
    expect(stats(f, pid, "work_item").calls).toBe(N);
    expect(stats(f, pid, "other_item").calls).toBe(M);
    expect(stats(f, pid, "getpid").calls).toBe(G);
    // nest(5) recurses: 6 nested calls, 10 times; every return pairs with its own entry
    expect(stats(f, pid, "nest").calls).toBe(60);
    // filtered in the kernel: getpid of other processes is not counted
    expect(new Set(f.numeric("pid"))).toEqual(new Set([pid]));
    const bins = new Set(f.strings("binary").filter((_, i) => f.strings("function")[i] === "getpid"));
    expect(bins).toEqual(new Set([LIBC]));
    expect(new Set(f.strings("comm"))).toEqual(new Set(["ufunc-target"]));
    expect(cap.meta.lost.ufunc).toBe(0);
    // the options recorded in the capture name the functions by id
    expect((cap.meta.options.ufunc as { functions: { symbol: string }[] }).functions.map((x) => x.symbol)).toEqual([
      "work_item",
      "other_item",
      "getpid",
      "nest",
    ]);
  });

  liveIt("counts the same without latency (entry probes only)", async () => {
    const bin = ufuncTargetPath();
    const cap = await capture({
      collectors: { ufunc: { functions: [`${bin}:work_item`, `${bin}:nest`], latency: false } },
      duration: "30s",
      interval: "100ms",
      command: [bin, "run", "3000", "0", "0", "0", "1"],
    });
    const pid = cap.meta.pid!;
    expect(stats(cap.frame("ufunc"), pid, "work_item").calls).toBe(3000);
    expect(stats(cap.frame("ufunc"), pid, "nest").calls).toBe(60);
    expect(stats(cap.frame("ufunc"), pid, "work_item").total).toBe(0);
  });

  liveIt("recursion deeper than the timed stack: the outer frames pair up, the deeper ones count as lost", async () => {
    const bin = ufuncTargetPath();
    const D = UFUNC_MAX_DEPTH + 4,
      R = 10; // D + 1 nested calls per nest(D)
    const cap = await capture({
      collectors: { ufunc: { functions: [`${bin}:nest`] } },
      duration: "30s",
      command: [bin, "nest", String(D), String(R)],
    });
    expect(stats(cap.frame("ufunc"), cap.meta.pid!, "nest").calls).toBe(UFUNC_MAX_DEPTH * R);
    expect(cap.meta.lost.ufunc).toBe((D + 1 - UFUNC_MAX_DEPTH) * R);
  });

  liveIt("measures latency: calls that spin a known time, against the target's own clock", async () => {
    const bin = ufuncTargetPath();
    const N = 2000,
      EVERY = 20,
      SPIN_US = 1000; // 100 calls spin 1 ms, 1900 return at once
    const out = join(mkdtempSync(join(tmpdir(), "ufunc-")), "out.txt");
    const cap = await capture({
      collectors: { ufunc: { functions: [`${bin}:work_item`] } },
      duration: "30s",
      interval: "100ms",
      command: ["/bin/sh", "-c", `exec ${bin} run ${N} 0 0 ${SPIN_US} ${EVERY} > ${out}`],
    });
    const selfNs = readWorkNs(out);
    const s = stats(cap.frame("ufunc"), cap.meta.pid!, "work_item");
    expect(s.calls).toBe(N);
    const spinNs = (N / EVERY) * SPIN_US * 1000;
    // the probes' window (entry program to return program) lies inside the target's clock_gettime pair
    expect(s.total).toBeGreaterThanOrEqual(spinNs);
    expect(s.total).toBeLessThanOrEqual(selfNs);
    expect(s.max).toBeGreaterThanOrEqual(SPIN_US * 1000);
    expect(s.rows).toBeGreaterThan(0);
  });

  liveIt("mean latency of calls that all spin 1 ms is within 5% of the target's own measure", async () => {
    const bin = ufuncTargetPath();
    const N = 100,
      SPIN_US = 1000;
    const out = join(mkdtempSync(join(tmpdir(), "ufunc-")), "out.txt");
    const cap = await capture({
      collectors: { ufunc: { functions: [`${bin}:work_item`] } },
      duration: "30s",
      command: ["/bin/sh", "-c", `exec ${bin} run ${N} 0 0 ${SPIN_US} 1 > ${out}`],
    });
    const selfMean = readWorkNs(out) / N;
    const s = stats(cap.frame("ufunc"), cap.meta.pid!, "work_item");
    expect(s.calls).toBe(N);
    expect(s.total / N).toBeGreaterThanOrEqual(SPIN_US * 1000);
    expect(Math.abs(s.total / N - selfMean) / selfMean).toBeLessThan(0.05);
  });

  liveIt("with a pid and followChildren: false, counts only that process (the uprobes get the pid too)", async () => {
    const bin = ufuncTargetPath();
    const child = spawn(bin, ["wait-stdin"], { stdio: ["pipe", "ignore", "inherit"] });
    const other = spawn(bin, ["wait-stdin"], { stdio: ["pipe", "ignore", "inherit"] });
    try {
      let sent = 0;
      const cap = await capture({
        collectors: { ufunc: { functions: [`${bin}:work_item`] } },
        duration: "1500ms",
        interval: "200ms",
        pid: child.pid!,
        followChildren: false,
        onInterval: () => {
          if (sent < 50) {
            child.stdin!.write("x\n".repeat(10));
            other.stdin!.write("x\n".repeat(10));
            sent += 10;
          }
        },
      });
      const f = cap.frame("ufunc");
      expect(sent).toBe(50);
      expect(stats(f, child.pid!, "work_item").calls).toBe(50);
      expect(new Set(f.numeric("pid"))).toEqual(new Set([child.pid!]));
    } finally {
      // wait for both to exit, so that their pipes are closed before the next test counts fds
      await Promise.all(
        [child, other].map(
          (c) =>
            new Promise((r) => {
              c.once("close", r);
              c.stdin!.end();
            }),
        ),
      );
    }
  });

  liveIt("releases every uprobe link, program, map and fd after the capture", async () => {
    const bin = ufuncTargetPath();
    const before = resources();
    let during: ReturnType<typeof resources> | undefined;
    await capture({
      collectors: { ufunc: { functions: [`${bin}:work_item`, `${LIBC}:getpid`] } },
      duration: "2s",
      interval: "100ms",
      command: [bin, "run", "100", "0", "10", "1000", "1"],
      onInterval: () => {
        during ??= resources();
      },
    });
    expect(during!.links.length).toBeGreaterThanOrEqual(before.links.length + 4); // 2 functions × entry, return
    expect(resources().bpfFds).toEqual([]);
    expect(await settledResources(before)).toEqual(before);
    expect(openObjectCount()).toBe(0);
  });

  liveIt(
    "CLI: capture -c ufunc --ufunc BIN:SYM writes a Parquet file that reads back with the same counts",
    async () => {
      const bin = ufuncTargetPath();
      const dir = mkdtempSync(join(tmpdir(), "ufunc-cli-"));
      const root = join(__dirname, "../..");
      const r = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          join(root, "kernel/cli/main.ts"),
          "capture",
          "-c",
          "ufunc",
          "--ufunc",
          `${bin}:work_item`,
          "--ufunc",
          `${bin}:other_item`,
          "-d",
          "20s",
          "-o",
          dir,
          "--",
          bin,
          "run",
          "700",
          "300",
          "0",
          "0",
          "1",
        ],
        { cwd: root, encoding: "utf8", timeout: 120_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      const cap = await loadCapture(dir);
      const f = cap.frame("ufunc");
      expect(stats(f, cap.meta.pid!, "work_item").calls).toBe(700);
      expect(stats(f, cap.meta.pid!, "other_item").calls).toBe(300);
      expect(new Set(f.strings("binary"))).toEqual(new Set([bin]));
    },
  );

  liveIt("a symbol missing from the binary is an AttachError naming it, with nothing left attached", async () => {
    const bin = ufuncTargetPath();
    const before = resources();
    const e = await capture({
      collectors: { ufunc: { functions: [`${bin}:work_item`, `${bin}:no_such_function`] } },
      duration: "1s",
      command: [bin, "run", "1", "0", "0", "0", "1"],
    }).then(
      () => undefined,
      (x: Error) => x,
    );
    expect(e).toBeInstanceOf(AttachError);
    expect(e!.message).toContain("no_such_function");
    expect((e as AttachError).hint).toMatch(/nm/);
    expect(resources().bpfFds).toEqual([]);
    expect(await settledResources(before)).toEqual(before);
    expect(openObjectCount()).toBe(0);
  });
});

describe("ufunc options (no kernel needed)", () => {
  it("accepts binary:symbol strings and objects, resolves bare library names, keeps the order as ids", () => {
    const bin = ufuncTargetPath();
    const t = parseUfuncTargets([`${bin}:work_item`, { binary: bin, symbol: "nest" }, "libc.so.6:malloc", "sh:main"]);
    expect(t.map((x) => x.symbol)).toEqual(["work_item", "nest", "malloc", "main"]);
    expect(t[2]!.binary).toMatch(/^\/.*libc\.so\.6$/);
    expect(t[3]!.binary).toMatch(/^\/.*\/sh$/);
    expect(parseUfuncTargets(`${bin}:tiny`)).toEqual([{ binary: bin, symbol: "tiny" }]);
  });

  it.each([
    [[], /no functions given/],
    [["work_item"], /write it as binary:symbol/],
    [["/no/such/binary:f"], /does not exist/],
    [["libnosuch.so.1:f"], /not found in the library directories/],
    [["/bin/sh:not a symbol"], /not a symbol name/],
    [[{ binary: "/bin/sh" }], /bad function/],
    [Array.from({ length: UFUNC_MAX_FUNCS + 1 }, (_, i) => `/bin/sh:f${i}`), new RegExp(`at most ${UFUNC_MAX_FUNCS}`)],
    [["/bin/sh:main", "/bin/sh:main"], /given twice/],
  ])("refuses %j with a hint", (fns, msg) => {
    expect(() => parseUfuncTargets(fns)).toThrow(OptionError);
    expect(() => parseUfuncTargets(fns)).toThrow(msg);
  });

  it("refuses a script (not ELF)", () => {
    const script = join(mkdtempSync(join(tmpdir(), "ufunc-")), "s.sh");
    writeFileSync(script, "#!/bin/sh\necho hi\n");
    chmodSync(script, 0o755);
    expect(() => parseUfuncTargets([`${script}:main`])).toThrow(/not an ELF/);
  });

  it("its limits equal the #defines of bpf/ufunc.h", () => {
    const h = readFileSync(join(__dirname, "../../bpf/ufunc.h"), "utf8");
    const define = (name: string) => Number(new RegExp(`#define ${name}\\s+(\\d+)`).exec(h)?.[1]);
    expect(define("UFUNC_MAX_FUNCS")).toBe(UFUNC_MAX_FUNCS);
    expect(define("UFUNC_MAX_DEPTH")).toBe(UFUNC_MAX_DEPTH);
  });

  it(`refuses more than ${UFUNC_MAX_FUNCS} functions and says how many are allowed`, async () => {
    const fns = Array.from({ length: UFUNC_MAX_FUNCS + 1 }, (_, i) => `/bin/sh:f${i}`);
    const e = await capture({ collectors: { ufunc: { functions: fns } }, duration: "1s" }).then(
      () => undefined,
      (x: Error) => x,
    );
    expect(e).toBeInstanceOf(OptionError);
    expect(e!.message).toContain(`at most ${UFUNC_MAX_FUNCS}`);
  });
});

function readWorkNs(path: string): number {
  const m = /work_ns (\d+)/.exec(readFileSync(path, "utf8"));
  if (!m) throw new Error(`ufunc-target wrote no work_ns line to ${path}`);
  return Number(m[1]);
}
