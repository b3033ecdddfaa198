// Where the scenario processes are: the multi-call binary built from kernel/scenarios/native/ into a private
// directory, checked before anything in it runs as root (owner, no symlinks, writable by nobody else).

import { lstatSync } from "node:fs";
import { join } from "node:path";
import { ScenarioError } from "../errors.js";
import { packageRoot } from "../paths.js";

const BUILD_HINT = "build them with `make -C kernel/scenarios/native` (part of `bash scripts/setup.sh`)";

/** The directory of the built scenario processes (BPFLAB_SCENARIO_BIN_DIR overrides, for installs elsewhere). */
export function nativeBinDir(): string {
  return process.env.BPFLAB_SCENARIO_BIN_DIR ?? join(packageRoot(), "kernel", "scenarios", "native", ".output");
}

/**
 * Path of the scenario process named `name` (its comm: cpu-hog, api-server, ...), after checking that it and
 * its directory are what setup made: not symlinks, owned by root or by this user, writable by no one else.
 * Anything else could have been swapped in by another user, and scenarios run these as root.
 */
export function nativeBin(name: string): string {
  const dir = nativeBinDir();
  checkOwned(dir, "directory");
  const path = join(dir, name);
  checkOwned(path, "file");
  return path;
}

function checkOwned(path: string, kind: "file" | "directory"): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    throw new ScenarioError(`scenario process ${path} is missing`, BUILD_HINT, { cause: e });
  }
  const uid = process.geteuid?.() ?? 0;
  const isKind = kind === "file" ? st.isFile() : st.isDirectory();
  if (!isKind || (st.uid !== 0 && st.uid !== uid) || (st.mode & 0o022) !== 0) {
    throw new ScenarioError(
      `refusing to run scenario processes from ${path}: it is not a ${kind} owned by root or by you and ` +
        `writable only by its owner`,
      `remove it and ${BUILD_HINT}`,
    );
  }
}
