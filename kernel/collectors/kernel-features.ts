// What the running kernel offers that a collector adapts to: tracepoints that exist on some architectures
// only, and the page size its page counters are in.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { DEFAULT_BTF_PATH } from "../loader/preflight.js";

let btfBytes: Buffer | undefined;
const tracepointCache = new Map<string, boolean>();

/**
 * Whether tracepoint `name` (e.g. "page_fault_user") exists on this kernel, so a tp_btf program for it can
 * load. Looks for the `btf_trace_<name>` typedef in the kernel's BTF (what libbpf resolves tp_btf against),
 * which needs no tracefs. Read once per process (the BTF is a few MB).
 */
export function kernelHasTracepoint(name: string): boolean {
  let has = tracepointCache.get(name);
  if (has === undefined) {
    try {
      btfBytes ??= readFileSync(process.env.BPFLAB_BTF_PATH ?? DEFAULT_BTF_PATH);
      // BTF names are NUL-terminated in its string section: match the whole name, not a prefix
      has = btfBytes.includes(`\0btf_trace_${name}\0`);
    } catch {
      has = true; // no readable BTF: let the load say what is wrong, with libbpf's message
    }
    tracepointCache.set(name, has);
  }
  return has;
}

let pageSize: number | undefined;

/** The kernel's page size in bytes (4096 on x86; 4, 16 or 64 KiB on arm64). */
export function kernelPageSize(): number {
  if (pageSize === undefined) {
    try {
      pageSize = Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).trim());
    } catch {
      pageSize = NaN;
    }
    // getconf is part of libc-bin on every glibc system; without it, x86's fixed size is the likely one
    if (!Number.isInteger(pageSize) || pageSize <= 0) pageSize = 4096;
  }
  return pageSize;
}
