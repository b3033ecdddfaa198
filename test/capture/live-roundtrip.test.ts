// A real capture survives Parquet unchanged, and DuckDB reading the files agrees on the truth of the workload.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

const N = 150_000;

describe("live capture → Parquet → DuckDB", () => {
  liveIt("round-trips every frame and DuckDB counts exactly N getppid calls", async () => {
    const cap = await capture({
      collectors: ["sched", "syscalls", "process"],
      duration: "20s",
      interval: "200ms",
      command: [workloadPath(), "getppid", String(N)],
    });
    const dir = mkdtempSync(join(tmpdir(), "bpflab-live-rt-"));
    await cap.toParquet(dir);
    const back = await loadCapture(dir);
    expect(back.meta).toEqual(cap.meta);
    for (const name of cap.collectors) {
      const a = cap.frame(name),
        b = back.frame(name);
      expect(b.schema).toEqual(a.schema);
      expect(b.length).toBe(a.length);
      for (const c of a.columnNames) expect(b.values(c), `${name}.${c}`).toEqual(a.values(c));
    }
    const db = await DuckDBInstance.create(":memory:");
    const con = await db.connect();
    try {
      const r = await con.runAndReadAll(`SELECT sum(count)::BIGINT AS n, min(ts) AS first FROM '${dir}/syscalls.parquet'
        WHERE pid = ${cap.meta.pid} AND syscall = 'getppid'`);
      const [row] = r.getRowObjects();
      expect(Number(row!.n)).toBe(N);
      const kv = await con.runAndReadAll(`SELECT decode(key) AS k FROM parquet_kv_metadata('${dir}/sched.parquet')`);
      expect(kv.getRowObjects().map((x) => x.k)).toContain("bpflab.meta");
    } finally {
      con.closeSync();
      db.closeSync();
    }
  });
});
