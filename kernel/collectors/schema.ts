// The declarative collector: a collector states its object, options, config, frames and columns once, each
// column naming the struct field it comes from; layouts come from the built object's BTF (decoder.ts), and the
// engine (kernel/capture/) does all the opening, loading, attaching, draining and closing.

import type { ColumnSpec, ColumnType } from "../frame/frame.js";
import type { BpfObject } from "../loader/bpf-object.js";
import type { DisplayDecl } from "./display-decl.js";
import type { FeatureDecl } from "./feature-decl.js";
import { option, optionDocs, OptionDecls, OptionDoc, OptionValues, resolveOptionValues } from "./options.js";

/** The target-process filter every object applies in the kernel (bpflab.h: struct bpflab_filter_cfg). */
export interface FilterConfig {
  /** 0 = any process (no pid filter). */
  tgid: number;
  followChildren: boolean;
  /** Only processes in this cgroup v2 (or below it): its id, depth below the root, and path. */
  cgroup?: { id: bigint; level: number; path: string };
  /** Only processes of this name (the thread-group leader's comm, at most 15 bytes). */
  comm?: string;
}

/** Whether the filter keeps only some processes (then the tracker decides which, and every collector asks it). */
export function filterActive(f: FilterConfig): boolean {
  return f.tgid !== 0 || f.cgroup !== undefined || f.comm !== undefined;
}

/** What a column's `map` may read besides its own field: other fields of the same entry, and the options. */
export interface RowAccess {
  /** A numeric field of the entry being decoded, by path ("key.pid", "rec.kind"). */
  num(path: string): number;
  readonly options: Readonly<Record<string, unknown>>;
  /** Frames with `rowsPer`: the number of elements of its array (a histogram's slots, from the BTF); else 0. */
  readonly arrayLength: number;
  /** The collector's per-capture user-space state (CollectorDecl.runtime), if it has one. */
  readonly runtime: unknown;
}

/**
 * User-space state a collector keeps for one capture (symbol tables, caches), made once its object is loaded
 * and closed with it. Column maps reach it as `row.runtime`.
 */
export interface CollectorRuntime {
  /** Ring buffers that feed no frame: each record is handed here (valid during the call only), every tick. */
  rings?: Record<string, (rec: DataView) => void>;
  /** Called before the map entries of epochs up to `epoch` are decoded; `all` at the final drain. */
  beforeDrain?(epoch: number, all: boolean): void;
  /** Called once they are decoded (and, unless `all`, deleted). */
  afterDrain?(epoch: number, all: boolean): void;
  /** What the capture's meta records of this runtime (stack collectors: lost stacks, binaries read). */
  summary?(): StackSummary;
  close?(): void;
}

/** A stack collector's account of its capture, kept in CaptureMeta.stacks. */
export interface StackSummary {
  /** Stacks (kernel or user, per interval and stack id) that were gone when read: shown as [lost ... stack]. */
  lostStacks: number;
  /** Every file symbolized from, with its GNU build id: the exact binaries a later re-symbolization needs. */
  binaries: { path: string; buildId?: string }[];
}

export type RawValue = number | bigint | string;

/**
 * One column of a frame. `from` names the field ("key.nr", "val.count", "rec.ts_ns"; nested "val.a.b"); its
 * BTF type says how to read it (integers of 1–8 bytes, char arrays as NUL-terminated strings). In a frame with
 * `rowsPer: { array: "val.slots" }`, "val.slots[]" is the row's element and "val.slots[#]" its index.
 */
export interface ColumnDecl {
  from: string;
  type: ColumnType;
  unit?: string;
  description: string;
  /** Turns the raw field value into the column's value (a syscall number into its name). */
  map?: (raw: RawValue, row: RowAccess) => RawValue;
  /** Multiplies a numeric value (pages into bytes); a function is called once per drain. */
  scale?: number | (() => number);
  /** Char arrays: the field holding how many bytes are used (NULs inside become spaces: argv). */
  lengthFrom?: string;
  /** The cell is NULL (not applicable) unless the numeric field `field` holds one of `in`. */
  onlyWhen?: { field: string; in: readonly number[] };
}

/** Where the identity columns of each row come from. `time` only for streamed records (their own timestamp). */
export interface IdentityDecl {
  pid: string;
  tid: string;
  comm: string;
  /** The process's name: the thread-group leader's comm. */
  process: string;
  cgroup_id: string;
  time?: string;
  /** Overrides of what identity fields read into (e.g. net's pid 0 rows are "[no owner]"). */
  map?: Partial<Record<"comm" | "process", (raw: RawValue, row: RowAccess) => RawValue>>;
}

