// The name of a syscall number on the running architecture (tables in syscall-names.ts, generated).

import { arch } from "node:os";
import { GENERIC, X86_64 } from "./syscall-names.js";

const names = arch() === "x64" ? X86_64 : GENERIC;
const nameCache = new Map<number, string>();

/** The syscall's name, or "sys_<nr>" for numbers newer than the table. */
export function syscallName(nr: number): string {
  let n = nameCache.get(nr);
  if (n === undefined) {
    n = names[nr] ?? `sys_${nr}`;
    nameCache.set(nr, n);
  }
  return n;
}
