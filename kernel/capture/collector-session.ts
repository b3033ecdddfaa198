// CollectorSession: one collector's live parts during a capture (its BPF object, maps, ring readers, compiled
// decoders and row builders). Opening configures and loads it; close() (also [Symbol.dispose]) frees it all.

import { join } from "node:path";
import type { Frame } from "../frame/frame.js";
import { FrameBuilder } from "../frame/frame-builder.js";
import { BpfObject } from "../loader/bpf-object.js";
import type { BpfMap, MapEntries } from "../loader/bpf-map.js";
import { Btf } from "../loader/btf.js";
import { libbpf } from "../loader/libbpf.js";
import { RingReader } from "../loader/ring-reader.js";
import { PerCpuRings } from "../loader/percpu-rings.js";
import { compileFrameDecoder, DecodeContext, FrameDecoder } from "../collectors/decoder.js";
import { BatchDecoder, compileBatchDecoder } from "../collectors/batch-decoder.js";
import { EventBuilder } from "../frame/event-builder.js";
import { drainEvents } from "./event-drain.js";
import { encodeConfig } from "../collectors/config-encoder.js";
import type { CollectorRuntime, FilterConfig, StackSummary } from "../collectors/schema.js";
import { objectDir } from "../paths.js";
import { perCpuFolder, PerCpuFolder } from "../collectors/per-cpu-values.js";
import { EpochClock, now } from "./epoch-clock.js";
import type { CollectorPlan } from "./plan.js";
import { CgroupTree, fillCgroupColumns } from "./cgroup-tree.js";
import { columnPool } from "../loader/column-pool.js";

/**
 * The maps every collector object shares with the others of its capture (see bpf/bpflab.bpf.h): `tracked`
 * (the pid filter, owned by the tracker), `ctl` (the current epoch, owned by the first object loaded) and,
 * per object, `lost` (records the kernel could not store) and `lost_pids` (the same per process).
 */
export const SHARED_MAPS = {
  tracked: "tracked",
  filterGen: "filter_gen",
  ctl: "ctl",
  lost: "lost",
  lostPids: "lost_pids",
} as const;

export interface SessionEnv {
  filter: FilterConfig;
  btfPath?: string;
  /** The tracker's map when filtering by pid, reused by this object. */
  tracked?: BpfMap;
  /** The tracker's count of processes it took out of `tracked`, reused with it. */
  filterGen?: BpfMap;
  maxTracked: number;
  /** The capture's control map once a first object has it, reused by this object. */
  ctl?: BpfMap;
  /** Resolves cgroup ids into the frames' cgroup columns (left "" without it). */
  cgroups?: CgroupTree;
}

/** One frame of the session: its decoder, where its rows come from, where they accumulate. */
interface FramePart {
  name: string;
  decoder: FrameDecoder;
  builder: FrameBuilder;
  data?: BpfMap;
  /** The map `data` is (frames may share one). */
  dataName?: string;
  reader?: RingReader;
  ctx?: DecodeContext;
  /** Event frames (per-CPU rings, batch-decoded): set up at attach. */
  events?: EventPart;
  /** Maps read whole at each interval (a cell's). */
  snapshot?: SnapshotPart;
  /** Streams whose records have no time of their own: the capture's start, to stamp them when read. */
  readTime?: bigint;
}

interface SnapshotPart {
  map: BpfMap;
  drain: boolean;
  /** Per-CPU values: folded into one before decoding. */
  fold?: PerCpuFolder;
  cpus?: number;
}

/** An event frame's rings, decoder, rows and lost counter. */
interface EventPart {
  outer: BpfMap;
  lostMap: BpfMap;
  ringBytes: number;
  rings?: PerCpuRings;
  decoder?: BatchDecoder;
  builder?: EventBuilder;
  t0?: bigint;
}

/**
 * How far behind "now" an event drain reads: a record whose time is older than the drain's start by this much
 * is in its ring already (programs take the time after reserving and run without preemption), so the records
 * before it, from every CPU, can be merged into their final order; later ones wait in their rings.
 */
