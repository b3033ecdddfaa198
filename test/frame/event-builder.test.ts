// EventBuilder hands a frame the columns its rows fill (most of them) and never writes into them again: not at
// the next reserve, nor after a take() with no rows in between (an idle interval of a capture).

import { describe, expect, it } from "vitest";
import { EventBuilder } from "../../kernel/frame/event-builder.js";
import type { ColumnSpec } from "../../kernel/frame/frame.js";

const schema: ColumnSpec[] = [
  { name: "pid", type: "u32" },
  { name: "comm", type: "str" },
];

function fill(eb: EventBuilder, n: number, pid: number): void {
  const r0 = eb.reserve(n);
  const [pids, comm] = eb.columns as [Uint32Array, { codes: Uint32Array }];
  const code = eb.dicts[1]!.intern(`p${pid}`);
  for (let i = r0; i < r0 + n; i++) {
    pids[i] = pid;
    comm.codes[i] = code;
  }
}

describe("event builder", () => {
  it("hands a full frame its columns and writes new ones after, an empty take() in between or not", () => {
    const eb = new EventBuilder(schema, 16);
    fill(eb, 1000, 1);
    const a = eb.take("x");
    expect(eb.take("x").length).toBe(0); // an interval without events
    fill(eb, 1000, 2);
    const b = eb.take("x");
    fill(eb, 1000, 3);
    const c = eb.take("x");
    expect([a, b, c].map((f) => [...new Set(f.numeric("pid"))])).toEqual([[1], [2], [3]]);
    expect([a, b, c].map((f) => [...new Set(f.strings("comm"))])).toEqual([["p1"], ["p2"], ["p3"]]);
  });

  it("copies fewer rows than fill its columns out, and keeps the columns for the next rows", () => {
    const eb = new EventBuilder(schema, 1000);
    fill(eb, 10, 1);
    const a = eb.take("x");
    fill(eb, 10, 2);
    expect(a.numeric("pid").length).toBe(10);
    expect([...new Set(a.numeric("pid"))]).toEqual([1]);
    expect([...new Set(eb.take("x").numeric("pid"))]).toEqual([2]);
  });
});
