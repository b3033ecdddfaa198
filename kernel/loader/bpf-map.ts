// BpfMap: one map of a loaded object: element and batched reads, deletes and updates through its fd.
// The fd belongs to the object (closed with it); a BpfMap never outlives its BpfObject.

import { BpflabError, PermissionError } from "../errors.js";
import { koffi, libbpf, Ptr, strerror } from "./libbpf.js";

/** Entries read in one pass: `count` keys and values packed back to back at the map's key/value sizes. */
export interface MapEntries {
  keys: Buffer;
  values: Buffer;
  count: number;
}

export class BpfMap {
  readonly name: string;
  readonly keySize: number;
  readonly valueSize: number;
  private readonly ptr: bigint;
  /** Values of per-CPU maps hold one slot per possible CPU, each rounded up to 8 bytes. */
  readonly perCpu: boolean;
  private batchUnsupported = false;
  private takeUnsupported = false;
  private keyBuf?: Buffer;
  private valBuf?: Buffer;

  constructor(ptr: bigint, perCpu = false) {
    const lb = libbpf();
    this.ptr = ptr;
    this.name = lb.bpf_map__name(ptr);
    this.keySize = lb.bpf_map__key_size(ptr);
    this.perCpu = perCpu;
    const vs = lb.bpf_map__value_size(ptr);
    this.valueSize = perCpu ? Math.ceil(vs / 8) * 8 * lb.libbpf_num_possible_cpus() : vs;
  }

  /** The raw libbpf `struct bpf_map *` (valid while the object is open). */
  get handle(): bigint {
    return this.ptr;
  }

  get fd(): number {
    return libbpf().bpf_map__fd(this.ptr);
  }

  get maxEntries(): number {
    return libbpf().bpf_map__max_entries(this.ptr);
  }

  /** Before load only. */
  setMaxEntries(n: number): void {
    check(libbpf().bpf_map__set_max_entries(this.ptr, n), `set max_entries of map ${this.name}`);
  }

  /**
   * Before load only: the map's initial contents (used for .rodata: the collector's config struct). `data`
   * must be exactly the map's value size: a buffer of another size means the config and the object disagree,
   * and padding or cutting it would load the program with wrong options.
   */
  setInitialValue(data: Buffer): void {
    const size = libbpf().bpf_map__value_size(this.ptr);
    if (data.length !== size) {
      throw new BpflabError(
        `initial value of map ${this.name}: ${data.length} bytes given, the object's map holds ${size}`,
        "the collector's config and its object disagree: rebuild with `npm run build`",
      );
    }
    check(libbpf().bpf_map__set_initial_value(this.ptr, data, size), `set initial value of map ${this.name}`);
  }

  /** Before load only: a copy of the map's initial contents as the object file has them (.rodata, .data). */
  initialValue(): Buffer {
    const psize = [0];
    const p = libbpf().bpf_map__initial_value(this.ptr, psize) as bigint | null;
    if (!p) return Buffer.alloc(libbpf().bpf_map__value_size(this.ptr));
    return Buffer.from(koffi.view(p, Number(psize[0])).slice(0));
  }

  /** Before load only: make this map the same kernel map as `fd` (shared between objects of a capture). */
  reuseFd(fd: number): void {
    check(libbpf().bpf_map__reuse_fd(this.ptr, fd), `reuse fd ${fd} for map ${this.name}`);
  }

  lookup(key: Buffer): Buffer | undefined {
    const value = Buffer.alloc(this.valueSize);
    const rc = libbpf().bpf_map_lookup_elem(this.fd, key, value);
    if (rc === -2) return undefined; // ENOENT
    check(rc, `lookup in map ${this.name}`);
    return value;
  }

  update(key: Buffer, value: Buffer, flags = 0): void {
    check(libbpf().bpf_map_update_elem(this.fd, key, value, flags), `update map ${this.name}`);
  }

  /**
   * Reads every entry, in batches of up to `chunk` (one syscall each) where the kernel supports batch ops,
   * else key by key (racy against concurrent deletes: an entry may be missed or read twice).
   * The returned buffers are reused by the next call: decode before reading again. `method` forces one way
   * ("keys": the fallback, as on kernels without batch operations).
   */
  readAll(chunk = 4096, method: "auto" | "batch" | "keys" = "auto"): MapEntries {
    if (method === "keys") return this.readKeyByKey();
    if (method === "batch") return this.readBatched(chunk);
    if (!this.batchUnsupported) {
      try {
        return this.readBatched(chunk);
      } catch (e) {
        if (!(e instanceof BatchUnsupported)) throw e;
        this.batchUnsupported = true;
      }
    }
    return this.readKeyByKey();
  }