/** A BPF hash map keyed by (epoch, ...), drained once per interval. */
export interface AggregateSourceDecl {
  kind: "aggregate";
  map: string;
  /** Struct names, as in the collector's header. */
  key: string;
  value: string;
  /** The key field holding the interval number (default "epoch"). */
  epoch?: string;
}

/** A ring buffer of one record per event. */
export interface StreamSourceDecl {
  kind: "stream";
  /** The ring buffer map; with `perCpu`, the ARRAY_OF_MAPS holding one ring per CPU (bpf/events.bpf.h). */
  ring: string;
  record: string;
  /**
   * Per-CPU rings read in place and batch-decoded (millions of events per second): `lost` names the per-CPU
   * counter of records that found their CPU's ring full, `ringKbOption` the option giving each ring's size.
   */
  perCpu?: { lost: string; ringKbOption: string };
}

/**
 * A map read whole at each interval boundary (a collector written in a notebook cell): every entry is a row,
 * its key and value decoded from the map's own BTF types (`key` and `val`: a struct's fields, or the scalar
 * itself as field `key` / `value`). With `drain`, entries are deleted as they are read (per-interval values);
 * without, they stay (running totals, one snapshot per interval). `perCpuValues` are summed over the CPUs.
 */
export interface SnapshotSourceDecl {
  kind: "snapshot";
  map: string;
  drain: boolean;
  perCpuValues?: boolean;
}

export interface FrameDecl<O = Record<string, unknown>> {
  /** Frame (and Parquet file) name: the collector's name for its main frame, `<name>_<what>` for others. */
  name: string;
  source: AggregateSourceDecl | StreamSourceDecl | SnapshotSourceDecl;
  /**
   * The map the frame reads under options that move its rows into another map, with the same key and the same
   * value fields at its head (syscalls with `histogram`: counts and buckets in one element, so that an event
   * updates one map, not two). Several frames may read one map; `source`'s map is then left unused.
   */
  sourceFor?(opts: O): AggregateSourceDecl | undefined;
  /** Where pid, tid, comm, process and cgroup_id come from; a frame without (a cell's map) has ts and t_s only. */
  identity?: IdentityDecl;
  /** Without identity: the field holding a record's own time (CLOCK_MONOTONIC ns); else the time of the read. */
  time?: string;
  columns: Record<string, ColumnDecl>;
  /**
   * One row per element of this integer array field instead of one per entry (a histogram's buckets), the
   * entry's other fields repeated on each; `skipZero` leaves out elements that are 0 (empty buckets).
   */
  rowsPer?: { array: string; skipZero?: boolean };
  /** Only for these options (e.g. a histogram frame with `histogram: true`). */
  enabled?(opts: O): boolean;
  features?: FeatureDecl;
  /** How the frame shows in the live view and in summaries (display-decl.ts). */
  display?: DisplayDecl;
  /** Programs this frame needs that stay unloaded when it is disabled. */
  programs?: string[];
}

export interface CollectorDecl<D extends OptionDecls> {
  name: string;
  /** One line for `bpflab collectors`. */
  description: string;
  /** Object file stem: bpf/.output/<object>.bpf.o (default: the name). */
  object?: string;
  /** The object file itself, when it is not in bpf/.output (a cell's, compiled at run time). */
  objectPath?: string;
  /** Tracepoints used, for the docs. */
  tracepoints: string[];
  options?: D;
  /** Checks the options as a whole once each is valid (OptionError), before anything touches the kernel. */
  check?(opts: OptionValues<D>): void;
  /** Fields of `struct <name>_cfg` besides `filter`, by name (a missing or unknown field is an error at load). */
  config?(opts: OptionValues<D>): Record<string, number | boolean>;
  /** Programs left unloaded for these options (e.g. sys_enter when latency is off). */
  disabledPrograms?(opts: OptionValues<D>): string[];
  /**
   * Attaches programs whose targets come from the options (uprobes) or that have no target of their own
   * (perf events) instead of the engine's attachAll.
   */
  attach?(obj: BpfObject, opts: OptionValues<D>, filter: FilterConfig): void;
  /** Makes the collector's per-capture user-space state, after load and before attach. */
  runtime?(obj: BpfObject, opts: OptionValues<D>): CollectorRuntime;
  /**
   * Iterator programs (SEC("iter/task")) the engine runs at each interval boundary, after starting the new
   * epoch and before draining the old one: they charge ongoing state (a thread still blocked) to the old one.
   */
  boundary?: string[];
  frames: FrameDecl<OptionValues<D>>[];
}

