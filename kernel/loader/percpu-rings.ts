// PerCpuRings: one BPF ring buffer per CPU behind an ARRAY_OF_MAPS (bpf/events.bpf.h), each mmap'ed and read in
// place: no callback per record, so draining costs what decoding the records costs. Pairs with batch-decoder.ts.

import { BpflabError } from "../errors.js";
import type { BpfMap } from "./bpf-map.js";
import { koffi, libbpf, strerror } from "./libbpf.js";
import { nativeEvents } from "./native-events.js";

const BPF_MAP_TYPE_RINGBUF = 27;
const PROT_READ = 1,
  PROT_WRITE = 2,
  MAP_SHARED = 1;
const MAP_FAILED = 0xffffffffffffffffn;
/** Record header (struct bpf_ringbuf_hdr): u32 len with two flag bits, u32 page offset. */
const HDR = 8;
const BUSY = 0x80000000,
  DISCARD = 0x40000000;

/** One ring's mapped memory. `data` views the data pages twice over (the kernel maps them so), so a record that
 * wraps around the end is still contiguous at `off`. */
interface Ring {
  fd: number;
  consumer: bigint;
  producer: bigint;
  producerLen: number;
  cons: BigUint64Array;
  prod: BigUint64Array;
  /** The data area as 32-bit words and bytes, from the producer page's end, 2 × size long. */
  words: Uint32Array;
  bytes: Uint8Array;
  /** Byte offset of the data area inside `words.buffer`. */
  dataOff: number;
  /** The consumer position after the last peek(). */
  peeked?: number;
  /** The times peek() read, per record of its runs (kept from one peek to the next, grown as needed). */
  keys: Float64Array;
}

/** A ring's memory without a kernel behind it (tests): positions as one-element arrays, the data area twice over. */
export interface RingMemory {
  cons: BigUint64Array;
  prod: BigUint64Array;
  words: Uint32Array;
  bytes: Uint8Array;
  dataOff: number;
}

/**
 * One ring's pending bytes, for a drain that reads records in place and moves `pos` past what it took (the
 * fused merge, batch-decoder.ts): from the consumer position `pos` to the producer position `end`, read once
 * when cursors() made it. The record at position p starts at byte `dataOff + (p & mask)` of `words.buffer`.
 */
export interface RingCursor {
  cpu: number;
  /** The ring's memory as words, bytes and doubles (the same buffer). */
  words: Uint32Array;
  bytes: Uint8Array;
  doubles: Float64Array;
  dataOff: number;
  pos: number;
  end: number;
}

/** A run of committed records of one ring, all of `stride` bytes: record i starts at byte `start + i × stride`. */
export interface RecordRun {
  cpu: number;
  /** The ring's memory, as words and bytes (the same buffer). */
  words: Uint32Array;
  bytes: Uint8Array;
  /** Byte offset (in `words.buffer`) of the first record's payload. */
  start: number;
  stride: number;
  count: number;
  /** The records' times (ns after t0) as peek() read them, from `keys[keyStart]`: the merge reads no ring
   * memory again. Valid until the next peek(). */
  keys?: Float64Array;
  keyStart?: number;
}

export class PerCpuRings {
  readonly size: number;
  readonly recordSize: number;
  readonly stride: number;
  private rings: Ring[] = [];
  private readonly page: number;
  private closed = false;
  /** cursors()' objects, reused by every drain. */
  private cur: RingCursor[] = [];
  /** For the native commit: each ring's consumer position address, and the positions to store. */
  private consAddr?: BigUint64Array;
  private consPos?: BigUint64Array;

