// Per-CPU map values folded into one: integer fields summed over the CPUs (counters are what per-CPU maps
// hold), anything else taken from the first CPU. Laid out from the value's BTF type.

import type { Btf, FieldKind } from "../loader/btf.js";

/** (per-CPU value buffer, CPUs, output) → the folded value in `out`. Slots are the value size rounded to 8. */
export type PerCpuFolder = (src: Buffer, srcOff: number, cpus: number, out: Buffer) => void;

export function perCpuFolder(btf: Btf, valueType: number): PerCpuFolder {
  const size = btf.sizeof(valueType);
  const slot = Math.ceil(size / 8) * 8;
  const ints: { off: number; size: number; signed: boolean }[] = [];
  const walk = (k: FieldKind, off: number) => {
    if (k.kind === "int") ints.push({ off, size: k.size, signed: k.signed });
    else if (k.kind === "struct") for (const f of k.struct.fields) walk(f.type, off + f.offset);
    else if (k.kind === "array") for (let i = 0; i < k.length; i++) walk(k.elem, off + i * k.elemSize);
  };
  walk(btf.fieldKind(valueType), 0);
  return (src, srcOff, cpus, out) => {
    src.copy(out, 0, srcOff, srcOff + size);
    for (const f of ints) {
      if (f.size === 8) {
        let s = 0n;
        for (let c = 0; c < cpus; c++) s += src.readBigUInt64LE(srcOff + c * slot + f.off);
        out.writeBigUInt64LE(s & 0xffffffffffffffffn, f.off);
      } else {
        let s = 0;
        for (let c = 0; c < cpus; c++) s += src.readUIntLE(srcOff + c * slot + f.off, f.size);
        out.writeUIntLE(s % 2 ** (8 * f.size), f.off, f.size);
      }
    }
  };
}