export const EVENT_SETTLE_NS = 5_000_000;

export class CollectorSession {
  readonly plan: CollectorPlan;
  readonly obj: BpfObject;
  readonly btf: Btf;
  readonly ctl: BpfMap;
  private readonly lostMap: BpfMap;
  private readonly parts: FramePart[];
  /** The collector's own user-space state and the readers of its rings that feed no frame. */
  private runtime: CollectorRuntime | undefined;
  private runtimeReaders: RingReader[] = [];
  private rowTotals = new Map<string, number>();
  /** Set by the final drain: records the kernel could not store over the whole capture, and per process. */
  lostTotal: number | undefined;
  /** Resolves the cgroup columns of the rows handed on (SessionEnv.cgroups). */
  private cgroups: CgroupTree | undefined;
  lostPids: Map<number, number> | undefined;
  /** Set by the final drain: event frames' losses per CPU ring. */
  lostBuffers: Record<string, number[]> | undefined;
  /** Set by the final drain: a stack collector's lost stacks and the binaries it symbolized from. */
  stackSummary: StackSummary | undefined;

  private constructor(plan: CollectorPlan, obj: BpfObject, btf: Btf, parts: FramePart[]) {
    this.plan = plan;
    this.obj = obj;
    this.btf = btf;
    this.parts = parts;
    this.ctl = obj.map(SHARED_MAPS.ctl);
    this.lostMap = obj.map(SHARED_MAPS.lost, { perCpu: true });
    for (const p of parts) this.rowTotals.set(p.name, 0);
  }

  get name(): string {
    return this.plan.collector.name;
  }

  /** Frame names this session produces, with their schemas. */
  get frames(): { name: string; schema: Frame["schema"]; events: boolean }[] {
    return this.plan.frames.map((f) => ({ name: f.name, schema: f.schema, events: f.source.kind === "stream" }));
  }

  /**
   * Opens the collector's object, writes its config, compiles its decoders against the object's BTF (so a
   * declaration that disagrees with the header fails here, before load), and loads it.
   */
  static open(plan: CollectorPlan, env: SessionEnv): CollectorSession {
    const { collector, opts } = plan;
    const path = collector.objectPath ?? join(objectDir(), `${collector.object}.bpf.o`);
    const btf = Btf.ofObject(path);
    const decoders = plan.frames.map((f) => compileFrameDecoder(f, btf, collector.object));
    const obj = BpfObject.open(path, env.btfPath ? { btfPath: env.btfPath } : {});
    try {
      const rodata = obj.map(".rodata");
      rodata.setInitialValue(
        encodeConfig(btf, collector.object, rodata.initialValue(), collector.config(opts), env.filter),
      );
      for (const p of collector.disabledPrograms(opts)) obj.setAutoload(p, false);
      const tracked = obj.map(SHARED_MAPS.tracked);
      if (env.tracked) {
        tracked.setMaxEntries(env.maxTracked); // reuse needs the same definition as the tracker's
        tracked.reuseFd(env.tracked.fd);
        // (an object built before filter_gen existed has none, and asks `tracked` at every event)
        if (env.filterGen && btf.mapDefs().some((m) => m.name === SHARED_MAPS.filterGen))
          obj.map(SHARED_MAPS.filterGen).reuseFd(env.filterGen.fd);
      } else {
        tracked.setMaxEntries(1); // unused without a pid filter: no need to preallocate 8192 entries
      }
      if (env.ctl) obj.map(SHARED_MAPS.ctl).reuseFd(env.ctl.fd);
      // the per-interval maps' size: the header's unless the mapEntries option says otherwise
      const entries = opts.mapEntries;
      if (typeof entries === "number" && entries > 0) {
        for (const f of plan.frames) if (f.source.kind === "aggregate") obj.map(f.source.map).setMaxEntries(entries);
      }
      // a frame whose rows these options moved to another map leaves its own unused: no need to preallocate it
      for (const f of collector.frames) {
        const moved = f.sourceFor?.(opts);
        if (moved && f.source.kind === "aggregate" && moved.map !== f.source.map)
          obj.map(f.source.map).setMaxEntries(1);
      }
      for (const f of plan.frames) {
        // one slot per possible CPU in each event frame's ring array
        if (f.source.kind === "stream" && f.source.perCpu) obj.map(f.source.ring).setMaxEntries(possibleCpus());
      }
      obj.load();
      const parts = plan.frames.map((f, i): FramePart => {
        const decoder = decoders[i]!;
        const part: FramePart = { name: f.name, decoder, builder: new FrameBuilder(f.schema, 4096) };
        if (f.source.kind === "aggregate") {
          part.data = obj.map(f.source.map);
          part.dataName = f.source.map;
        } else if (f.source.kind === "snapshot") {
          const src = f.source;
          const def = btf.mapDefs().find((m) => m.name === src.map)!;
          part.snapshot = {
            map: obj.map(src.map, { perCpu: !!src.perCpuValues }),
            drain: src.drain,
            ...(src.perCpuValues ? { fold: perCpuFolder(btf, def.valueType), cpus: possibleCpus() } : {}),
          };
        } else if (f.source.perCpu) {
          const kb = Number(opts[f.source.perCpu.ringKbOption] ?? 0);
          part.events = {
            outer: obj.map(f.source.ring),
            lostMap: obj.map(f.source.perCpu.lost, { perCpu: true }),
            ringBytes: kb * 1024,
          };
        }
        return part;
      });
      const session = new CollectorSession(plan, obj, btf, parts);
      session.cgroups = env.cgroups;
      return session;
    } catch (e) {
      obj.close();
      throw e;
    }
  }

