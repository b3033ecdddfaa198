// query(): DuckDB views named after a capture's frames (and labels), cells as JSON-ready values, results as
// CSV, objects and Frames; the numbers agree with the capture's own frames.

import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { readLabels } from "../../kernel/analysis/labels.js";
import { query, withQuery } from "../../kernel/query/query.js";
import { isoMicros } from "../../kernel/query/cells.js";
import { OptionError } from "../../kernel/errors.js";

const redis = join(__dirname, "../../datasets/redis-injected");

describe("query", () => {
  it("names a view after each frame and labels.csv, and agrees with the loaded frames", async () => {
    const cap = await loadCapture(redis);
    await withQuery(redis, async (s) => {
      expect(s.views.map((v) => v.name)).toEqual(["labels", "process", "sched", "syscalls"]);
      const r = await s.run("SELECT sum(count) AS calls, count(*) AS n, max(ts) AS last FROM syscalls");
      expect(r.columns.map((c) => c.type)).toEqual(["HUGEINT", "BIGINT", "TIMESTAMP"]);
      expect(r.rows[0]![0]).toBe(cap.frame("syscalls").sum("count"));
      expect(r.rows[0]![1]).toBe(cap.frame("syscalls").length);
      const ts = cap.frame("syscalls").numeric("ts");
      expect(r.rows[0]![2]).toBe(isoMicros(BigInt(Math.max(...ts))));
      const per = await s.run("SELECT comm, sum(oncpu_ns) AS ns FROM sched GROUP BY comm ORDER BY ns DESC LIMIT 1");
      const f = cap.frame("sched");
      const comm = f.strings("comm");
      const on = f.numeric("oncpu_ns");
      const want = on.reduce((a, v, i) => (comm[i] === per.rows[0]![0] ? a + v : a), 0);
      expect(per.rows[0]![1]).toBe(want);
    });
    const labels = await query(redis, "SELECT * FROM labels ORDER BY start_s");
    expect(labels.toObjects()).toEqual(readLabels(join(redis, "labels.csv")).sort((a, b) => a.start_s - b.start_s));
  });

  it("gives CSV, objects and a typed Frame", async () => {
    const r = await query(
      redis,
      "SELECT ts, pid, comm, count, 'a,\"b\"' AS odd, NULL::DOUBLE AS nothing FROM syscalls LIMIT 3",
    );
    const csv = r.toCsv().split("\n");
    expect(csv[0]).toBe("ts,pid,comm,count,odd,nothing");
    expect(csv[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z,\d+,[^,]*,\d+,"a,""b""",$/);
    const f = r.toFrame("q");
    expect(f.schema.map((s) => s.type)).toEqual(["timestamp", "f64", "str", "f64", "str", "f64"]);
    expect(Number.isNaN(f.numeric("nothing")[0])).toBe(true);
    expect(new Date(f.numeric("ts")[0]! / 1000).toISOString().slice(0, 23)).toBe(String(r.rows[0]![0]).slice(0, 23));
    expect(r.toMimeBundle()["text/html"]).toContain("<table");
  });

  it("turns SQL mistakes into usage errors that list the tables", async () => {
    await expect(query(redis, "SELECT * FROM nope")).rejects.toThrow(OptionError);
    await expect(query(redis, "SELECT * FROM nope")).rejects.toThrow(/tables here: labels, process, sched, syscalls/);
    await expect(query("/nonexistent", "SELECT 1")).rejects.toThrow(/does not exist/);
  });
});
