// Capture: the result of a capture (live or loaded from Parquet): one Frame per collector plus metadata.

import type { Frame } from "../frame/frame.js";
import { DanfoDataFrame, toDanfo, ToDanfoOptions } from "../frame/to-danfo.js";
import { ArqueroTable, toArquero, ToArqueroOptions } from "../frame/to-arquero.js";
import { OptionError } from "../errors.js";

/** Version of the column layout of collectors' frames; bump when a schema changes incompatibly. */
export const SCHEMA_VERSION = 2;

/** Everything needed to interpret a capture later; stored in each Parquet file's key-value metadata. */
export interface CaptureMeta {
  bpflabVersion: string;
  schemaVersion: number;
  host: string;
  /** `uname -r` of the traced machine. */
  kernel: string;
  /** Wall-clock start, microseconds since the Unix epoch. */
  wallStartUs: number;
  /** CLOCK_MONOTONIC at start in ns (bpf_ktime_get_ns clock), as a decimal string: it passes 2^53. */
  monoStartNs: string;
  /** Requested duration (ms). */
  durationMs: number;
  /** How long the capture actually ran (ms): shorter when interrupted or when `command` exited. */
  elapsedMs: number;
  intervalMs: number;
  collectors: string[];
  /** Options per collector, as given (after defaults). */
  options: Record<string, Record<string, unknown>>;
  /** Events the kernel could not deliver (ring buffer full, map full), per collector. */
  lost: Record<string, number>;
  /** True when the capture was stopped early by SIGINT/SIGTERM or an error; the data up to then is kept. */
  interrupted: boolean;
  /** With a pid filter: children the tracker could not follow because its map was full (raise maxTracked). */
  filterOverflow?: number;
  /** Target process (and descendants), when filtered. */
  pid?: number;
  command?: string[];
  /** Exit code of `command`, when it exited during the capture. */
  commandExitCode?: number | null;
}

export class Capture {
  readonly meta: CaptureMeta;
  readonly frames: Readonly<Record<string, Frame>>;

  constructor(meta: CaptureMeta, frames: Record<string, Frame>) {
    this.meta = meta;
    this.frames = frames;
  }

  get collectors(): string[] {
    return Object.keys(this.frames);
  }

  /** The frame of one collector; an unknown name lists the ones present. */
  frame(collector: string): Frame {
    const f = this.frames[collector];
    if (!f) {
      throw new OptionError(
        `this capture has no "${collector}" frame`,
        `it has: ${this.collectors.join(", ") || "none"}`,
      );
    }
    return f;
  }

  /** One collector's frame as a danfojs-node DataFrame (see Frame.toDanfo). */
  toDanfo(collector: string, options?: ToDanfoOptions): DanfoDataFrame {
    return toDanfo(this.frame(collector), options);
  }

  /** One collector's frame as an arquero table sharing its numeric arrays (see Frame.toArquero). */
  toArquero(collector: string, options?: ToArqueroOptions): ArqueroTable {
    return toArquero(this.frame(collector), options);
  }

  /**
   * Saves the capture as one Parquet file per collector (`<collector>.parquet`) in `dir`, created if needed, with
   * the metadata in each file; returns the paths. Read it back with loadCapture(dir); see saveCapture.
   */
  async toParquet(dir: string): Promise<string[]> {
    // capture-files.ts constructs Captures, so it is imported when needed rather than at load (no import cycle).
    const { saveCapture } = await import("./capture-files.js");
    return saveCapture(this, dir);
  }

  toString(): string {
    const parts = Object.values(this.frames).map((f) => `${f.name}: ${f.length} rows`);
    return (
      `Capture of ${this.meta.host} (${this.meta.kernel}), ${(this.meta.elapsedMs / 1000).toFixed(1)} s` +
      `${this.meta.interrupted ? " (interrupted)" : ""}: ${parts.join(", ")}`
    );
  }
}
