// The user-space side of the stack collectors (profile, offcpu) during a capture: reads the stacks each row
// names, folds them through the capture's Symbolizer, and frees the kernel's copies once their epoch is drained.

import type { BpfMap } from "../loader/bpf-map.js";
import type { BpfObject } from "../loader/bpf-object.js";
import { Symbolizer } from "../symbols/symbolizer.js";
import type { CollectorRuntime, RowAccess, StackSummary } from "./schema.js";

/** One row's stacks, folded. */
export interface FoldedStack {
  stack: string;
  kernelFrames: number;
  userFrames: number;
}

/** Where a row's stacks are: by the ids (or hashes) in its key. */
export interface StackSource {
  /** Addresses of a stack, innermost first; [] for "no such stack", undefined when it is gone (lost). */
  stack(row: RowAccess, id: number, kernel: boolean): number[] | bigint[] | undefined;
  beforeDrain?(epoch: number, all: boolean): void;
  afterDrain?(epoch: number, all: boolean): void;
}

/** Key fields the runtime reads: the process, the kernel and user stack ids. */
export interface StackKeyFields {
  pid: string;
  kernel: string;
  user: string;
}

export class StackRuntime implements CollectorRuntime {
  readonly symbolizer = new Symbolizer();
  readonly rings: Record<string, (rec: DataView) => void>;
  private last: { key: string; value: FoldedStack } | undefined;
  /** Lost stacks of the interval being drained (by epoch and id: rows of several threads share one). */
  private readonly lostNow = new Set<string>();
  private lostBefore = 0;

  constructor(
    private readonly source: StackSource,
    private readonly fields: StackKeyFields,
    announceRing = "pids",
  ) {
    // a process with stacks is announced once: its mappings are read now, while it lives
    this.rings = { [announceRing]: (rec) => this.symbolizer.noteProcess(rec.getUint32(0, true)) };
  }

  /** The folded stack of the entry being decoded (cached for the other columns of the same row). */
  folded(row: RowAccess): FoldedStack {
    const f = this.fields;
    const pid = row.num(f.pid),
      kid = row.num(f.kernel),
      uid = row.num(f.user);
    const key = `${pid}:${kid}:${uid}:${row.num("key.epoch")}`;
    if (this.last?.key === key) return this.last.value;
    const user = this.source.stack(row, uid, false) as number[] | undefined;
    const kernel = this.source.stack(row, kid, true) as bigint[] | undefined;
    const u = user ?? [];
    const k = kernel ?? [];
    let stack = this.symbolizer.fold(pid, u, k);
    // a stack that is gone (hash collision, full map, read too late) is said, not guessed
    if (user === undefined) stack = stack ? `[lost user stack];${stack}` : "[lost user stack]";
    if (kernel === undefined) stack = stack ? `${stack};[lost kernel stack]` : "[lost kernel stack]";
    if (user === undefined) this.lostNow.add(`u:${row.num("key.epoch")}:${uid}`);
    if (kernel === undefined) this.lostNow.add(`k:${row.num("key.epoch")}:${kid}`);
    // kernel frames as folded (the tracing machinery's own innermost frames are trimmed)
    let kernelFrames = 0;
    for (let i = stack.indexOf("_[k]"); i >= 0; i = stack.indexOf("_[k]", i + 4)) kernelFrames++;
    const value = { stack: stack || "[no stack]", kernelFrames, userFrames: u.length };
    this.last = { key, value };
    return value;
  }

  beforeDrain(epoch: number, all: boolean): void {
    this.source.beforeDrain?.(epoch, all);
  }

  afterDrain(epoch: number, all: boolean): void {
    this.last = undefined;
    this.lostBefore += this.lostNow.size;
    this.lostNow.clear();
    this.source.afterDrain?.(epoch, all);
  }

  summary(): StackSummary {
    const binaries = this.symbolizer
      .files()
      .map((f) => (f.buildId ? { path: f.path, buildId: f.buildId } : { path: f.path }));
    return { lostStacks: this.lostBefore + this.lostNow.size, binaries };
  }
}

