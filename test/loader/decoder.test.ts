// Every registered collector's decoder without root: entries and records laid out at the offsets the object's
// BTF gives, filled with known values field by field, decode to the expected columns.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collectors } from "../../kernel/collectors/registry.js";
import { compileFrameDecoder, DecodeContext } from "../../kernel/collectors/decoder.js";
import { FrameBuilder } from "../../kernel/frame/frame-builder.js";
import type { Frame } from "../../kernel/frame/frame.js";
import { Btf, StructLayout } from "../../kernel/loader/btf.js";
import { objectDir } from "../../kernel/paths.js";
import { kernelPageSize } from "../../kernel/collectors/kernel-features.js";

type Value = number | bigint | string;

/** A buffer of struct `name` with `values` (by field path, "a.b" for nested) at the offsets the BTF gives. */
function struct(btf: Btf, name: string, values: Record<string, Value>): Buffer {
  const layout = btf.struct(name)!;
  const buf = Buffer.alloc(layout.size);
  for (const [path, v] of Object.entries(values)) {
    let l: StructLayout = layout;
    let off = 0;
    const parts = path.split(".");
    for (let i = 0; i < parts.length; i++) {
      const f = l.fields.find((x) => x.name === parts[i]);
      if (!f) throw new Error(`${name} has no ${path}`);
      off += f.offset;
      if (i < parts.length - 1) {
        l = (f.type as { struct: StructLayout }).struct;
        continue;
      }
      if (typeof v === "string") buf.write(v, off, f.size, "utf8");
      else if (f.size === 8) buf.writeBigUInt64LE(BigInt(v), off);
      else if (f.size === 4) buf.writeUInt32LE(Number(v) >>> 0, off);
      else if (f.size === 2) buf.writeUInt16LE(Number(v), off);
      else buf.writeUInt8(Number(v), off);
    }
  }
  return buf;
}

const ctx = (options: Record<string, unknown> = {}): DecodeContext => ({
  intervalWallUs: 1_700_000_000_000_000,
  intervalRelS: 2,
  wallUs: (ns) => 1_700_000_000_000_000 + Number(ns) / 1000,
  relS: (ns) => Number(ns) / 1e9,
  options,
});

/** Decodes one aggregate entry of `collector`'s main frame. */
function entry(collector: string, key: Record<string, Value>, val: Record<string, Value>, options = {}): Frame {
  const c = collectors[collector]!;
  const btf = Btf.ofObject(join(objectDir(), `${c.object}.bpf.o`));
  const frame = c.frames[0]!;
  const src = frame.source as { key: string; value: string };
  const d = compileFrameDecoder(frame, btf, c.object);
  const k = struct(btf, src.key, key);
  const v = struct(btf, src.value, val);
  const b = new FrameBuilder(frame.schema, 4);
  d.decodeEntry(new DataView(k.buffer, k.byteOffset), 0, new DataView(v.buffer, v.byteOffset), 0, b, ctx(options));
  return b.finish(frame.name);
}

const ident = (f: Frame) => ({
  ts: f.values("ts")[0],
  t_s: f.values("t_s")[0],
  pid: f.values("pid")[0],
  tid: f.values("tid")[0],
  comm: f.values("comm")[0],
  process: f.values("process")[0],
  cgroup_id: f.values("cgroup_id")[0],
});

