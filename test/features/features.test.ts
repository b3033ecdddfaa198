// features(): per-window, per-entity feature rows from in-memory captures (plain data, no kernel involved).

import { describe, expect, it } from "vitest";
import { features } from "../../kernel/features/features.js";
import { parseWindow } from "../../kernel/features/window.js";
import type { ColumnSpec, Frame } from "../../kernel/frame/frame.js";
import { at, base, cap, frame, START_US } from "./sample-captures.js";
import { DetectorInputError, OptionError } from "../../kernel/errors.js";
import { IsolationForest } from "../../kernel/detectors/isolation-forest.js";

function sched(): Frame {
  const schema: ColumnSpec[] = [
    ...base,
    ...["oncpu_ns", "runq_ns", "offcpu_ns", "vol_switches", "invol_switches", "migrations"].map((name) => ({
      name,
      type: "i64" as const,
    })),
  ];
  const row = (t: number, pid: number, tid: number, comm: string, cg: bigint, on: number) => ({
    ...at(t),
    pid,
    tid,
    comm,
    cgroup_id: cg,
    oncpu_ns: on,
    runq_ns: on / 10,
    offcpu_ns: 1e9 - on,
    vol_switches: 3,
    invol_switches: 1,
    migrations: 0,
  });
  return frame("sched", schema, [
    row(0.2, 100, 100, "nginx", 7n, 2e8),
    row(0.2, 100, 101, "nginx", 7n, 1e8),
    row(0.5, 200, 200, "bash", 9n, 5e7),
    row(1.1, 100, 100, "nginx", 7n, 9e8),
    row(1.1, 200, 200, "bash", 9n, 1e7),
  ]);
}

function syscalls(): Frame {
  const schema: ColumnSpec[] = [
    ...base,
    { name: "syscall", type: "str" },
    { name: "nr", type: "u32" },
    { name: "count", type: "i64" },
    { name: "errors", type: "i64" },
    { name: "latency_ns", type: "i64" },
    { name: "max_latency_ns", type: "i64" },
  ];
  const row = (
    t: number,
    pid: number,
    tid: number,
    comm: string,
    syscall: string,
    count: number,
    errors: number,
    lat: number,
    max: number,
  ) => ({
    ...at(t),
    pid,
    tid,
    comm,
    cgroup_id: pid === 100 ? 7n : 9n,
    syscall,
    nr: 0,
    count,
    errors,
    latency_ns: lat,
    max_latency_ns: max,
  });
  return frame("syscalls", schema, [
    row(0.3, 100, 100, "nginx", "read", 10, 0, 1000, 300),
    row(0.3, 100, 101, "nginx", "read", 30, 3, 3000, 900),
    row(0.3, 100, 100, "nginx", "openat", 4, 2, 800, 400),
    row(0.6, 200, 200, "bash", "write", 1, 0, 50, 50),
    row(1.2, 100, 100, "nginx", "read", 5, 0, 500, 100),
  ]);
}

function processes(): Frame {
  const schema: ColumnSpec[] = [
    ...base,
    { name: "ts_ns", type: "u64" },
    { name: "event", type: "str" },
    { name: "ppid", type: "u32" },
    { name: "filename", type: "str" },
    { name: "args", type: "str" },
    { name: "exit_code", type: "i32" },
    { name: "lifetime_ns", type: "i64" },
  ];
  const row = (t: number, event: string, pid: number, ppid: number, comm: string) => ({
    ...at(t),
    pid,
    tid: pid,
    comm,
    cgroup_id: 9n,
    ts_ns: 5n,
    event,
    ppid,
    filename: "",
    args: "",
    exit_code: 0,
    lifetime_ns: 0,
  });
  return frame("process", schema, [
    row(0.7, "fork", 300, 200, "bash"),
    row(0.8, "exec", 300, 200, "ls"),
    row(0.9, "exit", 300, 200, "ls"),
  ]);
}

