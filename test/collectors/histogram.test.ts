// Latency histograms without root: the bucket rule of bpf/hist.bpf.h (compiled natively here) agrees with
// kernel/collectors/histogram.ts, and every registered `rowsPer` frame decodes a synthetic entry laid out from
// its object's BTF into one row per non-empty bucket.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileFrameDecoder, DecodeContext, RowSink } from "../../kernel/collectors/decoder.js";
import { histBelowNs, histLowerNs, histSlot, histUpperNs } from "../../kernel/collectors/histogram.js";
import { collectors } from "../../kernel/collectors/registry.js";
import type { AggregateSourceDecl } from "../../kernel/collectors/schema.js";
import { FrameBuilder } from "../../kernel/frame/frame-builder.js";
import { Btf, FieldKind, StructLayout } from "../../kernel/loader/btf.js";
import { objectDir, packageRoot } from "../../kernel/paths.js";

const SLOTS = Btf.ofObject(join(objectDir(), "syscalls.bpf.o"))
  .struct("syscalls_hist")!
  .fields.find((f) => f.name === "slots")!;
const NSLOTS = (SLOTS.type as Extract<FieldKind, { kind: "array" }>).length;

/** Values around every bucket edge, plus a spread of large ones. */
function probeValues(): number[] {
  const v = new Set<number>([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  for (let s = 0; s < NSLOTS - 1; s++) {
    const le = histUpperNs(s, NSLOTS);
    for (const d of [-1, 0, 1]) if (le + d >= 0) v.add(le + d);
  }
  for (let e = 0; e < 50; e++) v.add(2 ** e + 12345 * e);
  return [...v].sort((a, b) => a - b);
}

describe("histogram buckets", () => {
  it("each value lands in the bucket whose bounds hold it, le strictly increasing", () => {
    expect(NSLOTS).toBe(146);
    let prev = -1;
    for (let s = 0; s < NSLOTS; s++) {
      const le = histUpperNs(s, NSLOTS);
      expect(le).toBeGreaterThan(prev);
      prev = le;
    }
    expect(histUpperNs(NSLOTS - 1, NSLOTS)).toBe(Infinity);
    expect([0, 1, 4, 5, 8, 9, 12, 13, 16].map((s) => histUpperNs(s, NSLOTS))).toEqual([0, 1, 4, 5, 8, 10, 16, 20, 32]);
    for (const v of probeValues()) {
      const s = histSlot(v, NSLOTS);
      expect(v, `v=${v} slot=${s}`).toBeGreaterThanOrEqual(histLowerNs(s, NSLOTS));
      expect(v, `v=${v} slot=${s}`).toBeLessThanOrEqual(histUpperNs(s, NSLOTS));
    }
    for (let s = 1; s < NSLOTS - 1; s++) expect(histBelowNs(histUpperNs(s, NSLOTS))).toBe(histUpperNs(s - 1, NSLOTS));
    // the last finite bound is 2^37 ns; above it, the overflow bucket
    expect(histUpperNs(NSLOTS - 2, NSLOTS)).toBe(2 ** 37);
    expect(histSlot(2 ** 37 + 1, NSLOTS)).toBe(NSLOTS - 1);
  });

  const dir = mkdtempSync(join(tmpdir(), "bpflab-hist-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("bpf/hist.bpf.h, compiled as plain C, puts every value where histogram.ts does", () => {
    const src = join(dir, "harness.c");
    writeFileSync(
      src,
      [
        "#include <linux/types.h>",
        "#include <stdbool.h>",
        "#include <stdio.h>",
        "#ifndef __always_inline",
        "#define __always_inline inline __attribute__((always_inline))",
        "#endif",
        '#define barrier_var(v) asm volatile("" : "=r"(v) : "0"(v))',
        '#include "hist.bpf.h"',
        'int main(void) { unsigned long long v; while (scanf("%llu", &v) == 1) printf("%u\\n", hist_slot(v));',
        '  printf("slots %d\\n", BPFLAB_HIST_SLOTS); return 0; }',
      ].join("\n"),
    );
    const bin = join(dir, "harness");
    execFileSync("cc", ["-O2", "-Wall", "-I", join(packageRoot(), "bpf"), "-o", bin, src]);
    const values = probeValues();
    const out = execFileSync(bin, { input: values.join("\n") + "\n", encoding: "utf8" })
      .trim()
      .split("\n");
    expect(out.pop()).toBe(`slots ${NSLOTS}`);
    expect(out.map(Number)).toEqual(values.map((v) => histSlot(v, NSLOTS)));
  });
});

/** Writes `value` into the integer field at `path` ("key.tid", "val.slots") of a struct laid out by BTF. */
function put(buf: Buffer, layout: StructLayout, path: string[], value: number, elem = 0): void {
  let off = 0;
  let l = layout;
  for (let i = 0; i < path.length; i++) {
    const f = l.fields.find((x) => x.name === path[i])!;
    off += f.offset;
    let k = f.type;
    if (k.kind === "array") {
      off += elem * k.elemSize;
      k = k.elem;
    }
    if (k.kind === "struct") {
      l = k.struct;
      continue;
    }
    if (k.kind !== "int") throw new Error(`${path.join(".")} is not an integer`);
    if (k.size === 8) buf.writeBigUInt64LE(BigInt(value), off);
    else if (k.size === 4) buf.writeUInt32LE(value, off);
    else if (k.size === 2) buf.writeUInt16LE(value, off);
    else buf.writeUInt8(value, off);
  }
}

const ctx: DecodeContext = {
  intervalWallUs: 1_700_000_000_000_000,
  intervalRelS: 2,
  wallUs: () => 0,
  relS: () => 0,
  options: {},
};

const histFrames = Object.values(collectors).flatMap((c) =>
  c.frames.filter((f) => f.rowsPer).map((f) => [f.name, c, f] as const),
);

describe.each(histFrames)("frame %s (rowsPer)", (_name, c, frame) => {
  it("decodes a synthetic entry into one row per non-empty bucket, the key repeated on each", () => {
    const btf = Btf.ofObject(join(objectDir(), `${c.object}.bpf.o`));
    const src = frame.source as AggregateSourceDecl;
    const key = btf.struct(src.key)!;
    const val = btf.struct(src.value)!;
    const kb = Buffer.alloc(key.size);
    const vb = Buffer.alloc(val.size);
    const id = frame.identity!;
    // identity numbers from key or value, wherever this frame reads them
    const num = (path: string, v: number) => {
      const [slot, ...rest] = path.split(".");
      put(slot === "key" ? kb : vb, slot === "key" ? key : val, rest, v);
    };
    num(id.tid, 4242);
    num(id.pid, 4240);
    num(id.cgroup_id, 77);
    const counts = new Map([
      [0, 3],
      [9, 5],
      [60, 1],
      [NSLOTS - 1, 2],
    ]);
    // a value may hold several histograms one after the other (disk_hist: queue, service), a key column naming
    // each: every part gets the same buckets, its counts raised by its index to tell them apart
    const slotsLength = (val.fields.find((x) => x.name === "slots")!.type as Extract<FieldKind, { kind: "array" }>)
      .length;
    const parts = slotsLength / NSLOTS;
    const partColumn = Object.entries(frame.columns).find(([n, col]) => n !== "le_ns" && col.from === "val.slots[#]");
    expect(Number.isInteger(parts)).toBe(true);
    expect(partColumn !== undefined).toBe(parts > 1);
    for (let p = 0; p < parts; p++) for (const [slot, n] of counts) put(vb, val, ["slots"], n + p, p * NSLOTS + slot);
    const d = compileFrameDecoder(frame, btf, c.object);
    const out = new FrameBuilder(frame.schema, 16);
    d.decodeEntry(
      new DataView(kb.buffer, kb.byteOffset, kb.length),
      0,
      new DataView(vb.buffer, vb.byteOffset, vb.length),
      0,
      out as RowSink,
      ctx,
    );
    const f = out.finish(frame.name);
    const each = <T>(per: (p: number) => T[]) => Array.from({ length: parts }, (_, p) => per(p)).flat();
    expect(f.length).toBe(counts.size * parts);
    expect([...f.numeric("le_ns")]).toEqual(each(() => [...counts.keys()].map((s) => histUpperNs(s, NSLOTS))));
    expect([...f.numeric("count")]).toEqual(each((p) => [...counts.values()].map((n) => n + p)));
    if (partColumn) {
      const names = f.strings(partColumn[0]);
      const first = each((p) => [names[p * counts.size]!]);
      expect(new Set(first).size).toBe(parts);
      expect([...names]).toEqual(each((p) => Array<string>(counts.size).fill(first[p]!)));
    }
    expect(new Set(f.numeric("tid"))).toEqual(new Set([4242]));
    expect(new Set(f.numeric("pid"))).toEqual(new Set([4240]));
    expect(new Set(f.numeric("t_s"))).toEqual(new Set([2]));
  });
});
