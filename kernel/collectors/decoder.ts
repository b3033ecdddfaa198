// The one decoder of every collector: compiles a frame declaration against the object's BTF into readers
// that turn map entries or ring-buffer records into typed columns. Offsets, sizes and string lengths come
// from the BTF; nothing about a layout is typed twice.

import { BpflabError } from "../errors.js";
import type { Btf, BtfMapDef, FieldKind, StructLayout } from "../loader/btf.js";
import type { ColumnType } from "../frame/frame.js";
import type { ColumnDecl, FrameDecl, RowAccess } from "./schema.js";
import { identityColumns, timeColumns } from "./schema.js";

/** What decoded rows are written into (FrameBuilder). */
export interface RowSink {
  beginRow(): number;
  setNum(col: number, row: number, v: number): void;
  setBig(col: number, row: number, v: bigint): void;
  setStr(col: number, row: number, s: string): void;
  setNull?(col: number, row: number): void;
}

/** Time bases a decoder needs to stamp its rows. */
export interface DecodeContext {
  /** Aggregated rows: wall-clock start of the interval being drained (µs since epoch). */
  intervalWallUs: number;
  /** Aggregated rows: seconds from capture start to the interval's start. */
  intervalRelS: number;
  /** Monotonic ns (bpf_ktime_get_ns) → wall-clock µs since epoch. */
  wallUs(monoNs: bigint): number;
  /** Monotonic ns → seconds since capture start. */
  relS(monoNs: bigint): number;
  /** The collector's resolved options. */
  options: Readonly<Record<string, unknown>>;
  /** The collector's per-capture state (CollectorDecl.runtime), handed to column maps as `row.runtime`. */
  runtime?: unknown;
}

/** The structs an entry is made of: a map's key and value, or one ring-buffer record. */
type Slot = "key" | "val" | "rec";

/** The buffers of the entry being decoded, one view and offset per slot, and the array element of its row. */
interface Cursor {
  views: DataView[];
  offs: number[];
  /** Frames with `rowsPer`: the index of the element this row is (0 otherwise). */
  elem: number;
}

type NumReader = (c: Cursor) => number;
type Writer = (c: Cursor, out: RowSink, row: number, ctx: DecodeContext, acc: RowAccess) => void;

/** A compiled frame decoder: the same code for aggregates (key + value) and streams (record). */
export interface FrameDecoder {
  readonly frame: string;
  readonly kind: "aggregate" | "stream" | "snapshot";
  /** Aggregates: key and value sizes and the epoch field's offset in the key. */
  readonly keySize: number;
  readonly valueSize: number;
  readonly epochOffset: number;
  /** Streams: the record size. */
  readonly recordSize: number;
  /** Appends the row of one map entry (aggregates). */
  decodeEntry(kv: DataView, ko: number, vv: DataView, vo: number, out: RowSink, ctx: DecodeContext): void;
  /** Appends the row of one record (streams). */
  decodeRecord(rv: DataView, ro: number, out: RowSink, ctx: DecodeContext): void;
}

const NULL_READER: NumReader = () => 0;

/**
 * Compiles `frame` against `btf` (the object's) and checks it against the map definitions: the key/value or
 * record structs must exist, their sizes must equal the maps', and every field a column names must exist with
 * a type the column can hold. Throws BpflabError naming the mismatch.
 */
