// The profile collector's user-space side during a capture: reads each row's stacks from the stack map of its
// epoch's parity, folds them through the capture's Symbolizer, and empties that map once the epoch is drained.

import type { BpfMap } from "../loader/bpf-map.js";
import type { BpfObject } from "../loader/bpf-object.js";
import { Symbolizer } from "../symbols/symbolizer.js";
import type { CollectorRuntime, RowAccess } from "./schema.js";

/** bpf_get_stackid's "no such stack" (a kernel thread's user stack, a user-mode sample's kernel stack). */
const EFAULT = -14;

/** One row's stacks, folded. */
export interface FoldedStack {
  stack: string;
  kernelFrames: number;
  userFrames: number;
}

/** Fields of the key a runtime folds from (the key structs of profile and offcpu name them so). */
export interface StackKeyFields {
  pid: string;
  kernel: string;
  user: string;
  /** The key field selecting the stack map (epoch parity), if stacks live in two maps. */
  epoch?: string;
}

export class StackRuntime implements CollectorRuntime {
  readonly symbolizer: Symbolizer;
  readonly rings: Record<string, (rec: DataView) => void>;
  private readonly maps: BpfMap[];
  private readonly fields: StackKeyFields;
  /** Raw stacks of the epochs being drained, by map and id (read once per drain). */
  private readonly raw = new Map<string, Float64Array | BigUint64Array | null>();
  private last: { key: string; value: FoldedStack } | undefined;

  constructor(obj: BpfObject, opts: { stackMaps: string[]; announceRing?: string; fields: StackKeyFields }) {
    this.maps = opts.stackMaps.map((m) => obj.map(m));
    this.fields = opts.fields;
    this.symbolizer = new Symbolizer();
    this.rings = opts.announceRing
      ? { [opts.announceRing]: (rec) => this.symbolizer.noteProcess(rec.getUint32(0, true)) }
      : {};
  }

  /** The folded stack of the entry being decoded (cached for the other columns of the same row). */
  folded(row: RowAccess): FoldedStack {
    const f = this.fields;
    const pid = row.num(f.pid),
      kid = row.num(f.kernel),
      uid = row.num(f.user);
    const parity = f.epoch && this.maps.length > 1 ? row.num(f.epoch) & 1 : 0;
    const key = `${parity}:${pid}:${kid}:${uid}`;
    if (this.last?.key === key) return this.last.value;
    const map = this.maps[parity]!;
    const user = uid === EFAULT ? [] : uid < 0 ? undefined : this.addrs(map, parity, uid, false);
    const kernel = kid === EFAULT ? [] : kid < 0 ? undefined : this.addrs(map, parity, kid, true);
    const u = (user ?? []) as number[];
    const k = (kernel ?? []) as bigint[];
    let stack = this.symbolizer.fold(pid, u, k);
    // an id whose stack is gone (hash collision, full map, read too late) is said, not guessed
    if (user === undefined) stack = stack ? `[lost user stack];${stack}` : "[lost user stack]";
    if (kernel === undefined) stack = stack ? `${stack};[lost kernel stack]` : "[lost kernel stack]";
    const value = { stack: stack || "[no stack]", kernelFrames: k.length, userFrames: u.length };
    this.last = { key, value };
    return value;
  }

  /** Addresses of stack `id` (innermost first), or undefined when the map no longer holds it. */
  private addrs(map: BpfMap, parity: number, id: number, kernel: boolean): number[] | bigint[] | undefined {
    const k = `${parity}:${id}`;
    let a = this.raw.get(k);
    if (a === undefined) {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(id >>> 0);
      const v = map.lookup(key);
      a = v ? readStack(v, kernel) : null;
      this.raw.set(k, a);
    }
    if (a === null) return undefined;
    return Array.from(a as ArrayLike<number | bigint>) as number[] | bigint[];
  }

  /** After epoch `epoch` is drained: empty the stack map it used (the next epoch writes the other one). */
  afterDrain(epoch: number, all: boolean): void {
    this.raw.clear();
    this.last = undefined;
    if (all || this.maps.length < 2) return;
    const map = this.maps[epoch & 1]!;
    for (const k of map.keys()) map.delete(k);
  }
}

/** The non-zero addresses of one stack-map value (u64 each, zero-filled past the stack's depth). */
function readStack(v: Buffer, kernel: boolean): Float64Array | BigUint64Array {
  let n = 0;
  while (n * 8 + 8 <= v.length && (v.readUInt32LE(n * 8) !== 0 || v.readUInt32LE(n * 8 + 4) !== 0)) n++;
  if (kernel) {
    const out = new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = v.readBigUInt64LE(i * 8);
    return out;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = v.readUInt32LE(i * 8 + 4) * 4294967296 + v.readUInt32LE(i * 8);
  return out;
}
