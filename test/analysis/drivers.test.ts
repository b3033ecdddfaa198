// Drivers and their companions: a group (a collector's columns) scores only its largest deviation, so what moved
// as far beside it is named with it, never counted, and never twice.

import { describe, expect, it } from "vitest";
import { namedFeatures, topDrivers } from "../../kernel/analysis/drivers.js";

const columns = [
  "sys_pwrite64_count", // 0: leads syscalls
  "sys_fsync_count", // 1: moved as far, same way
  "sys_read_count", // 2: moved, but less than half as far
  "sys_openat_count", // 3: moved as far, the other way
  "syscalls_count", // 4: the total of all calls
  "lock_mutex_wait_ns", // 5: leads locks
  "lock_max_wait_ns", // 6: the same waits, summarised otherwise
  "lock_waits", // 7: another quantity of the locks group
  "oncpu_ns", // 8: moved as far, but another group
];
const group = ["syscalls", "syscalls", "syscalls", "syscalls", "syscalls", "locks", "locks", "locks", "sched"];
// z² per column; the contributions keep each group's largest
const dev = [100, 80, 40, 90, 95, 50, 50, 20, 99];
const contrib = [100, 0, 0, 0, 0, 50, 0, 0, 99];
const value = [1400, 1400, 300, 0, 3000, 2e8, 2e8, 50, 9e8];
const base = [0, 0.2, 100, 40, 200, 1e3, 1e3, 1, 1e8];

const drivers = (companions = true) =>
  topDrivers(
    columns,
    contrib,
    249,
    (j) => value[j]!,
    (j) => base[j]!,
    1,
    5,
    undefined,
    undefined,
    companions ? { deviations: dev, group } : undefined,
  );

describe("driver companions", () => {
  it("names beside a driver the columns of its group that moved at least half as far, the same way", () => {
    const d = drivers();
    expect(d.map((x) => x.feature)).toEqual(["sys_pwrite64_count", "oncpu_ns", "lock_mutex_wait_ns"]);
    // fsync: as far and the same way; not read (less than half), not openat (down), not the total of all calls
    expect(d[0]!.with!.map((c) => c.feature)).toEqual(["sys_fsync_count"]);
    expect(d[0]!.text).toBe(
      "pwrite64 calls 1,400/s, none in its baseline, with fsync calls 1,400/s, 7,000× its baseline (0.2/s)",
    );
    // no companion from another group; lock_max_wait_ns is the same waits as the driver's, lock_waits less than half
    expect(d[1]!.with).toBeUndefined();
    expect(d[2]!.with).toBeUndefined();
    expect(d.flatMap(namedFeatures)).toEqual([
      "sys_pwrite64_count",
      "sys_fsync_count",
      "oncpu_ns",
      "lock_mutex_wait_ns",
    ]);
    // companions add nothing to the shares, which still come from the contributions alone
    expect(d.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 12);
  });

  it("without each column's own deviation there is nothing to name", () => {
    expect(drivers(false).every((x) => x.with === undefined)).toBe(true);
  });
});

describe("a window spent idle", () => {
  // a server that stopped: no CPU, no calls, no switches; its memory stays, its off-CPU time rises
  const cols = [
    "syscalls_count",
    "vol_switches",
    "oncpu_ns",
    "sustained_oncpu_ns",
    "rss_anon_bytes",
    "idle",
    "offcpu_ns",
  ];
  const v = [0, 0, 0, 0, 5e8, 1, 1e9];
  const b = [1800, 680, 3e7, 2.5e7, 5e8, 0, 1e8];
  const c = [44, 25, 10, 8, 0, 3, 10];
  const idleDrivers = (idle: number) =>
    topDrivers(
      cols,
      c,
      100,
      (j) => (j === 5 ? idle : v[j]!),
      (j) => b[j]!,
      1,
    );

  it("is one finding: what fell to zero because it did nothing is the idle state's share, named beside it", () => {
    const d = idleDrivers(1);
    expect(d.map((x) => x.feature)).toEqual(["idle", "offcpu_ns"]);
    expect(d[0]!.share).toBeCloseTo(0.9, 12);
    // the largest first, and CPU time once (held or not)
    expect(d[0]!.with!.map((x) => x.feature)).toEqual(["syscalls_count", "vol_switches", "oncpu_ns"]);
    expect(d[0]!.text).toMatch(
      /^idle \(no CPU time, no system calls\).*, with system calls 0\/s, .*, voluntary switches 0\/s, .* and CPU time 0 % of a CPU/,
    );
    expect(d.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 12);
  });

  it("leaves the drivers alone in a window that was not idle", () => {
    const d = idleDrivers(0);
    expect(d.map((x) => x.feature).slice(0, 2)).toEqual(["syscalls_count", "vol_switches"]);
    expect(d.every((x) => x.with === undefined)).toBe(true);
  });
});
