// Older captures read as today's: schema-version-1 frames mapped forward to version 2 (the process collector's
// `filename` is `exe`; every frame with pid/tid/comm gains `process`, the thread-group leader's comm), and
// version 2 to 3 (sched's off-CPU time per thread and interval at most the interval).
// Pairs with load-capture.ts.

import { ColumnData, ColumnSpec, Frame, isStringColumn, NumericColumn, Validity } from "../frame/frame.js";
import { SCHEMA_VERSION, type CaptureMeta } from "./capture-meta.js";

const PROCESS_SPEC: ColumnSpec = {
  name: "process",
  type: "str",
  description: "name of the process: comm of its thread-group leader (tid = pid), else the thread's comm",
};

/**
 * Version 1 → 2: `filename` → `exe` in the process frame, and a `process` column after `comm` in every frame that
 * has pid, tid and comm: the comm of the pid's row with tid == pid at the same `ts` (interval or event time),
 * else of its last such row in any frame, else the row's own comm; process columns that do not apply to an event (exe and args but for exec, exit_code and
 * lifetime_ns but for exit) become NULL. Frames already at version 2 pass unchanged.
 */
export function upgradeV1(frames: Record<string, Frame>): Record<string, Frame> {
  const leader = new Map<number, string>();
  for (const f of Object.values(frames)) {
    if (!hasIdentity(f)) continue;
    const pid = f.numeric("pid");
    const tid = f.numeric("tid");
    const comm = f.column("comm");
    if (!isStringColumn(comm)) continue;
    for (let i = 0; i < f.length; i++) if (pid[i] === tid[i]) leader.set(pid[i]!, comm.dict[comm.codes[i]!]!);
  }
  const out: Record<string, Frame> = {};
  for (const [name, f] of Object.entries(frames)) {
    let schema = f.schema.map((s) => (name === "process" && s.name === "filename" ? { ...s, name: "exe" } : s));
    const cols: Record<string, ColumnData> = {};
    for (const s of f.schema) cols[name === "process" && s.name === "filename" ? "exe" : s.name] = f.column(s.name);
    if (hasIdentity(f) && !f.has("process")) {
      const pid = f.numeric("pid");
      const tid = f.numeric("tid");
      const ts = f.has("ts") ? f.numeric("ts") : undefined;
      const comm = f.column("comm") as { codes: Uint32Array; dict: string[] };
      // The leader's comm in the same interval (or at the same event time) first: comm changes at exec.
      const sameTime = new Map<string, string>();
      if (ts)
        for (let i = 0; i < f.length; i++)
          if (pid[i] === tid[i]) sameTime.set(`${pid[i]}:${ts[i]}`, comm.dict[comm.codes[i]!]!);
      const dict: string[] = [];
      const index = new Map<string, number>();
      const codes = new Uint32Array(f.length);
      for (let i = 0; i < f.length; i++) {
        const v = (ts && sameTime.get(`${pid[i]}:${ts[i]}`)) ?? leader.get(pid[i]!) ?? comm.dict[comm.codes[i]!]!;
        let k = index.get(v);
        if (k === undefined) {
          k = dict.length;
          dict.push(v);
          index.set(v, k);
        }
        codes[i] = k;
      }
      const at = schema.findIndex((s) => s.name === "comm") + 1;
      schema = [...schema.slice(0, at), PROCESS_SPEC, ...schema.slice(at)];
      cols.process = { codes, dict };
    }
    out[name] = new Frame(f.name, schema, cols, f.length, name === "process" ? eventNulls(f) : {});
  }
  return out;
}

/** Version 1 wrote 0 / "" where a process event's column does not apply; version 2 writes NULL. */
const ONLY_FOR: Record<string, string> = {
  filename: "exec",
  args: "exec",
  exit_code: "exit",
  lifetime_ns: "exit",
};

function eventNulls(f: Frame): Record<string, Uint8Array> {
  if (!f.has("event")) return {};
  const ev = f.strings("event");
  const masks: Record<string, Uint8Array> = {};
  for (const [col, kind] of Object.entries(ONLY_FOR)) {
    if (!f.has(col)) continue;
    masks[col === "filename" ? "exe" : col] = Uint8Array.from(ev, (e) => (e === kind ? 1 : 0));
  }
  return masks;
}

function hasIdentity(f: Frame): boolean {
  return f.has("pid") && f.has("tid") && f.has("comm") && f.spec("comm").type === "str";
}

/**
 * Version 2 → 3: before version 3 a thread asleep since before the capture was first charged at its wakeup, with
 * the whole sleep since the capture began in that one interval (83 s of off-CPU time in a 1 s row); a thread can
 * be blocked for at most the interval (plus a boundary's slack), so each sched row's offcpu_ns is cut to that.
 */
export function upgradeV2(frames: Record<string, Frame>, intervalMs: number): Record<string, Frame> {
  const sched = frames["sched"];
  if (!sched || !sched.has("offcpu_ns") || !(intervalMs > 0)) return frames;
  const most = intervalMs * 1.1e6;
  const off = sched.column("offcpu_ns") as NumericColumn;
  let over = false;
  for (let i = 0; i < off.length && !over; i++) over = Number(off[i]) > most;
  if (!over) return frames;
  const cut = off.slice() as NumericColumn;
  for (let i = 0; i < cut.length; i++) {
    if (Number(cut[i]) <= most) continue;
    if (cut instanceof BigUint64Array) cut[i] = BigInt(Math.round(most));
    else cut[i] = Math.round(most);
  }
  const cols: Record<string, ColumnData> = {};
  const masks: Record<string, Validity | undefined> = {};
  for (const s of sched.schema) {
    cols[s.name] = s.name === "offcpu_ns" ? cut : sched.column(s.name);
    masks[s.name] = sched.validity(s.name);
  }
  return { ...frames, sched: new Frame(sched.name, sched.schema, cols, sched.length, masks) };
}

/** The frames of a capture written with `meta.schemaVersion`, mapped to this bpflab's SCHEMA_VERSION. */
export function upgradeFrames(frames: Record<string, Frame>, meta: CaptureMeta): Record<string, Frame> {
  if (meta.schemaVersion >= SCHEMA_VERSION) return frames;
  let out = frames;
  if (meta.schemaVersion < 2 && SCHEMA_VERSION >= 2) out = upgradeV1(out);
  if (meta.schemaVersion < 3 && SCHEMA_VERSION >= 3) out = upgradeV2(out, meta.intervalMs);
  return out;
}
