// Display declarations (FrameDecl.display) drive the live view, the summary and the report: a collector declared
// here, outside the registry, shows in all three without plots/ or report/ knowing it; the new collectors'
// declarations (locks and its histogram) give the expected numbers; plots/ and report/ look up no collector.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Capture, CaptureMeta, SCHEMA_VERSION } from "../../kernel/capture/capture.js";
import { collectors } from "../../kernel/collectors/registry.js";
import { Collector, defineCollector } from "../../kernel/collectors/schema.js";
import type { ColumnSpec } from "../../kernel/frame/frame.js";
import { FrameBuilder } from "../../kernel/frame/frame-builder.js";
import { LiveStats, topProcesses } from "../../kernel/plots/live-stats.js";
import { reportSections } from "../../kernel/report/capture-report.js";
import { summarize, summaryJson, summaryOf } from "../../kernel/report/summary.js";
import { root } from "../cli/run-cli.js";

/** A collector no code in kernel/ knows: run-queue stalls per thread, with the displays it wants. */
const qstall: Collector = defineCollector({
  name: "qstall",
  description: "queue stalls per thread (test only)",
  tracepoints: [],
  frames: [
    {
      name: "qstall",
      source: { kind: "aggregate", map: "stalls", key: "qstall_key", value: "qstall_val" },
      identity: { pid: "key.pid", tid: "key.tid", comm: "val.comm", process: "val.pcomm", cgroup_id: "val.cg" },
      columns: {
        stalls: { from: "val.stalls", type: "i64", description: "stalls" },
        stall_ns: { from: "val.stall_ns", type: "i64", unit: "ns", description: "time stalled" },
        queue: { from: "val.queue", type: "str", description: "queue name" },
      },
      display: {
        live: { rates: [{ name: "stalls/s", columns: ["stalls"] }], calls: "stalls" },
        summary: [
          {
            key: "top_stalls",
            title: "queue stalls (qstall)",
            by: ["process", "queue"],
            columns: [
              { column: "stall_ns", header: "stalled ms", scale: 1e-6 },
              { column: "stalls", header: "stalls" },
            ],
            top: 3,
          },
          { key: "stall_queues", title: "stalled queues", counts: "queue" },
        ],
        report: [{ plot: "timeline", metric: "stalls", title: "Stalls per interval (qstall)" }],
      },
    },
  ],
});

type Cell = number | string;

/** A frame with `schema`, one row per object (missing cells 0 or ""). */
function frameOf(name: string, schema: readonly ColumnSpec[], rows: Record<string, Cell>[]) {
  const b = new FrameBuilder(schema);
  for (const row of rows) {
    const r = b.beginRow();
    schema.forEach((s, c) => {
      const v = row[s.name];
      if (s.type === "str") b.setStr(c, r, String(v ?? ""));
      else if (s.type === "u64") b.setBig(c, r, BigInt(v ?? 0));
      else b.setNum(c, r, Number(v ?? 0));
    });
  }
  return b.finish(name);
}

function meta(collectorNames: string[]): CaptureMeta {
  return {
    bpflabVersion: "0.1.0",
    schemaVersion: SCHEMA_VERSION,
    host: "box",
    kernel: "6.18.0",
    wallStartUs: Date.UTC(2026, 11, 1, 12, 0, 0) * 1000,
    monoStartNs: "1",
    durationMs: 2000,
    elapsedMs: 2000,
    intervalMs: 1000,
    collectors: collectorNames,
    options: {},
    lost: Object.fromEntries(collectorNames.map((c) => [c, 0])),
    interrupted: false,
  };
}

// two intervals: "db" (pid 10) stalls 30 + 50 times for 3 + 5 ms on queue "io", "web" (pid 20) 5 times on "net"
const stallRows = [
  { t_s: 0, pid: 10, tid: 10, comm: "db", process: "db", queue: "io", stalls: 30, stall_ns: 3e6 },
  { t_s: 1, pid: 10, tid: 11, comm: "db-w", process: "db", queue: "io", stalls: 50, stall_ns: 5e6 },
  { t_s: 1, pid: 20, tid: 20, comm: "web", process: "web", queue: "net", stalls: 5, stall_ns: 2e6 },
];

describe("a collector's declared display", () => {
  const frame = frameOf("qstall", qstall.frames[0]!.schema, stallRows);
  const cap = new Capture(meta(["qstall"]), { qstall: frame });

  test("reaches the summary: its tables and counts, in text and JSON", () => {
    const s = summaryOf(cap, { collectors: [qstall] });
    expect(s.sections).toEqual([
      {
        key: "top_stalls",
        title: "queue stalls (qstall)",
        header: ["pid", "process", "queue", "stalled ms", "stalls"],
        rows: [
          [10, "db", "io", 8, 80],
          [20, "web", "net", 2, 5],
        ],
      },
    ]);
    expect(summaryJson(s)["stall_queues"]).toEqual({ io: 2, net: 1 });
    expect(summarize(cap, { collectors: [qstall] })).toContain("stalled queues: 2 io, 1 net");
    // nothing in kernel/ knows qstall: without its declaration there is no table
    expect(summaryOf(cap).sections).toEqual([]);
  });

  test("reaches the report: its figure in its section", () => {
    const sections = reportSections(cap, { collectors: [qstall], detectors: [] });
    const timelines = sections.find((s) => s.id === "timelines");
    const titles = (timelines?.items ?? []).map((i) => (i.kind === "figure" ? i.figure.layout["title"] : undefined));
    expect(JSON.stringify(titles)).toContain("Stalls per interval (qstall)");
    const top = sections.find((s) => s.id === "top");
    expect(top?.items.some((i) => i.kind === "html" && i.html.includes("queue stalls (qstall)"))).toBe(true);
    expect(reportSections(cap, { detectors: [] }).some((s) => s.id === "timelines")).toBe(false);
  });

  test("reaches the live view: its rate and its calls per process", () => {
    const stats = new LiveStats(["qstall"], 1000, { declared: [qstall] });
    stats.ingest({ elapsedMs: 2000, durationMs: 2000, frames: { qstall: frame }, lost: {}, newRows: { qstall: 2 } });
    expect(stats.rates).toEqual([{ name: "stalls/s", value: 55 }]);
    expect(stats.hasCalls).toBe(true);
    expect(stats.top.map((p) => [p.pid, p.syscallsPerS])).toEqual([
      [10, 50],
      [20, 5],
    ]);
    const whole = topProcesses({ qstall: frame }, 2000, 5, [qstall]);
    expect(whole.map((p) => [p.pid, p.syscallsPerS])).toEqual([
      [10, 40],
      [20, 2.5],
    ]);
    expect(new LiveStats(["qstall"], 1000).hasCalls).toBe(false);
  });
});

