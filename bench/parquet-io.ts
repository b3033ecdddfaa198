// Parquet write/read speed of bpflab frames against @duckdb/node-api's own paths, in one run, on the same data.
// Run: npx tsx bench/parquet-io.ts [rows=1000000] [reps=3]
//
// write peers: DuckDB's row-by-row Appender (what a straightforward port would do) and, DuckDB
//   copying a table it already holds (pure Parquet encoding, no data crossing from JS).
// read peer:  @duckdb/node-api's runAndReadAll(...).getColumns() (DuckDB values to JS arrays).

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, DuckDBConnection } from "@duckdb/node-api";
import { ColumnSpec, Frame } from "../kernel/frame/frame.js";
import type { ColumnData, NumericColumn, StringColumn } from "../kernel/frame/column.js";
import { readParquet, writeParquet } from "../kernel/frame/parquet.js";

const rows = Number(process.argv[2] ?? 1_000_000);
const reps = Number(process.argv[3] ?? 3);

/** A frame shaped like the sched collector's: 12 columns, 300 distinct comms. */
function schedLike(n: number): Frame {
  const schema: ColumnSpec[] = [
    { name: "ts", type: "timestamp" },
    { name: "t_s", type: "f64" },
    { name: "pid", type: "u32" },
    { name: "tid", type: "u32" },
    { name: "comm", type: "str" },
    { name: "cgroup_id", type: "u64" },
    { name: "oncpu_ns", type: "i64" },
    { name: "runq_ns", type: "i64" },
    { name: "offcpu_ns", type: "i64" },
    { name: "vol_switches", type: "i64" },
    { name: "invol_switches", type: "i64" },
    { name: "migrations", type: "i64" },
  ];
  const cols: Record<string, ColumnData> = {};
  const f = (k: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => k(i));
  cols.ts = f((i) => 1_764_150_000_000_000 + Math.floor(i / 500) * 1_000_000);
  cols.t_s = f((i) => Math.floor(i / 500));
  cols.pid = Uint32Array.from({ length: n }, (_, i) => 1000 + (i % 500));
  cols.tid = Uint32Array.from({ length: n }, (_, i) => 1000 + (i % 500) + (i % 7));
  cols.comm = {
    codes: Uint32Array.from({ length: n }, (_, i) => (i % 500) % 300),
    dict: Array.from({ length: 300 }, (_, i) => `proc-${i}`),
  };
  cols.cgroup_id = BigUint64Array.from({ length: n }, (_, i) => BigInt(4000 + (i % 40)));
  cols.oncpu_ns = f((i) => (i * 7919) % 1_000_000_000);
  cols.runq_ns = f((i) => (i * 104729) % 5_000_000);
  cols.offcpu_ns = f((i) => 1_000_000_000 - ((i * 7919) % 1_000_000_000));
  cols.vol_switches = f((i) => i % 50);
  cols.invol_switches = f((i) => i % 5);
  cols.migrations = f((i) => i % 3);
  return new Frame("sched", schema, cols, n);
}

async function time(job: () => Promise<unknown>, n = reps): Promise<number> {
  const ms: number[] = [];
  for (let r = 0; r < n; r++) {
    const t0 = performance.now();
    await job();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)]!;
}

async function withCon<T>(fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  try {
    return await fn(con);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

const DDL = `CREATE TABLE t (ts TIMESTAMP, t_s DOUBLE, pid UINTEGER, tid UINTEGER, comm VARCHAR, cgroup_id UBIGINT,
  oncpu_ns BIGINT, runq_ns BIGINT, offcpu_ns BIGINT, vol_switches BIGINT, invol_switches BIGINT, migrations BIGINT)`;

/** The straightforward port: DuckDB's Appender, one call per cell, then COPY. */
async function appenderRowByRow(frame: Frame, path: string): Promise<void> {
  const { DuckDBTimestampValue } = await import("@duckdb/node-api");
  await withCon(async (con) => {
    await con.run(DDL);
    const app = await con.createAppender("t");
    const c = (n: string) => frame.column(n) as NumericColumn;
    const [ts, t_s, pid, tid, cg] = ["ts", "t_s", "pid", "tid", "cgroup_id"].map(c) as NumericColumn[];
    const comm = frame.column("comm") as StringColumn;
    const ints = ["oncpu_ns", "runq_ns", "offcpu_ns", "vol_switches", "invol_switches", "migrations"].map(c);
    for (let i = 0; i < frame.length; i++) {
      app.appendTimestamp(new DuckDBTimestampValue(BigInt(ts![i]!)));
      app.appendDouble(Number(t_s![i]!));
      app.appendUInteger(Number(pid![i]!));
      app.appendUInteger(Number(tid![i]!));
      app.appendVarchar(comm.dict[comm.codes[i]!]!);
      app.appendUBigInt(BigInt(cg![i]!));
      for (const col of ints) app.appendBigInt(BigInt(col[i]!));
      app.endRow();
    }
    app.closeSync();
    await con.run(`COPY t TO '${path}' (FORMAT PARQUET, COMPRESSION ZSTD)`);
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bpflab-bench-parquet-"));
  try {
    const frame = schedLike(rows);
    const ours = join(dir, "ours.parquet");
    const table: [string, number, string][] = [];

    const write = await time(() => writeParquet(frame, ours));
    const appender = await time(() => appenderRowByRow(frame, join(dir, "appender.parquet")), 1);
    // The same rows already inside DuckDB (loaded from our file, untimed, strings as VARCHAR), encoded.
    const copyTable = await withCon(async (con) => {
      await con.run(`CREATE TABLE t AS SELECT * FROM '${ours}'`);
      return time(() => con.run(`COPY t TO '${join(dir, "table.parquet")}' (FORMAT PARQUET, COMPRESSION ZSTD)`));
    });
    table.push(["write: bpflab writeParquet", write, "1.00"]);
    table.push(["write: DuckDB Appender, row by row + COPY", appender, (appender / write).toFixed(2)]);
    table.push(["write: DuckDB COPY of a table it holds (VARCHAR)", copyTable, (copyTable / write).toFixed(2)]);

    const read = await time(() => readParquet(ours));
    const peer = await time(() =>
      withCon(async (con) => (await con.runAndReadAll(`SELECT * FROM '${ours}'`)).getColumns()),
    );
    table.push(["read: bpflab readParquet", read, "1.00"]);
    table.push(["read: node-api runAndReadAll().getColumns()", peer, (peer / read).toFixed(2)]);

    console.log(
      `Parquet I/O, ${rows.toLocaleString("en-US")} rows × ${frame.schema.length} columns ` +
        `(sched-like), median of ${reps}; file ${(statSync(ours).size / 2 ** 20).toFixed(1)} MiB`,
    );
    console.log(`${"job".padEnd(50)} ${"ms".padStart(8)} ${"Mrows/s".padStart(8)} ${"× bpflab".padStart(9)}`);
    for (const [job, ms, ratio] of table) {
      console.log(
        `${job.padEnd(50)} ${ms.toFixed(0).padStart(8)} ${(rows / ms / 1000).toFixed(2).padStart(8)} ${ratio.padStart(9)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
