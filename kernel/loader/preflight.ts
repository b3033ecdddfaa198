// Checks before loading anything: privileges, kernel BTF, tracefs. Each failure says what to do.

import { existsSync, readFileSync } from "node:fs";
import { BtfMissingError, PermissionError } from "../errors.js";

const CAP_SYS_ADMIN = 21;
const CAP_PERFMON = 38;
const CAP_BPF = 39;

/** Effective capability bits of this process (from /proc/self/status). */
export function effectiveCaps(): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

/** Which of the capabilities a capture needs this process lacks ([] when it may capture). */
export function missingCapabilities(caps = effectiveCaps()): string[] {
  const has = (c: number) => (caps >> BigInt(c)) & 1n;
  if (has(CAP_SYS_ADMIN)) return [];
  const missing: string[] = [];
  if (!has(CAP_BPF)) missing.push("CAP_BPF");
  if (!has(CAP_PERFMON)) missing.push("CAP_PERFMON");
  return missing;
}

export function checkPrivileges(): void {
  const missing = missingCapabilities();
  if (missing.length > 0) {
    throw new PermissionError(
      `live capture needs privileges this process lacks: ${missing.join(" and ")} (running as uid ${process.getuid?.()})`,
      "run as root (sudo), or give this one process CAP_BPF and CAP_PERFMON: `sudo setpriv --reuid=$(id -u) " +
        "--regid=$(id -g) --init-groups --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon -- bpflab …` " +
        "(not setcap on node, which hands BPF to every node script of every user); " +
        "replaying saved captures with loadCapture() needs no privileges",
    );
  }
}

export const DEFAULT_BTF_PATH = "/sys/kernel/btf/vmlinux";

export function checkBtf(path = process.env.BPFLAB_BTF_PATH ?? DEFAULT_BTF_PATH): void {
  if (!existsSync(path)) {
    throw new BtfMissingError(
      `kernel BTF not found at ${path}`,
      "bpflab's CO-RE programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y (most distribution kernels since " +
        "5.4 are); on older kernels, install a BTF file from BTFHub and point BPFLAB_BTF_PATH at it",
    );
  }
}
