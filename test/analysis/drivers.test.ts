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
