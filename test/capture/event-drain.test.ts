// The fused event drains (each record read once: limit check, merge across CPUs and decode in one pass), the
// generated JS loop and the native one (kernel/native), give exactly the rows of the three-pass reference (peek,
// runRows, run decoder), the same ring positions and the same dictionary codes, on constructed rings with every
// case a ring can hold (interleaved and equal times across CPUs, discarded records, records of another size, a
// record still being written, a record wrapping round the ring's end, the time limit, many distinct names) and
// on rings the kernel filled. The constructed cases need no root; the kernel's rings do.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CollectorSession, EVENT_SETTLE_NS } from "../../kernel/capture/collector-session.js";
import { fillCgroupColumns, type CgroupTree } from "../../kernel/capture/cgroup-tree.js";
import { EpochClock } from "../../kernel/capture/epoch-clock.js";
import { drainEvents, drainEventsReference } from "../../kernel/capture/event-drain.js";
import { resolvePlan } from "../../kernel/capture/plan.js";
import { compileBatchDecoder, type BatchDecoder, type DrainPath } from "../../kernel/collectors/batch-decoder.js";
import { collectors } from "../../kernel/collectors/registry.js";
import { EventBuilder } from "../../kernel/frame/event-builder.js";
import { isStringColumn, type Frame } from "../../kernel/frame/frame.js";
import { Btf } from "../../kernel/loader/btf.js";
import { PerCpuRings, type RingMemory } from "../../kernel/loader/percpu-rings.js";
import { objectDir } from "../../kernel/paths.js";
import { liveIt } from "../helpers/live.js";
import { workloadPath } from "../helpers/workload.js";

const t0 = { mono: 5_000_000_000_000n, wallUs: 1_700_000_000_000_000 };
const SIZE = 1 << 16; // bytes per constructed ring
const PAGE = 4096;
const BUSY = 0x80000000,
  DISCARD = 0x40000000;

const frameOf = (collector: "syscalls" | "sched") => {
  const c = collectors[collector]!;
  const frame = c.frames.find((f) => f.source.kind === "stream" && f.source.perCpu)!;
  const btf = Btf.ofObject(join(objectDir(), `${c.object}.bpf.o`));
  const record = (frame.source as { record: string }).record;
  // "native" fails when kernel/native is not built (setup builds it): the native drain must be tested
  const decoder = (path: DrainPath = "js") =>
    compileBatchDecoder(frame, btf, c.object, t0, c.resolveOptions({ events: true }), path);
  return { frame, layout: btf.struct(record)!, decoder };
};

type Layout = ReturnType<typeof frameOf>["layout"];

/** What one constructed record is: its time (ns after t0), and how the ring holds it. */
interface Rec {
  ns: number;
  /** Names and syscall number of its own (else from the record's index). */
  comm?: string;
  nr?: number;
  flags?: "busy" | "discard";
  /** A record of another size (skipped by both paths). */
  len?: number;
}

/**
 * A ring holding `recs` from byte position `start` on, laid out as the kernel lays it: 8-byte headers, records
 * padded to 8 bytes, the data area mapped twice (written here twice) so a record that wraps is contiguous.
 * Every integer field comes from the record's index, char arrays from a few names, syscall numbers from three:
 * past the first records every value has its code, so the native drain runs on without stopping for one (a
 * stop starts its merge again from the rings' heads, which would cover for a check missing further on).
 */
function ring(layout: Layout, recs: Rec[], start: number, seed: number): RingMemory {
  const logical = new Uint8Array(SIZE);
  const dv = new DataView(new ArrayBuffer(1024));
  const comms = ["workload", "bash", "a-very-long-nam", "x", "\u00e9t\u00e9"];
  let pos = start;
  recs.forEach((r, i) => {
    const len = r.len ?? layout.size;
    const rec = new Uint8Array(dv.buffer, 0, 8 + len).fill(0);
    dv.setUint32(0, len | (r.flags === "busy" ? BUSY : r.flags === "discard" ? DISCARD : 0), true);
    if (len === layout.size) {
      layout.fields.forEach((f, j) => {
        const at = 8 + f.offset;
        const v = ((i + seed) * 7 + j * 13) % 251;
        if (f.name === "ts_ns") dv.setBigUint64(at, t0.mono + BigInt(r.ns), true);
        else if (f.type.kind === "int") {
          if (f.size === 8) dv.setBigInt64(at, BigInt(f.type.signed && i % 3 === 0 ? -v : v) * 4294967311n, true);
          else if (f.size === 4) {
            dv.setUint32(at, f.name === "nr" ? (r.nr ?? v % 3) : v + (i % 5 === 0 ? 0x80000000 : 0), true);
          } else if (f.size === 2) dv.setUint16(at, v, true);
          else dv.setUint8(at, v);
        } else if (f.type.kind === "chars") {
          // runs of equal names, then a change: the cache of the previous record's name is exercised
          rec.set(Buffer.from(r.comm ?? comms[Math.floor((i + j) / 3) % comms.length]!), at);
        }
      });
    }
    for (let b = 0; b < rec.length; b++) logical[(pos + b) % SIZE] = rec[b]!;
    pos += (len + 15) & ~7;
  });
  const buf = new ArrayBuffer(PAGE + 2 * SIZE);
  const bytes = new Uint8Array(buf);
  bytes.set(logical, PAGE);
  bytes.set(logical, PAGE + SIZE);
  const cons = new BigUint64Array(1),
    prod = new BigUint64Array(1);
  cons[0] = BigInt(start);
  prod[0] = BigInt(pos);
  return { cons, prod, words: new Uint32Array(buf), bytes, dataOff: PAGE };
}

