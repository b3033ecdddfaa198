// The cgroup v2 tree as a capture sees it: cgroup ids (the inode numbers of cgroup directories, what the BPF side
// reads as cgroup_id) resolved to paths, container ids and systemd units by walking the cgroup2 mount once at
// the start and again when an id it does not know appears; recorded as the capture's `cgroups` frame.

import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ColumnData, ColumnSpec, Frame, StringColumn } from "../frame/frame.js";
import { FrameBuilder } from "../frame/frame-builder.js";
import { nativeEvents, type NativeEvents } from "../loader/native-events.js";

export const CGROUPS_FRAME = "cgroups";

/** What a cgroup id resolves to. */
export interface CgroupInfo {
  id: bigint;
  /** Path below the cgroup2 mount, "/" for the root: "/system.slice/redis-server.service". */
  path: string;
  /** The container's id when the path has one (docker, containerd, CRI-O, podman, kubepods), else "". */
  container: string;
  /** The innermost systemd unit of the path (a .service or .scope; else the innermost .slice), else "". */
  unit: string;
  parent: bigint;
}

export const cgroupsSchema = [
  { name: "cgroup_id", type: "u64", description: "cgroup v2 id (inode of the cgroup directory)" },
  { name: "cgroup", type: "str", description: "its path below the cgroup2 mount" },
  { name: "container", type: "str", description: "container id in the path, if any" },
  { name: "unit", type: "str", description: "systemd unit of the path, if any" },
  { name: "parent_id", type: "u64", description: "the parent cgroup's id (0 for the root)" },
  { name: "seen", type: "bool", description: "some row of the capture belongs to it" },
] as const satisfies readonly ColumnSpec[];

/** At most this many cgroups are kept (a walk stops there): memory stays bounded on huge hosts. */
const MAX_CGROUPS = 100_000;
/** A miss rescans the tree at most this often. */
const RESCAN_MS = 250;

/** The cgroup2 mount point from /proc/self/mountinfo (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid). */
export function cgroup2Mount(mountinfo?: string): string | undefined {
  let text = mountinfo;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/mountinfo", "utf8");
    } catch {
      return undefined;
    }
  }
  for (const line of text.split("\n")) {
    const [pre, post] = line.split(" - ");
    if (pre && post?.startsWith("cgroup2 ")) return pre.split(" ")[4];
  }
  return undefined;
}

/** The container id in a cgroup path ("/system.slice/docker-<64 hex>.scope", "/kubepods/.../<64 hex>"), or "". */
export function containerOf(path: string): string {
  for (const seg of path.split("/").reverse()) {
    const m = /(?:^|[^0-9a-f])([0-9a-f]{64})(?:[^0-9a-f]|$)/.exec(seg);
    if (m) return m[1]!;
  }
  return "";
}

/** The innermost systemd unit of a path: a .service, .scope, .socket, .mount or .swap, else the innermost .slice. */
export function unitOf(path: string): string {
  const segs = path.split("/").filter(Boolean).reverse();
  return (
    segs.find((s) => /\.(service|scope|socket|mount|swap)$/.test(s)) ?? segs.find((s) => s.endsWith(".slice")) ?? ""
  );
}

export class CgroupTree {
  readonly mount: string | undefined;
  private readonly known = new Map<bigint, CgroupInfo>();
  private readonly seen = new Set<bigint>();
  private scannedAt = -Infinity;

  constructor(mount: string | undefined = cgroup2Mount()) {
    this.mount = mount;
    this.scan();
  }

  /** Walks the tree (directories only, no symlink followed), adding what is new. */
  scan(): void {
    this.scannedAt = Date.now();
    if (!this.mount) return;
    const stack: { dir: string; path: string; parent: bigint }[] = [{ dir: this.mount, path: "/", parent: 0n }];
    while (stack.length && this.known.size < MAX_CGROUPS) {
      const { dir, path, parent } = stack.pop()!;
      let id: bigint;
      try {
        const st = lstatSync(dir, { bigint: true });
        if (!st.isDirectory()) continue;
        id = st.ino;
      } catch {
        continue; // removed meanwhile
      }
      if (!this.known.has(id)) {
        this.known.set(id, { id, path, container: containerOf(path), unit: unitOf(path), parent });
      }
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (e.isDirectory()) stack.push({ dir: join(dir, e.name), path: join(path, e.name), parent: id });
      }
    }
  }

  /** What `id` is; a miss rescans (at most every 250 ms). Undefined for a cgroup gone before it was seen. */
  resolve(id: bigint): CgroupInfo | undefined {
    let c = this.known.get(id);
    if (!c && Date.now() - this.scannedAt >= RESCAN_MS) {
      this.scan();
      c = this.known.get(id);
    }
    if (c) this.seen.add(id);
    return c;
  }

  /** The cgroup at `path` below the mount ("/a/b"), scanning again if it is new. */
  byPath(path: string): CgroupInfo | undefined {
    const find = () => [...this.known.values()].find((c) => c.path === path);
    let c = find();
    if (!c) {
      this.scan();
      c = find();
    }
    return c;
  }

  /** Every cgroup the capture knew (the tree at its start and those seen since), as the `cgroups` frame. */
  frame(): Frame {
    const b = new FrameBuilder(cgroupsSchema, this.known.size);
    for (const c of this.known.values()) {
      const r = b.beginRow();
      b.setBig(0, r, c.id);
      b.setStr(1, r, c.path);
      b.setStr(2, r, c.container);
      b.setStr(3, r, c.unit);
      b.setBig(4, r, c.parent);
      b.setNum(5, r, this.seen.has(c.id) ? 1 : 0);
    }
    return b.finish(CGROUPS_FRAME);
  }
}

