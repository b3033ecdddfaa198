// Parquet round trips through writeParquet/readParquet, checked against DuckDB reading the same files.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Frame } from "../../kernel/frame/frame.js";
import { readParquet, SCHEMA_KEY, FRAME_KEY, writeParquet } from "../../kernel/frame/parquet.js";
import { DatasetError, OptionError } from "../../kernel/errors.js";
import { allTypesFrame, ALL_TYPES_SCHEMA, AWKWARD, firstDifference } from "./sample-frames.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bpflab-parquet-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of a query run by a separate DuckDB, as JS values. */
async function sql(query: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  try {
    return (await con.runAndReadAll(query)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

describe("round trip", () => {
  test("every column type, unicode strings, u64 above 2^53, extremes of u32/i32/i64", async () => {
    const frame = allTypesFrame(5000);
    const path = join(dir, "all.parquet");
    await writeParquet(frame, path, { note: "héllo 'quoted'" });
    const { frame: back, kv } = await readParquet(path);
    expect(firstDifference(frame, back)).toBeUndefined();
    expect(back.name).toBe("sample");
    expect(back.schema).toEqual(ALL_TYPES_SCHEMA);
    expect(kv.note).toBe("héllo 'quoted'");
    expect((back.column("ts_ns") as BigUint64Array)[6]).toBe(2n ** 63n + 2n ** 53n + 6n * 1_000_000_007n);
    expect(new Set(back.strings("comm"))).toEqual(new Set(AWKWARD));
  });

  test("empty frames keep their schema", async () => {
    const empty = allTypesFrame(0, "nothing");
    const path = join(dir, "empty.parquet");
    await writeParquet(empty, path, {});
    const { frame } = await readParquet(path);
    expect(frame.length).toBe(0);
    expect(frame.name).toBe("nothing");
    expect(frame.schema).toEqual(ALL_TYPES_SCHEMA);
    const types = await sql(`SELECT name, type FROM parquet_schema('${path}') WHERE name <> 'duckdb_schema'`);
    expect(types.map((t) => t.type)).toEqual([
      "INT64",
      "DOUBLE",
      "INT32",
      "INT32",
      "INT64",
      "INT64",
      "BOOLEAN",
      "BYTE_ARRAY",
    ]);
  });

  test("a dictionary with repeated and unused entries, and NaN in i64/timestamp (stored as NULL)", async () => {
    const codes = Uint32Array.from([0, 1, 2, 0, 2]);
    const frame = new Frame(
      "odd",
      [
        { name: "s", type: "str" },
        { name: "n", type: "i64" },
        { name: "t", type: "timestamp" },
        { name: "f", type: "f64" },
      ],
      {
        s: { codes, dict: ["a", "b", "a", "unused"] },
        n: Float64Array.from([1, NaN, 3, 4, NaN]),
        t: Float64Array.from([0, 1, NaN, -1_000_000, 2]),
        f: Float64Array.from([NaN, Infinity, -Infinity, -0, 1e-300]),
      },
    );
    const path = join(dir, "odd.parquet");
    await writeParquet(frame, path);
    const { frame: back } = await readParquet(path);
    expect(back.strings("s")).toEqual(["a", "b", "a", "a", "a"]);
    // NaN is written as NULL and reads back as NULL (null in values(), NaN in numeric(), 0 in the mask).
    expect(back.values("n")).toEqual([1, null, 3, 4, null]);
    expect(Array.from(back.numeric("n"))).toEqual([1, NaN, 3, 4, NaN]);
    expect(Array.from(back.validity("n")!)).toEqual([1, 0, 1, 1, 0]);
    expect(back.values("t")).toEqual([0, 1, null, -1_000_000, 2]);
    expect(back.values("f")).toEqual([NaN, Infinity, -Infinity, -0, 1e-300]);
    const nulls = await sql(`SELECT count(*) - count(n) AS n_null, count(*) - count(t) AS t_null FROM '${path}'`);
    expect(nulls[0]).toEqual({ n_null: 2n, t_null: 1n });
  });

  test("string columns with many distinct values (the text path), with and without NUL characters", async () => {
    const n = 40_000;
    const dict = Array.from({ length: 10_000 }, (_, i) => `/usr/bin/prog --arg=${i} ${"é🔥".repeat(i % 4)}`);
    dict[7] = "";
    const nul = Array.from({ length: 5000 }, (_, i) => `a\0b${i}`);
    const few = ["x\0y", "\u0001z\0", ""]; // NUL and U+0001 both present: split on U+FFFF
    const frame = new Frame(
      "args",
      [
        { name: "args", type: "str" },
        { name: "nul", type: "str" },
        { name: "few", type: "str" },
        { name: "k", type: "u32" },
      ],
      {
        args: { codes: Uint32Array.from({ length: n }, (_, i) => (i * 7) % dict.length), dict },
        nul: { codes: Uint32Array.from({ length: n }, (_, i) => i % nul.length), dict: nul },
        few: { codes: Uint32Array.from({ length: n }, (_, i) => i % 3), dict: few },
        k: Uint32Array.from({ length: n }, (_, i) => i),
      },
    );
    const path = join(dir, "args.parquet");
    await writeParquet(frame, path);
    const { frame: back } = await readParquet(path);
    expect(firstDifference(frame, back)).toBeUndefined();
    expect((back.column("args") as { dict: string[] }).dict.length).toBe(dict.length);
  });

  test("column names with quotes, spaces and unicode", async () => {
    const frame = new Frame(
      "names",
      [
        { name: 'a "quoted" name', type: "u32" },
        { name: "größe µs", type: "f64" },
      ],
      { 'a "quoted" name': Uint32Array.from([1, 2]), "größe µs": Float64Array.from([0.5, 1.5]) },
    );
    const path = join(dir, "names.parquet");
    await writeParquet(frame, path);
    const { frame: back } = await readParquet(path);
    expect(firstDifference(frame, back)).toBeUndefined();
  });

  test("more rows than one DuckDB vector and several row groups keep their order", async () => {
    const n = 130_000; // > 2048-row vectors and > one 122,880-row group
    const frame = allTypesFrame(n);
    const path = join(dir, "long.parquet");
    await writeParquet(frame, path);
    const { frame: back } = await readParquet(path);
    expect(firstDifference(frame, back)).toBeUndefined();
    const groups = await sql(`SELECT count(DISTINCT row_group_id) AS g FROM parquet_metadata('${path}')`);
    expect(Number(groups[0]!.g)).toBeGreaterThan(1);
  });
});

describe("what other readers see", () => {
  const frame = allTypesFrame(10_000, "sample");
  let path: string;
  beforeAll(async () => {
    path = join(dir, "sql.parquet");
    await writeParquet(frame, path, { host: "testhost", "bpflab.version": "0.1.0" });
  });

  test("DuckDB SQL agrees on sums, counts, extremes and strings", async () => {
    const [r] = await sql(`SELECT count(*) AS n, sum(count) AS s, sum(pid) AS p, min(exit_code) AS lo,
      max(exit_code) AS hi, max(ts_ns) AS big, sum(ok::INT) AS oks, min(ts) AS first_ts,
      count(DISTINCT comm) AS names FROM '${path}'`);
    expect(Number(r!.n)).toBe(frame.length);
    // Exact: the sum passes 2^53 (one row holds MAX_SAFE_INTEGER), so compare as bigints.
    expect(BigInt(r!.s as bigint)).toBe((frame.column("count") as Float64Array).reduce((a, v) => a + BigInt(v), 0n));
    expect(Number(r!.p)).toBe(frame.sum("pid"));
    expect(r!.lo).toBe(-2147483648);
    expect(r!.hi).toBe(2147483647);
    const tsNs = frame.column("ts_ns") as BigUint64Array;
    expect(r!.big).toBe(tsNs.reduce((m, v) => (v > m ? v : m), 0n));
    expect(Number(r!.oks)).toBe(frame.sum("ok"));
    expect((r!.first_ts as Date).getTime()).toBe(Math.floor((frame.column("ts") as Float64Array)[0]! / 1000));
    expect(Number(r!.names)).toBe(AWKWARD.length);
    const perComm = await sql(`SELECT comm, count(*) AS n FROM '${path}' GROUP BY comm`);
    const strings = frame.strings("comm");
    for (const row of perComm) {
      expect(Number(row.n)).toBe(strings.filter((s) => s === row.comm).length);
    }
  });

  test("Parquet types: TIMESTAMP in µs, unsigned ints, INT64 for i64, UTF8 strings", async () => {
    const rows = await sql(`SELECT name, type, converted_type, logical_type FROM parquet_schema('${path}')
      WHERE name <> 'duckdb_schema'`);
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName.ts!.type).toBe("INT64");
    expect(byName.ts!.converted_type).toBe("TIMESTAMP_MICROS");
    expect(String(byName.ts!.logical_type)).toContain("MICROS=MicroSeconds()");
    expect(byName.pid).toMatchObject({ type: "INT32", converted_type: "UINT_32" });
    expect(byName.exit_code).toMatchObject({ type: "INT32" });
    expect(byName.count).toMatchObject({ type: "INT64", converted_type: "INT_64" });
    expect(byName.ts_ns).toMatchObject({ type: "INT64", converted_type: "UINT_64" });
    expect(byName.t_s).toMatchObject({ type: "DOUBLE" });
    expect(byName.ok).toMatchObject({ type: "BOOLEAN" });
    expect(byName.comm).toMatchObject({ type: "BYTE_ARRAY", converted_type: "UTF8" });
    const described = await sql(`DESCRIBE SELECT * FROM '${path}'`);
    expect(described.map((d) => d.column_type)).toEqual([
      "TIMESTAMP WITH TIME ZONE",
      "DOUBLE",
      "UINTEGER",
      "INTEGER",
      "BIGINT",
      "UBIGINT",
      "BOOLEAN",
      "VARCHAR",
    ]);
  });

  test("strings are dictionary-encoded and every column chunk is ZSTD-compressed", async () => {
    const chunks = await sql(`SELECT path_in_schema AS col, encodings, compression FROM parquet_metadata('${path}')`);
    expect(chunks.length).toBeGreaterThan(0);
    for (const c of chunks) expect(c.compression).toBe("ZSTD");
    const comm = chunks.filter((c) => c.col === "comm");
    expect(comm.length).toBeGreaterThan(0);
    for (const c of comm) expect(String(c.encodings)).toMatch(/DICTIONARY/);
  });

  test("key-value metadata holds the caller's keys, the frame name and the schema", async () => {
    const kv = await sql(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${path}')`);
    const map = Object.fromEntries(kv.map((r) => [r.k, r.v]));
    expect(map.host).toBe("testhost");
    expect(map["bpflab.version"]).toBe("0.1.0");
    expect(map[FRAME_KEY]).toBe("sample");
    expect(JSON.parse(String(map[SCHEMA_KEY]))).toEqual(ALL_TYPES_SCHEMA);
  });
});

test("a foreign file with a column named file_row_number (DuckDB's row-number option cannot be used)", async () => {
  const path = join(dir, "frn.parquet");
  await sql(
    `COPY (SELECT range AS file_row_number, 'v' || (range % 3) AS s FROM range(5000)) TO '${path}' (FORMAT PARQUET)`,
  );
  const { frame } = await readParquet(path, { foreign: true });
  expect(frame.length).toBe(5000);
  expect(frame.values("file_row_number")[4321]).toBe(4321);
  expect(frame.strings("s")[4321]).toBe("v1");
});

describe("bad files", () => {
  test("a missing file", async () => {
    const err = await readParquet(join(dir, "nope.parquet")).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/no such file/);
    expect(err.hint).toMatch(/path/);
  });

  test("a directory", async () => {
    const err = await readParquet(dir).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.hint).toMatch(/loadCapture/);
  });

  test("a CSV file is not Parquet", async () => {
    const path = join(dir, "data.csv");
    writeFileSync(path, "a,b\n1,2\n");
    const err = await readParquet(path).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/not a Parquet file/);
    expect(err.hint).toBeTruthy();
  });

  test("a truncated file (footer lost)", async () => {
    const good = join(dir, "all.parquet");
    await writeParquet(allTypesFrame(2000), good);
    const bytes = readFileSync(good);
    const cut = join(dir, "cut.parquet");
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await readParquet(cut).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/truncated/);
    expect(err.hint).toMatch(/cut short/);
  });

  test("a file whose magic bytes are intact but whose footer is garbage", async () => {
    const bytes = Buffer.from(readFileSync(join(dir, "all.parquet")));
    // Overwrite the footer's metadata (just before its 4-byte length and the closing "PAR1").
    bytes.fill(0xab, bytes.length - 200, bytes.length - 8);
    const bad = join(dir, "garbled.parquet");
    writeFileSync(bad, bytes);
    const err = await readParquet(bad).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/cannot read/);
    expect(err.hint).toMatch(/corrupt/);
    expect(err.cause).toBeDefined();
  });

  test("a Parquet file bpflab did not write: refused, or read with { foreign: true }", async () => {
    const path = join(dir, "foreign.parquet");
    await sql(`COPY (SELECT i::TINYINT AS tiny, i::USMALLINT AS us, i::BIGINT AS big, (i * 1.5)::DECIMAL(10,2) AS dec,
        (i / 4)::FLOAT AS fl, TIMESTAMP_NS '2024-01-02 03:04:05.123456789' + INTERVAL (i) SECOND AS tns,
        DATE '2024-01-01' + i::INT AS d, i % 2 = 0 AS even, 'row ' || i AS label,
        CASE WHEN i % 3 = 0 THEN NULL ELSE i END::INTEGER AS maybe, CASE WHEN i = 1 THEN NULL ELSE 'x' END AS maybe_s,
        [i, i + 1] AS list
      FROM range(5) t(i)) TO '${path}' (FORMAT PARQUET)`);
    const err = await readParquet(path).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/not one bpflab wrote/);
    expect(err.hint).toMatch(/foreign: true/);

    const { frame } = await readParquet(path, { foreign: true });
    expect(frame.name).toBe("foreign");
    expect(Object.fromEntries(frame.schema.map((s) => [s.name, s.type]))).toEqual({
      tiny: "i32",
      us: "u32",
      big: "i64",
      dec: "f64",
      fl: "f64",
      tns: "timestamp",
      d: "timestamp",
      even: "bool",
      label: "str",
      maybe: "f64",
      maybe_s: "str",
      list: "str",
    });
    expect(frame.values("tiny")).toEqual([0, 1, 2, 3, 4]);
    expect(frame.values("dec")).toEqual([0, 1.5, 3, 4.5, 6]);
    expect(frame.values("tns")[0]).toBe(Date.UTC(2024, 0, 2, 3, 4, 5) * 1000 + 123456);
    expect(frame.values("d")[1]).toBe(Date.UTC(2024, 0, 2) * 1000);
    expect(frame.values("even")).toEqual([true, false, true, false, true]);
    expect(frame.values("maybe")).toEqual([null, 1, 2, null, 4]);
    expect(Array.from(frame.numeric("maybe"))).toEqual([NaN, 1, 2, NaN, 4]);
    expect(frame.strings("maybe_s")).toEqual(["x", "", "x", "x", "x"]);
    expect(frame.strings("list")[2]).toBe("[2, 3]");
  });
});

describe("bad writes", () => {
  test("a directory that does not exist", async () => {
    const err = await writeParquet(allTypesFrame(3), join(dir, "no", "such", "x.parquet")).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.hint).toMatch(/directory exists/);
  });

  test("string codes outside the dictionary are refused and leave no file behind", async () => {
    const sub = mkdtempSync(join(dir, "w-"));
    const frame = new Frame("bad", [{ name: "s", type: "str" }], { s: { codes: Uint32Array.of(0, 5), dict: ["a"] } });
    const err = await writeParquet(frame, join(sub, "bad.parquet")).catch((e) => e);
    expect(err).toBeInstanceOf(OptionError);
    expect(err.message).toMatch(/code 5/);
    expect(readdirSync(sub)).toEqual([]);
  });

  test("an i64 beyond 2^63 fails the write and leaves no temporary file", async () => {
    const sub = mkdtempSync(join(dir, "w-"));
    const frame = new Frame("big", [{ name: "n", type: "i64" }], { n: Float64Array.of(1, 2 ** 70) });
    const err = await writeParquet(frame, join(sub, "big.parquet")).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.hint).toMatch(/2\^63/);
    expect(readdirSync(sub)).toEqual([]);
  });
});
