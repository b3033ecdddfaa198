// The columnar batch path of the generic decoder: compiles a stream frame's declaration against the object's BTF
// into one loop per column over a whole run of records in ring memory (percpu-rings.ts), writing typed columns
// directly (no closure call or DataView per cell): what millions of events per second need. Pairs with decoder.ts.

import { BpflabError } from "../errors.js";
import type { Btf, FieldKind, StructLayout } from "../loader/btf.js";
import type { RecordRun, RingCursor } from "../loader/percpu-rings.js";
import type { ColumnType } from "../frame/frame.js";
import type { EventBuilder } from "../frame/event-builder.js";
import type { ColumnDecl, FrameDecl, RowAccess } from "./schema.js";
import { identityColumns } from "./schema.js";
import { Cell, charsCodes, intExpr, mappedCodes, TimeOrigin, TWO32 } from "./batch-cells.js";
import { mergedLoop } from "./fused-merge.js";
import { nativeEvents } from "../loader/native-events.js";
import { nativeMerged } from "./native-drain.js";

export type { TimeOrigin } from "./batch-cells.js";

/**
 * Which loop decodeMerged runs: the native one (kernel/native, when built and the frame's cells fit it) or the
 * generated JS one; "auto" takes the native one when it can. Both give the same rows (test/capture/event-drain).
 */
export type DrainPath = "auto" | "native" | "js";

/** The default path: "auto", or "js" with BPFLAB_EVENT_DRAIN=js (read at each compile: benchmarks compare). */
const defaultPath = (): DrainPath => (process.env.BPFLAB_EVENT_DRAIN === "js" ? "js" : "auto");

export interface BatchDecoder {
  readonly frame: string;
  readonly recordSize: number;
  /** Byte offset of the record's time field (identity.time), by which runs are merged. */
  readonly timeOffset: number;
  /** The loop decodeMerged runs. */
  readonly drainPath: "native" | "js";
  /**
   * decodeMerged fills the cgroup, container and unit columns too (the native loop, through the builder's
   * resolveCgroup); otherwise they are left for fillCgroupColumns at take().
   */
  readonly fillsCgroups: boolean;
  /**
   * Decodes `run` into rows of `out` already reserved: record i into row `rows[i]`, or `first + i` without
   * `rows`.
   */
  decode(run: RecordRun, out: EventBuilder, first: number, rows?: Uint32Array): void;
  /**
   * Decodes, from every ring's cursor on, the records whose time is below `limitNs` (ns after t0) into rows
   * `first`, `first + 1`, ... in time order across the rings (ties: the lower CPU first), reading each record
   * once; returns how many. Each cursor's `pos` ends at the first record it left (at or past the limit, or still
   * being written); discarded records and records of another size before it are skipped. The rows must be
   * reserved: at most RingCursor bytes / stride of them (PerCpuRings.cursors()' limitRows). The same rows as
   * peek() + runRows() + decode(), which tests check it against.
   */
  decodeMerged(cursors: RingCursor[], mask: number, out: EventBuilder, first: number, limitNs: number): number;
}

/**
 * Compiles a stream frame for batch decoding. Supported: integer fields into numeric columns, 64-bit fields into
 * u64 columns, char arrays into string columns (deduplicated by their bytes), integer fields mapped to strings
 * (memoised per value). Anything else (`onlyWhen`, `lengthFrom`, `scale`) throws: such frames use the record
 * decoder (decoder.ts).
 */