describe("decoders on synthetic buffers (no root)", () => {
  it("syscalls: the key's nr names the syscall, the value's counters become columns", () => {
    const f = entry(
      "syscalls",
      { epoch: 3, tid: 101, pid: 100, nr: 110 },
      { count: 5, errors: 2, total_ns: 9000, max_ns: 4000, cgroup_id: 77n, comm: "worker", pcomm: "server" },
    );
    expect(ident(f)).toEqual({
      ts: 1_700_000_000_000_000,
      t_s: 2,
      pid: 100,
      tid: 101,
      comm: "worker",
      process: "server",
      cgroup_id: 77n,
    });
    expect(f.rows()[0]).toMatchObject({
      syscall: "getppid",
      nr: 110,
      count: 5,
      errors: 2,
      latency_ns: 9000,
      max_latency_ns: 4000,
    });
  });

  it("sched: times and switches", () => {
    const f = entry(
      "sched",
      { epoch: 0, tid: 7 },
      {
        oncpu_ns: 1,
        runq_ns: 2,
        offcpu_ns: 3,
        vol_switches: 4,
        invol_switches: 5,
        migrations: 6,
        cgroup_id: 1,
        pid: 7,
        comm: "a",
        pcomm: "a",
      },
    );
    expect(f.rows()[0]).toMatchObject({
      pid: 7,
      tid: 7,
      oncpu_ns: 1,
      runq_ns: 2,
      offcpu_ns: 3,
      vol_switches: 4,
      invol_switches: 5,
      migrations: 6,
    });
  });

  it("memory: pages become bytes at the kernel's page size; tid is the pid", () => {
    const f = entry(
      "memory",
      { epoch: 0, pid: 42 },
      {
        rss_anon_pages: 10,
        rss_file_pages: 20,
        rss_shmem_pages: 1,
        swap_pages: 0,
        rss_max_pages: 31,
        page_faults: 9,
        rss_updates: 3,
        cgroup_id: 1,
        comm: "db",
      },
    );
    const p = kernelPageSize();
    expect(f.rows()[0]).toMatchObject({
      pid: 42,
      tid: 42,
      comm: "db",
      process: "db",
      rss_anon_bytes: 10 * p,
      rss_file_bytes: 20 * p,
      rss_max_bytes: 31 * p,
      page_faults: 9,
    });
  });

  it("net: family and protocol names; pid 0 rows are [no owner]", () => {
    const owned = entry(
      "net",
      { epoch: 0, tid: 5, pid: 5, family: 2, protocol: 6, type: 1 },
      { tx_bytes: 100, rx_bytes: 50, comm: "curl", pcomm: "curl" },
    );
    expect(owned.rows()[0]).toMatchObject({
      family: "inet",
      protocol: "tcp",
      tx_bytes: 100,
      rx_bytes: 50,
      comm: "curl",
    });
    const unowned = entry("net", { epoch: 0, tid: 0, pid: 0, family: 10, protocol: 17, type: 2 }, { tcp_closed: 1 });
    expect(unowned.rows()[0]).toMatchObject({
      family: "inet6",
      protocol: "udp",
      comm: "[no owner]",
      process: "[no owner]",
      tcp_closed: 1,
    });
  });

  it("ufunc: the function id names the probed function from the options", () => {
    const functions = [
      { binary: "/bin/a", symbol: "f" },
      { binary: "/lib/b.so", symbol: "g" },
    ];
    const f = entry(
      "ufunc",
      { epoch: 0, tid: 3, pid: 3, func_id: 1 },
      { calls: 4, total_ns: 40, max_ns: 20, comm: "x", pcomm: "x" },
      { functions },
    );
    expect(f.rows()[0]).toMatchObject({ function: "g", binary: "/lib/b.so", calls: 4, total_ns: 40, max_ns: 20 });
  });

  it("process: records carry their own time; columns that do not apply to an event are NULL", () => {
    const c = collectors.process!;
    const btf = Btf.ofObject(join(objectDir(), `${c.object}.bpf.o`));
    const frame = c.frames[0]!;
    const d = compileFrameDecoder(frame, btf, c.object);
    const b = new FrameBuilder(frame.schema, 4);
    const argv = "sh\0-c\0echo hi\0";
    const recs = [
      struct(btf, "process_event", {
        ts_ns: 3_000_000_000n,
        kind: 1,
        pid: 9,
        tid: 9,
        ppid: 1,
        comm: "sh",
        pcomm: "sh",
        filename: "/bin/sh",
        args: argv,
        args_len: argv.length,
      }),
      struct(btf, "process_event", {
        ts_ns: 4_000_000_000n,
        kind: 3,
        pid: 9,
        tid: 9,
        ppid: 1,
        comm: "sh",
        pcomm: "sh",
        exit_code: 130,
        lifetime_ns: 1e9,
      }),
    ];
    for (const r of recs) d.decodeRecord(new DataView(r.buffer, r.byteOffset), 0, b, ctx());
    const f = b.finish("process");
    const [exec, exit] = f.rows();
    expect(exec).toMatchObject({ event: "exec", t_s: 3, exe: "/bin/sh", args: "sh -c echo hi", pid: 9, ppid: 1 });
    expect(exit).toMatchObject({ event: "exit", t_s: 4, exit_code: 130, lifetime_ns: 1e9 });
    // NULL where not applicable, once frames carry validity (FrameBuilder.setNull); until then the zero value
    const nullable = f as unknown as { isNull?: (c: string, r: number) => boolean };
    if (nullable.isNull) {
      expect([nullable.isNull("exit_code", 0), nullable.isNull("exe", 1), nullable.isNull("exe", 0)]).toEqual([
        true,
        true,
        false,
      ]);
    } else {
      expect([exec!.exit_code, exit!.exe]).toEqual([0, ""]);
    }
  });
});
