// The batch decoder (whole runs of ring records into columns) agrees with the record decoder cell for cell on
// synthetic records laid out from the built objects' BTF, and the event builder merges runs into time order.
// No root needed.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collectors } from "../../kernel/collectors/registry.js";
import { compileFrameDecoder } from "../../kernel/collectors/decoder.js";
import { compileBatchDecoder } from "../../kernel/collectors/batch-decoder.js";
import { runRows } from "../../kernel/collectors/run-order.js";
import { EventBuilder } from "../../kernel/frame/event-builder.js";
import { FrameBuilder } from "../../kernel/frame/frame-builder.js";
import type { Frame } from "../../kernel/frame/frame.js";
import { Btf } from "../../kernel/loader/btf.js";
import { objectDir } from "../../kernel/paths.js";
import type { RecordRun } from "../../kernel/loader/percpu-rings.js";

const t0 = { mono: 5_000_000_000_000n, wallUs: 1_700_000_000_000_000 };

/** `n` records of `struct` with every integer field set from (row, field) and char arrays from a few names. */
function records(btf: Btf, struct: string, n: number, tsOf: (i: number) => bigint): RecordRun {
  const layout = btf.struct(struct)!;
  const stride = Math.ceil((layout.size + 8) / 8) * 8;
  const buf = new ArrayBuffer(64 + stride * n);
  const dv = new DataView(buf);
  const bytes = new Uint8Array(buf);
  const comms = ["workload", "bash", "a-very-long-nam", "x"];
  for (let i = 0; i < n; i++) {
    const base = 64 + i * stride;
    layout.fields.forEach((f, j) => {
      const at = base + f.offset;
      if (f.name === "ts_ns") dv.setBigUint64(at, tsOf(i), true);
      else if (f.type.kind === "int") {
        const v = (i * 7 + j * 13) % 251;
        if (f.size === 8) dv.setBigInt64(at, BigInt(f.type.signed && i % 3 === 0 ? -v : v), true);
        else if (f.size === 4) dv.setUint32(at, f.name === "nr" ? v % 300 : v, true);
        else if (f.size === 2) dv.setUint16(at, v, true);
        else dv.setUint8(at, v);
      } else if (f.type.kind === "chars") {
        bytes.set(Buffer.from(comms[(i + j) % comms.length]!), at);
      }
    });
  }
  return { cpu: 0, words: new Uint32Array(buf), bytes, start: 64, stride, count: n };
}

function cells(f: Frame): unknown[][] {
  return f.columnNames.map((c) => f.values(c));
}

const eventFrames = Object.values(collectors).flatMap((c) =>
  c.frames.filter((f) => f.source.kind === "stream" && f.source.perCpu).map((f) => [f.name, c, f] as const),
);

