// BTF of a built BPF object (its .BTF ELF section), parsed in TypeScript: struct layouts, map definitions and
// the rodata config, so decoders read offsets from the object itself instead of tables typed by hand.
// Needs no libbpf and no privileges (replay, tests and layout checks read the file only).

import { readFileSync, statSync } from "node:fs";
import { BpflabError } from "../errors.js";

/** BTF kinds (include/uapi/linux/btf.h). */
export const BTF_KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

export interface BtfMember {
  name: string;
  /** Type id of the member. */
  type: number;
  /** Offset from the start of the struct, in bits. */
  bitOffset: number;
  /** Bitfield width; 0 for a plain member. */
  bitSize: number;
}

export interface BtfType {
  id: number;
  kind: number;
  name: string;
  /** INT, STRUCT, UNION, ENUM, FLOAT, DATASEC: size in bytes. */
  size: number;
  /** PTR, TYPEDEF, CV-qualifiers, VAR, FUNC: the referenced type. */
  ref: number;
  /** INT: bits and signedness. */
  intBits?: number;
  intSigned?: boolean;
  intChar?: boolean;
  intBool?: boolean;
  /** ARRAY: element type and count. */
  elemType?: number;
  nelems?: number;
  /** STRUCT/UNION. */
  members?: BtfMember[];
  /** DATASEC: variables and their offsets. */
  vars?: { type: number; offset: number; size: number }[];
}

/** What a field is, as a decoder needs to read it. */
export type FieldKind =
  | { kind: "int"; size: 1 | 2 | 4 | 8; signed: boolean }
  | { kind: "chars"; length: number }
  | { kind: "array"; elem: FieldKind; elemSize: number; length: number }
  | { kind: "struct"; struct: StructLayout }
  | { kind: "other"; size: number };

export interface FieldLayout {
  name: string;
  /** Byte offset in the enclosing struct. */
  offset: number;
  size: number;
  type: FieldKind;
}

export interface StructLayout {
  name: string;
  size: number;
  fields: FieldLayout[];
}

/** A map of the object as its BTF `.maps` definition declares it. */
export interface BtfMapDef {
  name: string;
  /** BPF_MAP_TYPE_* number. */
  mapType: number;
  maxEntries: number;
  /** Key and value type ids (0 when given as key_size/value_size only). */
  keyType: number;
  valueType: number;
  keySize: number;
  valueSize: number;
}

export class Btf {
  private readonly types: BtfType[] = [];
  private readonly byNameKind = new Map<string, BtfType>();
  private readonly structCache = new Map<number, StructLayout>();

  private constructor(types: BtfType[]) {
    this.types = types;
    for (const t of types) {
      if (t && t.name) {
        const k = `${t.kind}:${t.name}`;
        if (!this.byNameKind.has(k)) this.byNameKind.set(k, t);
      }
    }
  }

  /** Parses raw BTF (a .BTF section, or /sys/kernel/btf/vmlinux). */
  static parse(buf: Buffer, what = "BTF"): Btf {
    return new Btf(parseTypes(buf, what));
  }

  /** The BTF of a BPF object file, parsed once per file version. */
  static ofObject(path: string): Btf {
    const st = statSync(path);
    const key = `${path}:${st.mtimeMs}:${st.size}`;
    let b = objectCache.get(key);
    if (!b) {
      const section = elfSection(readFileSync(path), ".BTF", path);
      b = Btf.parse(section, `${path} .BTF`);
      objectCache.set(key, b);
    }
    return b;
  }

  type(id: number): BtfType {
    const t = this.types[id];
    if (!t) throw new Error(`BTF type id ${id} out of range`);
    return t;
  }

  /** Follows typedefs, const/volatile/restrict and type tags down to the underlying type. */
  resolve(id: number): BtfType {
    let t = this.type(id);
    for (let guard = 0; guard < 64; guard++) {
      if (
        t.kind === BTF_KIND.TYPEDEF ||
        t.kind === BTF_KIND.VOLATILE ||
        t.kind === BTF_KIND.CONST ||
        t.kind === BTF_KIND.RESTRICT ||
        t.kind === BTF_KIND.TYPE_TAG
      ) {
        t = this.type(t.ref);
      } else {
        return t;
      }
    }
    throw new Error(`BTF type ${id}: typedef chain too long`);
  }

  /** Size in bytes of a type. */
  sizeof(id: number): number {
    const t = this.resolve(id);
    switch (t.kind) {
      case BTF_KIND.INT:
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
      case BTF_KIND.FLOAT:
      case BTF_KIND.DATASEC:
        return t.size;
      case BTF_KIND.PTR:
        return 8;
      case BTF_KIND.ARRAY:
        return this.sizeof(t.elemType!) * t.nelems!;
      default:
        throw new Error(`BTF type ${id} (${t.name || "anonymous"}, kind ${t.kind}) has no size`);
    }
  }

