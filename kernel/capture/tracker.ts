// The pid filter's tracker (bpf/tracker.bpf.c): one object per filtered capture, loaded before the collectors,
// whose `tracked` map they all reuse. It follows forks and exits in the kernel, whichever collectors run.

import { join } from "node:path";
import { BpfObject } from "../loader/bpf-object.js";
import type { BpfMap } from "../loader/bpf-map.js";
import { Btf } from "../loader/btf.js";
import { encodeConfig } from "../collectors/config-encoder.js";
import type { FilterConfig } from "../collectors/schema.js";
import { objectDir } from "../paths.js";
import { readPerCpuCount } from "./collector-session.js";

export class PidTracker {
  readonly obj: BpfObject;
  readonly tracked: BpfMap;
  readonly ctl: BpfMap;
  private readonly lostMap: BpfMap;

  private constructor(obj: BpfObject) {
    this.obj = obj;
    this.tracked = obj.map("tracked");
    this.ctl = obj.map("ctl");
    this.lostMap = obj.map("lost", { perCpu: true });
  }

  /** Opens and loads the tracker for `filter` with room for `maxTracked` processes. */
  static open(filter: FilterConfig, maxTracked: number, btfPath?: string): PidTracker {
    const path = join(objectDir(), "tracker.bpf.o");
    const obj = BpfObject.open(path, btfPath ? { btfPath } : {});
    try {
      const rodata = obj.map(".rodata");
      rodata.setInitialValue(encodeConfig(Btf.ofObject(path), "tracker", rodata.initialValue(), {}, filter));
      obj.map("tracked").setMaxEntries(maxTracked);
      obj.load();
      return new PidTracker(obj);
    } catch (e) {
      obj.close();
      throw e;
    }
  }

  /** Marks these processes as traced (the target and its descendants at the start). */
  seed(pids: readonly number[]): void {
    const any = Buffer.alloc(8); // start time 0: whatever process has this pid now
    for (const p of pids) {
      const k = Buffer.alloc(4);
      k.writeUInt32LE(p >>> 0);
      this.tracked.update(k, any);
    }
  }

  attach(): void {
    this.obj.attachAll();
  }

  /** Children that could not be tracked because the map was full. */
  overflow(): number {
    return readPerCpuCount(this.lostMap);
  }

  close(): void {
    this.obj.close();
  }
}
