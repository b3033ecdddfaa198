// Builds (once, through test/workloads/Makefile) and locates test/workloads/ufunc-target, the program whose
// user-space function calls the ufunc tests and bench know exactly.

import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

const dir = join(__dirname, "..", "workloads");
const bin = join(dir, ".output", "ufunc-target");

/** Path of the ufunc target binary, rebuilt with make when missing or older than its source. */
export function ufuncTargetPath(): string {
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(join(dir, "ufunc-target.c")).mtimeMs) {
    execFileSync("make", ["-s", "-C", dir, ".output/ufunc-target"], { stdio: "inherit" });
  }
  return bin;
}
