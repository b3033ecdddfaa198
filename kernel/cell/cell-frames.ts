// The frames of a collector written in a cell, read from its object's BTF: one per hash, per-CPU hash, LRU or
// array map (key and value fields as columns), one per ring buffer whose record type the cell names. Nothing
// is declared by hand; the decoder checks the same BTF again at load.

import { OptionError } from "../errors.js";
import type { ColumnType } from "../frame/frame.js";
import { Btf, BTF_KIND, FieldKind } from "../loader/btf.js";
import type { ColumnDecl, FrameDecl } from "../collectors/schema.js";
import { SHARED_MAPS } from "../capture/collector-session.js";

/** BPF_MAP_TYPE_* of the maps that become frames, and whether their values are per CPU. */
const TABLE_MAPS: Record<number, { perCpu: boolean; what: string }> = {
  1: { perCpu: false, what: "hash" },
  2: { perCpu: false, what: "array" },
  5: { perCpu: true, what: "per-CPU hash" },
  6: { perCpu: true, what: "per-CPU array" },
  9: { perCpu: false, what: "LRU hash" },
  10: { perCpu: true, what: "LRU per-CPU hash" },
};
const RINGBUF = 27;
/** Names every frame row already has. */
const RESERVED = new Set(["ts", "t_s"]);

export interface CellFrameOptions {
  /** Maps whose entries are deleted as they are read (per-interval values); true: every map. */
  drain?: boolean | readonly string[];
  /** Ring buffer → record struct ("struct event" or "event"), besides BPFLAB_RECORD(ring, type) in the C. */
  rings?: Readonly<Record<string, string>>;
}

/** The frames of a cell's object: named after their maps. */
export function cellFrames(cell: string, btf: Btf, o: CellFrameOptions = {}): FrameDecl[] {
  const shared = new Set<string>(Object.values(SHARED_MAPS));
  const defs = btf.mapDefs().filter((m) => !shared.has(m.name) && !m.name.startsWith("."));
  const drains = (name: string) => o.drain === true || (Array.isArray(o.drain) && o.drain.includes(name));
  for (const n of Array.isArray(o.drain) ? o.drain : []) {
    if (!defs.some((d) => d.name === n)) {
      throw new OptionError(
        `cell ${cell}: drain names no map "${n}"`,
        `its maps: ${defs.map((d) => d.name).join(", ")}`,
      );
    }
  }
  const records = recordTypes(btf);
  for (const [ring, t] of Object.entries(o.rings ?? {})) records.set(ring, t.replace(/^struct\s+/, ""));
  const frames: FrameDecl[] = [];
  for (const def of defs) {
    const kind = TABLE_MAPS[def.mapType];
    if (kind) {
      if (!def.keyType || !def.valueType) continue; // sized by key_size/value_size: nothing to name columns by
      const columns: Record<string, ColumnDecl> = {};
      addColumns(columns, btf, def.keyType, "key", cell, def.name);
      addColumns(columns, btf, def.valueType, "val", cell, def.name);
      frames.push({
        name: def.name,
        source: { kind: "snapshot", map: def.name, drain: drains(def.name), perCpuValues: kind.perCpu },
        columns,
      });
    } else if (def.mapType === RINGBUF) {
      const rec = records.get(def.name);
      if (!rec) continue;
      const layout = btf.struct(rec);
      if (!layout)
        throw new OptionError(
          `cell ${cell}: ring ${def.name}'s record struct ${rec} is not in the object`,
          "name a struct the program uses",
        );
      const columns: Record<string, ColumnDecl> = {};
      const t = btf.find(rec, BTF_KIND.STRUCT)!;
      addColumns(columns, btf, t.id, "rec", cell, def.name);
      const hasTime = layout.fields.some((f) => f.name === "ts_ns" && f.type.kind === "int" && f.size === 8);
      frames.push({
        name: def.name,
        source: { kind: "stream", ring: def.name, record: rec },
        columns,
        ...(hasTime ? { time: "rec.ts_ns" } : {}),
      });
    }
  }
  return frames;
}

/** Ring → record struct named in the C with BPFLAB_RECORD(ring, struct x): a global `__bpflab_record_<ring>`. */
function recordTypes(btf: Btf): Map<string, string> {
  const out = new Map<string, string>();
  for (const sec of [".bss", ".data"]) {
    for (const v of btf.datasec(sec)) {
      const m = /^__bpflab_record_(.+)$/.exec(v.name);
      if (!m) continue;
      const p = btf.resolve(v.type);
      if (p.kind !== BTF_KIND.PTR) continue;
      const target = btf.resolve(p.ref);
      if (target.kind === BTF_KIND.STRUCT && target.name) out.set(m[1]!, target.name);
    }
  }
  return out;
}

/** Columns for a key, value or record type: a scalar is one column, a struct one per (flattened) field. */
function addColumns(
  out: Record<string, ColumnDecl>,
  btf: Btf,
  typeId: number,
  slot: "key" | "val" | "rec",
  cell: string,
  map: string,
): void {
  const kind = btf.fieldKind(typeId);
  const scalar = slot === "key" ? "key" : "value";
  const add = (name: string, from: string, k: FieldKind, what: string) => {
    const type = columnType(k);
    if (!type) return;
    let col = name;
    if (RESERVED.has(col) || col in out) col = `${slot === "val" ? "value" : slot}_${name}`;
    if (col in out) throw new OptionError(`cell ${cell}, map ${map}: two fields make column ${col}`, "rename one");
    out[col] = {
      from,
      type,
      description: `${what} (${k.kind === "chars" ? `char[${k.length}]` : `${k.kind === "int" ? (k.signed ? "s" : "u") : ""}${k.kind === "int" ? k.size * 8 : ""}`})`,
    };
  };
  const walk = (k: FieldKind, name: string, path: string, what: string) => {
    if (k.kind === "struct") {
      for (const f of k.struct.fields) {
        if (!f.name) continue;
        walk(f.type, name ? `${name}_${f.name}` : f.name, `${path}.${f.name}`, `${what}.${f.name}`);
      }
    } else {
      // integers and char arrays become columns; other arrays and pointers-as-data are left out
      add(name || scalar, path, k, what);
    }
  };
  if (kind.kind === "struct") walk(kind, "", slot, `${map} ${slot === "val" ? "value" : slot}`);
  else add(scalar, `${slot}.${scalar}`, kind, `${map} ${scalar}`);
}

/** The column type of a field: integers as numbers (exact below 2^53), char arrays as strings. */
function columnType(k: FieldKind): ColumnType | undefined {
  if (k.kind === "chars") return "str";
  if (k.kind !== "int") return undefined;
  if (k.size === 8) return "i64";
  if (k.size === 4) return k.signed ? "i32" : "u32";
  return k.signed ? "i32" : "u32";
}