/** bpf_get_stackid's "no such stack" (a kernel thread's user stack, a user-mode sample's kernel stack). */
const EFAULT = -14;

/**
 * Stacks in two BPF stack maps (BPF_MAP_TYPE_STACK_TRACE) chosen by epoch parity: the ids of epoch N stay
 * valid until N is drained, and then its map is emptied while epoch N+1 writes the other one.
 */
export class ParityStackMaps implements StackSource {
  private readonly maps: BpfMap[];
  private readonly cache = new Map<string, number[] | bigint[] | null>();

  constructor(obj: BpfObject, names: [string, string]) {
    this.maps = names.map((n) => obj.map(n));
  }

  stack(row: RowAccess, id: number, kernel: boolean): number[] | bigint[] | undefined {
    if (id === EFAULT) return [];
    if (id < 0) return undefined; // -EEXIST (hash collision), -ENOMEM (map full)
    const parity = row.num("key.epoch") & 1;
    const k = `${parity}:${id}`;
    let a = this.cache.get(k);
    if (a === undefined) {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(id >>> 0);
      const v = this.maps[parity]!.lookup(key);
      a = v ? readAddrs(v, 0, v.length / 8, kernel) : null;
      this.cache.set(k, a);
    }
    return a ?? undefined;
  }

  afterDrain(epoch: number, all: boolean): void {
    this.cache.clear();
    if (all) return;
    const map = this.maps[epoch & 1]!;
    for (const k of map.keys()) map.delete(k);
  }
}

/**
 * Stacks stored by value in a hash map keyed by (epoch, hash) (struct { __u32 epoch; __u32 pad; __u64 hash }
 * → struct { __u32 depth; __u32 pad; __u64 ips[] }): read and deleted with their epoch's rows. Hash 0: none.
 */
export class EpochStackTable implements StackSource {
  private readonly map: BpfMap;
  private readonly byHash = new Map<number, { kernel?: bigint[]; user?: number[]; raw: Buffer }>();

  constructor(obj: BpfObject, name: string) {
    this.map = obj.map(name);
  }

  stack(_row: RowAccess, hash: number, kernel: boolean): number[] | bigint[] | undefined {
    if (hash === 0) return [];
    const e = this.byHash.get(hash);
    if (!e) return undefined;
    if (kernel) return (e.kernel ??= readAddrs(e.raw, 8, e.raw.readUInt32LE(0), true) as bigint[]);
    return (e.user ??= readAddrs(e.raw, 8, e.raw.readUInt32LE(0), false) as number[]);
  }

  beforeDrain(epoch: number, all: boolean): void {
    this.byHash.clear();
    const { keys, values, count } = this.map.readAll();
    const ks = this.map.keySize,
      vs = this.map.valueSize;
    const del = Buffer.alloc(all ? 0 : count * ks);
    let ndel = 0;
    for (let i = 0; i < count; i++) {
      const e = keys.readUInt32LE(i * ks);
      if (!all && e > epoch) continue;
      const hash = keys.readUInt32LE(i * ks + 12) * 4294967296 + keys.readUInt32LE(i * ks + 8);
      this.byHash.set(hash, { raw: Buffer.from(values.subarray(i * vs, (i + 1) * vs)) });
      if (!all) keys.copy(del, ndel++ * ks, i * ks, (i + 1) * ks);
    }
    if (ndel > 0) this.map.deleteKeys(del, ndel);
  }

  afterDrain(): void {
    this.byHash.clear();
  }
}

/** `n` u64 addresses from `off` (zero-filled past a stack's depth: stops at the first 0). */
function readAddrs(v: Buffer, off: number, n: number, kernel: boolean): number[] | bigint[] {
  const out: (number | bigint)[] = [];
  for (let i = 0; i < n && off + i * 8 + 8 <= v.length; i++) {
    const o = off + i * 8;
    const lo = v.readUInt32LE(o),
      hi = v.readUInt32LE(o + 4);
    if (lo === 0 && hi === 0) break;
    out.push(kernel ? (BigInt(hi) << 32n) | BigInt(lo) : hi * 4294967296 + lo);
  }
  return out as number[] | bigint[];
}
