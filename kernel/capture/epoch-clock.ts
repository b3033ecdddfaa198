// The capture's intervals: epoch numbers the BPF side keys its rows by, their start times (monotonic and wall
// clock), and the shared `ctl` map that tells the programs which epoch is current.

import type { BpfMap } from "../loader/bpf-map.js";
import type { Btf } from "../loader/btf.js";
import { BpflabError } from "../errors.js";
import type { DecodeContext } from "../collectors/decoder.js";

export interface Stamp {
  /** CLOCK_MONOTONIC ns (the clock of bpf_ktime_get_ns). */
  mono: bigint;
  /** Wall clock, µs since the Unix epoch. */
  wallUs: number;
}

/** Wall clock in whole µs (Parquet TIMESTAMP precision), sub-ms accurate unlike Date.now(). */
export function nowWallUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** Now on both clocks. */
export function now(): Stamp {
  return { mono: process.hrtime.bigint(), wallUs: nowWallUs() };
}

export class EpochClock {
  readonly t0: Stamp;
  private readonly stamps: Stamp[] = [];
  private readonly ctl: BpfMap;
  private readonly offsets: { epoch: number; epochStart: number; captureStart: number };

  /** `ctl` is the capture's shared control map; its value layout (struct bpflab_ctl) comes from `btf`. */
  constructor(ctl: BpfMap, btf: Btf) {
    const s = btf.struct("bpflab_ctl");
    const off = (n: string) => {
      const f = s?.fields.find((x) => x.name === n);
      if (!f)
        throw new BpflabError(`struct bpflab_ctl has no ${n}`, "rebuild the BPF objects with `npm run build:bpf`");
      return f.offset;
    };
    if (!s || s.size !== ctl.valueSize) {
      throw new BpflabError(
        `map ctl holds ${ctl.valueSize} bytes, struct bpflab_ctl is ${s?.size ?? "missing"}`,
        "rebuild the BPF objects with `npm run build:bpf`",
      );
    }
    this.ctl = ctl;
    this.offsets = { epoch: off("epoch"), epochStart: off("epoch_start_ns"), captureStart: off("capture_start_ns") };
    this.t0 = now();
    this.stamps.push(this.t0);
    this.write(0, this.t0.mono);
  }

  /** The epoch being written now. */
  get current(): number {
    return this.stamps.length - 1;
  }

  /** Start of epoch `e` (the last one for an epoch past the end). */
  stamp(e: number): Stamp {
    return this.stamps[e] ?? this.stamps[this.stamps.length - 1]!;
  }

  /** Starts the next epoch now; returns the one that just ended. */
  advance(): number {
    const s = now();
    this.stamps.push(s);
    this.write(this.current, s.mono);
    return this.current - 1;
  }

  /**
   * The end: moves the programs to one more epoch, whose few late rows count with the last interval (it gets
   * no start of its own), so boundary iterators can charge the last interval up to now.
   */
  end(): void {
    this.write(this.stamps.length, process.hrtime.bigint());
  }

  /** Milliseconds since the capture began. */
  elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.t0.mono) / 1e6;
  }

  /** A decode context on this clock for a collector's options; drains set its interval fields per epoch. */
  decodeContext(options: Readonly<Record<string, unknown>>): DecodeContext {
    const t0 = this.t0;
    return {
      options,
      intervalWallUs: 0,
      intervalRelS: 0,
      wallUs: (ns) => Math.round(t0.wallUs + Number(ns - t0.mono) / 1000),
      relS: (ns) => Number(ns - t0.mono) / 1e9,
    };
  }

  private write(epoch: number, startNs: bigint): void {
    const v = Buffer.alloc(this.ctl.valueSize);
    v.writeUInt32LE(epoch >>> 0, this.offsets.epoch);
    v.writeBigUInt64LE(startNs, this.offsets.epochStart);
    v.writeBigUInt64LE(this.t0.mono, this.offsets.captureStart);
    this.ctl.update(Buffer.alloc(4), v);
  }
}
