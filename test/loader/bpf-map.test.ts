// BpfMap against a real kernel map (the tracker's hash map, loaded, never attached): batched reads, the
// key-by-key fallback, batched deletes that skip missing keys, and nothing left open afterwards.

import { join } from "node:path";
import { describe, expect } from "vitest";
import { BpfObject } from "../../kernel/loader/bpf-object.js";
import { objectDir } from "../../kernel/paths.js";
import { liveIt, resources, settledResources } from "../helpers/live.js";

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

describe("BpfMap on a kernel map", () => {
  liveIt("reads every entry in batches and key by key alike, and deletes in batches", async () => {
    const before = resources();
    const obj = BpfObject.open(join(objectDir(), "tracker.bpf.o"));
    try {
      const map = obj.map("tracked");
      map.setMaxEntries(4096);
      obj.load();
      const N = 3000;
      for (let i = 1; i <= N; i++) map.update(u32(i), u64(i * 10));
      // a fresh BpfMap each time: its buffers start small and grow as the read goes (256 → 4,096 entries)
      const read = (method: "batch" | "keys") => {
        const { keys, values, count } = obj.map("tracked").readAll(256, method);
        const m = new Map<number, number>();
        for (let i = 0; i < count; i++) m.set(keys.readUInt32LE(i * 4), Number(values.readBigUInt64LE(i * 8)));
        return m;
      };
      const batched = read("batch");
      expect(batched.size).toBe(N);
      for (let i = 1; i <= N; i++) expect(batched.get(i)).toBe(i * 10);
      expect(read("keys")).toEqual(batched);
      // delete the even keys and some that were never there: the missing ones are skipped
      const evens = Buffer.concat([...Array(N / 2).keys()].map((i) => u32(2 * (i + 1))));
      map.deleteKeys(Buffer.concat([u32(999_999), evens, u32(888_888)]), N / 2 + 2);
      const left = read("batch");
      expect(left.size).toBe(N / 2);
      expect([...left.keys()].every((k) => k % 2 === 1)).toBe(true);
      expect(map.lookup(u32(2))).toBeUndefined();
      expect(map.lookup(u32(3))!.readBigUInt64LE(0)).toBe(30n);
    } finally {
      obj.close();
    }
    expect(await settledResources(before)).toEqual(before);
  });

  liveIt("an initial value of the wrong size is refused, not padded", () => {
    const obj = BpfObject.open(join(objectDir(), "tracker.bpf.o"));
    try {
      const rodata = obj.map(".rodata");
      const size = rodata.initialValue().length;
      expect(size).toBeGreaterThan(0);
      expect(() => rodata.setInitialValue(Buffer.alloc(size + 1))).toThrow(/bytes given/);
      expect(() => rodata.setInitialValue(Buffer.alloc(size))).not.toThrow();
    } finally {
      obj.close();
    }
  });
});
