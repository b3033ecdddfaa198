// The collector contract: what a collector declares (schema, options, config, decoder); the capture engine
// (kernel/capture/engine.ts) does all the opening, loading, attaching, draining and closing.

import type { ColumnSpec } from "../frame/frame.js";
import { OptionError } from "../errors.js";
import type { FrameBuilder } from "../frame/frame-builder.js";
import type { BpfObject } from "../loader/bpf-object.js";

/** Documentation of one option, shown by `bpflab collectors` and in the README. */
export interface OptionDoc {
  name: string;
  type: "boolean" | "number" | "string";
  default: unknown;
  description: string;
}

/** The target-process filter every object applies in the kernel (bpflab.h: struct bpflab_filter_cfg). */
export interface FilterConfig {
  /** 0 = whole system. */
  tgid: number;
  followChildren: boolean;
}

/** Time bases a decoder needs to stamp its rows. */
export interface DecodeContext {
  /** For aggregated rows: wall-clock start of the interval being drained (µs since epoch). */
  intervalWallUs: number;
  /** For aggregated rows: seconds from capture start to the interval's start. */
  intervalRelS: number;
  /** Monotonic ns (bpf_ktime_get_ns) → wall-clock µs since epoch. */
  wallUs(monoNs: bigint): number;
  /** Monotonic ns → seconds since capture start. */
  relS(monoNs: bigint): number;
  /** The collector's resolved options (e.g. ufunc names the function ids of its keys from them). */
  options: Readonly<Record<string, unknown>>;
}

/** A collector whose BPF side aggregates into a hash map keyed by (epoch, ...), drained once per interval. */
export interface AggregateSource {
  kind: "aggregate";
  map: string;
  keySize: number;
  valueSize: number;
  /** The epoch a key belongs to (a u32 at a fixed offset of every key). */
  epochOffset: number;
  /** Appends the row of one entry. */
  decode(key: DataView, koff: number, val: DataView, voff: number, out: FrameBuilder, ctx: DecodeContext): void;
}

/** A collector whose BPF side streams one record per event through a ring buffer. */
export interface StreamSource {
  kind: "stream";
  ring: string;
  recordSize: number;
  decode(rec: DataView, out: FrameBuilder, ctx: DecodeContext): void;
}

export interface Collector<O extends object = Record<string, unknown>> {
  name: string;
  /** One line for `bpflab collectors`. */
  description: string;
  /** Object file stem: bpf/.output/<object>.bpf.o */
  object: string;
  /** Tracepoints used, for the docs. */
  tracepoints: string[];
  options: OptionDoc[];
  schema: readonly ColumnSpec[];
  /** Validates options (OptionError on bad ones) and fills defaults. */
  resolveOptions(opts: Partial<O>): O;
  /** The collector's rodata config struct, whose first 8 bytes are the filter (encodeFilter). */
  config(opts: O, filter: FilterConfig): Buffer;
  /** Programs to leave unloaded for these options (e.g. sys_enter when latency is off). */
  disabledPrograms?(opts: O): string[];
  /** Programs whose only job is following forks (kept loaded in just one object of a capture). */
  forkTrackers: string[];
  source: AggregateSource | StreamSource;
  /**
   * Attaches the loaded object's programs when their targets come from the options (uprobes); the engine
   * calls it instead of `obj.attachAll()`. Every link must be owned by `obj` (so detach()/close() free it);
   * throw AttachError on failure: the engine then closes the object.
   */
  attach?(obj: BpfObject, opts: O, filter: FilterConfig): void;
}

/** struct bpflab_filter_cfg, at offset 0 of every collector's config. */
export function encodeFilter(buf: Buffer, f: FilterConfig): void {
  buf.writeUInt32LE(f.tgid, 0);
  buf.writeUInt8(f.tgid ? 1 : 0, 4);
  buf.writeUInt8(f.followChildren ? 1 : 0, 5);
}

/** Identity columns on every row of every collector. */
export const identityColumns = [
  {
    name: "ts",
    type: "timestamp",
    unit: "us since epoch",
    description: "wall-clock time: interval start, or the event",
  },
  { name: "t_s", type: "f64", unit: "s", description: "seconds since the capture began" },
  { name: "pid", type: "u32", description: "process id (tgid)" },
  { name: "tid", type: "u32", description: "thread id" },
  { name: "comm", type: "str", description: "thread name (task comm, 15 chars)" },
  { name: "cgroup_id", type: "u64", description: "cgroup v2 id (inode of the cgroup directory)" },
] as const satisfies readonly ColumnSpec[];

/** Index of each column of a schema by name, so decoders look columns up once, not per row. */
export function columnIndex<S extends readonly ColumnSpec[]>(schema: S): Record<S[number]["name"], number> {
  return Object.fromEntries(schema.map((c, i) => [c.name, i])) as Record<S[number]["name"], number>;
}

/**
 * Writes the identity columns (the first six of every schema, see identityColumns) of an aggregated row,
 * stamped with the interval being drained.
 */
export function setIdentity(
  out: FrameBuilder,
  r: number,
  ctx: DecodeContext,
  pid: number,
  tid: number,
  comm: string,
  cgroupId: bigint,
): void {
  out.setNum(0, r, ctx.intervalWallUs);
  out.setNum(1, r, ctx.intervalRelS);
  out.setNum(2, r, pid);
  out.setNum(3, r, tid);
  out.setStr(4, r, comm);
  out.setBig(5, r, cgroupId);
}

/** A boolean option of `collector`: `fallback` when not given, an OptionError with `hint` when not a boolean. */
export function booleanOption(
  collector: string,
  name: string,
  value: unknown,
  fallback: boolean,
  hint: string,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new OptionError(`${collector}: ${name} must be true or false, got ${JSON.stringify(value)}`, hint);
  }
  return value;
}

/** The config of a collector whose rodata holds the filter only (struct <name>_cfg { filter; }). */
export function filterOnlyConfig(_opts: unknown, filter: FilterConfig): Buffer {
  const b = Buffer.alloc(8);
  encodeFilter(b, filter);
  return b;
}

/** Reads a NUL-terminated string of at most `len` bytes. */
export function cstr(v: DataView, off: number, len: number): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset + off, len);
  let end = bytes.indexOf(0);
  if (end < 0) end = len;
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString("utf8");
}
