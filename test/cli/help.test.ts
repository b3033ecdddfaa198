// Every command's --help (generated from its definition), --version, the global help (from the registry) and the
// shape of usage errors: value echoed, a hint, exit 2.

import { describe, expect, it } from "vitest";
import { commands } from "../../kernel/cli/commands.js";
import { longOptions } from "../../kernel/cli/program.js";
import { collectors } from "../../kernel/collectors/registry.js";
import { BPFLAB_VERSION } from "../../kernel/paths.js";
import { bpflab } from "./run-cli.js";

describe("bpflab --help", () => {
  for (const spec of commands) {
    it(`${spec.name} --help exits 0 with EXAMPLES and every option`, () => {
      const r = bpflab([spec.name, "--help"]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`Usage: bpflab ${spec.name}`);
      expect(r.out).toMatch(/\nEXAMPLES\n {2}\S/);
      for (const [example] of spec.examples) expect(r.out).toContain(example);
      for (const long of longOptions(spec)) expect(r.out).toContain(`--${long}`);
      expect(bpflab([spec.name, "-h"]).out).toBe(r.out);
    });
  }

  it("bpflab help CMD is CMD --help", () => {
    expect(bpflab(["help", "show"]).out).toBe(bpflab(["show", "--help"]).out);
  });

  it("--version prints the package version", () => {
    for (const flag of ["--version", "-V"]) {
      const r = bpflab([flag]);
      expect(r.code).toBe(0);
      expect(r.out.trim()).toBe(`bpflab ${BPFLAB_VERSION}`);
    }
  });

  it("the global help lists every command and every registered collector", () => {
    const r = bpflab(["--help"]);
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    for (const c of commands)
      expect(lines.some((l) => l.startsWith(`  ${c.name} `) && l.includes(c.summary))).toBe(true);
    for (const c of Object.values(collectors)) expect(r.out).toContain(`  ${c.name}`);
    expect(r.out).toContain("EXAMPLES");
    expect(r.out).toContain("--json");
    const bare = bpflab([]);
    expect(bare.code).toBe(2);
    expect(bare.out).toBe(r.out);
  });

  it("capture --help lists every collector option as a flag", () => {
    const r = bpflab(["capture", "--help"]);
    for (const flag of ["--no-latency", "--ufunc <BIN:SYM>", "--no-tcp", "--no-page-faults"])
      expect(r.out).toContain(flag);
  });
});

describe("usage errors", () => {
  it("an unknown option is echoed with a suggestion, exit 2", () => {
    const r = bpflab(["capture", "--durtion", "3s"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "bpflab: unknown option '--durtion'\n  hint: did you mean --duration? (bpflab capture --help)\n",
    );
  });

  it("a bad value is echoed with what is accepted", () => {
    const top = bpflab(["detect", "datasets/redis-injected", "--top", "many"]);
    expect(top.code).toBe(2);
    expect(top.err).toBe('bpflab: bad --top: "many"\n  hint: pass an integer of at least 1\n');
    const by = bpflab(["detect", "datasets/redis-injected", "--by", "host"]);
    expect(by.code).toBe(2);
    expect(by.err).toContain("'host' is invalid. Allowed choices are pid, tid, comm, cgroup.");
    expect(by.err).toContain("hint: see bpflab detect --help");
  });

  it("a pid is decimal only: 0x10 or 1e1 is a usage error, never pid 16 or 10", () => {
    for (const pid of ["0x10", "1e1", "16abc"]) {
      const r = bpflab(["capture", "-c", "sched", "-p", pid, "-d", "1s"]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`bpflab: bad --pid: "${pid}"\n  hint: pass an integer of at least 1\n`);
    }
  });

  it("--max-tracked takes a number of processes", () => {
    const r = bpflab(["capture", "-c", "sched", "--max-tracked", "0", "-d", "1s"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('bpflab: bad --max-tracked: "0"\n  hint: pass an integer between 1 and 4194304\n');
  });

  it("an unknown command lists the commands", () => {
    const r = bpflab(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'frobnicate'");
    expect(r.err).toContain(`hint: commands: ${commands.map((c) => c.name).join(", ")}`);
  });

  it("words before -- are refused with the fix", () => {
    const r = bpflab(["capture", "-c", "sched", "make", "-j2"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '-j2'");
    const w = bpflab(["capture", "-c", "sched", "make"]);
    expect(w.code).toBe(2);
    expect(w.err).toContain('unexpected argument "make"');
    expect(w.err).toContain("put it after --");
  });

  it("a runtime error is one line with a hint and exit 1; --verbose adds the stack", () => {
    const r = bpflab(["show", "/nonexistent/capture"]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split("\n")).toHaveLength(2);
    expect(r.err).toContain("hint:");
    const v = bpflab(["show", "/nonexistent/capture", "--verbose"]);
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/\n\s+at /);
  });
});
