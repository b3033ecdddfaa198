// The native event drain library (kernel/native/event-drain.c, built at setup into kernel/native/.output),
// bound through koffi. Optional: when it is not built, event frames drain through the generated JS loop
// (fused-merge.ts), which gives the same rows; one debug line says so.

import { lstatSync } from "node:fs";
import { dirname, join } from "node:path";
import { log } from "../log.js";
import { packageRoot } from "../paths.js";
import { koffi } from "./libbpf.js";

export interface NativeEvents {
  /** bpflab_drain(args, cells): rows written, -1 more than reserved, -2 too many rings or cells. */
  drain: (args: ArrayBuffer, cells: ArrayBuffer) => bigint | number;
  /** bpflab_table_grow(cells, cell, table, cap): moves a string cell's hash table into a larger one. */
  grow: (cells: ArrayBuffer, cell: number, table: ArrayBuffer, cap: number) => void;
  /** bpflab_commit(n, cons, pos): stores each ring's consumer position with release semantics. */
  commit: (n: number, cons: BigUint64Array, pos: BigUint64Array) => void;
  /** bpflab_fill_ids(args): fills cgroup code columns from ids; the row it stopped at (an id without codes). */
  fillIds: (args: ArrayBuffer) => bigint | number;
  /** bpflab_ids_grow(args, table, cap): moves the id table into a larger one. */
  idsGrow: (args: ArrayBuffer, table: ArrayBuffer, cap: number) => void;
  /** The address of a typed array's first element (its backing store does not move). */
  address: (a: ArrayBufferView | ArrayBuffer) => bigint;
}

let bound: NativeEvents | null | undefined;

/** Where setup builds the library. */
function nativeEventsPath(): string {
  return join(packageRoot(), "kernel", "native", ".output", "libbpflab-events.so");
}

/** The library, bound on first use; undefined when it is not built, or is not what setup made (see `trusted`). */
export function nativeEvents(): NativeEvents | undefined {
  if (bound === undefined) bound = bind();
  return bound ?? undefined;
}

function bind(): NativeEvents | null {
  const path = nativeEventsPath();
  const why = trusted(path);
  if (why) {
    const line = `event drain: ${why}; events decode through the JS drain (build it: make -C kernel/native)`;
    // not built is the ordinary case without setup; a library that is not setup's own is worth a warning
    if (why.endsWith("is not built")) log.debug(line);
    else log.warn(line);
    return null;
  }
  const lib = koffi.load(path);
  return {
    drain: lib.func("int64_t bpflab_drain(void *args, void *cells)"),
    grow: lib.func("void bpflab_table_grow(void *cells, int64_t cell, void *table, int64_t cap)"),
    commit: lib.func("void bpflab_commit(int64_t n, const uint64_t *cons, const uint64_t *pos)"),
    fillIds: lib.func("int64_t bpflab_fill_ids(void *args)"),
    idsGrow: lib.func("void bpflab_ids_grow(void *args, void *table, int64_t cap)"),
    address: (a) => koffi.address(a) as bigint,
  };
}

/**
 * Why the library at `path` is not loaded, or undefined: it and its directory must be a plain file and
 * directory (no symlink), owned by root or by this user and writable by no one else, since bpflab runs as root
 * and loading it runs its code.
 */
function trusted(path: string): string | undefined {
  const uid = process.geteuid?.() ?? 0;
  for (const [p, kind] of [
    [dirname(path), "directory"],
    [path, "file"],
  ] as const) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return `${path} is not built`;
    }
    const isKind = kind === "file" ? st.isFile() : st.isDirectory();
    if (!isKind || (st.uid !== 0 && st.uid !== uid) || (st.mode & 0o022) !== 0) {
      return `${p} is not a ${kind} owned by root or by you and writable only by its owner`;
    }
  }
  return undefined;
}
