// The process filter's tracker (bpf/tracker.bpf.c): one object per filtered capture (by pid or command, cgroup,
// process name), loaded before the collectors, whose `tracked` map they all reuse. It follows forks, execs,
// cgroup moves and exits in the kernel, whichever collectors run; user space seeds it with what runs already.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BpfObject } from "../loader/bpf-object.js";
import type { BpfMap } from "../loader/bpf-map.js";
import { Btf } from "../loader/btf.js";
import { encodeConfig } from "../collectors/config-encoder.js";
import type { FilterConfig } from "../collectors/schema.js";
import { objectDir } from "../paths.js";
import { readPerCpuCount } from "./collector-session.js";

/** TRACK_* of bpf/tracker.h: the filters a process matches. */
const TRACK_PID = 1,
  TRACK_CGROUP = 2,
  TRACK_COMM = 4;

/** The tracker's config fields besides the filter (struct tracker_cfg). */
function trackerValues(f: FilterConfig): Record<string, number> {
  const name = Buffer.alloc(16);
  if (f.comm !== undefined) name.write(f.comm, "utf8");
  return {
    cgroup_id: Number(f.cgroup?.id ?? 0n),
    cgroup_level: f.cgroup?.level ?? 0,
    comm_0: name.readUInt32LE(0),
    comm_1: name.readUInt32LE(4),
    comm_2: name.readUInt32LE(8),
    comm_3: name.readUInt32LE(12),
    by_pid: f.tgid ? 1 : 0,
    by_cgroup: f.cgroup ? 1 : 0,
    by_comm: f.comm !== undefined ? 1 : 0,
  };
}

/** The bits every traced process must have. */
function required(f: FilterConfig): number {
  return (f.tgid ? TRACK_PID : 0) | (f.cgroup ? TRACK_CGROUP : 0) | (f.comm !== undefined ? TRACK_COMM : 0);
}

/** Whether cgroup path `p` ("/a/b") is `target` or below it. */
export function cgroupWithin(p: string, target: string): boolean {
  return target === "/" || p === target || p.startsWith(`${target}/`);
}

/** A process's cgroup v2 path from /proc/PID/cgroup (the "0::" line), or undefined when it is gone. */
function cgroupOfPid(pid: number): string | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/cgroup`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("0::"));
    return line?.slice(3);
  } catch {
    return undefined;
  }
}

function commOfPid(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").replace(/\n$/, "");
  } catch {
    return undefined;
  }
}

export class PidTracker {
  readonly obj: BpfObject;
  readonly tracked: BpfMap;
  /** Bumped at each removal from `tracked`: collectors remember the filter's answer until it moves. */
  readonly filterGen: BpfMap;
  readonly ctl: BpfMap;
  private readonly states: BpfMap;
  private readonly lostMap: BpfMap;
  private readonly filter: FilterConfig;
  /** struct tracker_state's size and the offset of its mask, from the object's BTF. */
  private readonly stateSize: number;
  private readonly maskOffset: number;

  private constructor(obj: BpfObject, filter: FilterConfig, btf: Btf) {
    this.obj = obj;
    this.filter = filter;
    const st = btf.struct("tracker_state");
    const mask = st?.fields.find((x) => x.name === "mask");
    if (!st || !mask) throw new Error("tracker.bpf.o has no struct tracker_state with a mask: rebuild the objects");
    this.stateSize = st.size;
    this.maskOffset = mask.offset;
    this.tracked = obj.map("tracked");
    this.filterGen = obj.map("filter_gen");
    this.states = obj.map("states");
    this.ctl = obj.map("ctl");
    this.lostMap = obj.map("lost", { perCpu: true });
  }

  /** Opens and loads the tracker for `filter` with room for `maxTracked` processes. */
  static open(filter: FilterConfig, maxTracked: number, btfPath?: string): PidTracker {
    const path = join(objectDir(), "tracker.bpf.o");
    const obj = BpfObject.open(path, btfPath ? { btfPath } : {});
    const btf = Btf.ofObject(path);
    try {
      const rodata = obj.map(".rodata");
      rodata.setInitialValue(encodeConfig(btf, "tracker", rodata.initialValue(), trackerValues(filter), filter));
      obj.map("tracked").setMaxEntries(maxTracked);
      obj.map("states").setMaxEntries(maxTracked);
      obj.load();
      return new PidTracker(obj, filter, btf);
    } catch (e) {
      obj.close();
      throw e;
    }
  }

  /**
   * Seeds what runs already: `pids` have the pid bit (the target and its descendants at the start); every
   * running process is checked against the cgroup and name filters. Those matching every filter are traced.
   */
  seed(pids: readonly number[]): void {
    const f = this.filter;
    const need = required(f);
    const masks = new Map<number, number>();
    for (const p of pids) masks.set(p, TRACK_PID);
    if (f.cgroup || f.comm !== undefined) {
      for (const e of readdirSync("/proc")) {
        if (!/^\d+$/.test(e)) continue;
        const pid = Number(e);
        let m = masks.get(pid) ?? 0;
        if (f.cgroup) {
          const cg = cgroupOfPid(pid);
          if (cg !== undefined && cgroupWithin(cg, f.cgroup.path)) m |= TRACK_CGROUP;
        }
        if (f.comm !== undefined && commOfPid(pid) === f.comm) m |= TRACK_COMM;
        if (m) masks.set(pid, m);
      }
    }
    const state = Buffer.alloc(this.stateSize); // start time 0: whatever process has this pid now
    const any = Buffer.alloc(8);
    for (const [pid, m] of masks) {
      const k = Buffer.alloc(4);
      k.writeUInt32LE(pid >>> 0);
      state.writeUInt32LE(m, this.maskOffset);
      this.states.update(k, state);
      if ((m & need) === need) this.tracked.update(k, any);
    }
  }

  attach(): void {
    this.obj.attachAll();
  }

  /** Processes that could not be tracked because the maps were full. */
  overflow(): number {
    return readPerCpuCount(this.lostMap);
  }

  close(): void {
    this.obj.close();
  }
}