  /**
   * Creates one ring of `sizeBytes` (a power of two, at least a page) per possible CPU and stores each in
   * `outer` at its CPU's index; `recordSize` is the struct every record holds (records of another size are
   * skipped, as are discarded ones). The outer map's references keep the rings alive for the programs; this
   * object's fds and mappings go at close(). Given ring memory instead of `outer` (tests), reads that memory.
   */
  constructor(outer: BpfMap | RingMemory[], sizeBytes: number, recordSize: number) {
    const lb = libbpf();
    this.page = lb.getpagesize();
    if (sizeBytes < this.page || (sizeBytes & (sizeBytes - 1)) !== 0) {
      throw new BpflabError(
        `event ring of ${sizeBytes} bytes: it must be a power of two of at least ${this.page}`,
        "give ringKb as a power of two, e.g. 4096",
      );
    }
    this.size = sizeBytes;
    this.recordSize = recordSize;
    this.stride = Math.ceil((recordSize + HDR) / 8) * 8;
    if (Array.isArray(outer)) {
      this.rings = outer.map((m) => ({
        ...m,
        fd: -1,
        consumer: 0n,
        producer: 0n,
        producerLen: 0,
        keys: new Float64Array(16),
      }));
      return;
    }
    const cpus = lb.libbpf_num_possible_cpus();
    try {
      for (let cpu = 0; cpu < cpus; cpu++) this.rings.push(this.open(outer, cpu));
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private open(outer: BpfMap, cpu: number): Ring {
    const lb = libbpf();
    const fd = lb.bpf_map_create(BPF_MAP_TYPE_RINGBUF, `ev_cpu${cpu}`, 0, 0, this.size, null) as number;
    if (fd < 0) {
      throw new BpflabError(
        `creating the event ring of CPU ${cpu} (${this.size} bytes): ${strerror(fd)}`,
        "a smaller ringKb needs less locked memory",
      );
    }
    const ring: Partial<Ring> = { fd, keys: new Float64Array(1024) };
    try {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(cpu);
      const val = Buffer.alloc(4);
      val.writeUInt32LE(fd);
      outer.update(key, val);
      const consumer = lb.mmap(null, this.page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) as bigint;
      if (consumer === MAP_FAILED || !consumer) throw mmapError(cpu, "consumer page");
      ring.consumer = consumer;
      const producerLen = this.page + 2 * this.size;
      const producer = lb.mmap(null, producerLen, PROT_READ, MAP_SHARED, fd, this.page) as bigint;
      if (producer === MAP_FAILED || !producer) throw mmapError(cpu, "data pages");
      ring.producer = producer;
      ring.producerLen = producerLen;
      ring.cons = new BigUint64Array(koffi.view(consumer, 8));
      const all = koffi.view(producer, producerLen);
      ring.prod = new BigUint64Array(all, 0, 1);
      ring.words = new Uint32Array(all);
      ring.bytes = new Uint8Array(all);
      ring.dataOff = this.page;
      return ring as Ring;
    } catch (e) {
      unmap(ring);
      throw e;
    }
  }

  get cpus(): number {
    return this.rings.length;
  }

  /**
   * The committed records of every ring whose 64-bit time (at byte `timeOffset` of the record, compared as ns
   * after `t0`) is below `limitNs`, as runs of equal-sized records. A ring holds its CPU's records in time order,
   * so this is a prefix of each ring; nothing is freed until release(), and records at or past the limit stay
   * in their ring for the next drain. Stops at a record still being written.
   */
  peek(timeOffset: number, t0: bigint, limitNs: number): RecordRun[] {
    const runs: RecordRun[] = [];
    const mask = this.size - 1;
    const hi0 = Number(t0 >> 32n),
      lo0 = Number(t0 & 0xffffffffn);
    const tw = timeOffset >>> 2;
    const { recordSize, stride, size } = this;
    // a run ends before it would pass the end of the double map
    const maxRun = Math.ceil(size / stride);
    for (let cpu = 0; cpu < this.rings.length; cpu++) {
      const r = this.rings[cpu]!;
      let cons = Number(Atomics.load(r.cons, 0));
      const prod = Number(Atomics.load(r.prod, 0));
      const words = r.words;
      const dataOff = r.dataOff;
      // at most one key per record slot of the pending bytes
      const most = Math.ceil((prod - cons) / stride);
      if (r.keys.length < most) r.keys = new Float64Array(Math.max(most, 2 * r.keys.length));
      const keys = r.keys;
      let nk = 0;
      let stop = false;
      while (cons < prod && !stop) {
        // a run: consecutive committed records of the expected size, at most up to the end of the double map
        const first = cons;
        const k0 = nk;
        let n = 0;
        let skip = 0;
        while (cons < prod) {
          const off = dataOff + (cons & mask);
          const hdr = Atomics.load(words, off >>> 2) >>> 0;
          if (hdr & BUSY) {
            stop = true; // a producer is still writing it
            break;
          }
          const len = hdr & ~(BUSY | DISCARD);
          const rec = (len + HDR + 7) & ~7;
          if (hdr & DISCARD || len !== recordSize) {
            skip = rec;
            break;
          }
          const q = ((off + HDR) >>> 2) + tw;
          const t = (words[q + 1]! - hi0) * 4294967296 + (words[q]! - lo0);
          if (t >= limitNs) {
            stop = true;
            break;
          }
          keys[nk++] = t;
          n++;
          cons += rec;
          if (n >= maxRun) break;
        }
        if (n > 0) {
          runs.push({
            cpu,
            words,
            bytes: r.bytes,
            start: dataOff + (first & mask) + HDR,
            stride,
            count: n,
            keys,
            keyStart: k0,
          });
        }
        if (skip) cons += skip;
      }
      r.peeked = cons;
    }
    return runs;
  }

  /**
   * Every ring's pending bytes as a cursor (the same objects each call): the drain advances `pos`, commit() then
   * frees what lies before it. `limitRows` is an upper bound of the records they can hold: every record of the
   * expected size takes `stride` bytes.
   */
  cursors(): { cursors: RingCursor[]; mask: number; limitRows: number } {
    let rows = 0;
    for (let cpu = 0; cpu < this.rings.length; cpu++) {
      const r = this.rings[cpu]!;
      const c = (this.cur[cpu] ??= {
        cpu,
        words: r.words,
        bytes: r.bytes,
        doubles: new Float64Array(r.words.buffer, r.words.byteOffset, r.words.byteLength >> 3),
        dataOff: r.dataOff,
        pos: 0,
        end: 0,
      });
      c.pos = Number(Atomics.load(r.cons, 0));
      c.end = Number(Atomics.load(r.prod, 0));
      rows += Math.floor((c.end - c.pos) / this.stride);
    }
    return { cursors: this.cur, mask: this.size - 1, limitRows: rows };
  }

  /** Frees, in each ring, the bytes before its cursor's `pos` (what the drain took or skipped). */
  commit(): void {
    // the native store writes to the mapped page: after close() that address is gone
    if (this.closed) throw new Error("PerCpuRings: commit() after close()");
    const n = this.cur.length;
    const lib = nativeEvents();
    if (lib) {
      // a release store, as libbpf does (Atomics.store is a sequentially consistent one: a full fence more)
      if (this.consAddr?.length !== n) {
        this.consAddr = BigUint64Array.from(this.rings.slice(0, n), (r) => lib.address(r.cons));
        this.consPos = new BigUint64Array(n);
      }
      for (let cpu = 0; cpu < n; cpu++) this.consPos![cpu] = BigInt(this.cur[cpu]!.pos);
      lib.commit(n, this.consAddr, this.consPos!);
      return;
    }
    for (let cpu = 0; cpu < n; cpu++) Atomics.store(this.rings[cpu]!.cons, 0, BigInt(this.cur[cpu]!.pos));
  }

  /** Frees the space of what the last peek() returned (and of the records it skipped), for the producers. */
  release(): void {
    // the kernel reads consumer_pos with acquire semantics
    for (const r of this.rings) if (r.peeked !== undefined) Atomics.store(r.cons, 0, BigInt(r.peeked));
  }

  /** Unmaps and closes every ring (the outer map, owned by the object, drops its references when freed). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.rings) unmap(r);
    this.rings = [];
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function mmapError(cpu: number, what: string): BpflabError {
  return new BpflabError(`mmap of the event ring of CPU ${cpu} (${what}): ${strerror(koffi.errno())}`, "");
}

function unmap(r: Partial<Ring>): void {
  const lb = libbpf();
  // drop the views first: touching them after munmap would fault
  r.cons = r.prod = undefined;
  r.words = undefined;
  r.bytes = undefined;
  r.keys = undefined;
  if (r.consumer) lb.munmap(r.consumer, lb.getpagesize());
  if (r.producer && r.producerLen) lb.munmap(r.producer, r.producerLen);
  r.consumer = r.producer = undefined;
  if (r.fd !== undefined && r.fd >= 0) lb.close(r.fd);
  r.fd = undefined;
}