/** A copy of the rings' memory: each path drains its own. */
function copyOf(m: RingMemory): RingMemory {
  const buf = m.words.buffer.slice(0);
  return {
    cons: m.cons.slice(),
    prod: m.prod.slice(),
    words: new Uint32Array(buf),
    bytes: new Uint8Array(buf),
    dataOff: m.dataOff,
  };
}

function cells(f: Frame): unknown[][] {
  return f.columnNames.map((c) => f.values(c));
}

/** Each string column's codes and dictionary, as stored: the fused drains must give the same codes. The cgroup
 * columns aside: the native drain codes them in the builder's dictionaries, the JS drain's take() per frame. */
function codes(f: Frame): [Uint32Array, string[]][] {
  return f.columnNames.flatMap((c) => {
    const col = f.column(c);
    return isStringColumn(col) && !CGROUP_COLS.includes(c) ? [[col.codes, col.dict] as [Uint32Array, string[]]] : [];
  });
}

const CGROUP_COLS = ["cgroup", "container", "unit"];

/**
 * A cgroup tree whose answers change from one take() to the next (`epoch`): the native drain, which fills the
 * cgroup columns as it decodes, must resolve a frame's ids anew after each take(), as fillCgroupColumns does.
 */
function changingTree() {
  const t = {
    epoch: 0,
    resolve: (id: bigint) =>
      id % 5n === 0n
        ? undefined
        : { path: `/p${id % 37n}-${t.epoch}`, container: id % 2n ? `c${t.epoch}` : "", unit: `u${id % 3n}` },
  };
  return t;
}

/**
 * The reference and both fused drains over copies of the same rings, drain after drain (one limit each, a
 * take() after each: dictionaries go on across takes, columns are handed out and made anew); the rows, counts
 * and positions agree, and the fused drains' codes are the same.
 */
function agree(collector: "syscalls" | "sched", rings: RingMemory[], limits: number[]): Frame {
  const { frame, layout, decoder } = frameOf(collector);
  const paths = (["js", "js", "native"] as const).map((path) => {
    const mem = rings.map(copyOf);
    return {
      mem,
      rings: new PerCpuRings(mem, SIZE, layout.size),
      dec: decoder(path),
      eb: new EventBuilder(frame.schema, 16),
    };
  });
  const [ref, js, native] = paths as [(typeof paths)[0], (typeof paths)[0], (typeof paths)[0]];
  expect(native.dec.drainPath).toBe("native");
  expect(native.dec.fillsCgroups).toBe(true);
  const tree = changingTree();
  native.eb.resolveCgroup = tree.resolve;
  // the JS drains' cgroup columns are filled at take(), as CollectorSession.take() does
  const take = (p: (typeof paths)[0]) => {
    const f = p.eb.take(frame.name);
    return p.dec.fillsCgroups ? f : fillCgroupColumns(f, tree as unknown as CgroupTree, true, false);
  };
  const frames: Frame[] = [];
  for (const limit of limits) {
    const a = drainEventsReference(ref.rings, ref.dec, ref.eb, limit, t0.mono);
    const want = take(ref);
    const got = [js, native].map((p) => {
      expect(drainEvents(p.rings, p.dec, p.eb, limit)).toBe(a);
      expect(p.mem.map((m) => m.cons[0])).toEqual(ref.mem.map((m) => m.cons[0]));
      const f = take(p);
      expect(f.length).toBe(want.length);
      expect(cells(f)).toEqual(cells(want));
      return f;
    });
    expect(codes(got[1]!)).toEqual(codes(got[0]!));
    frames.push(got[1]!);
    tree.epoch++;
  }
  for (const p of paths) p.rings.close();
  return frames.reduce((x, y) => (x.length >= y.length ? x : y));
}

