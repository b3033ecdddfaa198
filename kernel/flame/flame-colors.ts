// Frame colours of flame graphs, as flamegraph.pl chooses them: warm hues from a hash of the name (so a
// function keeps its colour across graphs), orange for kernel frames, green for JIT code, and a blue–red scale
// for differential graphs.

/** A stable number in [0, 1) from a name (FNV-1a). */
function hash01(name: string, salt = 0): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 4294967296;
}

const rgb = (r: number, g: number, b: number) => `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;

/** JIT frames as perf maps name them (V8's "LazyCompile:*f file.js:1", "JS:", and interpreted builtins). */
const JIT = /^(LazyCompile|Function|JS|Builtin|Script|RegExp|Stub|BytecodeHandler|Eval):|\.js:\d+/;

/** The colour of one frame: kernel orange, JIT green, unknowns grey, process roots slate, code warm. */
export function frameColor(name: string, depth: number): string {
  const v1 = hash01(name),
    v2 = hash01(name, 7),
    v3 = hash01(name, 13);
  if (name.startsWith("[unknown]") || name.startsWith("[lost") || name === "[no stack]") return rgb(170, 170, 170);
  if (name.endsWith("_[k]")) return rgb(205 + 50 * v1, 120 + 60 * v2, 20 + 40 * v3);
  if (JIT.test(name)) return rgb(50 + 60 * v1, 170 + 60 * v2, 50 + 60 * v3);
  if (depth === 0) return rgb(110 + 30 * v1, 130 + 30 * v1, 160 + 30 * v1);
  return rgb(205 + 50 * v3, 230 * v1, 55 * v2);
}

/**
 * A differential frame's colour: red where its share grew, blue where it shrank, light grey where it stayed;
 * `delta` in [-1, 1] (the change of share relative to the largest change in the graph).
 */
export function diffColor(delta: number): string {
  const d = Math.max(-1, Math.min(1, delta));
  // neutral is a light grey, not white, so an unchanged frame still stands out from the page
  const k = Math.round(200 * (1 - Math.abs(d)));
  return d >= 0 ? rgb(235 + 20 * Math.abs(d), 30 + k, 30 + k) : rgb(30 + k, 30 + k, 235 + 20 * Math.abs(d));
}