describe("features", () => {
  it("by pid and 1 s windows: CPU sums, syscall totals, rates, top syscalls, process events", () => {
    const { matrix, keys, missing } = features(cap({ sched: sched(), syscalls: syscalls(), process: processes() }), {
      by: "pid",
      window: "1s",
    });
    expect(keys.rows()).toEqual([
      { t_s: 0, ts: START_US, pid: 100, comm: "nginx" },
      { t_s: 0, ts: START_US, pid: 200, comm: "bash" },
      { t_s: 0, ts: START_US, pid: 300, comm: "ls" },
      { t_s: 1, ts: START_US + 1e6, pid: 100, comm: "nginx" },
      { t_s: 1, ts: START_US + 1e6, pid: 200, comm: "bash" },
    ]);
    const get = (r: number, c: string) => matrix.data[r * matrix.cols + matrix.columns.indexOf(c)];
    expect(matrix.columns).toEqual(
      expect.arrayContaining([
        "oncpu_ns",
        "runq_ns",
        "offcpu_ns",
        "syscalls_count",
        "syscall_errors",
        "syscall_error_rate",
        "syscall_mean_latency_ns",
        "syscall_max_latency_ns",
        "sys_read_count",
        "sys_read_mean_latency_ns",
        "sys_openat_count",
        "sys_write_count",
        "forks",
        "execs",
        "exits",
      ]),
    );
    expect(get(0, "oncpu_ns")).toBe(3e8); // two threads of pid 100 summed
    expect(get(0, "syscalls_count")).toBe(44);
    expect(get(0, "syscall_error_rate")).toBeCloseTo(5 / 44, 15);
    // An error rate needs 10 calls: bash's 1 call and nginx's 5 in the next window leave it unmeasured, while the
    // mean latency of even one call is measured.
    const unmeasured = (r: number, c: string) => missing![r * matrix.cols + matrix.columns.indexOf(c)];
    expect([unmeasured(0, "syscall_error_rate"), unmeasured(1, "syscall_error_rate")]).toEqual([0, 1]);
    expect(unmeasured(3, "syscall_error_rate")).toBe(1);
    expect([unmeasured(1, "syscall_mean_latency_ns"), get(1, "syscall_mean_latency_ns")]).toEqual([0, 50]);
    expect(get(0, "syscall_mean_latency_ns")).toBeCloseTo(4800 / 44, 12);
    expect(get(0, "syscall_max_latency_ns")).toBe(900);
    expect(get(0, "sys_read_count")).toBe(40);
    expect(get(0, "sys_read_mean_latency_ns")).toBe(100);
    // One syscall's mean latency needs 5 calls of it: a single slow write among two is a sample, not a mean.
    expect(matrix.columns).toContain("sys_write_mean_latency_ns");
    const few = [...Array(matrix.rows).keys()].filter((r) => get(r, "sys_write_count")! > 0);
    expect(few.some((r) => get(r, "sys_write_count")! < 5)).toBe(true);
    for (const r of few)
      expect(unmeasured(r, "sys_write_mean_latency_ns")).toBe(get(r, "sys_write_count")! < 5 ? 1 : 0);
    expect(unmeasured(0, "sys_read_mean_latency_ns")).toBe(0);
    expect(get(1, "forks")).toBe(1); // the fork is credited to the parent, bash (200)
    expect(get(2, "execs")).toBe(1);
    expect(get(2, "exits")).toBe(1);
    expect(get(2, "oncpu_ns")).toBe(0); // pid 300 only has process events
    expect(get(3, "oncpu_ns")).toBe(9e8);
    // Top syscalls are ordered by total count.
    expect(matrix.columns.filter((c) => c.startsWith("sys_") && c.endsWith("_count"))).toEqual([
      "sys_read_count",
      "sys_openat_count",
      "sys_write_count",
    ]);
  });

  it("by tid, comm and cgroup keep the matching key columns", () => {
    const c = cap({ sched: sched(), syscalls: syscalls() });
    const byTid = features(c, { by: "tid" });
    expect(byTid.keys.columnNames).toEqual(["t_s", "ts", "tid", "pid", "comm"]);
    expect(byTid.keys.values("tid")).toEqual([100, 101, 200, 100, 200]);
    expect(byTid.keys.values("pid")).toEqual([100, 100, 200, 100, 200]);
    const byComm = features(c, { by: "comm", window: "2s" });
    expect(byComm.keys.values("comm")).toEqual(["bash", "nginx"]);
    expect(byComm.matrix.data[1 * byComm.matrix.cols + byComm.matrix.columns.indexOf("oncpu_ns")]).toBe(1.2e9);
    const byCg = features(c, { by: "cgroup", window: 0.5 });
    expect(byCg.keys.values("cgroup_id")).toEqual([7n, 9n, 7n, 9n]);
    expect(byCg.keys.values("t_s")).toEqual([0, 0.5, 1, 1]);
  });

  it("an undeclared frame's integer columns are summed and its float ones averaged (an rtt is not additive)", () => {
    // The issue asks for non-additive quantities averaged, not summed: rtt_us was 60 (a sum) before.
    const custom = frame(
      "custom",
      [...base, { name: "bytes", type: "i64" }, { name: "rtt_us", type: "f64" }, { name: "port", type: "u32" }],
      [
        { ...at(0.1), pid: 100, tid: 100, comm: "nginx", cgroup_id: 7n, bytes: 1500, rtt_us: 20, port: 443 },
        { ...at(0.4), pid: 100, tid: 100, comm: "nginx", cgroup_id: 7n, bytes: 500, rtt_us: 40, port: 443 },
      ],
    );
    const { matrix, keys } = features(cap({ custom }), { by: "pid" });
    expect(matrix.columns).toEqual(["custom_bytes", "custom_rtt_us", "custom_rows"]);
    expect(Array.from(matrix.data)).toEqual([2000, 30, 2]);
    expect(keys.length).toBe(1);
  });

  it("a declared collector's frame gives the features it declares (net: sums; memory: gauges at the last row)", () => {
    const net = frame(
      "net",
      [...base, { name: "tx_bytes", type: "i64" }, { name: "rx_bytes", type: "i64" }, { name: "rtt_us", type: "f64" }],
      [
        { ...at(0.1), pid: 100, tid: 100, comm: "nginx", cgroup_id: 7n, tx_bytes: 10, rx_bytes: 1, rtt_us: 5 },
        { ...at(0.6), pid: 100, tid: 100, comm: "nginx", cgroup_id: 7n, tx_bytes: 30, rx_bytes: 2, rtt_us: 7 },
      ],
    );
    const memory = frame(
      "memory",
      [...base, { name: "rss_anon_bytes", type: "i64" }, { name: "page_faults", type: "i64" }],
      [
        { ...at(0.2), pid: 100, tid: 100, comm: "nginx", cgroup_id: 7n, rss_anon_bytes: 4096, page_faults: 3 },
        { ...at(0.7), pid: 100, tid: 100, comm: "nginx", cgroup_id: 7n, rss_anon_bytes: 8192, page_faults: 4 },
      ],
    );
    const { matrix } = features(cap({ net, memory }), { by: "pid" });
    const get = (c: string) => matrix.data[matrix.columns.indexOf(c)];
    expect(matrix.columns).toEqual(["net_tx_bytes", "net_rx_bytes", "memory_rss_anon_bytes", "memory_page_faults"]);
    expect([get("net_tx_bytes"), get("net_rx_bytes")]).toEqual([40, 3]);
    expect(get("memory_rss_anon_bytes")).toBe(8192); // the gauge at the window's last row, not a sum
    expect(get("memory_page_faults")).toBe(7);
  });

  it("feeds a detector whose scores map back to keys", () => {
    const { matrix, keys } = features(cap({ sched: sched(), syscalls: syscalls() }));
    const s = new IsolationForest({ seed: 0, maxSamples: 5 }).fit(matrix).score(matrix);
    expect(s.length).toBe(keys.length);
  });

  it("rejects bad options and captures with nothing to use", () => {
    expect(() => features(cap({ sched: sched() }), { window: "1 fortnight" })).toThrow(OptionError);
    expect(() => features(cap({ sched: sched() }), { by: "user" as "pid" })).toThrow(
      /by must be pid, tid, comm or cgroup/,
    );
    expect(() => features(cap({}))).toThrow(DetectorInputError);
    expect(parseWindow("250ms")).toBe(0.25);
    expect(parseWindow("2m")).toBe(120);
    expect(() => parseWindow("-1s")).toThrow(/bad window "-1s"/);
  });
});
