// Frame → arquero: shapes, values, and typed arrays shared rather than copied.

import { describe, expect, test } from "vitest";
import { toArquero } from "../../kernel/frame/to-arquero.js";
import { allTypesFrame } from "./sample-frames.js";

describe("toArquero", () => {
  const frame = allTypesFrame(50);

  test("same shape and values; numeric columns are the frame's arrays, not copies", () => {
    const t = frame.toArquero();
    expect(t.numRows()).toBe(50);
    expect(t.columnNames()).toEqual(frame.columnNames);
    expect(t.column("pid")).toBe(frame.column("pid"));
    expect(t.column("count")).toBe(frame.column("count"));
    expect(t.column("t_s")).toBe(frame.column("t_s"));
    expect(t.column("exit_code")).toBe(frame.column("exit_code"));
    for (let r = 0; r < 50; r += 7) {
      expect(t.get("comm", r)).toBe(frame.strings("comm")[r]);
      expect(t.get("ok", r)).toBe(frame.values("ok")[r]);
      expect(t.get("ts_ns", r)).toBe(Number((frame.column("ts_ns") as BigUint64Array)[r]));
      expect((t.get("ts", r) as Date).getTime()).toBe(Math.floor((frame.column("ts") as Float64Array)[r]! / 1000));
    }
  });

  test("options: µs timestamps and bigint u64 without copies, a subset of columns", () => {
    const t = toArquero(frame, { timestamps: "us", bigint: true, columns: ["ts", "ts_ns"] });
    expect(t.columnNames()).toEqual(["ts", "ts_ns"]);
    expect(t.column("ts")).toBe(frame.column("ts"));
    expect(t.column("ts_ns")).toBe(frame.column("ts_ns"));
    const ms = toArquero(frame, { timestamps: "ms", columns: ["ts"] });
    expect(ms.get("ts", 3)).toBe((frame.column("ts") as Float64Array)[3]! / 1000);
  });

  test("arquero verbs work on the result (sum of i64 per string)", () => {
    const t = toArquero(frame).groupby("comm").rollup({ n: "d => op.sum(d.count)" });
    const expected = new Map<string, number>();
    const names = frame.strings("comm");
    const counts = frame.column("count") as Float64Array;
    names.forEach((s, i) => expected.set(s, (expected.get(s) ?? 0) + counts[i]!));
    for (const row of t.objects()) expect(row.n).toBe(expected.get(row.comm as string));
  });
});
