// RingReader: drains a BPF ring buffer map through libbpf's ring_buffer__consume, one callback per record.
// Producers submit with BPF_RB_NO_WAKEUP, so nothing polls: the capture calls drain() on a timer.

import { koffi, libbpf, strerror } from "./libbpf.js";
import type { BpfMap } from "./bpf-map.js";

/** Called with a view of one record, valid only during the call: copy what you keep. */
export type RecordHandler = (view: DataView) => void;

export class RingReader {
  private rb: bigint | null;
  private cb: bigint | null;
  private records = 0;

  constructor(map: BpfMap, onRecord: RecordHandler) {
    const lb = libbpf();
    this.cb = koffi.register((_ctx: bigint, data: bigint, size: number | bigint) => {
      onRecord(new DataView(koffi.view(data, Number(size))));
      this.records++;
      return 0;
    }, koffi.pointer(lb.sampleFn));
    const rb = lb.ring_buffer__new(map.fd, this.cb, null, null) as bigint | null;
    if (!rb) {
      koffi.unregister(this.cb);
      this.cb = null;
      throw new Error(`ring buffer on map ${map.name}: ring_buffer__new failed: ${strerror(koffi.errno())}`);
    }
    this.rb = rb;
  }

  /** Records delivered so far. */
  get delivered(): number {
    return this.records;
  }

  /** Hands every record now in the ring to the handler; returns how many. */
  drain(): number {
    if (this.rb === null) return 0;
    const n = libbpf().ring_buffer__consume(this.rb);
    if (n < 0) throw new Error(`ring buffer consume: ${strerror(n)}`);
    return n;
  }

  /** Frees the reader (the map itself belongs to its object). Idempotent. */
  close(): void {
    if (this.rb !== null) {
      libbpf().ring_buffer__free(this.rb);
      this.rb = null;
    }
    if (this.cb !== null) {
      koffi.unregister(this.cb);
      this.cb = null;
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
