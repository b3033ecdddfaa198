// saveCapture / loadCapture / Capture.toParquet: one Parquet file per collector with the metadata in each.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Capture, CaptureMeta, SCHEMA_VERSION } from "../../kernel/capture/capture.js";
import { loadCapture, META_KEY, saveCapture } from "../../kernel/capture/capture-files.js";
import { Frame } from "../../kernel/frame/frame.js";
import { readParquet, writeParquet } from "../../kernel/frame/parquet.js";
import { DatasetError, OptionError } from "../../kernel/errors.js";
import { allTypesFrame, firstDifference } from "../frame/sample-frames.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "bpflab-capture-files-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function meta(over: Partial<CaptureMeta> = {}): CaptureMeta {
  return {
    bpflabVersion: "0.1.0",
    schemaVersion: SCHEMA_VERSION,
    host: "testhost",
    kernel: "6.1.0-test",
    wallStartUs: 1_764_150_000_123_456,
    monoStartNs: "123456789012345678",
    durationMs: 10_000,
    elapsedMs: 9_876,
    intervalMs: 1000,
    collectors: ["sched", "syscalls", "process"],
    options: { sched: {}, syscalls: { failedOnly: false }, process: {} },
    lost: { sched: 0, syscalls: 0, process: 3 },
    interrupted: false,
    pid: 4242,
    command: ["sleep", "1"],
    commandExitCode: 0,
    ...over,
  };
}

function sampleCapture(m = meta()): Capture {
  const syscalls = new Frame(
    "syscalls",
    [
      { name: "pid", type: "u32" },
      { name: "syscall", type: "str" },
      { name: "count", type: "i64", unit: "count" },
    ],
    {
      pid: Uint32Array.from([1, 1, 2]),
      syscall: { codes: Uint32Array.from([0, 1, 0]), dict: ["read", "getppid"] },
      count: Float64Array.from([10, 100_000, 7]),
    },
  );
  const process = new Frame(
    "process",
    [
      { name: "event", type: "str" },
      { name: "pid", type: "u32" },
    ],
    { event: { codes: new Uint32Array(0), dict: [] }, pid: new Uint32Array(0) },
  );
  return new Capture(m, { sched: allTypesFrame(1000, "sched"), syscalls, process });
}

