// SegmentWriter, driven without BPF: segments on disk as the capture goes, merged at the end; a process killed
// mid-capture keeps what it wrote, loadCapture reads it cut off and recoverCapture finishes it; a full disk stops
// the capture with a clear error and keeps every segment written.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareOutput } from "../../kernel/capture/output-dir.js";
import { SegmentWriter } from "../../kernel/capture/segment-writer.js";
import { loadCapture } from "../../kernel/capture/load-capture.js";
import { recoverCapture } from "../../kernel/capture/recover.js";
import { DatasetError } from "../../kernel/errors.js";
import { intervalFrame, spillMeta, SPILL_SCHEMA } from "./helpers/spill-frames.js";
import { rootIt } from "./helpers/root.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "bpflab-spill-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const frames = [
  { name: "a", schema: SPILL_SCHEMA },
  { name: "b", schema: SPILL_SCHEMA },
];

/** The private folder of a capture folder, and its entries. */
function privateFolder(dir: string): { name: string; files: string[] } | undefined {
  const name = readdirSync(dir).find((f) => f.startsWith(".bpflab-"));
  return name ? { name, files: readdirSync(join(dir, name)).sort() } : undefined;
}

function expectSeq(values: unknown[], n: number): void {
  expect(values.length).toBe(n);
  for (let i = 0; i < n; i++) if (values[i] !== i) expect(values[i]).toBe(i);
}

