// Collectors written in a cell: compiled at run time, their maps decoded from BTF into frames, exact against a
// child that makes a known number of failing openat calls; compile errors and verifier rejections come back
// with the line and the log, and leave nothing loaded.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { capture } from "../../kernel/capture/engine.js";
import { bpf } from "../../kernel/cell/cell.js";
import { compileCell } from "../../kernel/cell/cell-compile.js";
import { BpfCompileError, CellVerifierError, verifierLine } from "../../kernel/cell/cell-errors.js";
import type { Frame } from "../../kernel/frame/frame.js";
import { liveIt, resources } from "../helpers/live.js";
import { stacksTargetPath } from "../helpers/stacks-target.js";
import { bpflab } from "../cli/run-cli.js";

/** Failing openat calls per process (hash, drained), one record each (ring), and in total (per-CPU array). */
const FAILS = `
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} fails SEC(".maps");

struct fail_event {
	u64 ts_ns;
	u32 pid;
	s32 ret;
	char comm[16];
};
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");
BPFLAB_RECORD(events, struct fail_event);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} total SEC(".maps");

SEC("tp_btf/sys_exit")
int BPF_PROG(on_exit, struct pt_regs *regs, long ret)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32, zero = 0;
	u64 one = 1, *n;
	struct fail_event *e;

	if (regs->orig_ax != 257 /* openat */ || ret >= 0 || !tgid_wanted(pid))
		return 0;
	n = bpf_map_lookup_elem(&fails, &pid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&fails, &pid, &one, BPF_NOEXIST);
	n = bpf_map_lookup_elem(&total, &zero);
	if (n)
		*n += 1;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid;
	e->ret = ret;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
`;

function sum(f: Frame, col: string, where: (i: number) => boolean = () => true): number {
  const v = f.numeric(col);
  let s = 0;
  for (let i = 0; i < f.length; i++) if (where(i)) s += v[i]!;
  return s;
}

const progNames = () =>
  (JSON.parse(execFileSync("bpftool", ["prog", "list", "-j"], { encoding: "utf8" }) || "[]") as { name?: string }[])
    .map((p) => p.name ?? "")
    .filter(Boolean);

