// Frame → danfojs-node DataFrame: shapes, dtypes and values.

import { describe, expect, test } from "vitest";
import { toDanfo } from "../../kernel/frame/to-danfo.js";
import { allTypesFrame } from "./sample-frames.js";

describe("toDanfo", () => {
  test("shape, dtypes and values (timestamps as Dates, u64 as numbers)", () => {
    const frame = allTypesFrame(20);
    const df = frame.toDanfo();
    expect(df.shape).toEqual([20, frame.schema.length]);
    expect(df.columns).toEqual(frame.columnNames);
    const dtype = Object.fromEntries(df.columns.map((c: string, i: number) => [c, df.dtypes[i]]));
    expect(dtype).toMatchObject({ ts: "datetime", t_s: "float32", comm: "string", ok: "boolean", pid: "int32" });
    expect(df.column("comm").values).toEqual(frame.strings("comm"));
    expect(df.column("pid").values).toEqual(frame.values("pid"));
    expect(df.column("count").values).toEqual(frame.values("count"));
    expect(df.column("ts_ns").values[3]).toBe(Number((frame.column("ts_ns") as BigUint64Array)[3]));
    expect((df.column("ts").values[2] as unknown as Date).getTime()).toBe(
      Math.floor((frame.column("ts") as Float64Array)[2]! / 1000),
    );
    expect(df.column("ok").values).toEqual(frame.values("ok"));
  });

  test("an empty frame gives an empty DataFrame with the column names", () => {
    const df = toDanfo(allTypesFrame(0));
    expect(df.shape[0]).toBe(0);
    expect(df.columns).toEqual(allTypesFrame(0).columnNames);
  });
});
