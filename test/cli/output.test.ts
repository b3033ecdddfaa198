// The command line's output folder: a bad --out fails at once with one line and a hint, before anything
// attaches, and leaves nothing behind; --force, --mode; `bpflab recover`.

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { saveCapture } from "../../kernel/capture/capture-files.js";
import { Capture } from "../../kernel/capture/capture.js";
import { liveIt } from "../helpers/live.js";
import { intervalFrame, spillMeta } from "../capture/helpers/spill-frames.js";

const cli = join(__dirname, "../../kernel/cli/main.ts");
const root = mkdtempSync(join(tmpdir(), "bpflab-cli-out-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function bpflab(args: string[]) {
  const t = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", cli, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t };
}

/** "bpflab: message" then "  hint: ...", and no stack trace. */
function oneLineError(err: string): void {
  const lines = err.trimEnd().split("\n");
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^bpflab: /);
  expect(lines[1]).toMatch(/^ {2}hint: /);
}

describe("bpflab capture --out", () => {
  it("-o /proc/sys/nope fails at once, before anything attaches", () => {
    const r = bpflab(["capture", "-c", "sched", "-d", "30s", "-o", "/proc/sys/nope"]);
    expect(r.code).toBe(2);
    oneLineError(r.err);
    expect(r.err).toMatch(/kernel file system/);
    expect(r.err).not.toMatch(/capturing/);
    expect(r.ms).toBeLessThan(20_000); // node + tsx start-up; a 30 s capture never began
  });

  it("a file, a folder of other files, a folder holding a capture without --force: one line each", async () => {
    const file = join(root, "file");
    writeFileSync(file, "x");
    const r1 = bpflab(["capture", "-c", "sched", "-d", "1s", "-o", file]);
    expect(r1.code).toBe(2);
    oneLineError(r1.err);
    const dir = join(root, "held");
    await saveCapture(new Capture(spillMeta(["a"]), { a: intervalFrame("a", 0, 3) }), dir);
    const r2 = bpflab(["capture", "-c", "sched", "-d", "1s", "-o", dir]);
    expect(r2.code).toBe(2);
    oneLineError(r2.err);
    expect(r2.err).toMatch(/--force/);
    const r3 = bpflab(["capture", "-c", "sched", "-d", "1s", "-o", join(root, "m"), "--mode", "777x"]);
    expect(r3.code).toBe(2);
    oneLineError(r3.err);
  });

  it("bad options leave no empty output folder behind", () => {
    const dir = join(root, "never");
    const r = bpflab(["capture", "-c", "nope", "-d", "1s", "-o", dir]);
    expect(r.code).toBe(2);
    expect(existsSync(dir)).toBe(false);
  });

  it("demo --out <file> is one line", () => {
    const file = join(root, "demo-file");
    writeFileSync(file, "x");
    const r = bpflab(["demo", "--out", file]);
    expect(r.code).toBe(2);
    oneLineError(r.err);
    expect(r.err).toMatch(/is a file, not a folder/);
  });

  liveIt(
    "--force replaces a capture, --mode sets the files' mode",
    () => {
      const dir = join(root, "forced");
      expect(bpflab(["capture", "-c", "sched", "-d", "1s", "-o", dir]).code).toBe(0);
      const r = bpflab(["capture", "-c", "syscalls", "-d", "1s", "-o", dir, "--force", "--mode", "640"]);
      expect(r.code).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(["cgroups.parquet", "drops.parquet", "syscalls.parquet"]);
      expect(statSync(join(dir, "syscalls.parquet")).mode & 0o777).toBe(0o640);
    },
    60_000,
  );

  it("show on a capture whose frame file is a FIFO: one line at once, never a hang", async () => {
    const dir = join(root, "fifo");
    await saveCapture(new Capture(spillMeta(["a"]), { a: intervalFrame("a", 0, 3) }), dir);
    rmSync(join(dir, "a.parquet"));
    execFileSync("mkfifo", [join(dir, "a.parquet")]);
    const r = bpflab(["show", dir]);
    expect(r.code).not.toBe(0);
    oneLineError(r.err);
    expect(r.err).toMatch(/not a regular file/);
  });

  it("recover on a finished capture says there is nothing to do", async () => {
    const dir = join(root, "done");
    await saveCapture(new Capture(spillMeta(["a"]), { a: intervalFrame("a", 0, 3) }), dir);
    const r = bpflab(["recover", dir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/nothing to recover/);
  });
});
