// Routes libbpf's print callback (printf format + va_list) into our logger, formatted by libc's vsnprintf.

import { koffi, libbpf } from "./libbpf.js";
import { log } from "../log.js";

let registered: bigint | undefined;
const line = Buffer.alloc(4096);
/** libbpf's last lines, quoted in errors: its warnings say which step failed and why. */
const recent: string[] = [];

export function recentLibbpfLines(n = 8): string[] {
  return recent.slice(-n);
}

/**
 * Installs the print callback once per process. Warnings are logged as warnings only when verbose: libbpf
 * warns about things we handle ourselves (e.g. a failed load we turn into a VerifierError with its log).
 */
export function installLibbpfLog(): void {
  if (registered !== undefined) return;
  const lb = libbpf();
  registered = koffi.register((level: number, fmt: string, ap: bigint) => {
    const n = lb.vsnprintf(line, line.length, fmt, ap);
    const text = line.toString("utf8", 0, Math.max(0, Math.min(n, line.length - 1))).trimEnd();
    recent.push(text);
    if (recent.length > 64) recent.splice(0, recent.length - 64);
    log.debug(`libbpf[${level}]: ${text}`);
    return 0;
  }, koffi.pointer(lb.printFn));
  lb.libbpf_set_print(registered);
}
