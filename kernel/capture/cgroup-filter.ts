// The cgroup filter's target: a path the user gives (below the cgroup2 mount, or the directory itself) checked
// and resolved to the cgroup's id (its directory's inode) and depth, before anything touches the kernel.

import { lstatSync } from "node:fs";
import { join, posix } from "node:path";
import { OptionError } from "../errors.js";
import { cgroup2Mount } from "./cgroup-tree.js";

/** The cgroup at `given`: { id, level (0 = the root), path below the mount }; OptionError when there is none. */
export function resolveCgroupFilter(
  given: unknown,
  mount = cgroup2Mount(),
): { id: bigint; level: number; path: string } {
  if (typeof given !== "string" || given === "") {
    throw new OptionError(
      `cgroup must be a cgroup v2 path, got ${JSON.stringify(given)}`,
      'e.g. "/system.slice/ssh.service"',
    );
  }
  if (!mount) {
    throw new OptionError(
      "this system has no cgroup v2 hierarchy to filter by",
      "mount cgroup2, or filter by --pid or --comm",
    );
  }
  let path = given.startsWith(mount + "/") || given === mount ? given.slice(mount.length) || "/" : given;
  if (!path.startsWith("/")) path = `/${path}`;
  path = posix.normalize(path).replace(/\/+$/, "") || "/";
  if (path.split("/").includes("..")) {
    throw new OptionError(
      `cgroup ${JSON.stringify(given)} leaves the cgroup tree`,
      "give a path below the cgroup2 mount",
    );
  }
  const hint = `a path below ${mount}, as the 0:: line of /proc/PID/cgroup shows it (e.g. /system.slice/ssh.service)`;
  let st;
  try {
    st = lstatSync(join(mount, path), { bigint: true }); // lstat: a symlink is not a cgroup
  } catch {
    throw new OptionError(`no cgroup ${path} (no directory ${join(mount, path)})`, hint);
  }
  if (!st.isDirectory()) throw new OptionError(`${join(mount, path)} is not a cgroup directory`, hint);
  return { id: st.ino, level: path === "/" ? 0 : path.split("/").length - 1, path };
}