export function compileBatchDecoder(
  frame: FrameDecl<never>,
  btf: Btf,
  object: string,
  t0: TimeOrigin,
  options: Readonly<Record<string, unknown>>,
  path: DrainPath = defaultPath(),
): BatchDecoder {
  const fail = (why: string): never => {
    throw new BpflabError(
      `${object}.bpf.o, frame ${frame.name}: ${why}`,
      "the collector's declaration and its header disagree: fix kernel/collectors/<name>.ts or bpf/<name>.h, then `npm run build`",
    );
  };
  const src = frame.source;
  if (src.kind !== "stream") return fail("batch decoding is for stream frames");
  const rec: StructLayout = btf.struct(src.record) ?? fail(`no struct ${src.record} in the object's BTF`);
  const field = (path: string): { offset: number; kind: FieldKind } => {
    const [head, ...rest] = path.split(".");
    if (head !== "rec") fail(`field ${path}: stream frames read "rec.<field>"`);
    let layout = rec,
      offset = 0;
    for (let i = 0; i < rest.length; i++) {
      const f = layout.fields.find((x) => x.name === rest[i]) ?? fail(`struct ${layout.name} has no field ${rest[i]}`);
      offset += f.offset;
      if (i === rest.length - 1) return { offset, kind: f.type };
      if (f.type.kind !== "struct") fail(`${path}: ${rest[i]} is not a struct`);
      layout = (f.type as { struct: StructLayout }).struct;
    }
    return fail(`field ${path} names no member`);
  };
  const cells: Cell[] = [];
  const id = frame.identity;
  if (!id?.time) return fail("a stream frame needs identity.time");
  const tf = field(id.time);
  if (tf.kind.kind !== "int" || tf.kind.size !== 8 || tf.offset % 8) fail(`identity time ${id.time}: aligned 64-bit`);
  const idCols: [string, ColumnType, number][] = [
    ["pid", "u32", 2],
    ["tid", "u32", 3],
    ["comm", "str", 4],
    ["process", "str", 5],
    ["cgroup_id", "u64", 6],
  ];
  if (identityColumns.length !== 7) throw new Error("identityColumns changed: update the batch decoder");
  for (const [name, type, col] of idCols) {
    const map = id.map?.[name as "comm" | "process"];
    cells.push(cellOf(col, type, id[name as "pid"], map ? { map } : {}));
  }
  let col = identityColumns.length;
  for (const c of Object.values(frame.columns)) {
    if (c.onlyWhen || c.lengthFrom || c.scale !== undefined) fail(`column from ${c.from}: not batch-decodable`);
    cells.push(cellOf(col++, c.type, c.from, c));
  }

  function cellOf(col: number, type: ColumnType, from: string, c: Partial<Pick<ColumnDecl, "map">>): Cell {
    const f = field(from);
    const map = c.map;
    const acc: RowAccess = {
      num: () => fail(`column from ${from}: a batch map cannot read other fields`),
      options,
      arrayLength: 0,
      runtime: undefined,
    };
    if (f.kind.kind === "chars") {
      if (type !== "str" || map) fail(`field ${from}: char arrays go to plain "str" columns`);
      if (f.offset % 4 || f.kind.length % 4) fail(`field ${from}: char arrays must be word-aligned`);
      return { kind: "chars", col, word: f.offset / 4, words: f.kind.length / 4, len: f.kind.length };
    }
    if (f.kind.kind !== "int") return fail(`field ${from} is neither an integer nor a char array`);
    const k = f.kind;
    if (f.offset % k.size) fail(`field ${from} is not naturally aligned`);
    if (type === "u64") {
      if (k.size !== 8 || map) fail(`column from ${from}: u64 columns take a plain 64-bit field`);
      return { kind: "u64", col, word: f.offset / 4 };
    }
    const int = { off: f.offset, size: k.size, signed: k.signed };
    if (type === "str") {
      if (!map) fail(`column from integer field ${from} is "str": give it a map (number → name)`);
      return { kind: "mapped", col, int, name: (v) => String(map!(v, acc)) };
    }
    if (map) fail(`column from ${from}: batch columns map only to strings`);
    return { kind: "num", col, int, type };
  }

  const { decodeRun, decodeMerged } = generate(tf.offset / 4, cells, t0, rec.size);
  const lib = path === "js" ? undefined : nativeEvents();
  // the cgroup columns (schema.ts' cgroupColumns) follow the declared ones in every frame with identity
  const idCell = cells.find((c) => c.col === 6);
  const cgroup = idCell?.kind === "u64" ? { off: idCell.word * 4, col } : undefined;
  const native = lib && nativeMerged(lib, cells, t0, tf.offset, rec.size, cgroup);
  if (path === "native" && !native) {
    fail(lib ? "the native drain cannot decode this frame's cells" : "the native event drain is not built");
  }
  const merged = native ? native.decodeMerged : decodeMerged;
  return {
    frame: frame.name,
    recordSize: rec.size,
    timeOffset: tf.offset,
    drainPath: native ? "native" : "js",
    fillsCgroups: !!native && !!cgroup,
    decode(run, out, first, rows) {
      decodeRun(run.words, run.bytes, run.start, run.stride, run.count, out, first, rows ?? null);
    },
    decodeMerged: merged,
  };
}

