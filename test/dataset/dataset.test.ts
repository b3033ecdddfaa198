// A two-host fleet dataset: the Hive layout on disk (0700/0600, never overwritten, no symlinks followed), read as
// one table by DuckDB SQL and by Polars, loadDataset's host and time selection, detection per host and across.

import { mkdtempSync, mkdirSync, readdirSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Capture } from "../../kernel/capture/capture.js";
import { loadCapture } from "../../kernel/capture/capture-files.js";
import { writeToDataset } from "../../kernel/dataset/dataset-write.js";
import { loadDataset } from "../../kernel/dataset/load-dataset.js";
import { findAnomaliesAcrossHosts, findAnomaliesByHost } from "../../kernel/dataset/fleet-anomalies.js";
import { findAnomalies } from "../../kernel/analysis/anomalies.js";
import { query } from "../../kernel/query/query.js";
import { bpflab } from "../cli/run-cli.js";

const redis = join(__dirname, "../../datasets/redis-injected");
let root: string;
let vm: Capture;
let web2: Capture;

/** The same capture as if taken on another host, cut to its first 40 s so the two hosts' numbers differ. */
function otherHost(cap: Capture, host: string): Capture {
  const frames = Object.fromEntries(
    cap.collectors.map((c) => {
      const t = cap.frame(c).numeric("t_s");
      return [c, cap.frame(c).filter((i) => t[i]! < 40)];
    }),
  );
  return new Capture({ ...cap.meta, host, elapsedMs: 40_000, durationMs: 40_000 }, frames);
}

beforeAll(async () => {
  root = join(mkdtempSync(join(tmpdir(), "bpflab-ds-")), "fleet");
  vm = await loadCapture(redis);
  web2 = otherHost(vm, "web2");
  await writeToDataset(vm, root);
  await writeToDataset(web2, root);
});

describe("fleet dataset", () => {
  it("lays files out as collector=/host=/date=, owner-only", () => {
    expect(readdirSync(root).sort()).toEqual(["collector=process", "collector=sched", "collector=syscalls"]);
    expect(readdirSync(join(root, "collector=sched")).sort()).toEqual(["host=vm", "host=web2"]);
    const day = join(root, "collector=sched", "host=web2", "date=2026-11-26");
    const files = readdirSync(day);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^20261126T114221Z-[0-9a-f]{12}\.parquet$/);
    expect(statSync(day).mode & 0o777).toBe(0o700);
    expect(statSync(join(day, files[0]!)).mode & 0o777).toBe(0o600);
  });

  it("DuckDB reads each collector as one table over both hosts", async () => {
    const r = await query(
      root,
      "SELECT host, sum(count) AS calls, count(*) AS n FROM syscalls GROUP BY host ORDER BY host",
    );
    expect(r.toObjects()).toEqual([
      { host: "vm", calls: vm.frame("syscalls").sum("count"), n: vm.frame("syscalls").length },
      { host: "web2", calls: web2.frame("syscalls").sum("count"), n: web2.frame("syscalls").length },
    ]);
    const cli = bpflab(["sql", root, "SELECT count(DISTINCT host) AS hosts, min(date) AS d FROM sched", "--json"]);
    expect(JSON.parse(cli.out)).toEqual([{ hosts: 2, d: "2026-11-26" }]);
  });

  it("Polars reads the same layout as one table", async () => {
    const pl = await import("nodejs-polars");
    const df = pl.scanParquet(`${root}/collector=syscalls/**/*.parquet`, { hivePartitioning: true }).collectSync();
    expect(df.height).toBe(vm.frame("syscalls").length + web2.frame("syscalls").length);
    expect(df.getColumn("host").unique().sort().toArray()).toEqual(["vm", "web2"]);
    expect(Number(df.getColumn("count").sum())).toBe(
      vm.frame("syscalls").sum("count") + web2.frame("syscalls").sum("count"),
    );
  });

  it("loadDataset selects hosts and times, and a host's capture ranks like the original", async () => {
    const all = await loadDataset(root);
    expect(all.hosts).toEqual(["vm", "web2"]);
    const sched = all.frame("sched");
    expect(sched.length).toBe(vm.frame("sched").length + web2.frame("sched").length);
    expect(new Set(sched.strings("host"))).toEqual(new Set(["vm", "web2"]));
    const from = vm.meta.wallStartUs / 1000 + 10_000;
    const to = from + 5_000;
    const cut = await loadDataset(root, { hosts: ["web2"], from, to });
    expect(cut.hosts).toEqual(["web2"]);
    const ts = web2.frame("sched").numeric("ts");
    const want = ts.filter((t) => t >= from * 1000 && t < to * 1000).length;
    expect(cut.frame("sched").length).toBe(want);
    const direct = findAnomalies(vm, { top: 3 });
    const viaDataset = findAnomaliesByHost(all, { top: 3 }).get("vm")!;
    expect(viaDataset.top.map((a) => [a.entity, a.t_s, a.scores])).toEqual(
      direct.top.map((a) => [a.entity, a.t_s, a.scores]),
    );
  });

  it("ranks across hosts with each anomaly's host", async () => {
    const r = findAnomaliesAcrossHosts(await loadDataset(root), { top: 5 });
    expect(r.hostOfRow).toHaveLength(r.features.matrix.rows);
    expect(new Set(r.hostOfRow)).toEqual(new Set(["vm", "web2"]));
    for (const a of r.top) {
      expect(["vm", "web2"]).toContain(a.entity.host);
      expect(a.entity.pid).toBeLessThan(2 ** 22);
    }
    // the cpu-hog runs from 50 s on, so only on vm (web2 stops at 40 s): the fleet ranking puts it first
    expect(r.top[0]!.entity).toMatchObject({ host: "vm", comm: "cpu-hog" });
  });

  it("adds a capture once, and never follows a symlink", async () => {
    const before = readdirSync(join(root, "collector=sched", "host=vm", "date=2026-11-26"));
    expect(await writeToDataset(vm, root)).toEqual([]);
    expect(readdirSync(join(root, "collector=sched", "host=vm", "date=2026-11-26"))).toEqual(before);
    const evil = join(mkdtempSync(join(tmpdir(), "bpflab-ds-")), "fleet");
    mkdirSync(evil);
    symlinkSync(tmpdir(), join(evil, "collector=sched"));
    await expect(writeToDataset(vm, evil)).rejects.toThrow(/is a symlink/);
  });
});
