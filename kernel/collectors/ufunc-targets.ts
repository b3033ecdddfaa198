// Parses and checks the functions the ufunc collector probes ("binary:symbol" or { binary, symbol }) before
// anything touches the kernel: the binary must exist and be ELF; the symbol itself is looked up by libbpf at attach.

import { closeSync, openSync, readSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { OptionError } from "../errors.js";

/** Functions per capture; mirrors UFUNC_MAX_FUNCS in bpf/ufunc.h (each costs two perf-event links). */
export const UFUNC_MAX_FUNCS = 64;

/** Nested traced calls timed per thread; mirrors UFUNC_MAX_DEPTH in bpf/ufunc.h (deeper ones count as lost). */
export const UFUNC_MAX_DEPTH = 16;

/** One probed function. */
export interface UfuncTarget {
  /** Absolute path of the executable or shared library holding the function. */
  binary: string;
  /** Symbol name as in the ELF symbol table (`nm -D`), e.g. "malloc"; "name@VERSION" picks a version. */
  symbol: string;
}

// Where the dynamic loader looks for a bare library name (as libbpf does when it resolves one).
const LIB_DIRS = [
  "/lib64",
  "/usr/lib64",
  "/lib",
  "/usr/lib",
  "/lib/x86_64-linux-gnu",
  "/usr/lib/x86_64-linux-gnu",
  "/lib/aarch64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
];
const SYMBOL = /^[A-Za-z_.$][\w.$]*(@@?[\w.]+)?$/;
const EXAMPLE = 'e.g. { functions: ["/usr/lib/x86_64-linux-gnu/libc.so.6:malloc", "/bin/bash:readline"] }';

/**
 * The checked, de-duplicated function list. Its order gives each function its id (the attach cookie).
 * @throws OptionError on an empty or too long list, a bad entry, or a binary that is missing or not ELF.
 */
export function parseUfuncTargets(input: unknown): UfuncTarget[] {
  const list = typeof input === "string" ? [input] : input;
  if (!Array.isArray(list) || list.length === 0) {
    throw new OptionError(
      "ufunc: no functions given",
      `name the functions to probe as "binary:symbol", ${EXAMPLE}` + " (CLI: --ufunc /bin/bash:readline)",
    );
  }
  if (list.length > UFUNC_MAX_FUNCS) {
    throw new OptionError(
      `ufunc: ${list.length} functions given, at most ${UFUNC_MAX_FUNCS} are allowed per capture`,
      `each function takes two perf-event links; probe at most ${UFUNC_MAX_FUNCS} or split them over several captures`,
    );
  }
  const seen = new Set<string>();
  return list.map((entry) => {
    const t = parseOne(entry);
    const key = `${t.binary}:${t.symbol}`;
    if (seen.has(key)) throw new OptionError(`ufunc: ${key} given twice`, "name each function once");
    seen.add(key);
    return t;
  });
}

function parseOne(entry: unknown): UfuncTarget {
  let binary: unknown, symbol: unknown;
  if (typeof entry === "string") {
    const i = entry.indexOf(":");
    if (i <= 0 || i === entry.length - 1) {
      throw new OptionError(`ufunc: bad function "${entry}"`, `write it as binary:symbol, ${EXAMPLE}`);
    }
    binary = entry.slice(0, i);
    symbol = entry.slice(i + 1);
  } else if (entry && typeof entry === "object") {
    ({ binary, symbol } = entry as Record<string, unknown>);
  }
  if (typeof binary !== "string" || typeof symbol !== "string" || !binary || !symbol) {
    throw new OptionError(
      `ufunc: bad function ${JSON.stringify(entry)}`,
      `give { binary, symbol } with two non-empty strings or "binary:symbol", ${EXAMPLE}`,
    );
  }
  if (!SYMBOL.test(symbol)) {
    throw new OptionError(
      `ufunc: "${symbol}" is not a symbol name`,
      "use the name as `nm -D BINARY` (or `nm`) prints it: C names, or mangled C++ names such as _ZN3foo3barEv",
    );
  }
  return { binary: findBinary(binary), symbol };
}

/** The binary's absolute path: a path as given, a bare "libfoo.so.N" in the library dirs, a bare name in PATH. */
function findBinary(name: string): string {
  let path: string | undefined;
  if (name.includes("/")) {
    path = isAbsolute(name) ? name : resolve(name);
    if (!isFile(path)) {
      throw new OptionError(
        `ufunc: binary ${name} does not exist`,
        "give the path of an executable or shared library, e.g. `which bash` or `ldd $(which bash)` show them",
      );
    }
  } else {
    const dirs = name.includes(".so")
      ? [...(process.env.LD_LIBRARY_PATH ?? "").split(delimiter).filter(Boolean), ...LIB_DIRS]
      : (process.env.PATH ?? "").split(delimiter).filter(Boolean);
    path = dirs.map((d) => join(d, name)).find(isFile);
    if (!path) {
      throw new OptionError(
        `ufunc: binary ${name} not found in ${name.includes(".so") ? "the library directories" : "PATH"}`,
        `give its full path (\`ldd BINARY\` lists the libraries a program uses, with paths)`,
      );
    }
  }
  if (!isElf(path)) {
    throw new OptionError(
      `ufunc: ${path} is not an ELF executable or library`,
      "a script cannot be probed: name the interpreter's binary, or a compiled program or library",
    );
  }
  return path;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isElf(p: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(p, "r");
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.toString("latin1") === "\x7fELF";
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
