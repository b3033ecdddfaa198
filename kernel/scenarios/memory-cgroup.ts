// A memory-limited cgroup for the OOM-kill scenario, made for one run and removed after it: cgroup v2 (memory.max)
// where its memory controller is on, else the v1 memory hierarchy (memory.limit_in_bytes) below our own cgroup.

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ScenarioError } from "../errors.js";

const V2_MOUNTS = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"];
const V1_MEMORY = "/sys/fs/cgroup/memory";

export class MemoryCgroup {
  private constructor(
    /** The cgroup's folder. */
    readonly path: string,
    readonly version: 1 | 2,
  ) {}

  /** Its cgroup.procs: a process writes its pid there to join. */
  get procs(): string {
    return join(this.path, "cgroup.procs");
  }

  /** Creates a cgroup whose processes may use at most `limitBytes` of memory (and no swap). */
  static create(limitBytes: number): MemoryCgroup {
    const name = `bpflab-scenario-oom-${randomBytes(6).toString("hex")}`;
    try {
      const v2 = V2_MOUNTS.find((m) => controllers(join(m, "cgroup.controllers")).includes("memory"));
      if (v2) {
        const sub = join(v2, "cgroup.subtree_control");
        if (!controllers(sub).includes("memory")) writeFileSync(sub, "+memory");
        const path = join(v2, name);
        mkdirSync(path, { mode: 0o700 }); // fails if it exists: never someone else's folder
        writeFileSync(join(path, "memory.max"), String(limitBytes));
        if (existsSync(join(path, "memory.swap.max"))) writeFileSync(join(path, "memory.swap.max"), "0");
        return new MemoryCgroup(path, 2);
      }
      if (existsSync(join(V1_MEMORY, "memory.limit_in_bytes"))) {
        const own = /^\d+:memory:(.*)$/m.exec(readFileSync("/proc/self/cgroup", "utf8"))?.[1] ?? "/";
        const path = join(V1_MEMORY, own, name);
        mkdirSync(path, { mode: 0o700 });
        writeFileSync(join(path, "memory.limit_in_bytes"), String(limitBytes));
        try {
          writeFileSync(join(path, "memory.swappiness"), "0");
        } catch {
          // not settable under some parents: without swap it does not matter
        }
        return new MemoryCgroup(path, 1);
      }
    } catch (e) {
      throw new ScenarioError(
        `cannot create a memory-limited cgroup: ${(e as Error).message}`,
        "the oom-kill scenario needs root and the cgroup memory controller (v2, or v1 at /sys/fs/cgroup/memory)",
        { cause: e },
      );
    }
    throw new ScenarioError(
      "no cgroup memory controller on this machine",
      "the oom-kill scenario needs the memory controller (cgroup v2, or v1 at /sys/fs/cgroup/memory)",
    );
  }

  /** Kills whatever is still in it and removes it (no error when it is gone). */
  async remove(): Promise<void> {
    for (let i = 0; i < 50 && existsSync(this.path); i++) {
      try {
        for (const pid of readFileSync(this.procs, "utf8").split("\n").filter(Boolean)) {
          try {
            process.kill(Number(pid), "SIGKILL");
          } catch {
            // gone already
          }
        }
        rmdirSync(this.path);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100)); // EBUSY until its processes have exited
      }
    }
  }
}

function controllers(path: string): string[] {
  try {
    return readFileSync(path, "utf8").trim().split(/\s+/);
  } catch {
    return [];
  }
}
