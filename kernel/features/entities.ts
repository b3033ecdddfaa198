// Who a row belongs to when features are built: an id per entity (pid, tid, process name or cgroup), and the
// process name from the thread-group leader, not whichever thread was seen last.

import { Frame, isStringColumn } from "../frame/frame.js";

export type EntityKind = "pid" | "tid" | "comm" | "cgroup";

/** Maps rows of frames to entity ids and remembers each id's name and pid for the keys frame. */
export class Entities {
  readonly column: string;
  private readonly byStr = new Map<string, number>();
  private readonly byBig = new Map<bigint, number>();
  strs: string[] = [];
  bigs: bigint[] = [];
  /** Process name per pid: the leader's comm (the `process` column, or the comm of its tid = pid rows). */
  private readonly leaderName = new Map<number, string>();
  /** Any thread's comm per pid, for a pid whose leader was never seen. */
  private readonly anyName = new Map<number, string>();
  /** Per tid: its own thread name and its pid (by tid). */
  readonly threadName = new Map<number, string>();
  readonly pidOfTid = new Map<number, number>();
  /** Per cgroup id: its path, where a frame has the cgroup column (or the capture's cgroups frame). */
  private readonly cgroupPaths = new Map<bigint, string>();

  constructor(readonly by: EntityKind) {
    this.column = by === "cgroup" ? "cgroup_id" : by === "comm" ? "pid" : by;
  }

  /** Whether frame rows can be mapped (an event frame can also map through ppid). */
  usable(frame: Frame): boolean {
    if (this.by === "cgroup") return frame.has("cgroup_id");
    return frame.has(this.by === "tid" ? "tid" : "pid");
  }

  /** Learns process names from a frame: run over every frame before ids(), so names do not depend on order. */
  learnNames(frame: Frame): void {
    this.learnCgroups(frame);
    if (!frame.has("pid")) return;
    const pid = frame.numeric("pid");
    const tid = frame.has("tid") ? frame.numeric("tid") : undefined;
    const str = (name: string): ((i: number) => string | undefined) => {
      if (!frame.has(name)) return () => undefined;
      const c = frame.column(name);
      return isStringColumn(c) ? (i) => c.dict[c.codes[i]!] : () => undefined;
    };
    const proc = str("process");
    const comm = str("comm");
    // A fork row names the parent's thread in a child's row; its exec and other rows name the child right.
    const ev = frame.has("event") ? str("event") : undefined;
    for (let i = 0; i < frame.length; i++) {
      if (ev?.(i) === "fork") continue;
      const p = pid[i]!;
      const pname = proc(i);
      const c = comm(i);
      if (pname) this.leaderName.set(p, pname);
      else if (c !== undefined && tid && tid[i] === p) this.leaderName.set(p, c);
      if (c !== undefined) {
        this.anyName.set(p, c);
        if (tid) {
          this.threadName.set(tid[i]!, c);
          this.pidOfTid.set(tid[i]!, p);
        }
      }
    }
  }

  private learnCgroups(frame: Frame): void {
    if (this.by !== "cgroup" || !frame.has("cgroup_id") || !frame.has("cgroup")) return;
    const ids = frame.column("cgroup_id");
    const p = frame.column("cgroup");
    if (!(ids instanceof BigUint64Array) || !isStringColumn(p)) return;
    for (let i = 0; i < frame.length; i++) {
      const path = p.dict[p.codes[i]!];
      if (path) this.cgroupPaths.set(ids[i]!, path);
    }
  }

  /** The path of a cgroup id ("" when no frame named it). */
  pathOfCgroup(id: bigint): string {
    return this.cgroupPaths.get(id) ?? "";
  }

  /** The process name of pid (its leader's comm). */
  nameOfPid(pid: number): string {
    return this.leaderName.get(pid) ?? this.anyName.get(pid) ?? "";
  }

  /** Entity id of every row of a frame; `pidColumn` reads the pid from another column (ppid for credited forks). */
  ids(frame: Frame, pidColumn?: string): Float64Array {
    const n = frame.length;
    const out = new Float64Array(n);
    if (this.by === "pid" || (this.by === "tid" && pidColumn)) {
      const v = frame.numeric(pidColumn ?? "pid");
      out.set(v);
    } else if (this.by === "tid") {
      out.set(frame.numeric("tid"));
    } else if (this.by === "comm") {
      const v = frame.numeric(pidColumn ?? "pid");
      for (let i = 0; i < n; i++) out[i] = this.intern(this.nameOfPid(v[i]!));
    } else {
      const c = frame.column("cgroup_id");
      for (let i = 0; i < n; i++) {
        const b = c instanceof BigUint64Array ? c[i]! : BigInt(Math.trunc(Number((c as Float64Array)[i])));
        let id = this.byBig.get(b);
        if (id === undefined) {
          id = this.bigs.length;
          this.bigs.push(b);
          this.byBig.set(b, id);
        }
        out[i] = id;
      }
    }
    return out;
  }

  private intern(s: string): number {
    let id = this.byStr.get(s);
    if (id === undefined) {
      id = this.strs.length;
      this.strs.push(s);
      this.byStr.set(s, id);
    }
    return id;
  }
}
