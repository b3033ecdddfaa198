// Builds (once, through test/workloads/Makefile) and locates test/workloads/machine-load, the program whose
// latency, disk, signal, lock and memory behaviour the histogram, disk, signals, locks and cgroup tests know.

import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

const dir = join(__dirname, "..", "workloads");
const bin = join(dir, ".output", "machine-load");

/** Path of the machine-load binary, rebuilt with make when missing or older than its source. */
export function machineLoadPath(): string {
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(join(dir, "machine-load.c")).mtimeMs) {
    execFileSync("make", ["-s", "-C", dir, ".output/machine-load"], { stdio: "inherit" });
  }
  return bin;
}
