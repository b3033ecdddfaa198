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

let numbers: Map<string, number> | undefined;

/** The number of a syscall named on this architecture (undefined if it has none); "sys_<nr>" gives nr. */
export function syscallNumber(name: string): number | undefined {
  if (!numbers) numbers = new Map(Object.entries(names).map(([nr, n]) => [n, Number(nr)]));
  const m = /^sys_(\d+)$/.exec(name);
  return m ? Number(m[1]) : numbers.get(name);
}
