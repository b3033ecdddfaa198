// The header is the contract: each struct's size and field offsets in the built object's BTF equal the
// offsets the TypeScript decoders read at.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryLayout } from "../../kernel/collectors/memory.js";
import { netLayout } from "../../kernel/collectors/net.js";
import { processLayout } from "../../kernel/collectors/process.js";
import { schedLayout } from "../../kernel/collectors/sched.js";
import { syscallsLayout } from "../../kernel/collectors/syscalls.js";
import { ufuncLayout } from "../../kernel/collectors/ufunc.js";
import { objectDir } from "../../kernel/paths.js";

interface BtfStruct {
  name: string;
  kind: string;
  size: number;
  members: { name: string; bits_offset: number }[];
}

function structs(object: string): Map<string, BtfStruct> {
  const out = execFileSync("bpftool", ["btf", "dump", "file", join(objectDir(), `${object}.bpf.o`), "-j"], {
    encoding: "utf8",
  });
  const types = (JSON.parse(out) as { types: BtfStruct[] }).types;
  return new Map(types.filter((t) => t.kind === "STRUCT").map((t) => [t.name, t]));
}

const cases: [string, Record<string, Record<string, number>>][] = [
  ["syscalls", syscallsLayout],
  ["sched", schedLayout],
  ["process", processLayout],
  ["memory", memoryLayout],
  ["net", netLayout],
  ["ufunc", ufuncLayout],
];

describe.each(cases)("%s.bpf.o layout", (object, layout) => {
  const btf = structs(object);
  it.each(Object.keys(layout))("struct %s matches the decoder", (name) => {
    const s = btf.get(name);
    expect(s, `struct ${name} is not in ${object}.bpf.o's BTF`).toBeDefined();
    const { size, ...fields } = layout[name]!;
    expect(s!.size).toBe(size);
    const btfOffsets = Object.fromEntries(
      s!.members.filter((m) => m.name !== "pad").map((m) => [m.name, m.bits_offset / 8]),
    );
    expect(fields).toEqual(btfOffsets);
  });
});