describe("batch decoder", () => {
  it("there are event frames to check", () => {
    expect(eventFrames.map(([n]) => n).sort()).toEqual(["sched_events", "syscalls_events"]);
  });

  it.each(eventFrames)("%s: every cell equals the record decoder's", (_n, c, frame) => {
    const btf = Btf.ofObject(join(objectDir(), `${c.object}.bpf.o`));
    const opts = c.resolveOptions({ events: true });
    const n = 500;
    const run = records(btf, (frame.source as { record: string }).record, n, (i) => t0.mono + BigInt(i) * 1000n);
    const batch = compileBatchDecoder(frame, btf, c.object, t0, opts);
    const eb = new EventBuilder(frame.schema, 16);
    batch.decode(run, eb, eb.reserve(n));
    const got = eb.take(frame.name);

    const rec = compileFrameDecoder(frame, btf, c.object);
    const fb = new FrameBuilder(frame.schema);
    const ctx = {
      options: opts,
      intervalWallUs: 0,
      intervalRelS: 0,
      wallUs: (ns: bigint) => Math.round(t0.wallUs + Number(ns - t0.mono) / 1000),
      relS: (ns: bigint) => Number(ns - t0.mono) / 1e9,
    };
    const dv = new DataView(run.words.buffer);
    for (let i = 0; i < n; i++) rec.decodeRecord(dv, run.start + i * run.stride, fb, ctx);
    const want = fb.finish(frame.name);
    expect(got.length).toBe(n);
    expect(cells(got)).toEqual(cells(want));
  });

  it("places runs from several CPUs in time order: interleaved ones merged, successive ones one after another", () => {
    const c = collectors.syscalls!;
    const frame = c.frames.find((f) => f.name === "syscalls_events")!;
    const btf = Btf.ofObject(join(objectDir(), "syscalls.bpf.o"));
    const batch = compileBatchDecoder(frame, btf, "syscalls", t0, c.resolveOptions({ events: true }));
    const drain = (runs: RecordRun[]) => {
      const eb = new EventBuilder(frame.schema, 16);
      const row0 = eb.reserve(runs.reduce((n, r) => n + r.count, 0));
      const place = runRows(runs, batch.timeOffset, t0.mono, row0);
      runs.forEach((r, i) => batch.decode(r, eb, place[i]!.first, place[i]!.rows));
      return { f: eb.take("x"), place };
    };
    const rel = (f: Frame) => [...(f.column("ts_ns") as BigUint64Array)].map((v) => Number(v - t0.mono));
    // CPU 0 has even ns, CPU 1 odd ns, CPU 2 later ones: interleaved times, each run sorted
    const a = records(btf, "syscalls_event", 100, (i) => t0.mono + BigInt(2 * i));
    const b = records(btf, "syscalls_event", 100, (i) => t0.mono + BigInt(2 * i + 1));
    const later = records(btf, "syscalls_event", 50, (i) => t0.mono + 1000n + BigInt(i));
    const merged = drain([later, a, b]);
    expect(rel(merged.f)).toEqual([
      ...Array.from({ length: 200 }, (_, i) => i),
      ...Array.from({ length: 50 }, (_, i) => 1000 + i),
    ]);
    expect(merged.place.every((p) => p.rows)).toBe(true);
    // runs one after another in time: no merge, contiguous rows in time order
    const succ = drain([later, a]);
    expect(succ.place.every((p) => !p.rows)).toBe(true);
    expect(rel(succ.f)).toEqual([
      ...Array.from({ length: 100 }, (_, i) => 2 * i),
      ...Array.from({ length: 50 }, (_, i) => 1000 + i),
    ]);
    expect(succ.f.numeric("t_s")[1]).toBeCloseTo(2e-9, 15);
  });

  it("merges long stretches and equal times as one pick per record would, from peek's keys or from ring memory", () => {
    const btf = Btf.ofObject(join(objectDir(), "syscalls.bpf.o"));
    const timeOffset = btf.struct("syscalls_event")!.fields.find((f) => f.name === "ts_ns")!.offset;
    // run 0: 0..299 in steps of 1; run 1: a few times, some equal to run 0's; run 2: equal to run 1's
    const times = [Array.from({ length: 300 }, (_, i) => i), [5, 5, 40, 41, 41, 250, 299, 400], [5, 41, 299, 299]];
    const runs = times.map((ts) => records(btf, "syscalls_event", ts.length, (i) => t0.mono + BigInt(ts[i]!)));
    const withKeys = runs.map((r, j) => ({ ...r, keys: Float64Array.from([0, ...times[j]!]), keyStart: 1 }));
    // the reference: every row picks the lowest head time, the earliest run on ties
    const heads = times.map(() => 0);
    const want = times.map((ts) => new Array<number>(ts.length));
    const total = times.reduce((n, ts) => n + ts.length, 0);
    for (let o = 0; o < total; o++) {
      let best = -1;
      times.forEach((ts, j) => {
        if (heads[j]! < ts.length && (best < 0 || ts[heads[j]!]! < times[best]![heads[best]!]!)) best = j;
      });
      want[best]![heads[best]!++] = 10 + o;
    }
    const scratch = { rows: new Uint32Array(4) };
    for (const rs of [runs, withKeys, withKeys]) {
      const place = runRows(rs, timeOffset, t0.mono, 10, scratch);
      expect(place.map((p) => [...p.rows!])).toEqual(want);
    }
    expect(scratch.rows.length).toBeGreaterThanOrEqual(total);
  });

  it("hands rows that fill the columns over to the frame, which later rows never overwrite; fewer are copied", () => {
    const schema = [{ name: "v", type: "u32" as const, description: "" }];
    const eb = new EventBuilder(schema, 16);
    const fill = (n: number, v: number) => {
      const r0 = eb.reserve(n);
      const col = eb.columns[0] as Uint32Array;
      for (let i = 0; i < n; i++) col[r0 + i] = v + i;
    };
    fill(1000, 0); // one reserve of an empty builder: columns of exactly 1,000 rows, handed over
    const whole = eb.take("x");
    fill(1000, 5000);
    fill(10, 9000); // grows (copies its rows) and leaves spare room: this take copies
    const part = eb.take("x");
    fill(3, 7);
    expect([...whole.numeric("v")]).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(part.length).toBe(1010);
    expect([...part.numeric("v")]).toEqual([
      ...Array.from({ length: 1000 }, (_, i) => 5000 + i),
      ...Array.from({ length: 10 }, (_, i) => 9000 + i),
    ]);
    expect((part.column("v") as Uint32Array).buffer.byteLength).toBe(1010 * 4);
  });
});
