// bpflab's Parquet files read by three independent readers besides DuckDB — Polars (Rust), hyparquet (pure JS)
// and parquet-wasm (arrow-rs, which honours ARROW:schema as pyarrow does) with apache-arrow — agreeing with DuckDB
// on types, NULLs and sums; timestamps say UTC; units and descriptions are in the schema's field metadata.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import * as arrow from "apache-arrow";
import * as pl from "nodejs-polars";
import { readParquet as wasmReadParquet } from "parquet-wasm";
import { FrameBuilder } from "../../kernel/frame/frame-builder.js";
import type { ColumnSpec } from "../../kernel/frame/frame.js";
import { readParquet, writeParquet } from "../../kernel/frame/parquet.js";
import { prepareOutput } from "../../kernel/capture/output-dir.js";
import { SegmentWriter } from "../../kernel/capture/segment-writer.js";
import { spillMeta } from "../capture/helpers/spill-frames.js";

const SCHEMA: ColumnSpec[] = [
  { name: "ts", type: "timestamp", unit: "us since epoch", description: "interval start" },
  { name: "pid", type: "u32", description: "process id (tgid)" },
  { name: "exit_code", type: "i32", description: "exit: status as $? shows it" },
  { name: "lifetime_ns", type: "i64", unit: "ns", description: "exit: time since the process started" },
  { name: "cgroup_id", type: "u64", description: "cgroup v2 id" },
  { name: "load", type: "f64", unit: "ratio" },
  { name: "ok", type: "bool" },
  { name: "exe", type: "str", description: "exec: the executed file" },
];
const N = 3000;
/** Rows where a column is NULL: exit_code, lifetime_ns and exe apply to some events only, like the process frame. */
const nullAt = (col: string, i: number) =>
  (col === "exit_code" && i % 3 !== 0) ||
  (col === "lifetime_ns" && i % 3 !== 0) ||
  (col === "exe" && i % 3 !== 1) ||
  (col === "load" && i % 10 === 5);

function sampleFrame(name = "process") {
  const b = new FrameBuilder(SCHEMA, 64);
  for (let i = 0; i < N; i++) {
    const r = b.beginRow();
    b.setNum(0, r, 1_764_150_000_000_000 + i * 1_000_003);
    b.setNum(1, r, 1000 + (i % 97));
    b.setNum(2, r, (i % 7) - 3);
    b.setNum(3, r, i * 12_345);
    b.setBig(4, r, 4_000_000_000n + BigInt(i));
    b.setNum(5, r, i / 7);
    b.setNum(6, r, i % 2);
    b.setStr(7, r, `/usr/bin/prog-${i % 13}`);
    SCHEMA.forEach((s, c) => {
      if (nullAt(s.name, i)) b.setNull(c, r);
    });
  }
  return b.finish(name);
}

let dir: string;
let plain: string;
let merged: string | undefined;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bpflab-readers-"));
  plain = join(dir, "process.parquet");
  await writeParquet(sampleFrame(), plain);
  // The same rows written as a capture's segments and merged at its end.
  const out = await prepareOutput(join(dir, "cap"));
  const sink = new SegmentWriter(out, { segmentMs: 1e9, segmentRows: 700 });
  const meta = spillMeta(["process"]);
  sink.begin(meta, [{ name: "process", schema: SCHEMA }]);
  const all = sampleFrame();
  for (let i = 0; i < N; i += 500) sink.append("process", all.take(Array.from({ length: 500 }, (_, k) => i + k)));
  [merged] = await sink.finish(meta);
  out.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What DuckDB says about a file: types, NULLs and sums per column. */
