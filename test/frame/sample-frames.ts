// Frames with every column type and awkward values, shared by the Parquet, conversion and capture-file tests.

import { ColumnSpec, Frame } from "../../kernel/frame/frame.js";

export const ALL_TYPES_SCHEMA: ColumnSpec[] = [
  { name: "ts", type: "timestamp", unit: "us since epoch", description: "interval start" },
  { name: "t_s", type: "f64", unit: "s" },
  { name: "pid", type: "u32" },
  { name: "exit_code", type: "i32" },
  { name: "count", type: "i64", unit: "count", description: "calls in the interval" },
  { name: "ts_ns", type: "u64", unit: "ns", description: "raw monotonic" },
  { name: "ok", type: "bool" },
  { name: "comm", type: "str" },
];

/** Strings that break naive writers: quotes, unicode, emoji, empty, newline, SQL. */
export const AWKWARD = [
  "bash",
  "it's",
  "naïve-ü",
  "日本語",
  "🔥cpu",
  "",
  "line\nbreak",
  "'); DROP TABLE x; --",
  "<b>&amp;</b>",
];

/** `n` rows of every column type; u64 values sit above 2^53, i64 and u32/i32 reach their extremes. */
export function allTypesFrame(n: number, name = "sample"): Frame {
  const ts = new Float64Array(n);
  const t_s = new Float64Array(n);
  const pid = new Uint32Array(n);
  const exit = new Int32Array(n);
  const count = new Float64Array(n);
  const tsNs = new BigUint64Array(n);
  const ok = new Uint8Array(n);
  const codes = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = 1_764_150_000_000_000 + i * 1_000_003; // µs, late 2025, not round
    t_s[i] = i * 0.25 + 1 / 3;
    pid[i] = i === 1 ? 0xffffffff : (i * 7919) % 4_194_304;
    exit[i] = i === 2 ? -2147483648 : i === 3 ? 2147483647 : (i % 5) - 2;
    count[i] = i === 4 ? Number.MAX_SAFE_INTEGER : i === 5 ? -(2 ** 40) : i * 13;
    tsNs[i] = 2n ** 53n + BigInt(i) * 1_000_000_007n + (i === 6 ? 2n ** 63n : 0n);
    ok[i] = i % 3 === 0 ? 1 : 0;
    codes[i] = (i * 5) % AWKWARD.length;
  }
  return new Frame(
    name,
    ALL_TYPES_SCHEMA,
    {
      ts,
      t_s,
      pid,
      exit_code: exit,
      count,
      ts_ns: tsNs,
      ok,
      comm: { codes, dict: [...AWKWARD] },
    },
    n,
  );
}

/** Asserts-free comparison helper: the first differing cell as a message, or undefined when equal. */
export function firstDifference(a: Frame, b: Frame): string | undefined {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  const specs = (f: Frame) => JSON.stringify(f.schema);
  if (specs(a) !== specs(b)) return `schema ${specs(a)} vs ${specs(b)}`;
  for (const s of a.schema) {
    const va = a.values(s.name);
    const vb = b.values(s.name);
    for (let i = 0; i < va.length; i++) {
      if (!Object.is(va[i], vb[i])) return `${s.name}[${i}]: ${String(va[i])} vs ${String(vb[i])}`;
    }
  }
  return undefined;
}
