// Capture: the result of a capture (live or loaded from Parquet): one Frame per collector plus metadata.

import type { Frame } from "../frame/frame.js";
import { DanfoDataFrame, toDanfo, ToDanfoOptions } from "../frame/to-danfo.js";
import { ArqueroTable, toArquero, ToArqueroOptions } from "../frame/to-arquero.js";
import { OptionError } from "../errors.js";
import type { CaptureMeta } from "./capture-meta.js";
import { saveCapture, SaveOptions } from "./save-capture.js";

export { SCHEMA_VERSION } from "./capture-meta.js";
export type { CaptureMeta } from "./capture-meta.js";

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
   * Saves the capture as one Parquet file per collector (`<collector>.parquet`) in `dir` (new or empty; a capture
   * there is replaced with `{ force: true }`), with the metadata in each file, mode 0600 unless `{ mode }`;
   * returns the paths. Read it back with loadCapture(dir); see saveCapture.
   */
  async toParquet(dir: string, options: SaveOptions = {}): Promise<string[]> {
    return saveCapture(this, dir, options);
  }

  toString(): string {
    const parts = Object.values(this.frames).map((f) => `${f.name}: ${f.length} rows`);
    return (
      `Capture of ${this.meta.host} (${this.meta.kernel}), ${(this.meta.elapsedMs / 1000).toFixed(1)} s` +
      `${this.meta.interrupted ? " (interrupted)" : ""}: ${parts.join(", ")}`
    );
  }
}
