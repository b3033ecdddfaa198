// bpflab sql: a table, --json and --csv on a capture, the tables listed without SQL, and the exact syscall count
// of a known workload queried from a real capture.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";
import { bpflab } from "./run-cli.js";

const redis = "datasets/redis-injected";

describe("bpflab sql", () => {
  it("prints a table, JSON or CSV, and lists the tables without SQL", () => {
    const q = "SELECT comm, sum(count) AS calls FROM syscalls GROUP BY comm ORDER BY calls DESC LIMIT 3";
    const t = bpflab(["sql", redis, q]);
    expect(t.code, t.err).toBe(0);
    expect(t.out).toMatch(/^comm\s+calls\nrogue-syscalls\s+3000024\n/);
    expect(t.out).toContain("(3 rows)");
    const j = JSON.parse(bpflab(["sql", redis, q, "--json"]).out) as { comm: string; calls: number }[];
    expect(j[0]).toEqual({ comm: "rogue-syscalls", calls: 3000024 });
    const c = bpflab(["sql", redis, q, "--csv"]).out.split("\n");
    expect(c.slice(0, 2)).toEqual(["comm,calls", "rogue-syscalls,3000024"]);
    const list = bpflab(["sql", redis]);
    expect(list.out).toContain("syscalls (20050 rows");
    expect(list.out).toMatch(/labels \(5 rows/);
    const cut = bpflab(["sql", redis, "SELECT * FROM sched", "--max-rows", "2"]);
    expect(cut.out.trim().split("\n")).toHaveLength(4);
    expect(cut.out).toContain("3633 not shown");
    const stdin = bpflab(["sql", redis, "-", "--json"], { input: "SELECT 1 AS one" });
    expect(JSON.parse(stdin.out)).toEqual([{ one: 1 }]);
  });

  it("a SQL error is a usage error naming the tables", () => {
    const r = bpflab(["sql", redis, "SELECT * FROM schedule"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Table with name schedule does not exist");
    expect(r.err).toContain("hint: tables here: labels, process, sched, syscalls");
  });

  liveIt("counts a known workload's syscalls exactly in a real capture", () => {
    const out = mkdtempSync(join(tmpdir(), "bpflab-sql-"));
    const cap = bpflab([
      "capture",
      "-c",
      "syscalls,process",
      "-d",
      "30s",
      "-o",
      out,
      "--",
      workloadPath(),
      "getppid",
      "54321",
    ]);
    expect(cap.code, cap.err).toBe(0);
    const r = bpflab([
      "sql",
      out,
      "SELECT sum(s.count) AS n FROM syscalls s JOIN process p ON p.pid = s.pid AND p.event = 'exec' WHERE s.syscall = 'getppid'",
      "--json",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual([{ n: 54321 }]);
  });
});
