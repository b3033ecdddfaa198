// Cgroups in every frame: ids resolved to paths, containers and units from the cgroup2 tree (a fake tree here
// without root), and live: a process in a cgroup the test makes appears with that cgroup's path, and the
// capture records the tree it saw.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { capture } from "../../kernel/capture/engine.js";
import { CgroupTree, cgroup2Mount, containerOf, fillCgroupColumns, unitOf } from "../../kernel/capture/cgroup-tree.js";
import { Frame } from "../../kernel/frame/frame.js";
import { makeCgroup2 } from "../helpers/cgroups.js";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

const HEX = "4f1c".padEnd(64, "a");

describe("cgroup paths", () => {
  it("finds containers and systemd units in paths, and the cgroup2 mount in mountinfo", () => {
    expect(containerOf(`/system.slice/docker-${HEX}.scope`)).toBe(HEX);
    expect(containerOf(`/kubepods.slice/kubepods-pod1234_56.slice/cri-containerd-${HEX}.scope`)).toBe(HEX);
    expect(containerOf(`/docker/${HEX}`)).toBe(HEX);
    expect(containerOf("/user.slice/user-1000.slice/session-3.scope")).toBe("");
    expect(unitOf("/system.slice/redis-server.service")).toBe("redis-server.service");
    expect(unitOf("/user.slice/user-1000.slice")).toBe("user-1000.slice");
    expect(unitOf("/")).toBe("");
    const mi = [
      "24 1 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755",
      "33 24 0:29 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw",
    ].join("\n");
    expect(cgroup2Mount(mi)).toBe("/sys/fs/cgroup/unified");
  });

  const root = mkdtempSync(join(tmpdir(), "bpflab-cgtree-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("resolves directory inode numbers to paths, rescanning for new ones, and fills every frame's columns", () => {
    mkdirSync(join(root, "system.slice", "redis.service"), { recursive: true });
    const tree = new CgroupTree(root);
    const ino = (p: string) => statSync(join(root, p), { bigint: true }).ino;
    expect(tree.resolve(ino("system.slice/redis.service"))?.path).toBe("/system.slice/redis.service");
    // a cgroup made after the first walk is found by the rescan a miss triggers
    mkdirSync(join(root, "system.slice", `docker-${HEX}.scope`));
    const late = ino(`system.slice/docker-${HEX}.scope`);
    const until = Date.now() + 300;
    while (Date.now() < until) {
      // the rescan is rate-limited to every 250 ms
    }
    expect(tree.resolve(late)).toMatchObject({ container: HEX, unit: `docker-${HEX}.scope` });
    const f = new Frame(
      "x",
      [
        { name: "cgroup_id", type: "u64" },
        { name: "cgroup", type: "str" },
        { name: "container", type: "str" },
        { name: "unit", type: "str" },
      ],
      {
        cgroup_id: BigUint64Array.from([ino("system.slice/redis.service"), late, 999999999n]),
        cgroup: { codes: new Uint32Array(3), dict: [] },
        container: { codes: new Uint32Array(3), dict: [] },
        unit: { codes: new Uint32Array(3), dict: [] },
      },
    );
    const g = fillCgroupColumns(f, tree);
    expect(g.strings("cgroup")).toEqual(["/system.slice/redis.service", `/system.slice/docker-${HEX}.scope`, ""]);
    expect(g.strings("unit")).toEqual(["redis.service", `docker-${HEX}.scope`, ""]);
    const cg = tree.frame();
    expect(cg.strings("cgroup")).toContain("/system.slice");
    expect(cg.rows().filter((r) => r["seen"]).length).toBe(2);
  });

  it("fills the cgroup columns alike in C and in JS (codes in order of first rows, ids past 2^63)", () => {
    // interleaved ids, runs of one id, an id past 2^63, more ids than the C table's first 64 slots hold
    const n = 5000;
    const ids = new BigUint64Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = i % 9 === 0 ? 0xfedcba9876543210n : BigInt(Math.floor(i / 3) % 150) * 1000003n + 1n;
    }
    const tree = {
      // paths shared by several ids, so a path's code is given once
      resolve: (id: bigint) => ({ path: `/p${id % 37n}`, container: id % 2n ? "c" : "", unit: `u${id % 5n}` }),
    } as unknown as CgroupTree;
    const frame = () =>
      new Frame(
        "x",
        [
          { name: "cgroup_id", type: "u64" },
          { name: "cgroup", type: "str" },
          { name: "container", type: "str" },
          { name: "unit", type: "str" },
        ],
        {
          cgroup_id: ids,
          cgroup: { codes: new Uint32Array(n), dict: [] },
          container: { codes: new Uint32Array(n), dict: [] },
          unit: { codes: new Uint32Array(n), dict: [] },
        },
      );
    const [c, js] = [true, false].map((native) => fillCgroupColumns(frame(), tree, true, native));
    for (const name of ["cgroup", "container", "unit"]) {
      expect(c!.column(name)).toEqual(js!.column(name));
    }
    expect(c!.strings("cgroup")[0]).toBe(`/p${0xfedcba9876543210n % 37n}`);
    expect(new Set(js!.strings("cgroup")).size).toBe(37);
  });

  liveIt("a process in a cgroup the test made appears with its path, and the capture records the tree", async () => {
    const cg = makeCgroup2();
    try {
      const child = spawn(workloadPath(), ["wait-stdin"], { stdio: ["pipe", "ignore", "inherit"] });
      cg.add(child.pid!);
      let started: () => void;
      const running = new Promise<void>((r) => (started = r));
      const stop = new AbortController();
      const done = capture({
        collectors: ["syscalls", "sched"],
        duration: "20s",
        interval: "100ms",
        signal: stop.signal,
        onInterval: () => started(),
      });
      await running;
      for (let i = 0; i < 20; i++) child.stdin!.write("x\n");
      child.stdin!.end();
      await once(child, "exit");
      await new Promise((r) => setTimeout(r, 250));
      stop.abort();
      const cap = await done;
      for (const name of ["syscalls", "sched"]) {
        const mine = cap
          .frame(name)
          .rows()
          .filter((r) => r["pid"] === child.pid);
        expect(mine.length, name).toBeGreaterThan(0);
        expect(new Set(mine.map((r) => r["cgroup"])), name).toEqual(new Set([cg.path]));
      }
      // this process's rows carry its own cgroup, and the recorded tree holds both
      const tree = cap.frame("cgroups");
      const paths = tree.strings("cgroup");
      expect(paths).toContain(cg.path);
      expect(paths).toContain("/");
      // "seen" marks exactly the cgroups some row belongs to
      const ids = new Set(["syscalls", "sched"].flatMap((n) => cap.frame(n).values("cgroup_id").map(String)));
      const seen = tree.rows().filter((r) => r["seen"]);
      expect(new Set(seen.map((r) => String(r["cgroup_id"])))).toEqual(ids);
      expect(seen.some((r) => r["cgroup"] === cg.path)).toBe(true);
    } finally {
      cg.remove();
    }
  });
});
