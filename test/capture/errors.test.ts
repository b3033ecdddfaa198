// Bad input gets a clear error that says what to do, and leaves nothing attached.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import { BtfMissingError, OptionError, PermissionError, VerifierError } from "../../kernel/errors.js";
import { BpfObject } from "../../kernel/loader/bpf-object.js";
import { missingCapabilities } from "../../kernel/loader/preflight.js";
import { liveIt, resources, settledResources } from "../helpers/live.js";

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the capture to fail");
}

describe("capture option errors (no kernel needed)", () => {
  it("an unknown collector lists the known ones", async () => {
    const e = await rejection(capture({ collectors: ["schde"], duration: "1s" }));
    expect(e).toBeInstanceOf(OptionError);
    expect(e.message).toMatch(/unknown collector "schde"/);
    expect(e.message).toMatch(/sched, syscalls, process/);
  });

  it.each([["ten seconds"], ["5x"], [0], [-5], ["0s"], [Number.NaN], ["9999h"]])(
    "a bad duration %j echoes the value and the range",
    async (d) => {
      const e = await rejection(capture({ collectors: ["sched"], duration: d as string }));
      expect(e).toBeInstanceOf(OptionError);
      expect(e.message).toContain("bad duration");
      expect(e.message).toMatch(/between 10 ms and/);
    },
  );

  it("a bad interval is refused", async () => {
    const e = await rejection(capture({ collectors: ["sched"], duration: "1s", interval: "1ms" }));
    expect(e).toBeInstanceOf(OptionError);
    expect(e.message).toContain("bad interval");
  });

  it("a pid that does not exist is refused before anything loads", async () => {
    const gone = spawnSync("/bin/true").pid!; // reaped: its pid is free now
    const e = await rejection(capture({ collectors: ["sched"], duration: "1s", pid: gone }));
    expect(e).toBeInstanceOf(OptionError);
    expect(e.message).toContain(`no process with pid ${gone}`);
    const e2 = await rejection(capture({ collectors: ["sched"], duration: "1s", pid: -3 }));
    expect(e2.message).toContain("bad pid");
  });

  it("pids are decimal integers only: a hex or float pid, or a string, is refused", async () => {
    for (const pid of ["0x10", "16", 16.5, Infinity]) {
      const e = await rejection(capture({ collectors: ["sched"], duration: "1s", pid: pid as number }));
      expect(e).toBeInstanceOf(OptionError);
      expect(e.message).toContain("bad pid");
    }
  });

  it("a misspelled option, of capture() or of a collector, is an error listing the known ones", async () => {
    const e = await rejection(capture({ collectors: { syscalls: { latncy: false } }, duration: "1s" }));
    expect(e).toBeInstanceOf(OptionError);
    expect(e.message.split("\n")[0]).toBe('syscalls has no option "latncy"');
    expect(e.message).toMatch(/its options are: .*latency/);
    const top = await rejection(capture({ collectors: ["sched"], duraton: "1s" } as never));
    expect(top.message.split("\n")[0]).toBe('capture has no option "duraton"');
    expect(top.message).toMatch(/its options are: .*duration/);
  });

  it("no collectors, and pid with command, are refused", async () => {
    expect(await rejection(capture({ collectors: [], duration: "1s" }))).toBeInstanceOf(OptionError);
    const e = await rejection(capture({ collectors: ["sched"], duration: "1s", pid: process.pid, command: ["true"] }));
    expect(e.message).toContain("pid or command");
  });
});

describe("capture environment errors", () => {
  liveIt("an unprivileged user is told which capabilities are missing", () => {
    expect(missingCapabilities()).toEqual([]); // we are privileged; drop every capability in a child
    // (as uid 0, so it can still read this checkout wherever CI put it: root without capabilities)
    const script =
      `import("${join(__dirname, "../../kernel/capture/engine.ts")}").then(m => (m.capture ?? m.default.capture)({ collectors: ["sched"], duration: "1s" }))` +
      `.then(() => console.log("NO ERROR"), e => console.log(e.constructor.name + ": " + e.message))`;
    const out = execFileSync(
      "setpriv",
      ["--inh-caps=-all", "--bounding-set=-all", process.execPath, "--import", "tsx", "-e", script],
      { encoding: "utf8", cwd: join(__dirname, "../..") },
    );
    expect(out).toContain(PermissionError.name);
    expect(out).toContain("CAP_BPF and CAP_PERFMON");
    // the hint grants the two capabilities to this process only, never to the node binary (issue 9)
    expect(out).toContain("--ambient-caps=+bpf,+perfmon");
    expect(out).not.toMatch(/setcap cap_bpf[^ ]*\+ep \$\(which node\)/);
  });

  liveIt("missing kernel BTF is a BtfMissingError, nothing attached", async () => {
    const before = resources();
    const e = await rejection(capture({ collectors: ["sched"], duration: "1s", btfPath: "/nonexistent/vmlinux" }));
    expect(e).toBeInstanceOf(BtfMissingError);
    expect(e.message).toContain("CONFIG_DEBUG_INFO_BTF");
    expect(await settledResources(before)).toEqual(before);
  });

  liveIt("a verifier rejection carries the kernel's log", async () => {
    const out = join(__dirname, "../fixtures/bpf/.output");
    mkdirSync(out, { recursive: true });
    execFileSync("clang", [
      "-O2",
      "-g",
      "-target",
      "bpf",
      "-I/usr/include/x86_64-linux-gnu",
      "-c",
      join(__dirname, "../fixtures/bpf/rejected.bpf.c"),
      "-o",
      join(out, "rejected.bpf.o"),
    ]);
    const before = resources();
    const obj = BpfObject.open(join(out, "rejected.bpf.o"));
    try {
      obj.load();
      throw new Error("the verifier accepted it");
    } catch (e) {
      expect(e).toBeInstanceOf(VerifierError);
      const v = e as VerifierError;
      expect(v.message).toContain("program count_unchecked");
      expect(v.log).toMatch(/invalid mem access 'map_value_or_null'/);
      expect(v.message).toMatch(/invalid mem access/); // the telling last lines are in the message
    } finally {
      obj.close();
    }
    expect(await settledResources(before)).toEqual(before);
  });
});
