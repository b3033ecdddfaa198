// ColumnPool: event builders' columns for big drains come from blocks kept from earlier drains, reused only once
// the garbage collector has dropped every view of them, never while a frame, column or view of one is reachable.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { EventBuilder } from "../../kernel/frame/event-builder.js";
import { isStringColumn, type ColumnData, type ColumnSpec } from "../../kernel/frame/frame.js";
import { ColumnPool } from "../../kernel/loader/column-pool.js";
import { koffi } from "../../kernel/loader/libbpf.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const schema: ColumnSpec[] = [
  { name: "ts", type: "timestamp" },
  { name: "pid", type: "u32" },
  { name: "comm", type: "str" },
  { name: "id", type: "u64" },
  { name: "ok", type: "bool" },
];
const ROWS = 1 << 20; // past the pool's smallest block

const addressOf = (c: ColumnData) => koffi.address(isStringColumn(c) ? c.codes : c) as bigint;

/** Collects garbage, then lets the registry's callbacks run (they are tasks of their own). */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("column pool", () => {
  it("reuses a block once nothing views it, never while a subarray of one of its columns is reachable", async () => {
    const pool = new ColumnPool();
    // references held in an object, dropped by deleting them: the collector may then take what they viewed
    const held: { cols?: ColumnData[]; kept?: Uint32Array } = { cols: pool.columns(schema, ROWS)! };
    const cols = held.cols!;
    expect(cols.map((c) => (isStringColumn(c) ? c.codes.length : c.length))).toEqual(schema.map(() => ROWS));
    const first = addressOf(cols[0]!);
    // distinct, aligned columns of one block
    const at = cols.map(addressOf);
    expect(new Set(at).size).toBe(schema.length);
    for (const a of at) expect(a % 8n).toBe(0n);
    held.kept = (cols[1] as Uint32Array).subarray(5, 10);
    delete held.cols;
    cols.length = 0;
    await collect();
    const second = pool.columns(schema, ROWS)!;
    expect(addressOf(second[0]!)).not.toBe(first); // `kept` still views the first block
    expect(held.kept.length).toBe(5);
    delete held.kept;
    await collect();
    const third = pool.columns(schema, ROWS)!;
    expect(addressOf(third[0]!)).toBe(first);
    expect(addressOf(second[0]!)).not.toBe(first);
    // small requests take ordinary columns
    expect(pool.columns(schema, 1000)).toBeUndefined();
  });

  it("with many blocks out and none free, collects by itself rather than make new blocks without end", async () => {
    // a flight recorder drops each drain's frame soon, but a JS heap of a few MiB gives the collector no reason
    // to run: without a collection of its own the pool made new blocks (580 MiB out for a 35 MiB window)
    const pool = new ColumnPool();
    await collect();
    const MiB = 2 ** 20;
    const base = process.memoryUsage().arrayBuffers;
    let most = 0;
    for (let i = 0; i < 24; i++) {
      expect(pool.columns(schema, ROWS)).toBeDefined(); // dropped at once
      most = Math.max(most, process.memoryUsage().arrayBuffers - base);
      await new Promise((r) => setImmediate(r)); // drains are jobs of their own (a WeakRef made in one holds to its end)
    }
    // 24 blocks of 32 MiB went through (768 MiB held without the pool's own collections, as it was): at most
    // 128 MiB of new ones wait for a collection, beside the 2 kept free and those let go since the last one
    console.log(`column pool: at most ${(most / MiB).toFixed(0)} MiB of blocks for 24 × 32 MiB dropped`);
    expect(most).toBeLessThanOrEqual(448 * MiB); // 256–288 MiB measured
  });

  it("gives a builder's frames their own rows when their columns reuse an earlier frame's block", async () => {
    const pool = new ColumnPool();
    const eb = new EventBuilder(schema, 16, pool);
    const fill = (n: number, base: number) => {
      const r0 = eb.reserve(n);
      const [ts, pid, comm, id, ok] = eb.columns as [
        Float64Array,
        Uint32Array,
        { codes: Uint32Array },
        BigUint64Array,
        Uint8Array,
      ];
      const code = eb.dicts[2]!.intern(`c${base}`);
      for (let i = r0; i < r0 + n; i++) {
        ts[i] = base + i;
        pid[i] = base;
        comm.codes[i] = code;
        id[i] = BigInt(base);
        ok[i] = 1;
      }
    };
    fill(ROWS, 1);
    const held: { f?: ReturnType<EventBuilder["take"]> } = { f: eb.take("x") };
    const firstBlock = addressOf(held.f!.column("ts"));
    expect(held.f!.length).toBe(ROWS);
    delete held.f;
    await collect();
    // fewer rows into the reused block: only they are handed out, the earlier frame's tail is not
    fill(ROWS - 100, 2);
    const g = eb.take("x");
    expect(addressOf(g.column("ts"))).toBe(firstBlock);
    expect(g.length).toBe(ROWS - 100);
    expect((g.column("pid") as Uint32Array).every((v) => v === 2)).toBe(true);
    expect(new Set(g.strings("comm"))).toEqual(new Set(["c2"]));
    expect((g.column("ts") as Float64Array)[ROWS - 101]).toBe(2 + ROWS - 101);
  });
});
