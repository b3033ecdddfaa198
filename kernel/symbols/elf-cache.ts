// The ELF files mapped by traced processes, opened once each (by device and inode, so every process mapping
// libc shares one read) through /proc/PID/map_files: the very file that is mapped, even if deleted or
// replaced since; a path is used only when it still names that same inode.

import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { basename } from "node:path";
import { log } from "../log.js";
import { demangle } from "./demangle.js";
import { ElfInfo, fileOffsetToVaddr, readElf, symbolAt } from "./elf-file.js";
import { devString, Mapping } from "./proc-maps.js";

/** One mapped file: its symbols, build id and the names already resolved in it. */
export interface ElfEntry {
  path: string;
  buildId: string | undefined;
  elf: ElfInfo | undefined;
  /** vaddr → demangled name ("" when no symbol covers it). */
  names: Map<number, string>;
}

export class ElfCache {
  private readonly files = new Map<string, ElfEntry>();
  /** Time spent reading ELF files, ms (benchmarks). */
  readMs = 0;

  get size(): number {
    return this.files.size;
  }

  entries(): IterableIterator<ElfEntry> {
    return this.files.values();
  }

  /** The file of mapping `m` of process `pid`, read on first use; undefined when it cannot be opened. */
  file(pid: number, m: Mapping): ElfEntry | undefined {
    const key = `${m.dev}:${m.inode}`;
    let e = this.files.get(key);
    if (e) return e;
    const t0 = performance.now();
    const fd = openMapped(pid, m);
    if (fd === undefined) return undefined;
    try {
      const elf = readElf(fd);
      e = { path: m.path, buildId: elf?.buildId, elf, names: new Map() };
      if (elf && elf.symbols.source !== ".symtab" && elf.buildId) {
        // a stripped file: its separate debug file (Debian's -dbgsym packages) has the full symbol table
        const dbg = readDebugFile(elf.buildId);
        if (dbg && dbg.symbols.addr.length > 0) e.elf = { ...elf, symbols: dbg.symbols };
      }
    } catch (err) {
      log.debug(`symbols: reading ${m.path}: ${(err as Error).message}`);
      e = { path: m.path, buildId: undefined, elf: undefined, names: new Map() };
    } finally {
      closeSync(fd);
      this.readMs += performance.now() - t0;
    }
    this.files.set(key, e);
    return e;
  }

  /** The function name at `addr` in mapping `m`, or `[file]` when the file has no symbol there. */
  name(pid: number, m: Mapping, addr: number): string {
    const e = this.file(pid, m);
    const label = `[${basename(m.path.replace(/ \(deleted\)$/, ""))}]`;
    if (!e?.elf) return label;
    const vaddr = fileOffsetToVaddr(e.elf.segments, addr - m.start + m.offset);
    if (vaddr === undefined) return label;
    let n = e.names.get(vaddr);
    if (n === undefined) {
      const raw = symbolAt(e.elf.symbols, vaddr);
      // "clock_nanosleep@@GLIBC_2.17": the symbol version is not part of the function's name
      n = raw === undefined ? "" : demangle(raw.replace(/@.*$/, ""));
      e.names.set(vaddr, n);
    }
    return n || label;
  }
}

/** An fd of the mapped file itself, or undefined. */
function openMapped(pid: number, m: Mapping): number | undefined {
  const mapFile = `/proc/${pid}/map_files/${m.start.toString(16)}-${m.end.toString(16)}`;
  try {
    return openSync(mapFile, constants.O_RDONLY);
  } catch {
    // the process is gone (or map_files is not readable): the path, if it still is the same file
  }
  if (!m.path.startsWith("/") || m.path.endsWith(" (deleted)")) return undefined;
  let fd: number;
  try {
    fd = openSync(m.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  const st = fstatSync(fd);
  if (st.isFile() && st.ino === m.inode && devString(st.dev) === m.dev) return fd;
  closeSync(fd);
  log.debug(`symbols: ${m.path} is no longer the file process ${pid} mapped; not read`);
  return undefined;
}

/** /usr/lib/debug/.build-id/xx/yyyy.debug, the distribution's layout for separate debug files. */
function readDebugFile(buildId: string): ElfInfo | undefined {
  const path = `/usr/lib/debug/.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug`;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    return fstatSync(fd).isFile() ? readElf(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