describe("the locks collector's declarations", () => {
  const locks = collectors["locks"]!;
  const main = locks.frames.find((f) => f.name === "locks")!;
  const hist = locks.frames.find((f) => f.name === "locks_hist")!;
  const lockRows = [
    { t_s: 0, pid: 7, tid: 7, comm: "mm", process: "mm", lock_type: "rwsem-write", waits: 10, wait_ns: 4e6 },
    { t_s: 1, pid: 7, tid: 8, comm: "mm", process: "mm", lock_type: "rwsem-write", waits: 6, wait_ns: 2e6 },
    { t_s: 1, pid: 9, tid: 9, comm: "mv", process: "mv", lock_type: "mutex", waits: 3, wait_ns: 9e6 },
  ].map((r) => ({ ...r, max_wait_ns: r.wait_ns / 2 }));
  // 90 waits of 1 µs or less and 10 of up to 1 ms on rwsem-write: p50 in the first bucket, p99 in the second
  const histRows = [
    { t_s: 0, pid: 7, tid: 7, comm: "mm", process: "mm", lock_type: "rwsem-write", le_ns: 1024, count: 90 },
    { t_s: 0, pid: 7, tid: 7, comm: "mm", process: "mm", lock_type: "rwsem-write", le_ns: 2 ** 20, count: 10 },
  ];
  const cap = new Capture(meta(["locks"]), {
    locks: frameOf("locks", main.schema, lockRows),
    locks_hist: frameOf("locks_hist", hist.schema, histRows),
  });

  test("give the contention table and the wait percentiles", () => {
    const s = summaryOf(cap);
    const t = s.sections.find((x) => x.key === "lock_contention")!;
    expect(t.header).toEqual(["pid", "process", "lock_type", "wait ms", "waits", "max wait ms"]);
    expect(t.rows).toEqual([
      [9, "mv", "mutex", 9, 3, 4.5],
      [7, "mm", "rwsem-write", 6, 16, 2],
    ]);
    const p = s.sections.find((x) => x.key === "locks_hist_percentiles")!;
    expect(p.header).toEqual(["lock_type", "count", "p50 µs", "p90 µs", "p99 µs"]);
    expect(p.rows[0]![0]).toBe("rwsem-write");
    expect(p.rows[0]![1]).toBe(100);
    expect(p.rows[0]![2] as number).toBeLessThanOrEqual(1.1);
    expect(p.rows[0]![4] as number).toBeGreaterThan(1.1);
  });

  test("give a timeline and the histogram's distribution and heat map in the report", () => {
    const sections = reportSections(cap, { detectors: [] });
    const figures = (id: string) =>
      (sections.find((s) => s.id === id)?.items ?? []).flatMap((i) => (i.kind === "figure" ? [i.figure] : []));
    expect(figures("timelines").map((f) => JSON.stringify(f.layout["title"]))).toEqual([
      expect.stringContaining("Kernel lock wait per interval per process"),
    ]);
    const latency = figures("latency");
    expect(latency.map((f) => f.data[0]!["type"])).toEqual(["bar", "heatmap"]);
    expect(JSON.stringify(latency[0]!.layout["title"])).toContain("lock_type=rwsem-write");
  });
});

describe("plots/ and report/", () => {
  test("look up no collector by name: what they show comes from the declarations", () => {
    // "process" is also a column (the process name), which plots/ and report/ may name
    const names = Object.values(collectors)
      .flatMap((c) => c.frames.map((f) => f.name))
      .filter((n) => n !== "process");
    const alt = names.join("|");
    // a frame fetched by name, a collector compared or looked up by name
    const lookup = new RegExp(
      `frames(\\.(${alt})\\b|\\[\\s*"(${alt})")|\\.frame\\(\\s*"(${alt})"|===\\s*"(${alt})"|includes\\(\\s*"(${alt})"|has\\(cap, "(${alt})"`,
    );
    const found: string[] = [];
    for (const dir of ["kernel/plots", "kernel/report"]) {
      for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith(".ts"))) {
        readFileSync(join(root, dir, file), "utf8")
          .split("\n")
          .forEach((line, i) => {
            const code = line.trim();
            if (code.startsWith("//") || code.startsWith("*")) return; // comments and doc examples
            if (lookup.test(code)) found.push(`${dir}/${file}:${i + 1}: ${code}`);
          });
      }
    }
    expect(found).toEqual([]);
  });
});
