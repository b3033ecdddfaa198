// The rodata config of an object (`const volatile struct <name>_cfg cfg`), written from the collector's declared
// values at the offsets the object's BTF gives: a field set by neither side, or a size that differs from the
// object's .rodata, is an error before load, never a silently padded buffer.

import { BpflabError } from "../errors.js";
import type { Btf, FieldLayout, StructLayout } from "../loader/btf.js";
import { filterActive, type FilterConfig } from "./schema.js";

/** The filter's fields (struct bpflab_filter_cfg), at the start of every collector's config. */
export function filterValues(f: FilterConfig): Record<string, number> {
  return { targ_tgid: f.tgid, filter_tgid: filterActive(f) ? 1 : 0, follow_children: f.followChildren ? 1 : 0 };
}

/**
 * The bytes of the object's .rodata with `cfg` filled in: `filter` from `filter`, every other field from
 * `values` (by field name). `initial` is the section's current content (other read-only data is kept).
 * @throws BpflabError when the object has no `cfg`, a value names no field, or a field is left unset.
 */
export function encodeConfig(
  btf: Btf,
  object: string,
  initial: Buffer,
  values: Record<string, number | boolean>,
  filter: FilterConfig,
): Buffer {
  const fail = (why: string): never => {
    throw new BpflabError(
      `${object}.bpf.o config: ${why}`,
      "the collector's config() and struct <name>_cfg in its header disagree: fix one, then `npm run build`",
    );
  };
  const cfg =
    btf.datasec(".rodata").find((v) => v.name === "cfg") ?? fail("no `const volatile struct … cfg` in .rodata");
  const layout = btf.structLayout(cfg.type);
  if (cfg.offset + layout.size > initial.length) {
    fail(`.rodata is ${initial.length} bytes, cfg needs ${cfg.offset + layout.size}`);
  }
  const out = Buffer.from(initial);
  const filterField = layout.fields.find((f) => f.name === "filter") ?? fail(`struct ${layout.name} has no filter`);
  if (filterField.type.kind !== "struct") fail(`${layout.name}.filter is not a struct`);
  writeStruct(
    out,
    cfg.offset + filterField.offset,
    (filterField.type as { struct: StructLayout }).struct,
    filterValues(filter),
    `${layout.name}.filter`,
    fail,
  );
  const own = { ...values };
  writeStruct(
    out,
    cfg.offset,
    { ...layout, fields: layout.fields.filter((f) => f.name !== "filter") },
    own,
    layout.name,
    fail,
  );
  return out;
}

function writeStruct(
  out: Buffer,
  base: number,
  layout: StructLayout,
  values: Record<string, number | boolean>,
  where: string,
  fail: (why: string) => never,
): void {
  const fields = new Map<string, FieldLayout>(layout.fields.map((f) => [f.name, f]));
  for (const name of Object.keys(values)) if (!fields.has(name)) fail(`${where} has no field ${name}`);
  for (const f of layout.fields) {
    if (/^pad/.test(f.name) || f.name === "") continue;
    const v = values[f.name];
    if (v === undefined) fail(`${where}.${f.name} is not set by the collector's config()`);
    if (f.type.kind !== "int") fail(`${where}.${f.name}: only integer config fields are supported`);
    const n = typeof v === "boolean" ? (v ? 1 : 0) : v!;
    writeInt(out, base + f.offset, f.size, n, `${where}.${f.name}`, fail);
  }
}

function writeInt(
  out: Buffer,
  off: number,
  size: number,
  v: number,
  where: string,
  fail: (why: string) => never,
): void {
  if (!Number.isInteger(v)) fail(`${where}: ${v} is not an integer`);
  const max = size === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (size * 8) - 1;
  if (v < -(2 ** (size * 8 - 1)) || v > max) fail(`${where}: ${v} does not fit ${size} byte(s)`);
  switch (size) {
    case 1:
      out.writeUInt8(v & 0xff, off);
      break;
    case 2:
      out.writeUInt16LE(v & 0xffff, off);
      break;
    case 4:
      out.writeUInt32LE(v >>> 0, off);
      break;
    case 8:
      out.writeBigInt64LE(BigInt(v), off);
      break;
    default:
      fail(`${where}: ${size}-byte integers are not supported`);
  }
}
