// perf_event_open(2) through koffi: the per-CPU software `cpu-clock` sampling events the profile collector's
// program is attached to (bpf_program__attach_perf_event, see BpfObject.attachPerfEvent). No hardware PMU needed.

import { readFileSync } from "node:fs";
import { AttachError, PermissionError } from "../errors.js";
import { errnoName, koffi, lastErrno, libbpf } from "./libbpf.js";

/** include/uapi/linux/perf_event.h */
const PERF_TYPE_SOFTWARE = 1;
const PERF_COUNT_SW_CPU_CLOCK = 0;
/** attr.freq: sample_freq is a frequency (Hz), not a period. */
const ATTR_FLAG_FREQ = 1n << 10n;
const PERF_FLAG_FD_CLOEXEC = 8;
/** PERF_ATTR_SIZE_VER0: every kernel accepts it, and it holds every field set here. */
const ATTR_SIZE = 64;

const SYS_PERF_EVENT_OPEN: Record<string, number> = { x64: 298, arm64: 241, riscv64: 241, ia32: 336 };

let syscallFn: ((...args: unknown[]) => number | bigint) | undefined;

function sys(): (...args: unknown[]) => number | bigint {
  syscallFn ??= koffi.load("libc.so.6").func("long syscall(long number, ...)") as (
    ...args: unknown[]
  ) => number | bigint;
  return syscallFn;
}

/** CPUs that are online now (/sys/devices/system/cpu/online: "0-3,5"). */
export function onlineCpus(): number[] {
  const text = readFileSync("/sys/devices/system/cpu/online", "utf8").trim();
  const out: number[] = [];
  for (const part of text.split(",")) {
    const [a, b] = part.split("-").map(Number);
    if (a === undefined || !Number.isInteger(a)) continue;
    for (let c = a; c <= (b ?? a); c++) out.push(c);
  }
  return out;
}

/**
 * Opens a software cpu-clock event on `cpu` for every process, sampling `freqHz` times per second of that CPU's
 * time (as libbpf-tools `profile` does); returns its fd, owned by the caller until a BPF link takes it over.
 * @throws PermissionError without CAP_PERFMON, AttachError otherwise (naming the CPU and errno).
 */
export function openCpuClock(cpu: number, freqHz: number): number {
  const nr = SYS_PERF_EVENT_OPEN[process.arch];
  if (nr === undefined) {
    throw new AttachError(
      `perf_event_open: unsupported architecture ${process.arch}`,
      "bpflab runs on x86-64 and arm64",
    );
  }
  const attr = Buffer.alloc(ATTR_SIZE);
  attr.writeUInt32LE(PERF_TYPE_SOFTWARE, 0);
  attr.writeUInt32LE(ATTR_SIZE, 4);
  attr.writeBigUInt64LE(BigInt(PERF_COUNT_SW_CPU_CLOCK), 8);
  attr.writeBigUInt64LE(BigInt(freqHz), 16);
  attr.writeBigUInt64LE(ATTR_FLAG_FREQ, 40);
  const fd = Number(sys()(nr, "void *", attr, "int", -1, "int", cpu, "int", -1, "unsigned long", PERF_FLAG_FD_CLOEXEC));
  if (fd >= 0) return fd;
  const err = lastErrno();
  if (err === 1 || err === 13) {
    throw new PermissionError(
      `perf_event_open cpu-clock on CPU ${cpu}: ${errnoName(err)}`,
      "sampling needs root or CAP_PERFMON (and kernel.perf_event_paranoid ≤ 2 without CAP_PERFMON)",
    );
  }
  throw new AttachError(
    `perf_event_open cpu-clock at ${freqHz} Hz on CPU ${cpu}: ${errnoName(err)}`,
    err === 22
      ? `the frequency may be above kernel.perf_event_max_sample_rate (${maxSampleRate() ?? "?"} Hz): pick a lower one`
      : "this kernel refuses software perf events; check CONFIG_PERF_EVENTS",
  );
}

/** kernel.perf_event_max_sample_rate, if readable. */
export function maxSampleRate(): number | undefined {
  try {
    return Number(readFileSync("/proc/sys/kernel/perf_event_max_sample_rate", "utf8").trim());
  } catch {
    return undefined;
  }
}

/** Closes a perf event fd that no link took over. */
export function closeFd(fd: number): void {
  libbpf().close(fd);
}