  /**
   * Every key now in the map, walked with get_next_key (for maps without batch operations, such as stack maps;
   * racy against concurrent updates, so for maps nobody is writing).
   */
  keys(): Buffer[] {
    const lb = libbpf();
    const fd = this.fd;
    const out: Buffer[] = [];
    let prev: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      if (lb.bpf_map_get_next_key(fd, prev, next) !== 0) break;
      out.push(next);
      prev = next;
    }
    return out;
  }

  /** Deletes one key; false when it was not there. */
  delete(key: Buffer): boolean {
    const rc = libbpf().bpf_map_delete_elem(this.fd, key);
    if (rc === -2) return false;
    check(rc, `delete from map ${this.name}`);
    return true;
  }

  /** Deletes `count` keys packed in `keys` (one syscall per 4096 keys). Missing keys are ignored. */
  deleteKeys(keys: Buffer, count: number): void {
    const lb = libbpf();
    const fd = this.fd;
    for (let off = 0; off < count;) {
      const want = Math.min(4096, count - off);
      const n = [want];
      const slice = keys.subarray(off * this.keySize, (off + want) * this.keySize);
      const rc = lb.bpf_map_delete_batch(fd, slice, n, null);
      if (rc < 0) {
        // ENOENT mid-batch (a key already gone) stops the batch: finish those one by one.
        for (let i = n[0]!; i < want; i++) {
          lb.bpf_map_delete_elem(fd, slice.subarray(i * this.keySize, (i + 1) * this.keySize));
        }
      }
      off += want;
    }
  }

  /**
   * Buffers for at least `n` entries (up to the map's size), kept for the next read; growing keeps the first
   * `keep` entries. Sized by what the map held, not by max_entries: a per-interval map sized for a storm
   * (65,536 rows; 32,768 stacks of 520 bytes) usually holds a few hundred entries, and buffers of its full size
   * (up to 17 MB a map, each capture) cost page faults and external-memory garbage collections.
   */
  private buffers(n: number, keep = 0): [Buffer, Buffer] {
    const have = this.keyBuf ? this.keyBuf.length / Math.max(this.keySize, 1) : 0;
    if (!this.keyBuf || have < n) {
      const cap = Math.min(Math.max(this.maxEntries, 1), Math.max(n, 2 * have, 256));
      const keys = Buffer.alloc(cap * this.keySize);
      const values = Buffer.alloc(cap * this.valueSize);
      if (keep > 0) {
        this.keyBuf!.copy(keys, 0, 0, keep * this.keySize);
        this.valBuf!.copy(values, 0, 0, keep * this.valueSize);
      }
      this.keyBuf = keys;
      this.valBuf = values;
    }
    return [this.keyBuf, this.valBuf!];
  }

  /**
   * Reads every entry and removes it: from a hash map atomically per entry (BPF_MAP_LOOKUP_AND_DELETE_BATCH,
   * Linux 5.6), so an update lands either in what is returned or in the map; from an array (whose entries
   * cannot be deleted) by reading and then zeroing each one, where an update between the two is lost.
   * The returned buffers are reused by the next call.
   */
  takeAll(chunk = 4096): MapEntries {
    if (!this.takeUnsupported) {
      try {
        return this.readBatched(chunk, true);
      } catch (e) {
        if (!(e instanceof BatchUnsupported)) throw e;
        this.takeUnsupported = true;
      }
    }
    const e = this.readAll(chunk);
    const type = libbpf().bpf_map__type(this.ptr);
    if (type === 2 || type === 6) {
      // BPF_MAP_TYPE_ARRAY, PERCPU_ARRAY: zero what was read
      const zero = Buffer.alloc(this.valueSize);
      for (let i = 0; i < e.count; i++) this.update(e.keys.subarray(i * this.keySize, (i + 1) * this.keySize), zero);
    } else if (e.count > 0) {
      this.deleteKeys(Buffer.from(e.keys.subarray(0, e.count * this.keySize)), e.count);
    }
    return e;
  }

  private readBatched(chunk: number, andDelete = false): MapEntries {
    const lb = libbpf();
    const fd = this.fd;
    const cap = Math.max(this.maxEntries, 1);
    let [keys, values] = this.buffers(Math.min(chunk, cap));
    // Hash maps use a bucket index as the batch token; 8 bytes covers every map type's token.
    const inTok = Buffer.alloc(Math.max(8, this.keySize));
    const outTok = Buffer.alloc(Math.max(8, this.keySize));
    let total = 0;
    let first = true;
    for (;;) {
      const want = Math.min(chunk, cap - total);
      if (want <= 0) break;
      [keys, values] = this.buffers(total + want, total);
      const n = [want];
      const rc = (andDelete ? lb.bpf_map_lookup_and_delete_batch : lb.bpf_map_lookup_batch)(
        fd,
        first ? null : inTok,
        outTok,
        keys.subarray(total * this.keySize),
        values.subarray(total * this.valueSize),
        n,
        null,
      );
      if (rc < 0 && rc !== -2) {
        if (first && (rc === -22 || rc === -95 || rc === -524)) throw new BatchUnsupported(); // EINVAL/EOPNOTSUPP/ENOTSUPP
        check(rc, `batch lookup in map ${this.name}`);
      }
      total += n[0]!;
      if (rc === -2) break; // ENOENT: that was the last batch
      outTok.copy(inTok);
      first = false;
    }
    return { keys, values, count: total };
  }

  private readKeyByKey(): MapEntries {
    const lb = libbpf();
    const fd = this.fd;
    const cap = Math.max(this.maxEntries, 1);
    let [keys, values] = this.buffers(0);
    let prev: Ptr | Buffer = null;
    let count = 0;
    const next = Buffer.alloc(this.keySize);
    while (count < cap && lb.bpf_map_get_next_key(fd, prev, next) === 0) {
      [keys, values] = this.buffers(count + 1, count);
      const k = keys.subarray(count * this.keySize, (count + 1) * this.keySize);
      next.copy(k);
      if (lb.bpf_map_lookup_elem(fd, k, values.subarray(count * this.valueSize)) === 0) count++;
      prev = Buffer.from(next);
    }
    return { keys, values, count };
  }
}

class BatchUnsupported extends Error {}

function check(rc: number, what: string): void {
  if (rc >= 0) return;
  if (rc === -1 || rc === -13) {
    throw new PermissionError(`${what}: ${strerror(rc)}`, "BPF map operations need root or CAP_BPF");
  }
  throw new BpflabError(`${what}: ${strerror(rc)}`, "run with BPFLAB_DEBUG=1 for libbpf's log");
}
