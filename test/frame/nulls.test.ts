// NULL cells ("not applicable"): FrameBuilder.setNull, the frame's masks, and every path a frame takes (take,
// filter, concat, Parquet, arquero, danfo, HTML) keeps a NULL apart from 0 and "".

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FrameBuilder } from "../../kernel/frame/frame-builder.js";
import { concatFrames } from "../../kernel/frame/concat.js";
import { readParquet, writeParquet } from "../../kernel/frame/parquet.js";
import type { ColumnSpec, Frame } from "../../kernel/frame/frame.js";

const SCHEMA: ColumnSpec[] = [
  { name: "event", type: "str" },
  { name: "exit_code", type: "i32" },
  { name: "lifetime_ns", type: "i64", unit: "ns" },
  { name: "exe", type: "str" },
  { name: "ts_ns", type: "u64" },
  { name: "ok", type: "bool" },
  { name: "at", type: "timestamp" },
];

/** exec (exe set), fork (nothing else applies), exit (code and lifetime): the process frame's shape. */
function events(n: number): Frame {
  const b = new FrameBuilder(SCHEMA, 16); // small, so the masks grow with the columns
  for (let i = 0; i < n; i++) {
    const r = b.beginRow();
    const kind = ["exec", "fork", "exit"][i % 3]!;
    b.setStr(0, r, kind);
    if (kind === "exit") {
      b.setNum(1, r, i % 2 === 0 ? 0 : 137);
      b.setNum(2, r, i * 1000);
    } else {
      b.setNull(1, r);
      b.setNull(2, r);
    }
    if (kind === "exec") b.setStr(3, r, i % 6 === 0 ? "" : `/bin/p${i}`);
    else b.setNull(3, r);
    if (kind === "fork") b.setNull(4, r);
    else b.setBig(4, r, BigInt(i));
    b.setNum(5, r, 1);
    b.setNum(6, r, 1_764_150_000_000_000 + i);
  }
  return b.finish("process");
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bpflab-nulls-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("NULL cells", () => {
  test("the builder's masks: NULL apart from 0 and the empty string; columns without NULLs carry none", () => {
    const f = events(60);
    expect(f.values("exit_code").slice(0, 6)).toEqual([null, null, 0, null, null, 137]);
    expect(f.values("exe").slice(0, 4)).toEqual(["", null, null, "/bin/p3"]);
    expect(f.isNull("exe", 0)).toBe(false); // an empty string is a value
    expect(f.nullCount("exit_code")).toBe(40);
    expect(f.validity("ok")).toBeUndefined();
    expect(f.validity("at")).toBeUndefined();
    expect(Array.from(f.numeric("lifetime_ns").slice(0, 3))).toEqual([NaN, NaN, 2000]);
    expect(f.sum("lifetime_ns")).toBe(
      events(60)
        .rows()
        .reduce((s, r) => s + Number(r.lifetime_ns ?? 0), 0),
    );
  });

  test("take, filter and concat keep each NULL with its row", () => {
    const f = events(30);
    const exits = f.filter((i) => f.strings("event")[i] === "exit");
    expect(exits.nullCount("exit_code")).toBe(0);
    expect(exits.validity("exit_code")!.every((v) => v === 1)).toBe(true);
    const forks = f.take([1, 4, 7]);
    expect(forks.values("ts_ns")).toEqual([null, null, null]);
    const joined = concatFrames("process", [f.take([0, 1, 2]), exits.take([0]), f.take([3, 4])]);
    expect(joined.values("exit_code")).toEqual([null, null, 0, 0, null, null]);
    expect(joined.values("exe")).toEqual(["", null, null, null, "/bin/p3", null]);
  });

  test("Parquet round trip: NULLs come back as NULLs (and empty strings as empty strings)", async () => {
    const f = events(5000);
    const path = join(dir, "events.parquet");
    await writeParquet(f, path);
    const back = (await readParquet(path)).frame;
    for (const s of SCHEMA) {
      expect(back.values(s.name), s.name).toEqual(f.values(s.name));
      expect(back.nullCount(s.name), s.name).toBe(f.nullCount(s.name));
    }
  });

  test("arquero and danfo see null; the HTML table shows a missing mark", () => {
    const f = events(6);
    const aq = f.toArquero();
    expect(Array.from(aq.column("exit_code")!)).toEqual([null, null, 0, null, null, 137]);
    // A column without NULLs is still the frame's own array.
    expect(f.toArquero({ timestamps: "us" }).column("at")).toBe(f.column("at"));
    const df = f.toDanfo();
    expect(df["exit_code"].values).toEqual([null, null, 0, null, null, 137]);
    const html = f.toHtml({ head: 6, tail: 0 });
    expect(html).toContain("—");
  });
});
