// Compiles a cell's BPF C with clang at run time: bpflab's prelude (vmlinux.h, libbpf's headers, the pid
// filter and shared maps) before the cell's own lines, in a private mkdtemp folder, clang run without a shell;
// objects are cached by a hash of everything that goes into them, in a private folder of the user's.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { BpflabError } from "../errors.js";
import { log } from "../log.js";
import { packageRoot } from "../paths.js";
import { BpfCompileError, Diagnostic } from "./cell-errors.js";

const ARCH: Record<string, [string, string]> = { x64: ["x86", "x86_64"], arm64: ["arm64", "aarch64"] };

/** bpflab's BPF headers (bpflab.bpf.h, cell.bpf.h) and vmlinux.h. */
export function bpfHeaderDir(): string {
  return join(packageRoot(), "bpf");
}

/** The text clang compiles: the prelude, then the cell's source numbered from line 1 as `<name>.bpf.c`. */
export function cellUnit(name: string, source: string): string {
  const license = /SEC\(\s*"license"\s*\)/.test(source) ? "" : '\nchar LICENSE[] SEC("license") = "GPL";\n';
  return (
    `#include "vmlinux.h"\n#include <bpf/bpf_helpers.h>\n#include <bpf/bpf_tracing.h>\n` +
    `#include <bpf/bpf_core_read.h>\n#include "cell.bpf.h"\n#line 1 "${name}.bpf.c"\n${source}\n${license}`
  );
}

function clangArgs(src: string, out: string): string[] {
  const [arch, triple] = ARCH[process.arch] ?? ["x86", "x86_64"];
  return [
    "-g",
    "-O2",
    "-Wall",
    "-Wno-unused-variable",
    "-target",
    "bpf",
    `-D__TARGET_ARCH_${arch}`,
    `-I${bpfHeaderDir()}`,
    `-I/usr/include/${triple}-linux-gnu`,
    "-c",
    src,
    "-o",
    out,
  ];
}

/** `clang` (or BPFLAB_CLANG). */
function clang(): string {
  return process.env.BPFLAB_CLANG ?? "clang";
}

/** What the object depends on besides the source: the prelude's headers and the compiler. */
function inputsKey(): string {
  const h = createHash("sha256");
  for (const f of ["vmlinux.h", "bpflab.h", "bpflab.bpf.h", "cell.bpf.h"]) {
    const st = statSync(join(bpfHeaderDir(), f));
    h.update(`${f}:${st.size}:${st.mtimeMs}\n`);
  }
  h.update(clang());
  return h.digest("hex");
}

/** ~/.cache/bpflab/cells (XDG_CACHE_HOME honoured), made 0700; undefined when it is not safely ours. */
function cacheDir(): string | undefined {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const dir = join(base, "bpflab", "cells");
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = process.getuid?.() ?? 0;
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) {
      log.warn(`not caching compiled cells in ${dir}: it is not a private folder of this user`);
      return undefined;
    }
    if ((st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
    return dir;
  } catch {
    return undefined;
  }
}

/** A cached object, if present and safe: a regular file of ours, not a symlink. */
function cached(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const st = fstatSync(fd);
    return st.isFile() && st.uid === (process.getuid?.() ?? 0) && st.size > 0;
  } finally {
    closeSync(fd);
  }
}

/** Objects kept for this process only (no cache folder): removed at exit. */
let scratch: string | undefined;
function scratchDir(): string {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), "bpflab-cells-"));
    const dir = scratch;
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return scratch;
}

export interface Compiled {
  /** The object file (in the cache, or in a private folder removed at exit). */
  path: string;
  /** True when it came from the cache. */
  cached: boolean;
  /** Warnings clang printed. */
  warnings: Diagnostic[];
}

/**
 * The object of a cell: from the cache when the same source was compiled against the same headers, else
 * compiled now. Throws BpfCompileError with clang's diagnostics (lines numbered as in the cell).
 */
export async function compileCell(name: string, source: string): Promise<Compiled> {
  const unit = cellUnit(name, source);
  const hash = createHash("sha256").update(inputsKey()).update(unit).digest("hex").slice(0, 32);
  const dir = cacheDir();
  const target = join(dir ?? scratchDir(), `${name}-${hash}.bpf.o`);
  if (cached(target)) return { path: target, cached: true, warnings: [] };
  const work = mkdtempSync(join(tmpdir(), "bpflab-cell-"));
  try {
    const src = join(work, `${name}.bpf.c`);
    const out = join(work, `${name}.bpf.o`);
    writeFileSync(src, unit, { mode: 0o600, flag: "wx" });
    const { code, stderr } = await run(clang(), clangArgs(src, out));
    const diagnostics = parseDiagnostics(stderr, `${name}.bpf.c`);
    if (code !== 0) throw new BpfCompileError(name, source, diagnostics, stderr);
    // into the cache under a private name, then renamed: a reader never sees half an object
    const tmp = `${target}.${process.pid}.tmp`;
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      const bytes = readFileSync(out);
      for (let o = 0; o < bytes.length;) o += writeSync(fd, bytes, o, bytes.length - o);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
    return { path: target, cached: false, warnings: diagnostics.filter((d) => d.severity === "warning") };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 << 20, timeout: 120_000 }, (err, _stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      if (e && e.code === "ENOENT") {
        reject(
          new BpflabError(
            `cannot run ${cmd}: not installed`,
            "cells are compiled with clang: apt-get install clang (part of scripts/setup.sh), or set BPFLAB_CLANG",
          ),
        );
        return;
      }
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stderr: String(stderr) });
    });
  });
}

/** clang's "file:line:col: error: message" lines for the cell's own file. */
export function parseDiagnostics(stderr: string, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const l of stderr.split("\n")) {
    const m = /^(.*?):(\d+):(\d+): (fatal error|error|warning|note): (.*)$/.exec(l);
    if (!m || !m[1]!.endsWith(file)) continue;
    const sev = m[4] === "fatal error" ? "error" : (m[4] as Diagnostic["severity"]);
    out.push({ line: Number(m[2]), column: Number(m[3]), severity: sev, message: m[5]! });
  }
  return out;
}