export function compileFrameDecoder(frame: FrameDecl<never>, btf: Btf, object: string): FrameDecoder {
  const fail = (why: string): never => {
    throw new BpflabError(
      `${object}.bpf.o, frame ${frame.name}: ${why}`,
      "the collector's declaration and its header disagree: fix kernel/collectors/<name>.ts or bpf/<name>.h, then `npm run build`",
    );
  };
  const maps = new Map<string, BtfMapDef>(btf.mapDefs().map((m) => [m.name, m]));
  const structOf = (name: string): StructLayout => btf.struct(name) ?? fail(`no struct ${name} in the object's BTF`);
  const src = frame.source;
  const slots: Partial<Record<Slot, { index: number; layout: StructLayout }>> = {};
  let keySize = 0,
    valueSize = 0,
    recordSize = 0,
    epochOffset = 0;
  if (src.kind === "aggregate") {
    const def = maps.get(src.map) ?? fail(`no map ${src.map}`);
    const key = structOf(src.key);
    const val = structOf(src.value);
    if (key.size !== def.keySize) fail(`struct ${key.name} is ${key.size} bytes, map ${src.map}'s key ${def.keySize}`);
    if (val.size !== def.valueSize)
      fail(`struct ${val.name} is ${val.size} bytes, map ${src.map}'s value ${def.valueSize}`);
    slots.key = { index: 0, layout: key };
    slots.val = { index: 1, layout: val };
    keySize = key.size;
    valueSize = val.size;
    const ep =
      key.fields.find((f) => f.name === (src.epoch ?? "epoch")) ?? fail(`struct ${key.name} has no epoch field`);
    if (ep.type.kind !== "int" || ep.size !== 4) fail(`${key.name}.${ep.name} must be a __u32`);
    epochOffset = ep.offset;
  } else if (src.kind === "snapshot") {
    const def = maps.get(src.map) ?? fail(`no map ${src.map}`);
    if (!def.keyType || !def.valueType) fail(`map ${src.map} declares no __type(key, …) and __type(value, …)`);
    const key = typeLayout(btf, def.keyType, "key");
    const val = typeLayout(btf, def.valueType, "value");
    slots.key = { index: 0, layout: key };
    slots.val = { index: 1, layout: val };
    keySize = key.size;
    valueSize = val.size;
    epochOffset = -1;
  } else {
    if (!maps.has(src.ring)) fail(`no ring buffer ${src.ring}`);
    const rec = structOf(src.record);
    slots.rec = { index: 0, layout: rec };
    recordSize = rec.size;
  }

  /** The byte offset, kind and slot of a field path such as "val.comm" or "key.nr". */
  const plainField = (path: string): { slot: number; offset: number; kind: FieldKind } => {
    const [head, ...rest] = path.split(".");
    const s = slots[head as Slot] ?? fail(`field ${path}: "${head}" is not one of ${Object.keys(slots).join(", ")}`);
    let layout = s.layout;
    let offset = 0;
    for (let i = 0; i < rest.length; i++) {
      const f = layout.fields.find((x) => x.name === rest[i]) ?? fail(`struct ${layout.name} has no field ${rest[i]}`);
      offset += f.offset;
      if (i === rest.length - 1) return { slot: s.index, offset, kind: f.type };
      if (f.type.kind !== "struct") fail(`${path}: ${rest[i]} is not a struct`);
      layout = (f.type as { struct: StructLayout }).struct;
    }
    return fail(`field ${path} names no member`);
  };
  // rowsPer: one row per element of an integer array; "<array>[]" reads the row's element, "<array>[#]" its index
  let perArray: { path: string; length: number; read: NumReader } | undefined;
  const field = (path: string): { slot: number; offset: number; kind: FieldKind; stride: number } => {
    const m = /^(.*)\[(#?)\]$/.exec(path);
    if (!m) return { ...plainField(path), stride: 0 };
    if (!perArray || m[1] !== perArray.path)
      fail(`field ${path}: only the rowsPer array (${perArray?.path}) has elements`);
    if (m[2] === "#") return { slot: -1, offset: 0, kind: { kind: "int", size: 4, signed: false }, stride: 0 };
    const a = plainField(m[1]!);
    const k = a.kind as Extract<FieldKind, { kind: "array" }>;
    return { slot: a.slot, offset: a.offset, kind: k.elem, stride: k.elemSize };
  };
  const numReader = (path: string): NumReader => {
    const f = field(path);
    if (f.kind.kind !== "int") fail(`field ${path} is not an integer`);
    if (f.slot < 0) return (c) => c.elem;
    return intReader(f.slot, f.offset, f.kind as Extract<FieldKind, { kind: "int" }>, f.stride);
  };
  if (frame.rowsPer) {
    const path = frame.rowsPer.array;
    const a = plainField(path);
    if (a.kind.kind !== "array" || a.kind.elem.kind !== "int") fail(`rowsPer ${path} is not an array of integers`);
    const k = a.kind as Extract<FieldKind, { kind: "array" }>;
    perArray = { path, length: k.length, read: NULL_READER };
    perArray.read = numReader(`${path}[]`);
  }
  const readers = new Map<string, NumReader>();
  const cachedReader = (path: string) => {
    let r = readers.get(path);
    if (!r) readers.set(path, (r = numReader(path)));
    return r;
  };

  const writers: Writer[] = [];
  const id = frame.identity;
  // ts, t_s: the record's own time, or the interval's start (the read's time, for a stream without one)
  const time = id ? id.time : frame.time;
  if (time) {
    const f = field(time);
    if (f.kind.kind !== "int" || f.kind.size !== 8) fail(`time field ${time} must be a 64-bit integer`);
    const slot = f.slot,
      off = f.offset;
    writers.push((c, out, r, ctx) => {
      const ns = c.views[slot]!.getBigUint64(c.offs[slot]! + off, true);
      out.setNum(0, r, ctx.wallUs(ns));
      out.setNum(1, r, ctx.relS(ns));
    });
  } else {
    writers.push((_c, out, r, ctx) => {
      out.setNum(0, r, ctx.intervalWallUs);
      out.setNum(1, r, ctx.intervalRelS);
    });
  }
  const idCols: [string, ColumnType, number][] = [
    ["pid", "u32", 2],
    ["tid", "u32", 3],
    ["comm", "str", 4],
    ["process", "str", 5],
    ["cgroup_id", "u64", 6],
  ];
  if (id) {
    for (const [name, type, col] of idCols) {
      const map = id.map?.[name as "comm" | "process"];
      writers.push(columnWriter(col, type, id[name as "pid"], map ? { map } : {}));
    }
  }
  if (identityColumns.length !== 7) throw new Error("identityColumns changed: update the decoder");
  let col = id ? identityColumns.length : timeColumns.length;
  // the frame's own columns follow the identity ones, in declaration order (the schema's order)
  for (const c of Object.values(frame.columns)) {
    const w = columnWriter(col++, c.type, c.from, c);
    if (c.onlyWhen) {
      const cond = cachedReader(c.onlyWhen.field);
      const allowed = new Set(c.onlyWhen.in);
      const k = col - 1;
      const type = c.type;
      writers.push((cur, out, r, ctx, acc) => {
        if (allowed.has(cond(cur))) w(cur, out, r, ctx, acc);
        else if (out.setNull) out.setNull(k, r);
        // without NULLs, the type's zero value (a string cell left unset would read as the dictionary's first)
        else if (type === "str") out.setStr(k, r, "");
        else if (type === "u64") out.setBig(k, r, 0n);
        else out.setNum(k, r, 0);
      });
    } else {
      writers.push(w);
    }
  }

  function columnWriter(
    col: number,
    type: ColumnType,
    from: string,
    c: Partial<Pick<ColumnDecl, "map" | "scale" | "lengthFrom">>,
  ): Writer {
    const f = field(from);
    const map = c.map;
    if (f.slot < 0) {
      // the element's index: a number, or what `map` makes of it (a histogram bucket's bound)
      if (type === "u64" || (type === "str" && !map)) fail(`column from ${from} (an index) must be a number type`);
      if (type === "str") return (cur, out, r, _ctx, acc) => out.setStr(col, r, String(map!(cur.elem, acc)));
      return (cur, out, r, _ctx, acc) => out.setNum(col, r, map ? Number(map(cur.elem, acc)) : cur.elem);
    }
    const scaleOf =
      typeof c.scale === "function" ? c.scale : c.scale !== undefined ? () => c.scale as number : undefined;
    if (f.kind.kind === "chars") {
      if (f.stride) fail(`field ${from}: arrays of strings are not supported`);
      const len = f.kind.length;
      const slot = f.slot,
        off = f.offset;
      const used = c.lengthFrom ? cachedReader(c.lengthFrom) : undefined;
      if (type !== "str" && !map) fail(`field ${from} is a char array: its column must be "str"`);
      return (cur, out, r, _ctx, acc) => {
        const v = cur.views[slot]!;
        const n = used ? Math.min(len, used(cur)) : len;
        let s = used ? argvString(v, cur.offs[slot]! + off, n) : cstr(v, cur.offs[slot]! + off, n);
        if (map) s = String(map(s, acc));
        out.setStr(col, r, s);
      };
    }
    if (f.kind.kind !== "int") return fail(`field ${from} is neither an integer nor a char array`);
    const kind = f.kind;
    if (type === "u64") {
      const slot = f.slot,
        off = f.offset,
        stride = f.stride;
      if (kind.size !== 8) fail(`column from ${from}: u64 columns need a 64-bit field`);
      return (cur, out, r, _ctx, acc) => {
        const b = cur.views[slot]!.getBigUint64(cur.offs[slot]! + off + cur.elem * stride, true);
        out.setBig(col, r, map ? BigInt(map(b, acc)) : b);
      };
    }
    const read = intReader(f.slot, f.offset, kind, f.stride);
    if (type === "str") {
      if (!map) fail(`column from integer field ${from} is "str": give it a map (number → name)`);
      return (cur, out, r, _ctx, acc) => out.setStr(col, r, String(map!(read(cur), acc)));
    }
    if (scaleOf) {
      return (cur, out, r, _ctx, acc) => {
        const v = read(cur) * scaleOf();
        out.setNum(col, r, map ? Number(map(v, acc)) : v);
      };
    }
    return map
      ? (cur, out, r, _ctx, acc) => out.setNum(col, r, Number(map(read(cur), acc)))
      : (cur, out, r) => out.setNum(col, r, read(cur));
  }

  const cursor: Cursor = { views: [], offs: [], elem: 0 };
  let ctxNow: DecodeContext | undefined;
  const acc: RowAccess = {
    num: (path) => cachedReader(path)(cursor),
    get options() {
      return ctxNow?.options ?? {};
    },
    get runtime() {
      return ctxNow?.runtime;
    },
    arrayLength: perArray?.length ?? 0,
  };
  const row = (out: RowSink, ctx: DecodeContext) => {
    const r = out.beginRow();
    for (const w of writers) w(cursor, out, r, ctx, acc);
  };
  const skipZero = frame.rowsPer?.skipZero ?? false;
  const run = (out: RowSink, ctx: DecodeContext) => {
    ctxNow = ctx;
    if (!perArray) return row(out, ctx);
    const { length, read } = perArray;
    for (let i = 0; i < length; i++) {
      cursor.elem = i;
      if (skipZero && read(cursor) === 0) continue;
      row(out, ctx);
    }
    cursor.elem = 0;
  };
  return {
    frame: frame.name,
    kind: src.kind,
    keySize,
    valueSize,
    epochOffset,
    recordSize,
    decodeEntry(kv, ko, vv, vo, out, ctx) {
      cursor.views[0] = kv;
      cursor.offs[0] = ko;
      cursor.views[1] = vv;
      cursor.offs[1] = vo;
      run(out, ctx);
    },
    decodeRecord(rv, ro, out, ctx) {
      cursor.views[0] = rv;
      cursor.offs[0] = ro;
      run(out, ctx);
    },
  };
}

/** A map's key or value type as a struct: its own layout, or a scalar as the one field `name` at offset 0. */
function typeLayout(btf: Btf, id: number, name: string): StructLayout {
  const kind = btf.fieldKind(id);
  if (kind.kind === "struct") return kind.struct;
  return { name, size: btf.sizeof(id), fields: [{ name, offset: 0, size: btf.sizeof(id), type: kind }] };
}

/**
 * Reads an integer field as a Number (64-bit values exactly up to 2^53); with a `stride`, element `c.elem` of
 * the array starting at `off`.
 */
function intReader(slot: number, off: number, k: { size: 1 | 2 | 4 | 8; signed: boolean }, stride = 0): NumReader {
  if (stride) {
    const at = intReader(0, 0, k);
    const c0: Cursor = { views: [], offs: [], elem: 0 };
    return (c) => {
      c0.views[0] = c.views[slot]!;
      c0.offs[0] = c.offs[slot]! + off + c.elem * stride;
      return at(c0);
    };
  }
  switch (k.size) {
    case 1:
      return k.signed
        ? (c) => c.views[slot]!.getInt8(c.offs[slot]! + off)
        : (c) => c.views[slot]!.getUint8(c.offs[slot]! + off);
    case 2:
      return k.signed
        ? (c) => c.views[slot]!.getInt16(c.offs[slot]! + off, true)
        : (c) => c.views[slot]!.getUint16(c.offs[slot]! + off, true);
    case 4:
      return k.signed
        ? (c) => c.views[slot]!.getInt32(c.offs[slot]! + off, true)
        : (c) => c.views[slot]!.getUint32(c.offs[slot]! + off, true);
    case 8:
      // two 32-bit reads: cheaper than a BigInt per value
      return k.signed
        ? (c) => {
            const v = c.views[slot]!,
              o = c.offs[slot]! + off;
            return v.getInt32(o + 4, true) * 4294967296 + v.getUint32(o, true);
          }
        : (c) => {
            const v = c.views[slot]!,
              o = c.offs[slot]! + off;
            return v.getUint32(o + 4, true) * 4294967296 + v.getUint32(o, true);
          };
  }
  return NULL_READER;
}

/** A NUL-terminated string of at most `len` bytes. */
export function cstr(v: DataView, off: number, len: number): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset + off, len);
  let end = bytes.indexOf(0);
  if (end < 0) end = len;
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString("utf8");
}

/** `n` bytes of NUL-separated strings (argv), joined by spaces. */
function argvString(v: DataView, off: number, n: number): string {
  if (n <= 0) return "";
  return Buffer.from(v.buffer, v.byteOffset + off, n)
    .toString("utf8")
    .replace(/\0+$/, "")
    .replace(/\0/g, " ");
}