/** The cgroup columns every collector frame ends with (schema.ts's cgroupColumns), filled from cgroup_id. */
const FILLED = ["cgroup", "container", "unit"] as const;

type Codes = [number, number, number];

/**
 * `f` with its cgroup, container and unit columns filled from its cgroup_id column through `tree` ("" where the
 * cgroup is unknown, or without a tree). Frames without these columns pass unchanged. With `inPlace` (the frame's
 * own, just-copied columns, as EventBuilder.take() makes), their codes are written over rather than allocated
 * again: a drain of millions of events saves three fresh arrays. The rows are filled in C when kernel/native is
 * built (the same codes, in the same order).
 */
export function fillCgroupColumns(
  f: Frame,
  tree: CgroupTree | undefined,
  inPlace = false,
  native: boolean = true,
): Frame {
  if (!f.has("cgroup_id") || !FILLED.every((c) => f.has(c))) return f;
  const ids = f.column("cgroup_id") as BigUint64Array;
  const cols: StringColumn[] = FILLED.map((name) => {
    const own = inPlace ? (f.column(name) as StringColumn).codes : undefined;
    return { codes: own && own.length === f.length ? own : new Uint32Array(f.length), dict: [] };
  });
  const index = FILLED.map(() => new Map<string, number>());
  const codeOf = (k: number, s: string): number => {
    let c = index[k]!.get(s);
    if (c === undefined) {
      c = cols[k]!.dict.length;
      cols[k]!.dict.push(s);
      index[k]!.set(s, c);
    }
    return c;
  };
  const resolve = (id: bigint): Codes => {
    const c = tree?.resolve(id);
    return [codeOf(0, c?.path ?? ""), codeOf(1, c?.container ?? ""), codeOf(2, c?.unit ?? "")];
  };
  // the native pass when built (`native` false: the JS one, which tests compare it with)
  const lib = native ? nativeEvents() : undefined;
  if (lib && f.length > 0) fillNative(lib, ids, cols, resolve);
  else fillJs(ids, cols, resolve);
  const data: Record<string, ColumnData> = {};
  for (const s of f.schema) {
    const k = FILLED.indexOf(s.name as (typeof FILLED)[number]);
    data[s.name] = k >= 0 ? cols[k]! : f.column(s.name);
  }
  return new Frame(f.name, f.schema, data, f.length);
}

/** Each row's codes, from `resolve` at the first row of each id (so codes are given in order of first rows). */
function fillJs(ids: BigUint64Array, cols: StringColumn[], resolve: (id: bigint) => Codes): void {
  const byId = new Map<bigint, Codes>();
  // ids compared as two 32-bit words: a bigint per row would cost more than the rest of the loop
  const words = new Uint32Array(ids.buffer, ids.byteOffset, ids.length * 2);
  const [c0, c1, c2] = [cols[0]!.codes, cols[1]!.codes, cols[2]!.codes];
  let lastLo = -1,
    lastHi = -1;
  let k0 = 0,
    k1 = 0,
    k2 = 0;
  for (let i = 0; i < ids.length; i++) {
    const lo = words[2 * i]!,
      hi = words[2 * i + 1]!;
    if (lo !== lastLo || hi !== lastHi) {
      const id = ids[i]!;
      let codes = byId.get(id);
      if (!codes) byId.set(id, (codes = resolve(id)));
      lastLo = lo;
      lastHi = hi;
      [k0, k1, k2] = codes;
    }
    c0[i] = k0;
    c1[i] = k1;
    c2[i] = k2;
  }
}

/**
 * The same in C (kernel/native, bpflab_fill_ids): the rows between ids first seen are filled from a table of
 * ids met so far, and JS resolves each new id where it is first met, so the codes are fillJs()'s.
 */
function fillNative(lib: NativeEvents, ids: BigUint64Array, cols: StringColumn[], resolve: (id: bigint) => Codes) {
  // struct fill_args, in 8-byte slots: n, row, ids, c0, c1, c2, table, cap, used, pending, pend_id, codes[3]
  const args = new BigInt64Array(14);
  let cap = 64;
  let table = new ArrayBuffer(cap * 24);
  args[0] = BigInt(ids.length);
  args[2] = lib.address(ids);
  for (let k = 0; k < 3; k++) args[3 + k] = lib.address(cols[k]!.codes);
  args[6] = lib.address(table);
  args[7] = BigInt(cap);
  for (;;) {
    const row = Number(lib.fillIds(args.buffer));
    if (row >= ids.length) break;
    const id = ids[row]!;
    const codes = resolve(id);
    if (2 * (Number(args[8]) + 1) > cap) {
      // half full: twice the slots, so probes stay short
      const next = new ArrayBuffer(2 * cap * 24);
      lib.idsGrow(args.buffer, next, 2 * cap);
      table = next;
      cap *= 2;
    }
    args[9] = 1n;
    args[10] = BigInt.asIntN(64, id);
    for (let k = 0; k < 3; k++) args[11 + k] = BigInt(codes[k]!);
  }
  // the table's memory is used by the calls above only
  void table;
}