/** A collector as the engine, the CLI and the docs use it. */
export interface Collector<O extends object = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  readonly object: string;
  /** The object file, when it is not bpf/.output/<object>.bpf.o. */
  readonly objectPath?: string;
  readonly tracepoints: readonly string[];
  readonly options: readonly OptionDoc[];
  /** The main frame's columns (the first frame's). */
  readonly schema: readonly ColumnSpec[];
  /** Every frame the collector can produce, with its columns. */
  readonly frames: readonly (FrameDecl<O> & { schema: readonly ColumnSpec[] })[];
  /** The main frame's features. */
  readonly features: FeatureDecl | undefined;
  /** Validates options (OptionError naming the bad or unknown one) and fills in defaults. */
  resolveOptions(opts: unknown): O;
  /** The frames these options enable. */
  framesFor(opts: O): readonly (FrameDecl<O> & { schema: readonly ColumnSpec[] })[];
  config(opts: O): Record<string, number | boolean>;
  disabledPrograms(opts: O): string[];
  attach?(obj: BpfObject, opts: O, filter: FilterConfig): void;
  runtime?(obj: BpfObject, opts: O): CollectorRuntime;
  readonly boundary: readonly string[];
}

const mapEntriesOption = option.number({
  default: 0,
  min: 0,
  max: 1 << 24,
  integer: true,
  cli: "--map-entries N",
  doc: "entries of the per-interval map (0: the header's size); raise it when the capture reports lost records",
});

/** Identity columns on every row of every collector, in this order. */
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
  { name: "process", type: "str", description: "process name: the thread-group leader's comm" },
  { name: "cgroup_id", type: "u64", description: "cgroup v2 id (inode of the cgroup directory)" },
] as const satisfies readonly ColumnSpec[];

/**
 * Columns every collector frame ends with: the cgroup of cgroup_id resolved in user space (the engine fills
 * them from the cgroup2 tree as it hands rows on; "" where unknown).
 */
export const cgroupColumns = [
  { name: "cgroup", type: "str", description: "cgroup v2 path of cgroup_id (below the cgroup2 mount)" },
  {
    name: "container",
    type: "str",
    description: 'container id in that path (docker, containerd, CRI-O, podman), or ""',
  },
  { name: "unit", type: "str", description: 'systemd unit of that path (.service, .scope; else its .slice), or ""' },
] as const satisfies readonly ColumnSpec[];

/** The time columns alone: every row of a frame without identity (a cell's map) starts with these. */
export const timeColumns = identityColumns.slice(0, 2);

/** Turns a declaration into a Collector (the engine compiles its decoders against the object's BTF at load). */
export function defineCollector<D extends OptionDecls = Record<string, never>>(
  d: CollectorDecl<D>,
): Collector<OptionValues<D>> {
  type O = OptionValues<D>;
  // every collector with per-interval maps gets their size as an option, so a full map has a documented fix
  const aggregate = d.frames.some((f) => f.source.kind === "aggregate");
  const decls = { ...(d.options ?? {}), ...(aggregate ? { mapEntries: mapEntriesOption } : {}) } as D;
  const frames = d.frames.map((f) => ({
    ...f,
    schema: [
      ...(f.identity ? identityColumns : timeColumns),
      ...Object.entries(f.columns).map(([name, c]): ColumnSpec => {
        const spec: ColumnSpec = { name, type: c.type, description: c.description };
        if (c.unit) spec.unit = c.unit;
        return spec;
      }),
      // resolved from cgroup_id: a frame without identity has none
      ...(f.identity ? cgroupColumns : []),
    ] as readonly ColumnSpec[],
  }));
  if (frames.length === 0) throw new Error(`collector ${d.name} declares no frame`);
  return {
    name: d.name,
    description: d.description,
    object: d.object ?? d.name,
    ...(d.objectPath ? { objectPath: d.objectPath } : {}),
    tracepoints: d.tracepoints,
    options: optionDocs(decls),
    schema: frames[0]!.schema,
    frames,
    features: frames[0]!.features,
    resolveOptions: (opts: unknown) => {
      const o = resolveOptionValues(d.name, decls, opts);
      d.check?.(o);
      return o;
    },
    framesFor: (opts: O) =>
      frames
        .filter((f) => !f.enabled || f.enabled(opts))
        .map((f) => {
          const source = f.sourceFor?.(opts);
          return source ? { ...f, source } : f;
        }),
    config: (opts: O) => d.config?.(opts) ?? {},
    disabledPrograms: (opts: O) => [
      ...(d.disabledPrograms?.(opts) ?? []),
      ...frames.filter((f) => f.enabled && !f.enabled(opts)).flatMap((f) => f.programs ?? []),
    ],
    ...(d.attach ? { attach: d.attach } : {}),
    ...(d.runtime ? { runtime: d.runtime } : {}),
    boundary: d.boundary ?? [],
  };
}