const times = (n: number, at: (i: number) => number): Rec[] => Array.from({ length: n }, (_, i) => ({ ns: at(i) }));

describe("fused event drain", () => {
  it("merges interleaved CPUs, equal times lower CPU first, as the reference does", () => {
    const { layout } = frameOf("syscalls");
    const rings = [
      ring(
        layout,
        times(300, (i) => 2 * i),
        0,
        0,
      ),
      ring(
        layout,
        times(300, (i) => 2 * i + 1),
        0,
        1,
      ),
      // equal to CPU 0's and CPU 1's times, and stretches that pass both
      ring(layout, [...times(50, (i) => 4 * i), ...times(40, (i) => 700 + i)], 0, 2),
    ];
    const f = agree("syscalls", rings, [Infinity]);
    expect(f.length).toBe(690);
    const ts = [...(f.column("ts_ns") as BigUint64Array)];
    for (let i = 1; i < ts.length; i++) expect(ts[i]! >= ts[i - 1]!).toBe(true);
  });

  it("skips discarded records and records of another size, stops at one being written, wraps round the end", () => {
    const { layout } = frameOf("syscalls");
    const recs: Rec[] = times(200, (i) => 10 * i);
    // early ones, and later ones met inside a stretch (every value has its code by then)
    recs[3] = { ns: 30, flags: "discard" };
    recs[60] = { ns: 600, flags: "discard" };
    recs[10] = { ns: 100, len: 24 };
    recs[70] = { ns: 700, len: 24 };
    recs[150] = { ns: 1500, flags: "busy" };
    // a ring whose first record is being written gives nothing; one that starts with skipped records the rest
    const busyFirst: Rec[] = [{ ns: 3, flags: "busy" }, ...times(50, (i) => 10 * i + 3)];
    const skipFirst: Rec[] = [{ ns: 1, flags: "discard" }, { ns: 2, len: 40 }, ...times(48, (i) => 10 * i + 7)];
    // CPU 0 starts near the ring's end: its records wrap round to the start
    const rings = [
      ring(layout, recs, SIZE - 88 * 40 - 8, 0),
      ring(
        layout,
        times(200, (i) => 10 * i + 5),
        SIZE - 4096,
        1,
      ),
      ring(layout, busyFirst, 0, 2),
      ring(layout, skipFirst, 0, 3),
    ];
    const f = agree("syscalls", rings, [Infinity]);
    // CPU 0 gives what comes before its busy record, less the four skipped; CPU 1 all; CPU 2 none; CPU 3 48
    expect(f.length).toBe(146 + 200 + 48);
  });

  it("leaves records at or past the time limit in their rings for the next drain", () => {
    const { layout } = frameOf("syscalls");
    const rings = [
      ring(
        layout,
        times(500, (i) => 3 * i),
        0,
        0,
      ),
      ring(
        layout,
        times(500, (i) => 3 * i + 1),
        0,
        1,
      ),
    ];
    // the first drain takes times below 301 (a record exactly at the limit stays), the next up to 1000, then all
    agree("syscalls", rings, [301, 1000, 1000, Infinity]);
  });

  it("codes many distinct names and syscall numbers alike, past the native tables' first size", () => {
    const { layout } = frameOf("syscalls");
    // 700 names (the native hash table starts at 256 slots, grown when half full), numbers beyond the 4096 of
    // the code table, names that differ only after their NUL (one string: one code), interleaved across CPUs
    const recs = (cpu: number): Rec[] =>
      times(600, (i) => 2 * i + cpu).map((r, i) => ({
        ...r,
        // names that share their first 12 bytes and differ in the last ones, of all 16
        comm: i % 7 === 0 ? `w\0${i % 3}` : `shared-part-${(i * 3 + cpu * 350) % 700}`,
        nr: i % 11 === 0 ? 5000 + (i % 4) : i % 13 === 0 ? 4096 * 1024 + i : i % 40,
      }));
    const f = agree("syscalls", [ring(layout, recs(0), 0, 0), ring(layout, recs(1), 0, 1)], [400, 900, Infinity]);
    // the dictionary (all the drains' names so far) is past the first table's half
    expect(codes(f)[0]![1].length).toBeGreaterThan(300);
  });

  it("starts its codes again for another builder's dictionaries", () => {
    const { frame, layout, decoder } = frameOf("syscalls");
    const dec = decoder("native");
    const want = decoder("js");
    for (const seed of [0, 3]) {
      // one decoder, two builders: the second's dictionaries are new, codes from 0 again
      const mem = [
        ring(
          layout,
          times(100, (i) => i),
          0,
          seed,
        ),
      ];
      const [a, b] = [dec, want].map((d) => {
        const eb = new EventBuilder(frame.schema, 16);
        const rings = new PerCpuRings(mem.map(copyOf), SIZE, layout.size);
        expect(drainEvents(rings, d, eb, Infinity)).toBe(100);
        rings.close();
        const f = eb.take(frame.name);
        return d.fillsCgroups ? f : fillCgroupColumns(f, undefined, true, false);
      });
      expect(cells(a!)).toEqual(cells(b!));
      expect(codes(a!)).toEqual(codes(b!));
    }
  });

  it("decodes sched_events alike (another record, three names)", () => {
    const { layout } = frameOf("sched");
    const rings = [
      ring(
        layout,
        times(250, (i) => 5 * i),
        0,
        0,
      ),
      ring(
        layout,
        times(250, (i) => 5 * i + 2),
        0,
        3,
      ),
    ];
    expect(agree("sched", rings, [Infinity]).length).toBe(500);
  });
});

