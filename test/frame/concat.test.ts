// concatFrames: chunks with their own dictionaries join into one frame with every value in place.

import { describe, expect, test } from "vitest";
import { concatFrames } from "../../kernel/frame/concat.js";
import { Frame } from "../../kernel/frame/frame.js";
import { allTypesFrame, ALL_TYPES_SCHEMA } from "./sample-frames.js";

describe("concatFrames", () => {
  test("keeps every value of every type, in order, across chunks with different dictionaries", () => {
    const whole = allTypesFrame(300);
    const a = whole.take(Array.from({ length: 100 }, (_, i) => i));
    const b = whole.take(Array.from({ length: 200 }, (_, i) => 100 + i));
    // A chunk whose dictionary lists the same strings in another order, as a fresh builder would.
    const comm = b.column("comm") as { codes: Uint32Array; dict: string[] };
    const reversed = [...comm.dict].reverse();
    const bCodes = comm.codes.map((k) => reversed.indexOf(comm.dict[k]!));
    const cols = Object.fromEntries(b.columnNames.map((n) => [n, b.column(n)]));
    const b2 = new Frame("b", b.schema, { ...cols, comm: { codes: bCodes, dict: reversed } });
    const joined = concatFrames("all", [a, b2]);
    expect(joined.length).toBe(300);
    for (const s of ALL_TYPES_SCHEMA) expect(joined.values(s.name)).toEqual(whole.values(s.name));
    const dict = (joined.column("comm") as { dict: string[] }).dict;
    expect(new Set(dict).size).toBe(dict.length);
  });

  test("no chunks gives an empty frame with the schema", () => {
    const f = concatFrames("none", [], ALL_TYPES_SCHEMA);
    expect(f.length).toBe(0);
    expect(f.columnNames).toEqual(ALL_TYPES_SCHEMA.map((s) => s.name));
  });

  test("a chunk with a column of another type is refused", () => {
    const a = new Frame("a", [{ name: "x", type: "u32" }], { x: Uint32Array.from([1]) });
    const b = new Frame("b", [{ name: "x", type: "f64" }], { x: Float64Array.from([1]) });
    expect(() => concatFrames("ab", [a, b])).toThrow(/column x is f64/);
  });
});
