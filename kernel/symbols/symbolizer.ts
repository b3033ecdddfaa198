// Stack symbolization for one capture: kernel frames from /proc/kallsyms, user frames from the ELF symbols of
// each mapped file (process mappings read while the process lives), JIT frames from perf maps, `[unknown]`
// otherwise; every table is read once and every resolved address cached. Folds stacks into the one-line form
// of Brendan Gregg's stackcollapse tools (root first, `;` between frames, kernel frames suffixed `_[k]`).

import { log } from "../log.js";
import { ElfCache } from "./elf-cache.js";
import { KernelSymbols } from "./kallsyms.js";
import { Mapping, mappingAt, readMaps } from "./proc-maps.js";
import { PerfMap, readPerfMap } from "./perf-map.js";

/** Shown for a frame nothing resolves. */
export const UNKNOWN = "[unknown]";

/** What is known of one traced process's memory. */
interface ProcessImage {
  maps: Mapping[];
  perfMap: PerfMap | undefined;
  /** When the maps were read (ms since the epoch): a miss rereads them, at most once per REREAD_MS. */
  readAt: number;
  alive: boolean;
}

const REREAD_MS = 200;

export interface SymbolizerStats {
  processes: number;
  files: number;
  kernelSymbols: number;
  elfReadMs: number;
}

export class Symbolizer {
  private kernelTable: KernelSymbols | undefined;
  private readonly procs = new Map<number, ProcessImage>();
  readonly elf = new ElfCache();
  private perfMapDir: string;

  constructor(opts: { perfMapDir?: string } = {}) {
    this.perfMapDir = opts.perfMapDir ?? "/tmp";
  }

  /** Reads (again) the mappings of `pid` now: call it when a process first shows up, and after it execs. */
  noteProcess(pid: number): void {
    const maps = readMaps(pid);
    const was = this.procs.get(pid);
    if (!maps) {
      if (was) was.alive = false;
      return;
    }
    const image: ProcessImage = { maps, perfMap: was?.perfMap, readAt: Date.now(), alive: true };
    this.procs.set(pid, image);
    // open the files while the process is alive: map_files is gone with it
    for (const m of maps) if (m.executable && m.path.startsWith("/")) this.elf.file(pid, m);
    if (maps.some((m) => m.executable && isAnon(m))) this.refreshPerfMap(pid, image);
  }

  /** The kernel function holding `addr`, suffixed `_[k]`. */
  kernelFrame(addr: bigint): string {
    this.kernelTable ??= loadKernel();
    const n = this.kernelTable.lookup(addr);
    return n === undefined ? `${UNKNOWN}_[k]` : `${clean(n)}_[k]`;
  }

  /**
   * The user function holding `addr` in process `pid`. `caller`: a return address (every frame but the first),
   * looked up one byte back so that a call at a function's very end names the caller, not the next function.
   */
  userFrame(pid: number, addr: number, caller: boolean): string {
    const a = caller ? addr - 1 : addr;
    let p = this.procs.get(pid);
    if (!p) {
      this.noteProcess(pid);
      p = this.procs.get(pid);
      if (!p) return UNKNOWN;
    }
    let m = mappingAt(p.maps, a);
    if (!m && p.alive && Date.now() - p.readAt > REREAD_MS) {
      this.noteProcess(pid); // a library loaded since (dlopen)
      p = this.procs.get(pid)!;
      m = mappingAt(p.maps, a);
    }
    if (!m) return UNKNOWN;
    if (isAnon(m)) {
      let name = p.perfMap?.lookup(a);
      if (name === undefined && p.alive && Date.now() - p.readAt > REREAD_MS) {
        this.refreshPerfMap(pid, p); // newly compiled code is appended to the map
        name = p.perfMap?.lookup(a);
      }
      return name === undefined ? UNKNOWN : clean(name);
    }
    if (m.path.startsWith("[")) return m.path; // [vdso], [vsyscall]: no file to read
    return clean(this.elf.name(pid, m, a));
  }

  /**
   * The folded stack, root first: user frames (outermost first), then kernel frames. `user` and `kernel` hold
   * addresses innermost first, as the kernel's stack walk returns them.
   */
  fold(pid: number, user: readonly number[], kernel: readonly bigint[]): string {
    const parts: string[] = [];
    for (let i = user.length - 1; i >= 0; i--) parts.push(this.userFrame(pid, user[i]!, i > 0));
    const k: string[] = [];
    for (let i = kernel.length - 1; i >= 0; i--) k.push(this.kernelFrame(i > 0 ? kernel[i]! - 1n : kernel[i]!));
    // a stack walked from inside a tracepoint program ends in the tracing machinery itself: not the thread's
    while (k.length > 0 && BPF_FRAME.test(k[k.length - 1]!)) k.pop();
    return parts.concat(k).join(";");
  }

  /** Files read and their build ids: what a later re-symbolization needs to find the same binaries. */
  files(): { path: string; buildId: string | undefined }[] {
    return [...this.elf.entries()].map((e) => ({ path: e.path, buildId: e.buildId }));
  }

  stats(): SymbolizerStats {
    return {
      processes: this.procs.size,
      files: this.elf.size,
      kernelSymbols: this.kernelTable?.size ?? 0,
      elfReadMs: this.elf.readMs,
    };
  }

  private refreshPerfMap(pid: number, p: ProcessImage): void {
    const m = readPerfMap(pid, this.perfMapDir);
    if (m && m.bytes >= (p.perfMap?.bytes ?? 0)) p.perfMap = m;
    p.readAt = Date.now();
  }
}

/** Innermost kernel frames that belong to the BPF program walking the stack (bpf_prog_<tag>_<name> [bpf]). */
const BPF_FRAME = /^(bpf_prog_|bpf_trace_run\d|__bpf_trace_|__traceiter_)/;

/** Anonymous executable memory: where JIT compilers put code. */
function isAnon(m: Mapping): boolean {
  return m.path === "" || m.path.startsWith("[anon") || m.path.startsWith("/memfd:");
}

/** A frame name fit for the folded format: no `;` (the separator) and no line breaks. */
function clean(name: string): string {
  return /[;\n\r]/.test(name) ? name.replace(/;/g, ":").replace(/[\n\r]/g, " ") : name;
}

function loadKernel(): KernelSymbols {
  try {
    const k = KernelSymbols.load();
    if (k.size === 0) log.warn("/proc/kallsyms shows no addresses (not root?): kernel frames are [unknown]");
    return k;
  } catch (e) {
    log.warn(`reading /proc/kallsyms failed: ${(e as Error).message}; kernel frames are [unknown]`);
    return KernelSymbols.parse("");
  }
}
