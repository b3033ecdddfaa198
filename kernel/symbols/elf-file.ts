// An ELF file read in place: headers, loadable segments, function symbols (.symtab, else .dynsym) and the GNU
// build id, through positional reads of only those parts (node's 100 MB binary costs its 10 MB of symbols).
//
// Why not an npm parser: `elfy` (the fast one) needs the whole file in memory and decodes no symbols or notes,
// and `elfinfo` took 118 s to parse node's symbol tables on the development VM. This reads what is missing.

import { closeSync, fstatSync, openSync, readSync } from "node:fs";

const ELF_MAGIC = 0x7f454c46;
const PT_LOAD = 1;
const PT_NOTE = 4;
const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const NT_GNU_BUILD_ID = 3;
/** Larger symbol or string tables than this are not read (a corrupt or hostile header). */
const MAX_TABLE_BYTES = 256 << 20;

/** A loadable segment: file range → virtual address range. */
export interface LoadSegment {
  offset: number;
  vaddr: number;
  filesz: number;
}

/** Function symbols sorted by address: parallel arrays, names decoded on demand from the string table. */
export interface SymbolTable {
  /** Start addresses (ELF virtual addresses), ascending. */
  addr: Float64Array;
  /** Sizes in bytes (0: unknown, the symbol extends to the next one). */
  size: Float64Array;
  /** Offsets of the names in `strtab`. */
  nameOff: Uint32Array;
  strtab: Buffer;
  /** Which table they came from. */
  source: ".symtab" | ".dynsym" | "none";
}

export interface ElfInfo {
  /** ET_EXEC (2) or ET_DYN (3). */
  type: number;
  segments: LoadSegment[];
  buildId: string | undefined;
  symbols: SymbolTable;
}

function u64(b: Buffer, o: number): number {
  return b.readUInt32LE(o + 4) * 4294967296 + b.readUInt32LE(o);
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, b, got, len - got, pos + got);
    if (n <= 0) break;
    got += n;
  }
  return got === len ? b : b.subarray(0, got);
}

/**
 * Reads an ELF file from an open fd (the caller's; not closed). Returns undefined for anything that is not a
 * 64-bit little-endian ELF file.
 */
export function readElf(fd: number): ElfInfo | undefined {
  const size = fstatSync(fd).size;
  const h = readAt(fd, 0, 64);
  if (h.length < 64 || h.readUInt32BE(0) !== ELF_MAGIC || h[4] !== 2 || h[5] !== 1) return undefined;
  const type = h.readUInt16LE(0x10);
  const phoff = u64(h, 0x20);
  const shoff = u64(h, 0x28);
  const phentsize = h.readUInt16LE(0x36);
  const phnum = h.readUInt16LE(0x38);
  const shentsize = h.readUInt16LE(0x3a);
  const shnum = h.readUInt16LE(0x3c);

  const segments: LoadSegment[] = [];
  let buildId: string | undefined;
  if (phentsize >= 56 && phnum > 0 && phoff + phnum * phentsize <= size) {
    const ph = readAt(fd, phoff, phnum * phentsize);
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      const pt = ph.readUInt32LE(o);
      if (pt === PT_LOAD) segments.push({ offset: u64(ph, o + 8), vaddr: u64(ph, o + 16), filesz: u64(ph, o + 32) });
      else if (pt === PT_NOTE && buildId === undefined) {
        const noff = u64(ph, o + 8),
          nsz = u64(ph, o + 32);
        if (nsz > 0 && nsz < 1 << 16 && noff + nsz <= size) buildId = gnuBuildId(readAt(fd, noff, nsz));
      }
    }
  }

  let symbols: SymbolTable = emptyTable();
  if (shentsize >= 64 && shnum > 0 && shoff + shnum * shentsize <= size) {
    const sh = readAt(fd, shoff, shnum * shentsize);
    const sec = (i: number) => {
      const o = i * shentsize;
      return {
        type: sh.readUInt32LE(o + 4),
        offset: u64(sh, o + 24),
        size: u64(sh, o + 32),
        link: sh.readUInt32LE(o + 40),
      };
    };
    // .symtab has every function (static ones too); a stripped file keeps only the exported .dynsym
    for (const [want, name] of [
      [SHT_SYMTAB, ".symtab"],
      [SHT_DYNSYM, ".dynsym"],
    ] as const) {
      for (let i = 0; i < shnum; i++) {
        const s = sec(i);
        if (s.type !== want || s.link >= shnum) continue;
        const str = sec(s.link);
        if (s.size > MAX_TABLE_BYTES || str.size > MAX_TABLE_BYTES) continue;
        if (s.offset + s.size > size || str.offset + str.size > size) continue;
        const t = symbolTable(readAt(fd, s.offset, s.size), readAt(fd, str.offset, str.size), name);
        if (t.addr.length > 0) {
          symbols = t;
          break;
        }
      }
      if (symbols.addr.length > 0) break;
    }
  }
  return { type, segments, buildId, symbols };
}