describe("SegmentWriter", () => {
  test("a write queue longer than maxQueuedRows makes ready() wait until the disk catches up, then lets go", async () => {
    const dir = join(root, "backpressure");
    const out = await prepareOutput(dir);
    const sink = new SegmentWriter(out, { segmentMs: 1e9, segmentRows: 1000, maxQueuedRows: 2000 });
    sink.begin(spillMeta(["a", "b"]), frames);
    expect(sink.ready()).toBeUndefined(); // nothing queued
    for (let i = 0; i < 4; i++) sink.append("a", intervalFrame("a", i * 1000, 1000)); // 4 segments cut at once
    expect(sink.queued).toBe(4000);
    const wait = sink.ready();
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(sink.queued).toBeLessThanOrEqual(2000); // let go as soon as the queue is short again, not when empty
    expect(sink.ready()).toBeUndefined();
    await sink.settled();
    expect(sink.queued).toBe(0);
    await sink.finish(spillMeta(["a", "b"]));
    out.close();
    expectSeq((await loadCapture(dir)).frame("a").values("seq"), 4000);
  });

  test("segments appear while capturing; finish merges them into one file per frame, in order", async () => {
    const dir = join(root, "basic");
    const out = await prepareOutput(dir);
    const sink = new SegmentWriter(out, { segmentMs: 1e9, segmentRows: 1000, compactEvery: 4 });
    const meta = spillMeta(["a", "b"]);
    sink.begin(meta, frames);
    for (let i = 0; i < 30; i++) sink.append("a", intervalFrame("a", i * 500, 500));
    await sink.settled();
    // 15 segments of 1000 rows: 12 compacted into 3 ranges of 4, 3 single ones left.
    const mid = privateFolder(dir)!;
    const segs = mid.files.filter((f) => f.startsWith("a."));
    expect(segs).toEqual([
      "a.000001-000004.parquet",
      "a.000005-000008.parquet",
      "a.000009-000012.parquet",
      "a.000013.parquet",
      "a.000014.parquet",
      "a.000015.parquet",
    ]);
    for (const f of mid.files) expect(statSync(join(dir, mid.name, f)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, mid.name)).mode & 0o777).toBe(0o700);
    const paths = await sink.finish({ ...meta, elapsedMs: 3000 });
    out.close();
    expect(paths).toEqual([join(dir, "a.parquet"), join(dir, "b.parquet")]);
    expect(privateFolder(dir)).toBeUndefined();
    expect(readdirSync(dir).sort()).toEqual(["a.parquet", "b.parquet"]);
    for (const p of paths) expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const cap = await loadCapture(dir);
    expect(cap.meta.elapsedMs).toBe(3000);
    expect(cap.meta.complete).toBeUndefined();
    expectSeq(cap.frame("a").values("seq"), 15_000);
    const whole = intervalFrame("a", 0, 15_000);
    for (const c of ["comm", "ts", "ts_ns", "value", "pid"]) expect(cap.frame("a").values(c)).toEqual(whole.values(c));
    expect(cap.frame("b").length).toBe(0);
    expect(cap.frame("b").columnNames).toEqual(SPILL_SCHEMA.map((s) => s.name));
  });

  test("memory holds only the pending rows: appended frames are released once written", async () => {
    const dir = join(root, "release");
    const out = await prepareOutput(dir);
    const sink = new SegmentWriter(out, { segmentMs: 1e9, segmentRows: 100 });
    sink.begin(spillMeta(["a", "b"]), frames);
    const refs: WeakRef<object>[] = [];
    // A function of its own, so no stale register of this suspended async test holds the last frame.
    const feed = (i: number) => {
      const f = intervalFrame("a", i * 100, 100);
      refs.push(new WeakRef(f));
      sink.append("a", f);
    };
    for (let i = 0; i < 20; i++) feed(i);
    await sink.settled();
    expect(sink.pendingRows).toBe(0);
    expect(sink.segments).toBe(20);
    const gc = (globalThis as { gc?: () => void }).gc;
    // With --expose-gc (NODE_OPTIONS), the frames themselves are seen to be collected.
    if (gc) {
      gc();
      expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
    }
    await sink.finish(spillMeta(["a", "b"]));
    out.close();
  });

  test("SIGKILL mid-capture: what was written reads back cut off, and recover finishes it", async () => {
    const dir = join(root, "killed");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(__dirname, "helpers", "spill-child.ts"), dir, "50", "1000"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let appended = 0;
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.stdout.on("data", (d: Buffer) => {
      for (const m of String(d).matchAll(/appended (\d+) segments (\d+)/g)) appended = Number(m[1]);
    });
    const t0 = Date.now();
    while (appended < 20_000 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    const handedOver = appended;
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    expect(stderr).toBe("");
    expect(handedOver).toBeGreaterThanOrEqual(20_000);

    const cut = await loadCapture(dir);
    expect(cut.meta.complete).toBe(false);
    expect(cut.meta.interrupted).toBe(true);
    expect(cut.meta.missing!.join(" ")).toMatch(/rows after its last segment/);
    expect(cut.meta.missing!.join(" ")).toMatch(/bpflab recover/);
    // Segments are cut every 200 ms: at most the rows appended since the last cut are missing.
    const rows = cut.frame("a").length;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThanOrEqual(handedOver + 1000);
    expect(rows).toBeGreaterThanOrEqual(handedOver - 6 * 1000);
    expectSeq(cut.frame("a").values("seq"), rows);
    expect(cut.meta.elapsedMs).toBeGreaterThan(0);

    const r = await recoverCapture(dir);
    expect(r.paths).toEqual([join(dir, "a.parquet"), join(dir, "b.parquet")]);
    expect(r.segments).toBeGreaterThan(0);
    expect(privateFolder(dir)).toBeUndefined();
    const back = await loadCapture(dir);
    expect(back.meta.complete).toBeUndefined();
    expect(back.meta.recovered?.reason).toMatch(/stopped before the end/);
    expect(back.meta.missing).toContain("the rows after its last segment");
    expectSeq(back.frame("a").values("seq"), rows);
    // A finished capture needs no recovery.
    expect((await recoverCapture(dir)).paths).toEqual([]);
  }, 60_000);

  test("a capture in progress is not recovered under its writer's feet", async () => {
    const dir = join(root, "running");
    const out = await prepareOutput(dir);
    const sink = new SegmentWriter(out, { segmentMs: 0 });
    sink.begin(spillMeta(["a", "b"]), frames);
    sink.append("a", intervalFrame("a", 0, 10));
    await sink.settled();
    const cut = await loadCapture(dir);
    expect(cut.meta.missing!.join(" ")).toMatch(new RegExp(`still being written by pid ${process.pid}`));
    expect(cut.frame("a").length).toBe(10);
    const err = await recoverCapture(dir).catch((e) => e);
    expect(err.message).toMatch(/still being written/);
    await sink.finish(spillMeta(["a", "b"]));
    out.close();
  });

  rootIt(
    "disk full: refused up front when the first segment cannot fit, else a clear error and every segment kept",
    async () => {
      const mnt = join(root, "tmpfs");
      mkdirSync(mnt);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", mnt]);
      try {
        const early = await prepareOutput(join(mnt, "cap")).catch((e) => e);
        expect(early).toBeInstanceOf(DatasetError);
        expect(early.message).toMatch(/MiB free/);
        expect(early.hint).toMatch(/free some space/);

        const dir = join(mnt, "cap2");
        const out = await prepareOutput(dir, { minFreeBytes: 1 << 20 });
        const sink = new SegmentWriter(out, { segmentMs: 1e9, segmentRows: 50_000 });
        const meta = spillMeta(["a", "b"]);
        sink.begin(meta, frames);
        let failure: unknown;
        let appended = 0;
        for (let i = 0; i < 400 && !failure; i++) {
          try {
            sink.append("a", intervalFrame("a", appended, 50_000, true)); // random values: ~0.5 MB per segment
            appended += 50_000;
            await sink.settled();
          } catch (e) {
            failure = e;
          }
        }
        expect(failure).toBeInstanceOf(DatasetError);
        const err = failure as DatasetError;
        expect(err.message.split("\n")[0]).toMatch(/capture stopped: cannot write .*(No space left|disk is full)/i);
        expect(err.hint).toMatch(/disk is full/);
        expect(err.hint).toMatch(/segment\(s\) written so far are kept/);
        await sink.abort({ ...meta, interrupted: true });
        out.close();
        // Every segment written before the disk filled reads back.
        const cut = await loadCapture(dir);
        expect(cut.meta.complete).toBe(false);
        expect(cut.frame("a").length).toBe(sink.segments * 50_000);
        expect(sink.segments).toBeGreaterThan(3);
        expectSeq(cut.frame("a").values("seq"), sink.segments * 50_000);
        expect(privateFolder(dir)!.files.some((f) => f.endsWith(".part"))).toBe(false);
      } finally {
        execFileSync("umount", [mnt]);
      }
    },
    60_000,
  );
});

