// BpfObject: one opened CO-RE object (bpf/.output/<name>.bpf.o) with its programs, maps and attach links.
// It owns every libbpf pointer it makes; close() releases links, then the object (which closes its fds).

import { existsSync } from "node:fs";
import { AttachError, BpflabError, PermissionError, VerifierError } from "../errors.js";
import { log } from "../log.js";
import { BpfMap } from "./bpf-map.js";
import { errnoName, koffi, lastErrno, libbpf, strerror } from "./libbpf.js";
import { installLibbpfLog, recentLibbpfLines } from "./libbpf-log.js";
import { DEFAULT_BTF_PATH } from "./preflight.js";

/** Verifier log buffer per program: big enough for the log of a rejected program of ours. */
const LOG_BUF_SIZE = 4 << 20;

/** Objects not yet closed: closed at process exit, so no link outlives even a crashing caller. */
const live = new Set<BpfObject>();
let exitHookInstalled = false;

export interface BpfProgramInfo {
  name: string;
  section: string;
  autoload: boolean;
}

/** Where attachUprobe puts a probe. */
export interface UprobeTarget {
  /** Path of the executable or shared library (libbpf also searches PATH / library dirs for a bare name). */
  binary: string;
  /** Function symbol, resolved by libbpf from the ELF symbol tables. */
  symbol: string;
  /** Probe the function's return instead of its entry. */
  retprobe?: boolean;
  /** Only this process; default -1, every process. */
  pid?: number;
  /** Value of bpf_get_attach_cookie() in the program (default 0). */
  cookie?: number;
}

export class BpfObject {
  readonly name: string;
  readonly path: string;
  private obj: bigint | null;
  private links: { program: string; link: bigint }[] = [];
  private logBufs = new Map<string, Buffer>();
  private loaded = false;