describe("fused event drain on the kernel's rings", () => {
  liveIt(
    "gives the reference's rows for what the programs wrote",
    () => {
      const plan = resolvePlan({ collectors: { syscalls: { events: true, ringKb: 32768 } }, duration: "10m" });
      const filter = { tgid: 0, followChildren: false };
      const s = CollectorSession.open(plan.collectors[0]!, { filter, maxTracked: 1 });
      try {
        const clock = new EpochClock(s.ctl, s.btf);
        s.attach(clock, filter);
        // the session's event part, whose rings both paths read (the fused one without freeing anything)
        const ev = (
          s as unknown as {
            parts: { events?: { rings: PerCpuRings; decoder: BatchDecoder; builder: EventBuilder; t0: bigint } }[];
          }
        ).parts.find((p) => p.events)!.events!;
        const { frame } = frameOf("syscalls");
        for (const n of [20_000, 150_000]) {
          execFileSync(workloadPath(), ["getppid", String(n)]);
          // records older than the settle time are all committed: both paths see the same ones (the workload's
          // all, once the settle time has passed after it)
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, (2 * EVENT_SETTLE_NS) / 1e6);
          const limit = Number(process.hrtime.bigint() - ev.t0) - EVENT_SETTLE_NS;
          // both fused drains over the rings as they are (nothing freed), each into its own builder
          const fused = (["js", "native"] as const).map((path) => {
            const eb = new EventBuilder(frame.schema, 16);
            const dec = compileBatchDecoder(
              frame,
              Btf.ofObject(join(objectDir(), "syscalls.bpf.o")),
              "syscalls",
              { mono: ev.t0, wallUs: 1_700_000_000_000_000 },
              collectors.syscalls!.resolveOptions({ events: true }),
              path,
            );
            const { cursors, mask, limitRows } = ev.rings.cursors();
            const row0 = eb.reserve(limitRows);
            const n = dec.decodeMerged(cursors, mask, eb, row0, limit);
            eb.unreserve(limitRows - n);
            const f = eb.take("x");
            // the native drain fills the cgroup columns (no tree here: ""), the JS ones' are filled at take()
            return {
              n,
              after: cursors.map((c) => c.pos),
              frame: dec.fillsCgroups ? f : fillCgroupColumns(f, undefined, true),
            };
          });
          const [js, native] = fused as [(typeof fused)[0], (typeof fused)[0]];
          expect(native.n).toBe(js.n);
          expect(native.after).toEqual(js.after);
          expect(codes(native.frame)).toEqual(codes(js.frame));
          const got = js.n,
            after = js.after;
          // the reference over the same bytes, with its own decoder of the same time origin
          const ref = new EventBuilder(frame.schema, 16);
          const refDec = compileBatchDecoder(
            frame,
            Btf.ofObject(join(objectDir(), "syscalls.bpf.o")),
            "syscalls",
            { mono: ev.t0, wallUs: 1_700_000_000_000_000 },
            collectors.syscalls!.resolveOptions({ events: true }),
          );
          const want = drainEventsReference(ev.rings, refDec, ref, limit, ev.t0);
          expect(got).toBe(want);
          expect(got).toBeGreaterThanOrEqual(n);
          const { cursors: now } = ev.rings.cursors();
          expect(now.map((c) => c.pos)).toEqual(after);
          const wantCells = cells(fillCgroupColumns(ref.take("x"), undefined, true));
          expect(cells(js.frame)).toEqual(wantCells);
          expect(cells(native.frame)).toEqual(wantCells);
        }
      } finally {
        s.close();
      }
    },
    120_000,
  );
});