type RunDecoder = (
  w: Uint32Array,
  b: Uint8Array,
  base: number,
  stride: number,
  n: number,
  out: EventBuilder,
  row0: number,
  rows: Uint32Array | null,
) => void;

type MergedDecoder = (cur: RingCursor[], mask: number, out: EventBuilder, row0: number, limit: number) => number;

/**
 * Generates the frame's decoding loops, both writing every column of a record in one iteration from word
 * offsets fixed at compile time: `decodeRun` over one run of records (rows given), `decodeMerged` over the rings
 * themselves (fused-merge.ts). The source holds only numbers derived from the BTF (offsets, column indices),
 * never a name or a value from the user, so generating it is as safe as the closures it replaces and several
 * times faster (no call per cell: V8 compiles the loop as one function).
 */
function generate(timeWord: number, cells: Cell[], t0: TimeOrigin, recordSize: number) {
  const hi0 = Number(t0.mono >> 32n),
    lo0 = Number(t0.mono & 0xffffffffn);
  const pre: string[] = [];
  const body: string[] = [];
  const helpers: unknown[] = [];
  const helper = (h: unknown) => {
    helpers.push(h);
    return `h${helpers.length - 1}`;
  };
  const word = (o: number) => `w[q + ${o / 4}]`;
  pre.push("const ts = out.columns[0], rel = out.columns[1];");
  body.push(`ts[r] = Math.round(${t0.wallUs} + ns / 1000); rel[r] = ns / 1e9;`);
  for (const c of cells) {
    const v = `c${c.col}`;
    if (c.kind === "num") {
      pre.push(`const ${v} = out.columns[${c.col}];`);
      body.push(`${v}[r] = ${intExpr(c.int, word)};`);
    } else if (c.kind === "u64") {
      pre.push(
        `const ${v}c = out.columns[${c.col}]; const ${v} = new Uint32Array(${v}c.buffer, ${v}c.byteOffset, ${v}c.length * 2);`,
      );
      body.push(`${v}[2 * r] = w[q + ${c.word}]; ${v}[2 * r + 1] = w[q + ${c.word + 1}];`);
    } else if (c.kind === "mapped") {
      const h = helper(mappedCodes(c.name));
      pre.push(`const ${v} = out.columns[${c.col}].codes, ${v}d = out.dicts[${c.col}];`);
      body.push(`${v}[r] = ${h}(${intExpr(c.int, word)}, ${v}d);`);
    } else {
      const h = helper(charsCodes(c.len, c.words));
      const words = Array.from({ length: c.words }, (_, j) => `w[q + ${c.word + j}]`);
      const prev = Array.from({ length: c.words }, (_, j) => `${v}p${j}`);
      pre.push(`const ${v} = out.columns[${c.col}].codes, ${v}d = out.dicts[${c.col}];`);
      pre.push(`let ${v}pc = -1, ${prev.map((p) => `${p} = 0`).join(", ")};`);
      // the same bytes as the previous record (a thread's run of events): no lookup
      body.push(
        `if (${v}pc >= 0 && ${words.map((x, j) => `${x} === ${prev[j]}`).join(" && ")}) ${v}[r] = ${v}pc;` +
          ` else { ${v}pc = ${v}[r] = ${h}(w, b, at, q + ${c.word}, ${v}d); ${words.map((x, j) => `${prev[j]} = ${x};`).join(" ")} }`,
      );
    }
  }
  const runSrc =
    `"use strict";\n${pre.join("\n")}\n` +
    `for (let i = 0, at = base; i < n; i++, at += stride) {\n  const r = rows === null ? row0 + i : rows[i], q = at >>> 2;\n  ` +
    `const ns = (w[q + ${timeWord + 1}] - ${hi0}) * ${TWO32} + (w[q + ${timeWord}] - ${lo0});\n  ${body.join("\n  ")}\n}`;
  const mergedSrc = mergedLoop({ cells, helper, t0, timeWord, recordSize });
  const names = helpers.map((_, i) => `h${i}`);
  const make = new Function(
    ...names,
    `return [function decodeRun(w, b, base, stride, n, out, row0, rows) {\n${runSrc}\n},\n` +
      `function decodeMerged(cur, mask, out, row0, limit) {\n${mergedSrc}\n}];`,
  );
  const [decodeRun, decodeMerged] = make(...helpers) as [RunDecoder, MergedDecoder];
  return { decodeRun, decodeMerged };
}
