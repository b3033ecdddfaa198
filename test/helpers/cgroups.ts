// Cgroups the live tests create and remove: a cgroup v2 directory (for membership and the cgroup filter) and a
// memory-limited one (for the OOM killer), on v2 when its memory controller is there, else on v1's memory
// hierarchy (hybrid systems). Each is made under this process's own cgroup, with a random name.

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The mount point of a hierarchy from /proc/self/mountinfo: cgroup2, or the v1 one holding `controller`. */
function mountOf(fstype: "cgroup2" | "cgroup", controller?: string): string | undefined {
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [pre, post] = line.split(" - ");
    if (!pre || !post) continue;
    const [type, , opts] = post.split(" ");
    if (type !== fstype) continue;
    if (controller && !(opts ?? "").split(",").includes(controller)) continue;
    return pre.split(" ")[4];
  }
  return undefined;
}

/** This process's cgroup in a hierarchy ("0::/a/b" for v2, "4:memory:/x" for v1 memory). */
function ownPath(v1controller?: string): string {
  for (const line of readFileSync("/proc/self/cgroup", "utf8").trim().split("\n")) {
    const [id, ctrls, path] = line.split(":");
    if (v1controller ? (ctrls ?? "").split(",").includes(v1controller) : id === "0" && ctrls === "") return path ?? "/";
  }
  return "/";
}

export interface TestCgroup {
  /** The directory. */
  dir: string;
  /** Its path as cgroup v2 names it ("/bpflab-test-1a2b"), when it is a v2 cgroup. */
  path: string;
  /** Moves a process in. */
  add(pid: number): void;
  /** Moves its processes back to the parent and removes it (idempotent). */
  remove(): void;
}

function make(mount: string, parentRel: string, prefix: string, v2: boolean): TestCgroup {
  const parent = join(mount, parentRel);
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  const dir = join(parent, name);
  mkdirSync(dir);
  let removed = false;
  return {
    dir,
    path: v2 ? join(parentRel, name) : "",
    add: (pid) => writeFileSync(join(dir, "cgroup.procs"), `${pid}\n`),
    remove() {
      if (removed || !existsSync(dir)) return;
      for (const pid of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean)) {
        try {
          writeFileSync(join(parent, "cgroup.procs"), `${pid}\n`);
        } catch {
          // it exited meanwhile
        }
      }
      for (let i = 0; i < 50; i++) {
        try {
          rmdirSync(dir);
          break;
        } catch {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // a dying process still holds it
        }
      }
      removed = true;
    },
  };
}

/** The cgroup v2 mount (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems), if any. */
export function cgroup2Mount(): string | undefined {
  return mountOf("cgroup2");
}

/** A new cgroup v2 under this process's own; throws when there is no cgroup v2 hierarchy. */
export function makeCgroup2(prefix = "bpflab-test"): TestCgroup {
  const mount = cgroup2Mount();
  if (!mount) throw new Error("no cgroup2 hierarchy mounted");
  return make(mount, ownPath(), prefix, true);
}

/** A cgroup whose processes may use at most `bytes` of memory (and no swap), where this system limits memory. */
export function makeMemoryLimited(bytes: number, prefix = "bpflab-oom"): TestCgroup {
  const v2 = cgroup2Mount();
  if (v2 && readFileSync(join(v2, "cgroup.controllers"), "utf8").split(/\s+/).includes("memory")) {
    // under our own cgroup if it can hand the controller down (v2: not while it holds processes), else the root
    let at = ownPath();
    try {
      const sub = readFileSync(join(v2, at, "cgroup.subtree_control"), "utf8");
      if (!sub.split(/\s+/).includes("memory")) writeFileSync(join(v2, at, "cgroup.subtree_control"), "+memory\n");
    } catch {
      at = "/";
    }
    const cg = make(v2, at, prefix, true);
    writeFileSync(join(cg.dir, "memory.max"), `${bytes}\n`);
    if (existsSync(join(cg.dir, "memory.swap.max"))) writeFileSync(join(cg.dir, "memory.swap.max"), "0\n");
    return cg;
  }
  const v1 = mountOf("cgroup", "memory");
  if (!v1) throw new Error("no memory controller (cgroup v2 or v1) to limit a process's memory");
  const cg = make(v1, ownPath("memory"), prefix, false);
  writeFileSync(join(cg.dir, "memory.limit_in_bytes"), `${bytes}\n`);
  // the swap limit, where swap accounting is on, bounds memory + swap: equal to the limit means no swap
  if (existsSync(join(cg.dir, "memory.memsw.limit_in_bytes")))
    writeFileSync(join(cg.dir, "memory.memsw.limit_in_bytes"), `${bytes}\n`);
  return cg;
}
