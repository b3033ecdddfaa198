// The bpflab command line, run as a user runs it (node dist/cli/main.js via tsx on the sources).

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { collectors } from "../../kernel/collectors/registry.js";
import { liveIt, resources, settledResources } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";
import { holdsBpfLinks } from "../helpers/bpf-links.js";

const root = join(__dirname, "../..");
const cli = join(root, "kernel/cli/main.ts");

function bpflab(args: string[], opts: { timeout?: number } = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", cli, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: opts.timeout ?? 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("bpflab CLI", () => {
  it("lists collectors with their columns", () => {
    const r = bpflab(["collectors"]);
    expect(r.code).toBe(0);
    for (const c of ["sched", "syscalls", "process", "oncpu_ns", "latency_ns", "exit_code"]) expect(r.out).toContain(c);
    const j = JSON.parse(bpflab(["collectors", "--json"]).out) as { name: string; columns: { name: string }[] }[];
    expect(j.map((c) => c.name)).toEqual(Object.keys(collectors));
  });

  it("explains bad usage with exit code 2 and a hint", () => {
    const r = bpflab(["capture", "--collector", "nope", "--duration", "1s", "--out", "/tmp/x"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown collector "nope"');
    expect(r.err).toContain("hint: known collectors: sched, syscalls, process");
    const d = bpflab(["capture", "--collector", "sched", "--duration", "soon", "--out", "/tmp/x"]);
    expect(d.code).toBe(2);
    expect(d.err).toContain('bad duration: "soon"');
    const u = bpflab(["frobnicate"]);
    expect(u.code).toBe(2);
    expect(u.err).toContain("unknown command");
    expect(bpflab(["--help"]).out).toContain("EXAMPLES");
  });

  it("refuses a config file with an unknown key, naming it", () => {
    const dir = mkdtempSync(join(tmpdir(), "bpflab-cfg-"));
    writeFileSync(join(dir, "c.json"), JSON.stringify({ collectors: ["sched"], duraton: "1s" }));
    const r = bpflab(["capture", "--config", join(dir, "c.json"), "-o", dir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown key "duraton"');
  });

  liveIt("captures with a config file, flags overriding it", async () => {
    const out = mkdtempSync(join(tmpdir(), "bpflab-cli-"));
    const r = bpflab(["capture", "--config", join(root, "configs/whole-machine.json"), "-d", "1s", "-o", out]);
    expect(r.code, r.err).toBe(0);
    const cap = await loadCapture(out);
    expect(cap.meta.durationMs).toBe(1000);
    // the drops frame (empty: nothing lost) and the cgroup tree the capture saw
    expect(cap.collectors.sort()).toEqual(["cgroups", "drops", "process", "sched", "sched_waits", "syscalls"]);
  });

  liveIt("captures a command into one Parquet file per collector, and shows it", () => {
    const out = mkdtempSync(join(tmpdir(), "bpflab-cli-"));
    const r = bpflab([
      "capture",
      "-c",
      "sched",
      "-c",
      "syscalls",
      "-c",
      "process",
      "-d",
      "20s",
      "-i",
      "250ms",
      "-o",
      out,
      "--",
      workloadPath(),
      "getppid",
      "100000",
    ]);
    expect(r.code, r.err).toBe(0);
    // one file per collector, plus the drops frame (empty: nothing was lost), which says so, and the cgroups seen
    expect(readdirSync(out).sort()).toEqual([
      "cgroups.parquet",
      "drops.parquet",
      "process.parquet",
      "sched.parquet",
      "sched_waits.parquet",
      "syscalls.parquet",
    ]);
    expect(r.out).toMatch(/top syscalls/);
    expect(r.out).toMatch(/getppid\s+100000/);
    const s = bpflab(["show", out]);
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/getppid\s+100000/);
    expect(s.out).toContain("exit code 0");
  });

  liveIt("Ctrl-C ends a capture early, keeps the data and leaves nothing attached", async () => {
    const before = resources();
    const out = mkdtempSync(join(tmpdir(), "bpflab-cli-"));
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        cli,
        "capture",
        "-c",
        "sched",
        "-c",
        "syscalls",
        "-c",
        "process",
        "-d",
        "60s",
        "-i",
        "200ms",
        "-o",
        out,
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    // wait until its probes are attached (it prints nothing in a pipe), then a little more, then Ctrl-C
    for (let i = 0; i < 400 && !holdsBpfLinks(child.pid!); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code, err).toBe(0);
    expect(stdout).toContain("INTERRUPTED");
    expect(existsSync(join(out, "sched.parquet"))).toBe(true);
    const cap = await loadCapture(out);
    expect(cap.meta.interrupted).toBe(true);
    expect(cap.frame("sched").length).toBeGreaterThan(0);
    expect(await settledResources(before)).toEqual(before);
  });
});
