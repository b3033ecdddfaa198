// concatFrames: one Frame from chunks of the same schema, each chunk with its own string dictionaries (what a
// capture's per-interval chunks and Parquet segments are). Pairs with frame.ts.

import { allocColumn, ColumnData, ColumnSpec, copyInto, isStringColumn, NumericColumn } from "./column.js";
import type { StringColumn, Validity } from "./column.js";
import { Frame } from "./frame.js";

/**
 * The rows of `chunks` in order, as one frame named `name` with `schema` (default: the first chunk's). String
 * columns get one merged dictionary (each string once, in order of first appearance); chunks may come with
 * dictionaries of their own. Every chunk must hold the schema's columns with the same types.
 *
 * @example const all = concatFrames("sched", [interval1, interval2], schedSchema);
 */
export function concatFrames(name: string, chunks: readonly Frame[], schema?: readonly ColumnSpec[]): Frame {
  const specs = schema ?? chunks[0]?.schema ?? [];
  let total = 0;
  for (const c of chunks) {
    for (const s of specs) {
      const t = c.spec(s.name).type;
      if (t !== s.type) throw new Error(`concatFrames ${name}: column ${s.name} is ${t} in ${c.name}, not ${s.type}`);
    }
    total += c.length;
  }
  const out: Record<string, ColumnData> = {};
  const masks: Record<string, Validity> = {};
  for (const s of specs) {
    const col = allocColumn(s.type, total);
    if (isStringColumn(col)) {
      const index = new Map<string, number>();
      let at = 0;
      for (const c of chunks) {
        const src = c.column(s.name) as StringColumn;
        const remap = src.dict.map((v) => {
          let k = index.get(v);
          if (k === undefined) {
            k = col.dict.length;
            col.dict.push(v);
            index.set(v, k);
          }
          return k;
        });
        for (let i = 0; i < c.length; i++) col.codes[at + i] = remap[src.codes[i]!]!;
        at += c.length;
      }
    } else {
      let at = 0;
      for (const c of chunks) {
        copyInto(col, c.column(s.name) as NumericColumn, at, c.length);
        at += c.length;
      }
    }
    out[s.name] = col;
    // A NULL mask when any chunk has one; rows of chunks without one are all values.
    if (chunks.some((c) => c.validity(s.name))) {
      const mask = new Uint8Array(total).fill(1);
      let at = 0;
      for (const c of chunks) {
        const v = c.validity(s.name);
        if (v) mask.set(v, at);
        at += c.length;
      }
      masks[s.name] = mask;
    }
  }
  return new Frame(name, specs, out, total, masks);
}