  find(name: string, kind: number): BtfType | undefined {
    return this.byNameKind.get(`${kind}:${name}`);
  }

  /** The layout of `struct name` (accepts "struct x" or "x"); undefined when the object has no such struct. */
  struct(name: string): StructLayout | undefined {
    const t = this.find(name.replace(/^struct\s+/, ""), BTF_KIND.STRUCT);
    return t ? this.structLayout(t.id) : undefined;
  }

  /** Layout of the struct type `id` (typedefs followed). */
  structLayout(id: number): StructLayout {
    const t = this.resolve(id);
    const cached = this.structCache.get(t.id);
    if (cached) return cached;
    if (t.kind !== BTF_KIND.STRUCT && t.kind !== BTF_KIND.UNION) {
      throw new Error(`BTF type ${id} (${t.name}) is not a struct`);
    }
    const layout: StructLayout = { name: t.name, size: t.size, fields: [] };
    this.structCache.set(t.id, layout);
    for (const m of t.members ?? []) {
      layout.fields.push({
        name: m.name,
        offset: m.bitOffset / 8,
        size: m.bitSize ? Math.ceil(m.bitSize / 8) : this.sizeof(m.type),
        type: this.fieldKind(m.type),
      });
    }
    return layout;
  }

  /** What a value of type `id` is, as decoders see it. */
  fieldKind(id: number): FieldKind {
    const t = this.resolve(id);
    if (t.kind === BTF_KIND.INT || t.kind === BTF_KIND.ENUM || t.kind === BTF_KIND.ENUM64) {
      const size = t.size as 1 | 2 | 4 | 8;
      return { kind: "int", size, signed: t.kind === BTF_KIND.INT ? !!t.intSigned : false };
    }
    if (t.kind === BTF_KIND.PTR) return { kind: "int", size: 8, signed: false };
    if (t.kind === BTF_KIND.ARRAY) {
      const e = this.resolve(t.elemType!);
      if (e.kind === BTF_KIND.INT && e.size === 1 && (e.intChar || e.name === "char" || e.name === "unsigned char")) {
        return { kind: "chars", length: t.nelems! };
      }
      return {
        kind: "array",
        elem: this.fieldKind(t.elemType!),
        elemSize: this.sizeof(t.elemType!),
        length: t.nelems!,
      };
    }
    if (t.kind === BTF_KIND.STRUCT || t.kind === BTF_KIND.UNION)
      return { kind: "struct", struct: this.structLayout(t.id) };
    return { kind: "other", size: this.sizeof(t.id) };
  }

  /** Variables of a data section (".rodata", ".bss", ".maps", ...): name, type id, offset, size. */
  datasec(name: string): { name: string; type: number; offset: number; size: number }[] {
    const sec = this.find(name, BTF_KIND.DATASEC);
    if (!sec) return [];
    return (sec.vars ?? []).map((v) => {
      const vt = this.type(v.type);
      return { name: vt.name, type: vt.ref, offset: v.offset, size: v.size };
    });
  }

  /** The maps of a BPF object as declared in its `.maps` section (libbpf's BTF-defined maps). */
  mapDefs(): BtfMapDef[] {
    return this.datasec(".maps").map((v) => {
      const t = this.resolve(v.type);
      const def2: BtfMapDef = {
        name: v.name,
        mapType: 0,
        maxEntries: 0,
        keyType: 0,
        valueType: 0,
        keySize: 0,
        valueSize: 0,
      };
      // __uint(name, N) is `int (*name)[N]`; __type(name, T) is `T *name`
      for (const m of t.members ?? []) {
        const p = this.type(m.type);
        if (p.kind !== BTF_KIND.PTR) continue;
        const target = this.type(p.ref);
        const n = target.kind === BTF_KIND.ARRAY ? target.nelems! : 0;
        switch (m.name) {
          case "type":
            def2.mapType = n;
            break;
          case "max_entries":
            def2.maxEntries = n;
            break;
          case "key_size":
            def2.keySize = n;
            break;
          case "value_size":
            def2.valueSize = n;
            break;
          case "key":
            def2.keyType = p.ref;
            def2.keySize = this.sizeof(p.ref);
            break;
          case "value":
            def2.valueType = p.ref;
            def2.valueSize = this.sizeof(p.ref);
            break;
        }
      }
      return def2;
    });
  }
}

const objectCache = new Map<string, Btf>();

