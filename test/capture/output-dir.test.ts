// prepareOutput: the output folder is checked before anything attaches (symlinks, files, FIFOs, kernel file
// systems, other files, an earlier capture without --force) and files come out 0600 (or the mode asked for).

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseMode, prepareOutput } from "../../kernel/capture/output-dir.js";
import { loadCapture, saveCapture } from "../../kernel/capture/capture-files.js";
import { Capture } from "../../kernel/capture/capture.js";
import { DatasetError, OptionError } from "../../kernel/errors.js";
import { intervalFrame, spillMeta } from "./helpers/spill-frames.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "bpflab-outdir-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cap = (over = {}) =>
  new Capture(spillMeta(["a", "b"], over), { a: intervalFrame("a", 0, 50), b: intervalFrame("b", 0, 3) });

async function refusal(dir: string, options = {}): Promise<OptionError | DatasetError> {
  const t = Date.now();
  const err = await prepareOutput(dir, options).then(
    (o) => {
      o.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(Date.now() - t).toBeLessThan(5000); // at once, never a hang
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message.split("\n")).toHaveLength(2); // one line, then the hint
  return err as OptionError;
}

describe("prepareOutput refuses, at once and with a hint", () => {
  test("kernel file systems: /proc/sys/nope, /sys, /dev", async () => {
    for (const d of ["/proc/sys/nope", "/sys/kernel/nope", "/dev/nope"]) {
      const err = await refusal(d);
      expect(err).toBeInstanceOf(OptionError);
      expect(err.message).toMatch(/kernel file system/);
    }
  });

  test("a path through a symlink, with the resolved path in the hint", async () => {
    mkdirSync(join(root, "real"));
    symlinkSync(join(root, "real"), join(root, "link"));
    const err = await refusal(join(root, "link", "cap"));
    expect(err.message).toMatch(/goes through the symlink .*link/);
    expect(err.hint).toContain(join(root, "real", "cap"));
    symlinkSync(join(root, "real"), join(root, "link2"));
    expect((await refusal(join(root, "link2"))).hint).toContain(join(root, "real"));
  });

  test("a file, a FIFO, a file on the way", async () => {
    writeFileSync(join(root, "file"), "x");
    execFileSync("mkfifo", [join(root, "fifo")]);
    expect((await refusal(join(root, "file"))).message).toMatch(/is a file, not a folder/);
    expect((await refusal(join(root, "fifo"))).message).toMatch(/is a FIFO, not a folder/);
    expect((await refusal(join(root, "file", "cap"))).message).toMatch(/is a file, not a folder/);
  });

  test("a folder holding other files, a folder others may write", async () => {
    const other = join(root, "other");
    mkdirSync(other);
    writeFileSync(join(other, "notes.txt"), "mine");
    const err = await refusal(other, { force: true });
    expect(err.message).toMatch(/not a bpflab capture \(notes\.txt\)/);
    const open = join(root, "open");
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect((await refusal(open)).message).toMatch(/writable by other users \(mode 777\)/);
  });

  test("a folder holding a capture: refused without force, replaced with it", async () => {
    const dir = join(root, "again");
    await saveCapture(cap(), dir);
    await saveCapture(
      new Capture(spillMeta(["a", "b", "c"]), { a: cap().frame("a"), b: cap().frame("b"), c: cap().frame("a") }),
      join(root, "three"),
    );
    const err = await refusal(dir);
    expect(err.message).toMatch(/already holds a capture/);
    expect(err.hint).toMatch(/--force/);
    // Replacing a three-collector capture with a one-collector one leaves no file of the old one.
    const one = new Capture(spillMeta(["only"]), { only: intervalFrame("only", 0, 7) });
    await saveCapture(one, join(root, "three"), { force: true });
    expect(readdirSync(join(root, "three")).sort()).toEqual(["only.parquet"]);
    expect((await loadCapture(join(root, "three"))).frame("only").length).toBe(7);
  });

  test("bad modes", () => {
    expect(() => parseMode("abc")).toThrow(OptionError);
    expect(() => parseMode("0400")).toThrow(/owner can read and write/);
    expect(parseMode("640")).toBe(0o640);
    expect(parseMode("0o600")).toBe(0o600);
  });
});

describe("what is written", () => {
  test("files 0600 in a folder 0700 by default, whatever the umask", async () => {
    const old = process.umask(0);
    try {
      const dir = join(root, "modes", "nested");
      const paths = await saveCapture(cap(), dir);
      for (const p of paths) expect(statSync(p).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(readdirSync(dir).sort()).toEqual(["a.parquet", "b.parquet"]);
    } finally {
      process.umask(old);
    }
  });

  test("the mode asked for: 0640 files, 0750 folder", async () => {
    const dir = join(root, "mode640");
    const paths = await saveCapture(cap(), dir, { mode: 0o640 });
    for (const p of paths) expect(statSync(p).mode & 0o777).toBe(0o640);
    expect(statSync(dir).mode & 0o777).toBe(0o750);
  });

  test("a FIFO named sched.parquet does not hang loadCapture", async () => {
    const dir = join(root, "fifo-cap");
    await saveCapture(cap(), dir);
    execFileSync("mkfifo", [join(dir, "sched.parquet")]);
    const t = Date.now();
    const err = await loadCapture(dir).catch((e) => e);
    expect(Date.now() - t).toBeLessThan(5000);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/not a regular file/);
  });
});