async function kvOf(path: string): Promise<Record<string, string>> {
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  try {
    const rows = (
      await con.runAndReadAll(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${path}')`)
    ).getRowObjectsJS();
    return Object.fromEntries(rows.map((r) => [String(r.k), String(r.v)]));
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

describe("save and load", () => {
  test("round trip: frames, names, metadata; an empty frame included", async () => {
    const cap = sampleCapture();
    const dir = join(root, "a", "nested");
    const paths = await saveCapture(cap, dir);
    expect(paths).toEqual(["sched", "syscalls", "process"].map((c) => join(dir, `${c}.parquet`)));
    const back = await loadCapture(dir);
    expect(back.meta).toEqual(cap.meta);
    expect(back.collectors).toEqual(cap.collectors);
    for (const c of cap.collectors) {
      expect(back.frame(c).name).toBe(c);
      expect(firstDifference(cap.frame(c), back.frame(c))).toBeUndefined();
    }
    expect(back.frame("process").length).toBe(0);
  });

  test("each file carries the whole meta and plain keys other tools can read", async () => {
    const dir = join(root, "kv");
    await sampleCapture().toParquet(dir);
    const kv = await kvOf(join(dir, "process.parquet"));
    expect(JSON.parse(kv[META_KEY]!)).toEqual(meta());
    expect(kv).toMatchObject({
      "bpflab.version": "0.1.0",
      "bpflab.schema_version": String(SCHEMA_VERSION),
      "bpflab.collector": "process",
      host: "testhost",
      kernel: "6.1.0-test",
      wall_start: "2025-11-26T09:40:00.123Z",
      mono_start_ns: "123456789012345678",
      duration_ms: "10000",
      interval_ms: "1000",
      lost_events: "3",
      collectors: "sched,syscalls,process",
      interrupted: "false",
      pid: "4242",
      command: '["sleep","1"]',
    });
    // A single file still reads as a frame on its own.
    const { frame } = await readParquet(join(dir, "syscalls.parquet"));
    expect(frame.strings("syscall")).toEqual(["read", "getppid", "read"]);
  });

  test("toDanfo / toArquero by collector", () => {
    const cap = sampleCapture();
    expect(cap.toArquero("syscalls").numRows()).toBe(3);
    expect(cap.toDanfo("syscalls").shape).toEqual([3, 3]);
    expect(() => cap.toArquero("nope")).toThrow(OptionError);
  });
});

describe("directories that are not one whole capture", () => {
  test("missing directory, a file instead of a directory, an empty directory", async () => {
    const missing = await loadCapture(join(root, "nope")).catch((e) => e);
    expect(missing).toBeInstanceOf(DatasetError);
    expect(missing.hint).toMatch(/toParquet/);
    const file = join(root, "file.txt");
    writeFileSync(file, "x");
    expect(await loadCapture(file).catch((e) => e)).toBeInstanceOf(DatasetError);
    const empty = join(root, "empty");
    mkdirSync(empty);
    const err = await loadCapture(empty).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/no capture/);
  });

  test("only foreign Parquet files", async () => {
    const dir = join(root, "foreign");
    mkdirSync(dir);
    const db = await DuckDBInstance.create(":memory:");
    const con = await db.connect();
    await con.run(`COPY (SELECT 1 AS a) TO '${join(dir, "labels.parquet")}' (FORMAT PARQUET)`);
    con.closeSync();
    db.closeSync();
    const err = await loadCapture(dir).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.hint).toMatch(/foreign: true/);
  });

  test("files of two captures in one directory", async () => {
    const a = join(root, "mix-a");
    const b = join(root, "mix-b");
    await saveCapture(sampleCapture(), a);
    const other = new Capture(meta({ wallStartUs: 1_764_150_999_000_000, collectors: ["other"] }), {
      other: allTypesFrame(3, "other"),
    });
    await saveCapture(other, b);
    copyFileSync(join(b, "other.parquet"), join(a, "other.parquet"));
    const err = await loadCapture(a).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/mixes captures/);
    // Saving another capture over a directory that holds one is refused before anything is written.
    const refused = await saveCapture(other, join(root, "a", "nested")).catch((e) => e);
    expect(refused).toBeInstanceOf(OptionError);
  });

  test("a collector's file missing", async () => {
    const dir = join(root, "incomplete");
    await saveCapture(sampleCapture(), dir);
    rmSync(join(dir, "syscalls.parquet"));
    const err = await loadCapture(dir).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/syscalls\.parquet/);
  });

  test("a newer schema version", async () => {
    const dir = join(root, "future");
    await saveCapture(sampleCapture(meta({ schemaVersion: SCHEMA_VERSION + 1, bpflabVersion: "9.0.0" })), dir);
    const err = await loadCapture(dir).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/bpflab 9\.0\.0/);
    expect(err.hint).toMatch(/upgrade/);
  });

  test("a corrupt file in the capture names the file", async () => {
    const dir = join(root, "corrupt");
    await saveCapture(sampleCapture(), dir);
    writeFileSync(join(dir, "sched.parquet"), "PAR1 not really");
    const err = await loadCapture(dir).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toContain(join(dir, "sched.parquet"));
  });

  test("a frame written with writeParquet alone is not a capture", async () => {
    const dir = join(root, "lone");
    mkdirSync(dir);
    await writeParquet(allTypesFrame(3), join(dir, "x.parquet"));
    const err = await loadCapture(dir).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/no bpflab capture/);
  });
});

describe("captures of older schema versions", () => {
  test("datasets/redis-injected (schema 1) reads as schema 2: exe, process, NULL where an event has no value", async () => {
    const cap = await loadCapture(join(__dirname, "../../datasets/redis-injected"));
    expect(cap.meta.schemaVersion).toBe(SCHEMA_VERSION);
    const p = cap.frame("process");
    expect(p.has("filename")).toBe(false);
    expect(p.spec("exe").type).toBe("str");
    for (const c of cap.collectors) {
      const names = cap.frame(c).columnNames;
      expect(names.indexOf("process"), c).toBe(names.indexOf("comm") + 1);
    }
    const ev = p.strings("event");
    for (let i = 0; i < p.length; i++) {
      expect(p.isNull("exit_code", i)).toBe(ev[i] !== "exit");
      expect(p.isNull("exe", i)).toBe(ev[i] !== "exec");
    }
    // process is the comm of the pid's leader thread in the same interval wherever the capture saw it.
    const s = cap.frame("sched");
    const leader = new Map<string, string>();
    const pid = s.numeric("pid");
    const tid = s.numeric("tid");
    const ts = s.numeric("ts");
    const comm = s.strings("comm");
    for (let i = 0; i < s.length; i++) if (pid[i] === tid[i]) leader.set(`${pid[i]}:${ts[i]}`, comm[i]!);
    const proc = s.strings("process");
    let threads = 0;
    for (let i = 0; i < s.length; i++) {
      const l = leader.get(`${pid[i]}:${ts[i]}`);
      if (pid[i] !== tid[i] && l !== undefined) {
        threads++;
        expect(proc[i]).toBe(l);
      }
    }
    expect(threads).toBeGreaterThan(0);
  });
});
