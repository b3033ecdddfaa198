// Symbolization without the kernel's help: ELF symbols and build ids, kallsyms, perf maps (read safely), C++ and
// Rust demangling, and a process's frames resolved after it has exited.

import { execFileSync, spawn } from "node:child_process";
import { chownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demangle } from "../../kernel/symbols/demangle.js";
import { fileOffsetToVaddr, readElfPath, symbolAt } from "../../kernel/symbols/elf-file.js";
import { KernelSymbols } from "../../kernel/symbols/kallsyms.js";
import { PerfMap, readPerfMap } from "../../kernel/symbols/perf-map.js";
import { mappingAt, parseMaps, readMaps } from "../../kernel/symbols/proc-maps.js";
import { Symbolizer, UNKNOWN } from "../../kernel/symbols/symbolizer.js";
import { stacksTargetPath } from "../helpers/stacks-target.js";

const bin = stacksTargetPath();
/** nm's view of the workload: name → address. */
const nm = new Map(
  execFileSync("nm", [bin], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.split(" "))
    .filter((p) => p.length === 3 && /^[tT]$/.test(p[1]!))
    .map((p) => [p[2]!, parseInt(p[0]!, 16)] as const),
);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("ELF symbols", () => {
  const elf = readElfPath(bin)!;

  it("reads the function symbols and the build id readelf shows", () => {
    const readelf = execFileSync("readelf", ["-n", bin], { encoding: "utf8" });
    expect(elf.buildId).toBe(/Build ID: ([0-9a-f]+)/.exec(readelf)![1]);
    expect(elf.symbols.source).toBe(".symtab");
    for (const f of ["main", "spin_a", "spin_b", "sleeper"]) {
      expect(symbolAt(elf.symbols, nm.get(f)!)).toBe(f);
      expect(symbolAt(elf.symbols, nm.get(f)! + 4)).toBe(f);
    }
    expect(symbolAt(elf.symbols, 1)).toBeUndefined();
  });

  it("maps file offsets to virtual addresses through the loadable segments", () => {
    const text = elf.segments.find((s) => s.vaddr <= nm.get("main")! && nm.get("main")! < s.vaddr + s.filesz)!;
    expect(fileOffsetToVaddr(elf.segments, nm.get("main")! - text.vaddr + text.offset)).toBe(nm.get("main"));
  });

  it("falls back to .dynsym in a stripped library", () => {
    const libc = readMaps(process.pid)!.find((m) => /\/libc\.so/.test(m.path))!.path;
    const e = readElfPath(libc)!;
    expect(e.symbols.addr.length).toBeGreaterThan(1000);
    expect(e.buildId).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe("kernel symbols", () => {
  it("resolves an address to the text symbol at or below it, with its module", () => {
    const k = KernelSymbols.parse(
      [
        "ffffffff81000000 T _stext",
        "ffffffff81001000 t do_thing",
        "ffffffff81002000 D some_data",
        "ffffffffc0000000 t mod_fn\t[mymod]",
      ].join("\n"),
    );
    expect(k.size).toBe(3);
    expect(k.lookup(0xffffffff81001234n)).toBe("do_thing");
    expect(k.lookup(0xffffffff81002100n)).toBe("do_thing"); // data symbols do not end functions here
    expect(k.lookup(0xffffffffc0000010n)).toBe("mod_fn [mymod]");
    expect(k.lookup(0xffffffff80000000n)).toBeUndefined();
  });

  it("sorts what follows vmlinux (modules, BPF programs) in; among aliases the later line names the address", () => {
    const k = KernelSymbols.parse(
      [
        "0000000000000000 A fixed_percpu_data",
        "ffffffff81000000 T _stext",
        "ffffffff81001000 t first_alias",
        "ffffffff81001000 T later_alias",
        "ffffffff81002000 W weak_fn",
        "ffffffffc0002000 t mod_b\t[mymod] ",
        "ffffffffa0000000 t bpf_prog_0123456789abcdef_prog\t[bpf]",
        "ffffffffc0001000 T mod_a\t[mymod]",
        "ffffffff81003000 T",
      ].join("\n"),
    );
    expect(k.size).toBe(7);
    expect(k.lookup(0xffffffff81001010n)).toBe("later_alias");
    expect(k.lookup(0xffffffff81002001n)).toBe("weak_fn");
    expect(k.lookup(0xffffffffa0000040n)).toBe("bpf_prog_0123456789abcdef_prog [bpf]");
    expect(k.lookup(0xffffffffbfffffffn)).toBe("bpf_prog_0123456789abcdef_prog [bpf]");
    expect(k.lookup(0xffffffffc0001fffn)).toBe("mod_a [mymod]");
    expect(k.lookup(0xffffffffc0002001n)).toBe("mod_b [mymod]");
    expect(k.lookup(0x1000n)).toBeUndefined();
    expect(KernelSymbols.parse("").lookup(0xffffffff81000000n)).toBeUndefined();
  });
});

describe("perf maps", () => {
  it("parses START SIZE name lines; the later entry for reused memory wins", () => {
    const m = PerfMap.parse("1000 10 LazyCompile:*foo a.js:1\n2000 20 bar\n1000 10 baz\n");
    expect(m.lookup(0x1005)).toBe("baz");
    expect(m.lookup(0x2010)).toBe("bar");
    expect(m.lookup(0x2020)).toBeUndefined();
  });

  it("reads a regular file owned by the process's user, and refuses a symlink or another owner's file", () => {
    const dir = mkdtempSync(join(tmpdir(), "bpflab-perfmap-"));
    dirs.push(dir);
    const own = join(dir, `perf-${process.pid}.map`);
    writeFileSync(own, "1000 10 jitted\n2000 10 half-writ");
    expect(readPerfMap(process.pid, dir)?.lookup(0x1001)).toBe("jitted");
    expect(readPerfMap(process.pid, dir)?.lookup(0x2001)).toBeUndefined(); // the unfinished last line
    rmSync(own);
    writeFileSync(join(dir, "target"), "1000 10 planted\n");
    symlinkSync(join(dir, "target"), own);
    expect(readPerfMap(process.pid, dir)).toBeUndefined();
    if (process.getuid?.() === 0) {
      rmSync(own);
      writeFileSync(own, "1000 10 someone-else\n");
      chownSync(own, 12345, 12345);
      // root's own process: a file of uid 12345 is not its map
      expect(readPerfMap(process.pid, dir)).toBeUndefined();
    }
  });
});

describe("demangling", () => {
  it("demangles C++ and Rust names and leaves C names alone", () => {
    expect(demangle("_ZN2v88internal7Isolate4InitEv")).toBe("v8::internal::Isolate::Init()");
    expect(demangle("_ZN4core3fmt5write17h0123456789abcdefE")).toBe("core::fmt::write");
    expect(demangle("_RNvCs1234_7mycrate3foo")).toBe("mycrate::foo");
    expect(demangle("spin_a")).toBe("spin_a");
    expect(demangle("_Znot-a-name")).toBe("_Znot-a-name");
  });
});

describe("Symbolizer", () => {
  it("resolves a process's frames after it exited, from the mappings read while it lived", async () => {
    const child = spawn(bin, ["sleep", "1", "10000"], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 200));
    const pid = child.pid!;
    const maps = readMaps(pid)!;
    const elf = readElfPath(bin)!;
    // the run-time address of spin_a + 3: its segment's mapping, shifted by where the kernel put it
    const seg = elf.segments.find((s) => s.vaddr <= nm.get("spin_a")! && nm.get("spin_a")! < s.vaddr + s.filesz)!;
    const fileOff = nm.get("spin_a")! + 3 - seg.vaddr + seg.offset;
    const m = maps.find((x) => x.path === bin && x.offset <= fileOff && fileOff < x.offset + (x.end - x.start))!;
    const addr = m.start + fileOff - m.offset;
    expect(mappingAt(maps, addr)).toBe(m);
    const s = new Symbolizer();
    s.noteProcess(pid);
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    expect(s.userFrame(pid, addr, false)).toBe("spin_a");
    expect(s.userFrame(pid, addr + 1, true)).toBe("spin_a");
    expect(s.userFrame(pid, 0x10, false)).toBe(UNKNOWN);
    expect(s.fold(pid, [addr, addr], [])).toBe("spin_a;spin_a");
    expect(s.files().some((f) => f.path === bin && f.buildId === elf.buildId)).toBe(true);
    // a process never seen and gone resolves to [unknown], not an error
    expect(s.userFrame(2 ** 22 + 7, addr, false)).toBe(UNKNOWN);
  });

  it("parses maps lines, paths with spaces and deleted files included", () => {
    const maps = parseMaps(
      "00400000-00401000 r-xp 00000000 fd:01 42   /opt/my app/bin (deleted)\n7ffd0000-7ffd2000 r-xp 00000000 00:00 0    [vdso]\n",
    );
    expect(maps.map((m) => [m.path, m.executable, m.inode])).toEqual([
      ["/opt/my app/bin (deleted)", true, 42],
      ["[vdso]", true, 0],
    ]);
  });
});
