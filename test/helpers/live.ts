// Guards for tests that load real BPF programs: they skip (with a reason) when this process may not capture,
// except under CI=true, where they run and fail, so that a broken setup can never pass as green.

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { it, type TestFunction } from "vitest";
import { missingCapabilities } from "../../kernel/loader/preflight.js";

const missing = missingCapabilities();
const reason =
  missing.length > 0
    ? `needs ${missing.join(" + ")} (run as root)`
    : !existsSync("/sys/kernel/btf/vmlinux")
      ? "needs kernel BTF at /sys/kernel/btf/vmlinux"
      : undefined;

export const canCapture = reason === undefined;
const enforce = process.env.CI === "true";

/** `it` for live-capture tests: skipped with its reason when unprivileged, never under CI=true. */
export const liveIt: typeof it = ((name: string, fn: TestFunction, timeout?: number) => {
  if (!canCapture && !enforce) return it.skip(`${name} [skipped: ${reason}]`, fn, timeout);
  return it(name, fn, timeout);
}) as typeof it;

/** What a capture could leak, as seen from the kernel and this process. */
export interface Resources {
  /** Open fds of this process that refer to BPF objects ("3 -> anon_inode:bpf-map", ...). */
  bpfFds: string[];
  fdCount: number;
  links: number[];
  progs: number[];
  maps: number[];
}

/** Ids of every BPF link/program/map in the kernel (bpftool here cannot tell which process holds them, so a
 * test compares the whole system's lists; nothing else loads BPF programs during the tests). */
function bpftoolIds(kind: "link" | "prog" | "map"): number[] {
  const out = execFileSync("bpftool", [kind, "list", "-j"], { encoding: "utf8" });
  const list = JSON.parse(out || "[]") as { id: number }[];
  return list.map((e) => e.id).sort((a, b) => a - b);
}

/** Open fds of this process and the BPF links, programs and maps it holds. */
export function resources(): Resources {
  const fds = readdirSync("/proc/self/fd");
  const bpfFds: string[] = [];
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (/bpf/.test(target)) bpfFds.push(`${fd} -> ${target}`);
    } catch {
      // the fd of the directory listing itself is gone by now
    }
  }
  return {
    bpfFds: bpfFds.sort(),
    fdCount: fds.length,
    links: bpftoolIds("link"),
    progs: bpftoolIds("prog"),
    maps: bpftoolIds("map"),
  };
}

/**
 * Resources once the kernel has finished freeing, for comparing with a snapshot `expected` taken before a
 * capture. Fds and links go at close; programs and maps are freed after an RCU grace period (for tracing
 * programs RCU tasks trace, a second or more), so this polls until no BPF link, program or map exists that
 * `expected` did not have, or `timeoutMs` passes. Kernel ids are never reused, so a new id is a leak, while an
 * id of `expected` that vanished is an earlier test's object whose free completed meanwhile: the lists returned
 * are `expected`'s plus any new ids, equal to `expected` exactly when nothing leaked.
 */
export async function settledResources(expected: Resources, timeoutMs = 15_000): Promise<Resources> {
  const until = Date.now() + timeoutMs;
  const merge = (was: number[], now: number[]) => [...new Set([...was, ...now])].sort((a, b) => a - b);
  for (;;) {
    const now = resources();
    const seen: Resources = {
      ...now,
      links: merge(expected.links, now.links),
      progs: merge(expected.progs, now.progs),
      maps: merge(expected.maps, now.maps),
    };
    if (JSON.stringify(seen) === JSON.stringify(expected) || Date.now() > until) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
}