describe("a capture killed while it writes its final files", () => {
  test("some files moved in, others merged in the private folder, segments still there: recover finishes it", async () => {
    const dir = join(root, "mid-save");
    const out = await prepareOutput(dir);
    const sink = new SegmentWriter(out, { segmentMs: 1e9, segmentRows: 100 });
    const meta = spillMeta(["a", "b"]);
    sink.begin(meta, frames);
    for (let i = 0; i < 10; i++) {
      sink.append("a", intervalFrame("a", i * 100, 100));
      sink.append("b", intervalFrame("b", i * 50, 50));
    }
    // The process "dies" after moving a.parquet in: publish fails from the second file on.
    const proto = Object.getPrototypeOf((sink as unknown as { dir: object }).dir ?? {}) as {
      publish: (...a: unknown[]) => void;
    };
    const publish = proto.publish;
    let moved = 0;
    proto.publish = function (this: unknown, ...a: unknown[]) {
      if (String(a[0]).endsWith(".parquet") && moved++ >= 1) throw new Error("killed");
      return publish.apply(this, a);
    };
    try {
      await expect(sink.finish({ ...meta, elapsedMs: 2000 })).rejects.toThrow(/killed/);
    } finally {
      proto.publish = publish;
    }
    out.close();
    const priv = privateFolder(dir)!;
    expect(readdirSync(dir).filter((f) => !f.startsWith("."))).toEqual(["a.parquet"]);
    expect(priv.files).toContain("b.parquet");
    // Its writer is gone: an owner record of a process that no longer runs.
    writeFileSync(join(dir, priv.name, "owner.json"), JSON.stringify({ pid: process.pid, start: "0" }));
    const cut = await loadCapture(dir);
    expect(cut.meta.complete).toBe(false);
    expectSeq(cut.frame("a").values("seq"), 1000);
    expectSeq(cut.frame("b").values("seq"), 500);
    const r = await recoverCapture(dir);
    expect(r.paths.length).toBe(2);
    const back = await loadCapture(dir);
    expect(back.meta.recovered?.reason).toMatch(/final files were being written/);
    expect(back.meta.elapsedMs).toBe(2000); // the end record was written before the save began
    expectSeq(back.frame("a").values("seq"), 1000);
    expectSeq(back.frame("b").values("seq"), 500);
  });

  rootIt("a read-only file system is refused before anything attaches", async () => {
    const mnt = join(root, "ro");
    mkdirSync(mnt);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64m,ro", "tmpfs", mnt]);
    try {
      const err = await prepareOutput(join(mnt, "cap")).catch((e) => e);
      expect(err.message).toMatch(/cannot create the output folder .*read-only|read-only file system/i);
    } finally {
      execFileSync("umount", [mnt]);
    }
  });
});

describe("leftovers of killed saves", () => {
  test("an old bpflab's temp files: the hint says the save was killed, not to copy files back", async () => {
    const dir = join(root, "oldtemp");
    const out = await prepareOutput(dir);
    const sink = new SegmentWriter(out);
    sink.begin(spillMeta(["a", "b"]), frames);
    sink.append("a", intervalFrame("a", 0, 10));
    await sink.finish(spillMeta(["a", "b"]));
    out.close();
    rmSync(join(dir, "b.parquet"));
    execFileSync("cp", [join(dir, "a.parquet"), join(dir, "b.parquet.tmp-1234-1764150000000")]);
    const err = await loadCapture(dir).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/killed before it finished/);
    expect(err.hint).not.toMatch(/copy the missing files back/);
    expect(err.hint).toMatch(/remove the leftovers/);
    const r = await recoverCapture(dir);
    expect(r.removed).toEqual(["b.parquet.tmp-1234-1764150000000"]);
    expect(existsSync(join(dir, "b.parquet.tmp-1234-1764150000000"))).toBe(false);
  });
});
