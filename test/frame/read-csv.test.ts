// readCsv streams: a CSV longer than the longest JavaScript string reads (it used to fail with "Invalid string
// length"), with the same frame as parseCsv gives for small text; bad lines still name their line.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCsv, readCsv } from "../../kernel/frame/read-csv.js";
import { readCsv as oldPathReadCsv } from "../../kernel/compare/read-csv.js";
import { DatasetError } from "../../kernel/errors.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bpflab-csv-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readCsv", () => {
  test("the same frame as parseCsv: numbers, strings, quotes, empty cells, CRLF, trailing blank lines", async () => {
    const text = 'a,b,"c, quoted"\r\n1,x,"he said ""hi"""\r\n2.5,,plain\r\n,y,z\r\n\r\n';
    const path = join(dir, "small.csv");
    writeFileSync(path, text);
    const f = await readCsv(path);
    const g = parseCsv(text, "small");
    expect(f.name).toBe("small");
    expect(f.schema).toEqual(g.schema);
    expect(f.schema.map((s) => s.type)).toEqual(["f64", "str", "str"]);
    for (const c of f.columnNames) expect(f.values(c)).toEqual(g.values(c));
    expect(f.values("c, quoted")).toEqual(['he said "hi"', "plain", "z"]);
    expect(Array.from(f.numeric("a"))).toEqual([1, 2.5, NaN]);
    expect(oldPathReadCsv).toBe(readCsv); // the old import path keeps working
  });

  test("a bad line names its number; an empty file says so", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "a,b\n1,2\n3\n");
    const err = await readCsv(bad).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/line 3 has 1 fields, the header has 2/);
    const empty = join(dir, "empty.csv");
    writeFileSync(empty, "");
    expect((await readCsv(empty).catch((e) => e)).message).toMatch(/the CSV is empty/);
    expect((await readCsv(join(dir, "none.csv")).catch((e) => e)).message).toMatch(/cannot read/);
  });

  test("a 630 MB CSV reads (longer than the longest JavaScript string)", async () => {
    const path = join(dir, "big.csv");
    // 1.3M rows of ~520 bytes: three numbers and a long label from a small set, so the frame is small.
    const labels = ["alpha", "beta", "gamma", "delta"].map((w) => w.repeat(Math.ceil(500 / w.length)).slice(0, 500));
    const fd = openSync(path, "w");
    writeSync(fd, "id,value,flag,label\n");
    const rowsPerChunk = 10_000;
    let rows = 0;
    while (rows < 1_300_000) {
      let chunk = "";
      for (let i = 0; i < rowsPerChunk; i++, rows++) chunk += `${rows},${rows * 0.5},${rows % 2},${labels[rows % 4]}\n`;
      writeSync(fd, chunk);
    }
    closeSync(fd);
    expect(statSync(path).size).toBeGreaterThan(630 * 1024 * 1024);
    const f = await readCsv(path);
    expect(f.length).toBe(rows);
    expect(f.schema.map((s) => s.type)).toEqual(["f64", "f64", "f64", "str"]);
    expect(f.sum("id")).toBe(((rows - 1) * rows) / 2);
    const label = f.column("label") as { dict: string[] };
    expect(label.dict).toEqual(labels);
    rmSync(path);
  }, 300_000);
});