  private constructor(name: string, path: string, obj: bigint) {
    this.name = name;
    this.path = path;
    this.obj = obj;
    live.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on("exit", closeAllObjects);
    }
  }

  /** Opens (parses, does not load) an object file. */
  static open(path: string, opts: { name?: string; btfPath?: string } = {}): BpfObject {
    const name = opts.name ?? path.replace(/^.*\//, "").replace(/\.bpf\.o$/, "");
    if (!existsSync(path)) {
      throw new BpflabError(
        `load ${name}: object file ${path} does not exist`,
        "build the BPF objects first: `npm run build:bpf` (or the README's setup command)",
      );
    }
    installLibbpfLog();
    const lb = libbpf();
    // Always an explicit vmlinux BTF (the same variable preflight checks, else the kernel's own): with it, libbpf
    // relocates against that file alone and never walks the kernel modules' BTF, which needs CAP_SYS_ADMIN, so
    // CAP_BPF + CAP_PERFMON are enough. bpflab's programs use no module types.
    const btfPath = opts.btfPath ?? process.env.BPFLAB_BTF_PATH ?? DEFAULT_BTF_PATH;
    const openOpts = btfPath
      ? {
          sz: koffi.sizeof(lb.openOpts),
          btf_custom_path: btfPath,
          object_name: null,
          relaxed_maps: false,
          pin_root_path: null,
          pad: 0,
          kconfig: null,
          kernel_log_buf: null,
          kernel_log_size: 0,
          kernel_log_level: 0,
        }
      : null;
    const obj = lb.bpf_object__open_file(path, openOpts) as bigint | null;
    if (!obj) {
      const err = lastErrno();
      throw new BpflabError(
        `open ${path}: ${strerror(err)}`,
        "the object file is corrupt or was built for another libbpf; rebuild with `npm run build:bpf`",
      );
    }
    return new BpfObject(name, path, obj);
  }

  private get handle(): bigint {
    if (this.obj === null) throw new BpflabError(`BPF object ${this.name} is closed`, "open it again");
    return this.obj;
  }

  programs(): BpfProgramInfo[] {
    return this.programPtrs().map(([name, p]) => ({
      name,
      section: libbpf().bpf_program__section_name(p),
      autoload: libbpf().bpf_program__autoload(p),
    }));
  }

  /** Before load: whether a program is loaded (and so attached) at all. */
  setAutoload(program: string, on: boolean): void {
    libbpf().bpf_program__set_autoload(this.program(program), on);
  }

  /** A map by name; `.rodata` and friends match by suffix (libbpf prefixes them with the object name). */
  map(name: string, opts: { perCpu?: boolean } = {}): BpfMap {
    const lb = libbpf();
    for (
      let m = lb.bpf_object__next_map(this.handle, null) as bigint | null;
      m;
      m = lb.bpf_object__next_map(this.handle, m) as bigint | null
    ) {
      const n: string = lb.bpf_map__name(m);
      if (n === name || (name.startsWith(".") && n.endsWith(name))) return new BpfMap(m, opts.perCpu);
    }
    throw new BpflabError(`${this.name}.bpf.o has no map ${name}`, "rebuild the BPF objects with `npm run build:bpf`");
  }

  /** Loads every autoloaded program into the kernel; a verifier rejection raises VerifierError with its log. */
  load(): void {
    const lb = libbpf();
    for (const [name, p] of this.programPtrs()) {
      const buf = Buffer.alloc(LOG_BUF_SIZE);
      this.logBufs.set(name, buf); // kept referenced: libbpf writes into it during load
      lb.bpf_program__set_log_buf(p, buf, buf.length);
    }
    const rc = lb.bpf_object__load(this.handle);
    if (rc < 0) {
      const failed = [...this.logBufs].map(([n, b]) => [n, cString(b)] as const).filter(([, t]) => t.length > 0);
      if (failed.length > 0 && (rc === -13 || rc === -22 || rc === -7 || rc === -28)) {
        const [prog, text] = failed[failed.length - 1]!;
        throw new VerifierError(`load ${this.name}.bpf.o: program ${prog}: ${strerror(rc)}`, text);
      }
      throw loadError(this.name, rc);
    }
    this.loaded = true;
    this.logBufs.clear();
  }

  /**
   * Attaches every loaded program (tracepoints from their SEC names) but those in `except` (programs such as
   * uprobes whose target is known only at run time, see attachUprobe); the links are owned by this object.
   */
  attachAll(except: readonly string[] = []): void {
    this.checkLoaded();
    const lb = libbpf();
    for (const [name, p] of this.programPtrs()) {
      if (!lb.bpf_program__autoload(p) || except.includes(name)) continue;
      const link = lb.bpf_program__attach(p) as bigint | null;
      if (!link) {
        const err = lastErrno();
        throw new AttachError(
          `attach ${this.name}.bpf.o program ${name} (${lb.bpf_program__section_name(p)}): ${strerror(err)}`,
          "this kernel lacks that tracepoint or refuses the attach; run with BPFLAB_DEBUG=1 for libbpf's reason" +
            (recentLibbpfLines(2).length ? ` (libbpf said: ${recentLibbpfLines(2).join(" | ")})` : ""),
        );
      }
      this.links.push({ program: name, link });
      log.debug(`attached ${this.name}/${name}`);
    }
  }

  /**
   * Attaches a loaded uprobe program to the entry (or, with `retprobe`, the return) of `symbol` in `binary`;
   * the link is owned by this object and destroyed by detach()/close(). `cookie` is what the program reads with
   * bpf_get_attach_cookie(), so one program can serve many functions. `pid` limits the probe to one process
   * (default: every process that maps the binary).
   * @throws AttachError naming the binary and symbol, with libbpf's reason (e.g. no such symbol).
   */
  attachUprobe(program: string, t: UprobeTarget): void {
    this.checkLoaded();
    const p = this.program(program);
    const lb = libbpf();
    const opts = {
      sz: koffi.sizeof(lb.uprobeOpts),
      ref_ctr_offset: 0,
      bpf_cookie: BigInt(t.cookie ?? 0),
      retprobe: t.retprobe ?? false,
      func_name: t.symbol,
    };
    const link = lb.bpf_program__attach_uprobe_opts(p, t.pid ?? -1, t.binary, 0, opts) as bigint | null;
    if (!link) {
      const err = lastErrno();
      // libbpf's own line says which (e.g. "elf: failed to find symbol 'f' in '/bin/x'"); keep only ours
      const said = recentLibbpfLines(4)
        .filter((l) => l.includes(t.symbol) || l.includes(t.binary))
        .map((l) => l.replace(/^libbpf:\s*/, ""));
      const where = `${t.retprobe ? "uretprobe" : "uprobe"} ${t.binary}:${t.symbol}`;
      const hint =
        err === 2 // ENOENT: libbpf found no such function symbol
          ? `check that ${t.symbol} is a function of ${t.binary}: \`nm -D ${t.binary} | grep -w ${t.symbol}\`` +
            " (or `nm` for a binary with a symbol table); static and inlined functions have no symbol to probe"
          : err === 3 // ESRCH
            ? `process ${t.pid} is gone; pick a running one (\`pgrep NAME\`)`
            : "the kernel refused the uprobe; run with BPFLAB_DEBUG=1 for libbpf's log";
      throw new AttachError(
        `attach ${this.name}.bpf.o program ${program} to ${where}: ` +
          `${said.length ? said[said.length - 1] + ` (${errnoName(err)})` : strerror(err)}`,
        hint,
      );
    }
    this.links.push({ program, link });
    log.debug(`attached ${this.name}/${program} to ${t.retprobe ? "return of " : ""}${t.binary}:${t.symbol}`);
  }

  /**
   * Attaches a loaded SEC("perf_event") program to the perf event `fd` (see perf-event.ts); the link takes the
   * fd over (destroying the link closes it), and on failure the fd is closed here, so the caller never does.
   */
  attachPerfEvent(program: string, fd: number): void {
    this.checkLoaded();
    const lb = libbpf();
    const link = lb.bpf_program__attach_perf_event(this.program(program), fd) as bigint | null;
    if (!link) {
      const err = lastErrno();
      lb.close(fd);
      throw new AttachError(
        `attach ${this.name}.bpf.o program ${program} to perf event fd ${fd}: ${strerror(err)}`,
        "the kernel refused the perf event attach; run with BPFLAB_DEBUG=1 for libbpf's log",
      );
    }
    this.links.push({ program, link });
  }

  get attachedCount(): number {
    return this.links.length;
  }

  /**
   * Runs an attached iterator program (SEC("iter/...")) once over everything it iterates, for its side effects
   * on the maps (sched charges blocked time at an interval boundary); what it prints is discarded.
   */
  runIterator(program: string): void {
    const l = this.links.find((x) => x.program === program);
    if (!l) throw new BpflabError(`${this.name}: iterator ${program} is not attached`, "attach the object first");
    const lb = libbpf();
    const fd = lb.bpf_iter_create(lb.bpf_link__fd(l.link));
    if (fd < 0) {
      throw new BpflabError(
        `${this.name}: run iterator ${program}: ${strerror(fd)}`,
        "BPF task iterators need Linux 5.8",
      );
    }
    try {
      const buf = Buffer.alloc(4096);
      for (;;) {
        const n = Number(lb.read(fd, buf, buf.length));
        if (n === 0) break;
        if (n < 0) {
          const err = lastErrno();
          if (err === 4) continue; // EINTR
          throw new BpflabError(`${this.name}: read iterator ${program}: ${strerror(err)}`, "run with BPFLAB_DEBUG=1");
        }
      }
    } finally {
      lb.close(fd);
    }
  }

  /** Detaches only (maps stay readable): ends event delivery before the final drain. Idempotent. */
  detach(): void {
    const lb = libbpf();
    while (this.links.length > 0) lb.bpf_link__destroy(this.links.pop()!.link);
  }

  /** Detaches and closes the object and all its fds. Idempotent. */
  close(): void {
    this.detach();
    if (this.obj !== null) {
      libbpf().bpf_object__close(this.obj);
      this.obj = null;
    }
    live.delete(this);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private checkLoaded(): void {
    if (!this.loaded) throw new BpflabError(`${this.name}: attach before load`, "load() the object first");
  }

  private program(name: string): bigint {
    const p = this.programPtrs().find(([n]) => n === name);
    if (!p) {
      throw new BpflabError(
        `${this.name}.bpf.o has no program ${name}`,
        "rebuild the BPF objects with `npm run build:bpf`",
      );
    }
    return p[1];
  }

  private programPtrs(): [string, bigint][] {
    const lb = libbpf();
    const out: [string, bigint][] = [];
    for (
      let p = lb.bpf_object__next_program(this.handle, null) as bigint | null;
      p;
      p = lb.bpf_object__next_program(this.handle, p) as bigint | null
    ) {
      out.push([lb.bpf_program__name(p), p]);
    }
    return out;
  }
}

/** Closes every object still open (process exit, or a test's cleanup). */
export function closeAllObjects(): void {
  for (const o of [...live]) o.close();
}

/** Number of objects currently open (leak checks). */
export function openObjectCount(): number {
  return live.size;
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.toString("utf8", 0, end < 0 ? b.length : end);
}

function loadError(name: string, rc: number): BpflabError {
  const said = recentLibbpfLines(4).join(" | ");
  if (rc === -1 || rc === -13) {
    return new PermissionError(
      `load ${name}.bpf.o: ${strerror(rc)}`,
      "loading BPF programs needs root or CAP_BPF + CAP_PERFMON" + (said ? ` (libbpf said: ${said})` : ""),
    );
  }
  return new BpflabError(
    `load ${name}.bpf.o: ${strerror(rc)}`,
    "run with BPFLAB_DEBUG=1 to see libbpf's log" + (said ? ` (libbpf said: ${said})` : ""),
  );
}