  /**
   * Makes the collector's runtime, starts the ring readers (their decode context needs the capture's clock) and
   * attaches the programs.
   */
  attach(clock: EpochClock, filter: FilterConfig): void {
    const { collector, opts } = this.plan;
    this.runtime = collector.runtime?.(this.obj, opts);
    for (const [ring, onRecord] of Object.entries(this.runtime?.rings ?? {})) {
      this.runtimeReaders.push(new RingReader(this.obj.map(ring), onRecord));
    }
    for (const p of this.parts) {
      const frame = this.plan.frames.find((f) => f.name === p.name)!;
      const src = frame.source;
      if (src.kind !== "stream") continue;
      if (p.events) {
        const ev = p.events;
        ev.decoder = compileBatchDecoder(frame, this.btf, collector.object, clock.t0, opts);
        ev.rings = new PerCpuRings(ev.outer, ev.ringBytes, ev.decoder.recordSize);
        ev.builder = new EventBuilder(frame.schema, undefined, columnPool());
        // read at each call: the tree is the session's for its life
        ev.builder.resolveCgroup = (id) => this.cgroups?.resolve(id);
        ev.t0 = clock.t0.mono;
        continue;
      }
      const ctx = this.decodeContext(clock);
      const { decoder, builder } = p;
      p.ctx = ctx;
      if (!frame.identity?.time && !frame.time) p.readTime = clock.t0.mono;
      p.reader = new RingReader(this.obj.map(src.ring), (view) => decoder.decodeRecord(view, 0, builder, ctx));
    }
    if (collector.attach) {
      // the collector attaches its run-time targets (uprobes, perf events); the rest (tracepoints, iterators) here
      const custom = this.obj
        .programs()
        .filter((p) => p.autoload && /^(u(ret)?probe|perf_event)/.test(p.section))
        .map((p) => p.name);
      this.obj.attachAll(custom);
      collector.attach(this.obj, opts, filter);
    } else {
      this.obj.attachAll();
    }
  }

  /** Runs the collector's boundary iterators (after the clock started a new epoch). */
  runBoundary(): void {
    for (const it of this.plan.collector.boundary) this.obj.runIterator(it);
  }