/** Opens, reads and closes an ELF file by path (tests, benchmarks). */
export function readElfPath(path: string): ElfInfo | undefined {
  const fd = openSync(path, "r");
  try {
    return readElf(fd);
  } finally {
    closeSync(fd);
  }
}

/** The NT_GNU_BUILD_ID note of a PT_NOTE segment, as lowercase hex. */
function gnuBuildId(notes: Buffer): string | undefined {
  for (let o = 0; o + 12 <= notes.length;) {
    const namesz = notes.readUInt32LE(o),
      descsz = notes.readUInt32LE(o + 4),
      type = notes.readUInt32LE(o + 8);
    const nameStart = o + 12;
    const descStart = nameStart + align4(namesz);
    if (descStart + descsz > notes.length) return undefined;
    if (type === NT_GNU_BUILD_ID && namesz === 4 && notes.toString("latin1", nameStart, nameStart + 3) === "GNU") {
      return notes.toString("hex", descStart, descStart + descsz);
    }
    o = descStart + align4(descsz);
  }
  return undefined;
}

const align4 = (n: number) => (n + 3) & ~3;

function emptyTable(): SymbolTable {
  return {
    addr: new Float64Array(0),
    size: new Float64Array(0),
    nameOff: new Uint32Array(0),
    strtab: Buffer.alloc(0),
    source: "none",
  };
}

/** The defined function symbols of one table, sorted by address (24-byte Elf64_Sym entries). */
function symbolTable(syms: Buffer, strtab: Buffer, source: ".symtab" | ".dynsym"): SymbolTable {
  const n = Math.floor(syms.length / 24);
  const idx: number[] = [];
  const addrs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * 24;
    const kind = syms[o + 4]! & 0xf;
    const shndx = syms.readUInt16LE(o + 6);
    if ((kind !== STT_FUNC && kind !== STT_GNU_IFUNC) || shndx === 0) continue;
    const a = u64(syms, o + 8);
    if (a === 0) continue;
    addrs[i] = a;
    idx.push(i);
  }
  idx.sort((x, y) => addrs[x]! - addrs[y]!);
  const t: SymbolTable = {
    addr: new Float64Array(idx.length),
    size: new Float64Array(idx.length),
    nameOff: new Uint32Array(idx.length),
    strtab,
    source,
  };
  idx.forEach((i, k) => {
    const o = i * 24;
    t.addr[k] = addrs[i]!;
    t.size[k] = u64(syms, o + 16);
    t.nameOff[k] = syms.readUInt32LE(o);
  });
  return t;
}

/** The name of the function holding `vaddr`, or undefined when no symbol covers it. */
export function symbolAt(t: SymbolTable, vaddr: number): string | undefined {
  const a = t.addr;
  let lo = 0,
    hi = a.length - 1,
    k = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= vaddr) {
      k = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (k < 0) return undefined;
  // aliases share a start address: the first that covers the address names it (a size of 0 reaches the next)
  const start = a[k]!;
  for (let j = k; j >= 0 && a[j] === start; j--) {
    const size = t.size[j]!;
    if (size === 0 || vaddr < start + size) return cName(t.strtab, t.nameOff[j]!);
  }
  return undefined;
}

function cName(strtab: Buffer, off: number): string {
  const end = strtab.indexOf(0, off);
  return strtab.toString("utf8", off, end < 0 ? strtab.length : end);
}

/** The ELF virtual address of file offset `off`, through the loadable segment that holds it. */
export function fileOffsetToVaddr(segments: readonly LoadSegment[], off: number): number | undefined {
  for (const s of segments) if (off >= s.offset && off < s.offset + s.filesz) return off - s.offset + s.vaddr;
  return undefined;
}