async function duck(path: string) {
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  try {
    const types = (await con.runAndReadAll(`DESCRIBE SELECT * FROM '${path}'`)).getRowObjectsJS();
    const q = SCHEMA.map(
      (s) =>
        `count(*) - count("${s.name}") AS "n_${s.name}"` +
        (["str", "bool", "timestamp"].includes(s.type) ? "" : `, sum("${s.name}")::DOUBLE AS "s_${s.name}"`),
    ).join(", ");
    const row = (await con.runAndReadAll(`SELECT ${q} FROM '${path}'`)).getRowObjectsJS()[0]!;
    return {
      types: Object.fromEntries(types.map((t) => [String(t.column_name), String(t.column_type)])),
      nulls: Object.fromEntries(SCHEMA.map((s) => [s.name, Number(row[`n_${s.name}`])])),
      sums: Object.fromEntries(
        SCHEMA.flatMap((s) => (row[`s_${s.name}`] === undefined ? [] : [[s.name, Number(row[`s_${s.name}`])]])),
      ),
    };
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

const expectedNulls = Object.fromEntries(
  SCHEMA.map((s) => [s.name, Array.from({ length: N }, (_, i) => i).filter((i) => nullAt(s.name, i)).length]),
);

describe.each([
  ["writeParquet", () => plain],
  ["a capture's merged segments", () => merged!],
])("%s: independent readers agree with DuckDB", (_what, file) => {
  test("DuckDB: TIMESTAMP WITH TIME ZONE, unsigned ints, NULL where no value applies", async () => {
    const d = await duck(file());
    expect(d.types).toEqual({
      ts: "TIMESTAMP WITH TIME ZONE",
      pid: "UINTEGER",
      exit_code: "INTEGER",
      lifetime_ns: "BIGINT",
      cgroup_id: "UBIGINT",
      load: "DOUBLE",
      ok: "BOOLEAN",
      exe: "VARCHAR",
    });
    expect(d.nulls).toEqual(expectedNulls);
    const back = (await readParquet(file())).frame;
    for (const s of SCHEMA) expect(back.nullCount(s.name)).toBe(expectedNulls[s.name]);
    expect(back.sum("lifetime_ns")).toBe(d.sums.lifetime_ns);
  });

  test("Polars: Datetime(us, UTC), the same NULL counts and sums", async () => {
    const d = await duck(file());
    const df = pl.readParquet(file());
    expect(String(df.schema.ts)).toMatch(/Datetime\(us,\s*UTC\)|Datetime\(Microseconds,\s*"?UTC"?\)/i);
    expect(String(df.schema.pid)).toMatch(/UInt32/);
    expect(String(df.schema.cgroup_id)).toMatch(/UInt64/);
    expect(String(df.schema.lifetime_ns)).toMatch(/Int64/);
    expect(String(df.schema.exe)).toMatch(/String|Utf8/);
    for (const s of SCHEMA) expect(df.getColumn(s.name).nullCount(), s.name).toBe(d.nulls[s.name]);
    for (const [name, sum] of Object.entries(d.sums))
      expect(Number(df.getColumn(name).sum()), name).toBeCloseTo(sum, 3);
  });

  test("hyparquet: TIMESTAMP(isAdjustedToUTC, MICROS) logical type, nulls in place, the same sums", async () => {
    const d = await duck(file());
    // ES modules only: imported dynamically from this CommonJS test.
    const { parquetMetadata, parquetReadObjects } = await import("hyparquet");
    const { compressors } = await import("hyparquet-compressors");
    const buf = readFileSync(file());
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
    const md = parquetMetadata(ab);
    const el = Object.fromEntries(md.schema.map((s) => [s.name, s]));
    expect(el.ts!.logical_type).toEqual({ type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" });
    expect(el.pid!.converted_type).toBe("UINT_32");
    expect(el.cgroup_id!.converted_type).toBe("UINT_64");
    expect(el.exe!.converted_type).toBe("UTF8");
    const rows = (await parquetReadObjects({ file: ab, compressors })) as Record<string, unknown>[];
    expect(rows.length).toBe(N);
    for (const s of SCHEMA) {
      const nulls = rows.filter((r) => r[s.name] === null || r[s.name] === undefined).length;
      expect(nulls, s.name).toBe(d.nulls[s.name]);
    }
    expect(rows.filter((r, i) => (r.exit_code === null) !== nullAt("exit_code", i)).length).toBe(0);
    for (const [name, sum] of Object.entries(d.sums)) {
      const total = rows.reduce((acc, r) => acc + (r[name] === null ? 0 : Number(r[name])), 0);
      expect(total, name).toBeCloseTo(sum, 3);
    }
    expect((rows[0]!.ts as Date).toISOString()).toBe(new Date(1_764_150_000_000).toISOString());
  });

  test("arrow-rs (parquet-wasm) + apache-arrow: UTC timestamps, units and descriptions as field metadata", async () => {
    const d = await duck(file());
    const table = arrow.tableFromIPC(wasmReadParquet(new Uint8Array(readFileSync(file()))).intoIPCStream());
    const field = (n: string) => table.schema.fields.find((f) => f.name === n)!;
    expect(String(field("ts").type)).toBe("Timestamp<MICROSECOND, UTC>");
    expect(String(field("pid").type)).toBe("Uint32");
    expect(String(field("cgroup_id").type)).toBe("Uint64");
    for (const s of SCHEMA) {
      expect(field(s.name).metadata.get("unit"), s.name).toBe(s.unit);
      expect(field(s.name).metadata.get("description"), s.name).toBe(s.description);
      expect(table.getChild(s.name)!.nullCount, s.name).toBe(d.nulls[s.name]);
    }
    for (const [name, sum] of Object.entries(d.sums)) {
      let total = 0;
      for (const v of table.getChild(name)!) if (v !== null) total += Number(v);
      expect(total, name).toBeCloseTo(sum, 3);
    }
  });
});