  /**
   * Decodes every record now in the ring buffers; returns how many. Event frames take only records older than the
   * drain's start by EVENT_SETTLE_NS (merged across CPUs into time order), unless `final`: then every record.
   */
  drainRings(final = false): number {
    let records = 0;
    for (const r of this.runtimeReaders) records += r.drain();
    for (const p of this.parts) {
      if (p.reader && p.ctx && p.readTime) {
        // a record with no time of its own is stamped with the time it is read (within a tick of its event)
        const t = now();
        p.ctx.intervalWallUs = t.wallUs;
        p.ctx.intervalRelS = Number(t.mono - p.readTime) / 1e9;
      }
      records += p.reader?.drain() ?? 0;
      const ev = p.events;
      if (ev?.rings && ev.decoder && ev.builder) {
        const limit = final ? Infinity : Number(process.hrtime.bigint() - ev.t0!) - EVENT_SETTLE_NS;
        records += drainEvents(ev.rings, ev.decoder, ev.builder, limit);
      }
    }
    return records;
  }

  private decodeContext(clock: EpochClock): DecodeContext {
    const ctx = clock.decodeContext(this.plan.opts);
    if (this.runtime) ctx.runtime = this.runtime;
    return ctx;
  }

  /**
   * Decodes the map entries of epochs up to `epoch` and deletes them (entries of later epochs, still being
   * written, stay). With `all`, decodes every entry and deletes nothing: the object is about to close.
   */
  /** The runtime's account of the capture (stack collectors), for the meta. */
  summary(): StackSummary | undefined {
    return this.runtime?.summary?.();
  }

  drainEpochs(epoch: number, clock: EpochClock, all: boolean): void {
    this.runtime?.beforeDrain?.(epoch, all);
    for (const p of this.parts) if (p.snapshot) this.drainSnapshot(p, p.snapshot, epoch, clock, all);
    // frames reading one map (a main frame and its histogram) decode one read of it, and its keys go once
    const reads = new Map<string, { entries: MapEntries; del: Buffer; ndel: number }>();
    for (const p of this.parts) {
      if (!p.data || !p.dataName) continue;
      const d = p.decoder;
      let read = reads.get(p.dataName);
      const first = !read;
      if (!read) {
        const entries = p.data.readAll();
        read = { entries, del: all ? Buffer.alloc(0) : Buffer.alloc(entries.count * d.keySize), ndel: 0 };
        reads.set(p.dataName, read);
      }
      const { keys, values, count } = read.entries;
      const kv = new DataView(keys.buffer, keys.byteOffset, keys.length);
      const vv = new DataView(values.buffer, values.byteOffset, values.length);
      const ctx = this.decodeContext(clock);
      for (let i = 0; i < count; i++) {
        const ko = i * d.keySize;
        const e = kv.getUint32(ko + d.epochOffset, true);
        if (!all && e > epoch) continue;
        const stamp = clock.stamp(e);
        ctx.intervalWallUs = stamp.wallUs;
        ctx.intervalRelS = Number(stamp.mono - clock.t0.mono) / 1e9;
        d.decodeEntry(kv, ko, vv, i * d.valueSize, p.builder, ctx);
        if (!all && first) keys.copy(read.del, read.ndel++ * d.keySize, ko, ko + d.keySize);
      }
    }
    for (const [name, r] of reads)
      if (r.ndel > 0) this.parts.find((p) => p.dataName === name)!.data!.deleteKeys(r.del, r.ndel);
    this.runtime?.afterDrain?.(epoch, all);
  }