describe("collectors from a cell", () => {
  liveIt("counts exactly the 1,000 failing openat calls of a child, in each kind of map", async () => {
    const fails = await bpf({ name: "fails", source: FAILS, drain: ["fails"] });
    expect(fails.frames.map((f) => [f.name, f.schema.map((c) => c.name)])).toEqual([
      ["fails", ["ts", "t_s", "key", "value"]],
      ["events", ["ts", "t_s", "ts_ns", "pid", "ret", "comm"]],
      ["total", ["ts", "t_s", "key", "value"]],
    ]);
    const before = resources();
    const cap = await capture({
      collectors: [fails, "sched"],
      duration: "20s",
      interval: "100ms",
      command: [stacksTargetPath(), "openat", "1000"],
    });
    const pid = cap.meta.pid!;
    const f = cap.frame("fails");
    // drained: each interval's rows hold that interval's calls; they add up to exactly 1,000
    const keys = f.numeric("key");
    expect(sum(f, "value", (i) => keys[i] === pid)).toBe(1000);
    const ev = cap.frame("events");
    expect(ev.length).toBe(1000);
    expect(new Set(ev.numeric("pid"))).toEqual(new Set([pid]));
    expect(new Set(ev.numeric("ret"))).toEqual(new Set([-2])); // ENOENT
    expect(new Set(ev.strings("comm"))).toEqual(new Set(["stacks"]));
    // a record's own ts_ns is its time
    const t = ev.numeric("t_s");
    expect(Math.min(...t)).toBeGreaterThanOrEqual(0);
    // the per-CPU array, summed over CPUs and snapshotted: its last row holds the total
    const tot = cap.frame("total");
    expect(tot.numeric("value")[tot.length - 1]).toBe(1000);
    const after = resources();
    expect(after.bpfFds).toEqual(before.bpfFds);
    expect(after.fdCount).toBe(before.fdCount);
    // the frames save and load like any other
    const dir = join(mkdtempSync(join(tmpdir(), "bpflab-cell-")), "cap");
    await cap.toParquet(dir);
    const back = await loadCapture(dir);
    expect(sum(back.frame("fails"), "value", (i) => back.frame("fails").numeric("key")[i] === pid)).toBe(1000);
    expect(back.frame("events").length).toBe(1000);
  });

  it("compiles once per source: a second bpf() of the same source uses the private cache", async () => {
    const a = await compileCell("cached_cell", FAILS);
    const b = await compileCell("cached_cell", FAILS);
    expect(b.cached).toBe(true);
    expect(b.path).toBe(a.path);
    expect(statSync(dirname(b.path)).mode & 0o777).toBe(0o700);
    expect(statSync(b.path).mode & 0o077).toBe(0);
    const c = await compileCell("cached_cell", FAILS + "\n// changed\n");
    expect(c.path).not.toBe(a.path);
  });

  it("a syntax error comes back with its line and clang's message", async () => {
    const src = FAILS.replace("u64 one = 1, *n;", "u64 one = 1 +, *n;");
    const line = src.split("\n").findIndex((l) => l.includes("u64 one = 1 +")) + 1;
    const err = (await bpf({ name: "syntax", source: src }).catch((e: unknown) => e)) as BpfCompileError;
    expect(err).toBeInstanceOf(BpfCompileError);
    expect(err.line).toBe(line);
    expect(err.diagnostics[0]!.message).toMatch(/expected expression/);
    expect(err.message).toContain(`> ${line} |`); // the line, marked, in the message itself
    const html = err.toMimeBundle()["text/html"]!;
    expect(html).toContain("u64 one = 1 +, *n;");
    expect(html).toMatch(/background:rgba\(231,76,60/); // highlighted
  });

  liveIt("a verifier rejection comes back with its line and log, and leaves nothing loaded", async () => {
    // the hash lookup's NULL check removed: the verifier refuses the dereference
    const src = FAILS.replace(
      "\tif (n)\n\t\t__sync_fetch_and_add(n, 1);\n\telse\n\t\tbpf_map_update_elem(&fails, &pid, &one, BPF_NOEXIST);",
      "\t__sync_fetch_and_add(n, 1);",
    ).replace("on_exit", "cell_rejected");
    expect(src).not.toBe(FAILS);
    const line = src.split("\n").findIndex((l) => l === "\t__sync_fetch_and_add(n, 1);") + 1;
    const before = resources();
    const err = (await bpf({ name: "rejected", source: src }).catch((e: unknown) => e)) as CellVerifierError;
    expect(err).toBeInstanceOf(CellVerifierError);
    expect(err.line).toBe(line);
    expect(err.log).toMatch(/invalid mem access 'map_value_or_null'/);
    expect(verifierLine(err.log, "rejected.bpf.c")).toBe(line);
    expect(err.message).toContain(`> ${line} |`);
    const after = resources();
    expect(after.bpfFds).toEqual(before.bpfFds);
    expect(after.fdCount).toBe(before.fdCount);
    expect(progNames().filter((n) => n.startsWith("cell_rejected"))).toEqual([]);
  });

  liveIt("bpflab capture --bpf FILE runs a cell file beside the built-in collectors and saves its frames", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bpflab-cell-cli-"));
    const file = join(dir, "fails.bpf.c");
    writeFileSync(file, FAILS);
    const out = join(dir, "cap");
    const r = bpflab(
      [
        "capture",
        "--bpf",
        file,
        "-c",
        "sched",
        "-d",
        "20s",
        "-o",
        out,
        "--json",
        "--",
        stacksTargetPath(),
        "openat",
        "1000",
      ],
      { timeout: 120_000 },
    );
    expect(r.code, r.err).toBe(0);
    const cap = await loadCapture(out);
    const pid = cap.meta.pid!;
    const f = cap.frame("fails");
    // snapshotted (not drained): the last row of the child holds its running total
    const rows = f.rows().filter((x) => x.key === pid);
    expect(rows[rows.length - 1]!.value).toBe(1000);
    expect(cap.frame("events").length).toBe(1000);
    expect(JSON.parse(r.out).files.length).toBeGreaterThan(0);
    // a file that does not compile: the line, exit 1, nothing captured
    writeFileSync(file, FAILS.replace("return 0;", "return 0"));
    const bad = bpflab(["capture", "--bpf", file, "-d", "1s"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/cell fails: compile error at line \d+/);
    expect(readFileSync(file, "utf8")).toContain("return 0\n");
  });
});