/** The bytes of ELF section `name` (64-bit little-endian objects, as clang -target bpf writes them). */
export function elfSection(elf: Buffer, name: string, what: string): Buffer {
  const bad = (why: string) =>
    new BpflabError(`${what}: ${why}`, "rebuild the BPF objects with `npm run build:bpf` (part of the setup command)");
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) throw bad("not an ELF file");
  if (elf[4] !== 2 || elf[5] !== 1) throw bad("not a 64-bit little-endian ELF object");
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const shstrndx = elf.readUInt16LE(0x3e);
  const sh = (i: number) => {
    const o = shoff + i * shentsize;
    return {
      name: elf.readUInt32LE(o),
      offset: Number(elf.readBigUInt64LE(o + 24)),
      size: Number(elf.readBigUInt64LE(o + 32)),
    };
  };
  if (shstrndx >= shnum) throw bad("no section name table");
  const strtab = sh(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    const nameStart = strtab.offset + s.name;
    const nameEnd = elf.indexOf(0, nameStart);
    if (elf.toString("latin1", nameStart, nameEnd) === name) return elf.subarray(s.offset, s.offset + s.size);
  }
  throw bad(`no ${name} section (built without -g?)`);
}

function parseTypes(buf: Buffer, what: string): BtfType[] {
  if (buf.length < 24 || buf.readUInt16LE(0) !== 0xeb9f) {
    throw new BpflabError(`${what}: not BTF (bad magic)`, "rebuild the BPF objects with `npm run build:bpf`");
  }
  const hdrLen = buf.readUInt32LE(4);
  const typeOff = buf.readUInt32LE(8);
  const typeLen = buf.readUInt32LE(12);
  const strOff = buf.readUInt32LE(16);
  const strLen = buf.readUInt32LE(20);
  const strBase = hdrLen + strOff;
  const str = (off: number): string => {
    if (off >= strLen) return "";
    const s = strBase + off;
    const e = buf.indexOf(0, s);
    return buf.toString("utf8", s, e < 0 ? strBase + strLen : e);
  };
  const types: BtfType[] = [{ id: 0, kind: 0, name: "void", size: 0, ref: 0 }];
  let p = hdrLen + typeOff;
  const end = p + typeLen;
  while (p < end) {
    const nameOff = buf.readUInt32LE(p);
    const info = buf.readUInt32LE(p + 4);
    const sizeOrType = buf.readUInt32LE(p + 8);
    p += 12;
    const vlen = info & 0xffff;
    const kind = (info >>> 24) & 0x1f;
    const kindFlag = info >>> 31 === 1;
    const t: BtfType = { id: types.length, kind, name: str(nameOff), size: 0, ref: 0 };
    switch (kind) {
      case BTF_KIND.INT: {
        const enc = buf.readUInt32LE(p);
        p += 4;
        t.size = sizeOrType;
        t.intBits = enc & 0xff;
        const e = (enc >>> 24) & 0x0f;
        t.intSigned = (e & 1) !== 0;
        t.intChar = (e & 2) !== 0;
        t.intBool = (e & 4) !== 0;
        break;
      }
      case BTF_KIND.ARRAY:
        t.elemType = buf.readUInt32LE(p);
        t.nelems = buf.readUInt32LE(p + 8);
        p += 12;
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        t.size = sizeOrType;
        t.members = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const off = buf.readUInt32LE(p + 8);
          t.members.push({
            name: str(buf.readUInt32LE(p)),
            type: buf.readUInt32LE(p + 4),
            bitOffset: kindFlag ? off & 0xffffff : off,
            bitSize: kindFlag ? off >>> 24 : 0,
          });
        }
        break;
      case BTF_KIND.ENUM:
        t.size = sizeOrType;
        p += vlen * 8;
        break;
      case BTF_KIND.ENUM64:
        t.size = sizeOrType;
        p += vlen * 12;
        break;
      case BTF_KIND.FUNC_PROTO:
        t.ref = sizeOrType;
        p += vlen * 8;
        break;
      case BTF_KIND.VAR:
        t.ref = sizeOrType;
        p += 4;
        break;
      case BTF_KIND.DATASEC:
        t.size = sizeOrType;
        t.vars = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          t.vars.push({ type: buf.readUInt32LE(p), offset: buf.readUInt32LE(p + 4), size: buf.readUInt32LE(p + 8) });
        }
        break;
      case BTF_KIND.DECL_TAG:
        t.ref = sizeOrType;
        p += 4;
        break;
      case BTF_KIND.FLOAT:
        t.size = sizeOrType;
        break;
      case BTF_KIND.PTR:
      case BTF_KIND.FWD:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.FUNC:
      case BTF_KIND.TYPE_TAG:
        t.ref = sizeOrType;
        break;
      default:
        throw new BpflabError(`${what}: unknown BTF kind ${kind}`, "this bpflab is older than the BTF it reads");
    }
    types.push(t);
  }
  return types;
}