  /**
   * A map read whole: every entry becomes a row of interval `epoch` (the last one at the end), deleted as it is
   * read when the frame drains (never at the end: the object is about to close).
   */
  private drainSnapshot(p: FramePart, snap: SnapshotPart, epoch: number, clock: EpochClock, all: boolean): void {
    const d = p.decoder;
    const { keys, values, count } = snap.drain && !all ? snap.map.takeAll() : snap.map.readAll();
    const stamp = clock.stamp(epoch >= 0 ? epoch : clock.current);
    const ctx = this.decodeContext(clock);
    ctx.intervalWallUs = stamp.wallUs;
    ctx.intervalRelS = Number(stamp.mono - clock.t0.mono) / 1e9;
    const kv = new DataView(keys.buffer, keys.byteOffset, keys.length);
    const one = snap.fold ? Buffer.alloc(d.valueSize) : undefined;
    const ov = one ? new DataView(one.buffer, one.byteOffset, one.length) : undefined;
    const vv = new DataView(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < count; i++) {
      if (snap.fold && one && ov) {
        snap.fold(values, i * snap.map.valueSize, snap.cpus!, one);
        d.decodeEntry(kv, i * d.keySize, ov, 0, p.builder, ctx);
      } else {
        d.decodeEntry(kv, i * d.keySize, vv, i * d.valueSize, p.builder, ctx);
      }
    }
  }

  /** The rows decoded since the last call, per frame (each a frame of its own); the builders start empty. */
  take(): Record<string, Frame> {
    const out: Record<string, Frame> = {};
    for (const p of this.parts) {
      const raw = p.events?.builder ? p.events.builder.take(p.name) : p.builder.take(p.name);
      // the native drain filled an event frame's cgroup columns as it decoded; the JS drain's are filled here, in
      // JS too (what a machine without kernel/native runs)
      const f = p.events?.decoder?.fillsCgroups
        ? raw
        : fillCgroupColumns(raw, this.cgroups, p.events?.builder !== undefined, p.events?.decoder?.drainPath !== "js");
      this.rowTotals.set(p.name, this.rowTotals.get(p.name)! + f.length);
      out[p.name] = f;
    }
    return out;
  }

  /** Rows handed out by take() so far, per frame. */
  rows(): Record<string, number> {
    return Object.fromEntries(this.rowTotals);
  }

  /** Records the kernel could not store (map full, ring full) so far, event rings included. */
  lost(): number {
    let n = readPerCpuCount(this.lostMap);
    for (const p of this.parts) if (p.events) n += readPerCpuCount(p.events.lostMap);
    return n;
  }

  /** Per event frame, the records each CPU's ring could not take (index = CPU). */
  lostPerBuffer(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const p of this.parts) if (p.events) out[p.name] = readPerCpu(p.events.lostMap);
    return out;
  }

  /** Records lost per process (tgid), as far as the kernel knew whose they were. */
  lostByPid(): Map<number, number> {
    const { keys, values, count } = this.obj.map(SHARED_MAPS.lostPids).readAll();
    const out = new Map<number, number>();
    for (let i = 0; i < count; i++) out.set(keys.readUInt32LE(i * 4), Number(values.readBigUInt64LE(i * 8)));
    return out;
  }

  /** Detaches only: the maps stay readable for the final drain. */
  detach(): void {
    this.obj.detach();
  }

  /** Frees the readers and the runtime, then the object with its links and maps. Idempotent. */
  close(): void {
    for (const r of this.runtimeReaders) r.close();
    this.runtimeReaders = [];
    for (const p of this.parts) {
      p.reader?.close();
      p.events?.rings?.close();
    }
    try {
      this.runtime?.close?.();
    } finally {
      this.runtime = undefined;
      this.obj.close();
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** The sum over CPUs of a per-CPU array's u64 at key 0 (the `lost` counters). */
export function readPerCpuCount(map: BpfMap): number {
  return readPerCpu(map).reduce((a, b) => a + b, 0);
}

/** A per-CPU array's u64 at key 0, per CPU. */
function readPerCpu(map: BpfMap): number[] {
  const v = map.lookup(Buffer.alloc(4));
  const out: number[] = [];
  if (v) for (let o = 0; o + 8 <= v.length; o += 8) out.push(Number(v.readBigUInt64LE(o)));
  return out;
}

let cpuCount: number | undefined;
function possibleCpus(): number {
  return (cpuCount ??= libbpf().libbpf_num_possible_cpus());
}
