// The header is the contract: every registered collector's declaration compiles against its built object's
// BTF (structs exist, sizes equal the maps', every column's field exists with a type the column can hold), its
// config fills every field of struct <name>_cfg, and the shared control struct is what the engine writes.

import { join } from "node:path";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { collectors } from "../../kernel/collectors/registry.js";
import { compileFrameDecoder } from "../../kernel/collectors/decoder.js";
import { encodeConfig } from "../../kernel/collectors/config-encoder.js";
import { Btf, BTF_KIND } from "../../kernel/loader/btf.js";
import { objectDir, packageRoot } from "../../kernel/paths.js";
import { BpflabError } from "../../kernel/errors.js";

const all = Object.values(collectors);

describe.each(all.map((c) => [c.name, c] as const))("collector %s", (_name, c) => {
  const btf = Btf.ofObject(join(objectDir(), `${c.object}.bpf.o`));

  it.each(c.frames.map((f) => [f.name, f] as const))("frame %s compiles against the object's BTF", (_f, frame) => {
    const d = compileFrameDecoder(frame, btf, c.object);
    expect(d.frame).toBe(frame.name);
    if (d.kind === "aggregate") {
      const src = frame.source as { map: string };
      const def = btf.mapDefs().find((m) => m.name === src.map)!;
      expect([d.keySize, d.valueSize]).toEqual([def.keySize, def.valueSize]);
    } else {
      expect(d.recordSize).toBeGreaterThan(0);
    }
  });

  // options may move a frame's rows into another map (syscalls --hist: counts and buckets in one element)
  const histOpts = c.options.some((o) => o.name === "histogram")
    ? c.resolveOptions(c.name === "ufunc" ? { histogram: true, functions: ["/bin/sh:main"] } : { histogram: true })
    : undefined;
  const moved = histOpts
    ? c.framesFor(histOpts).filter((f) => c.frames.find((d) => d.name === f.name)?.source !== f.source)
    : [];
  it.each(moved.map((f) => [f.name, f] as const))(
    "frame %s compiles against the map --hist moves it to",
    (_f, frame) => {
      const d = compileFrameDecoder(frame, btf, c.object);
      const src = frame.source as { map: string };
      const def = btf.mapDefs().find((m) => m.name === src.map)!;
      expect(d.kind === "aggregate" && [d.keySize, d.valueSize]).toEqual([def.keySize, def.valueSize]);
    },
  );

  it("its config, with default options, sets every field of its cfg struct", () => {
    const opts = c.name === "ufunc" ? c.resolveOptions({ functions: ["/bin/sh:main"] }) : c.resolveOptions({});
    const cfgVar = btf.datasec(".rodata").find((v) => v.name === "cfg")!;
    const out = encodeConfig(btf, c.object, Buffer.alloc(cfgVar.offset + cfgVar.size), c.config(opts), {
      tgid: 7,
      followChildren: true,
    });
    expect(out.readUInt32LE(cfgVar.offset)).toBe(7);
  });

  it("the programs it names (disabled for some options, boundary iterators) exist in the object", () => {
    const off: Record<string, unknown> = { latency: false, tcp: false, pageFaults: false };
    const given = Object.fromEntries(c.options.filter((o) => o.name in off).map((o) => [o.name, off[o.name]]));
    const opts = c.resolveOptions(c.name === "ufunc" ? { ...given, functions: ["/bin/sh:main"] } : given);
    const named = [...c.disabledPrograms(opts), ...c.boundary];
    expect(named.filter((p) => !btf.find(p, BTF_KIND.FUNC))).toEqual([]);
  });
});

describe("declaration errors", () => {
  const sched = collectors.sched!;
  const btf = Btf.ofObject(join(objectDir(), "sched.bpf.o"));

  it("a column naming a missing field is an error that names it", () => {
    const frame = {
      ...sched.frames[0]!,
      columns: { bogus: { from: "val.nope", type: "i64" as const, description: "x" } },
    };
    expect(() => compileFrameDecoder(frame, btf, "sched")).toThrow(/sched_val has no field nope/);
  });

  it("a value struct of the wrong size is an error", () => {
    const frame = {
      ...sched.frames[0]!,
      source: { kind: "aggregate" as const, map: "stats", key: "sched_key", value: "sched_key" },
    };
    expect(() => compileFrameDecoder(frame, btf, "sched")).toThrow(BpflabError);
  });

  it("a config value for no field, or a field left unset, is an error", () => {
    expect(() => encodeConfig(btf, "sched", Buffer.alloc(16), { nope: 1 }, { tgid: 0, followChildren: true })).toThrow(
      /no field nope/,
    );
    const sys = Btf.ofObject(join(objectDir(), "syscalls.bpf.o"));
    expect(() => encodeConfig(sys, "syscalls", Buffer.alloc(16), {}, { tgid: 0, followChildren: true })).toThrow(
      /latency is not set/,
    );
  });
});

describe("the control struct", () => {
  it("every object shares one bpflab_ctl layout, the one the engine writes", () => {
    const layouts = ["tracker", ...all.map((c) => c.object)].map((o) => {
      const s = Btf.ofObject(join(objectDir(), `${o}.bpf.o`)).struct("bpflab_ctl")!;
      return JSON.stringify(s);
    });
    expect(new Set(layouts).size).toBe(1);
    const s = JSON.parse(layouts[0]!) as { size: number; fields: { name: string }[] };
    expect(s.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(["epoch", "epoch_start_ns", "capture_start_ns"]),
    );
  });
});

describe("the registry is the only list", () => {
  it("every bpf/<name>.bpf.c is a registered collector's object or the tracker", () => {
    const objects = new Set(["tracker", ...all.map((c) => c.object)]);
    const sources = readdirSync(join(packageRoot(), "bpf"))
      .filter((f: string) => f.endsWith(".bpf.c"))
      .map((f: string) => f.replace(/\.bpf\.c$/, ""));
    for (const s of sources) expect(objects.has(s), `bpf/${s}.bpf.c has no collector in registry.ts`).toBe(true);
  });
});
