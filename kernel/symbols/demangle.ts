// Demangled C++ (Itanium) and Rust names through gecko-profiler-demangle: the Firefox profiler's WebAssembly
// build of the cpp_demangle and rustc-demangle crates, loaded once, only when a mangled name shows up.

import { readFileSync } from "node:fs";

interface DemangleModule {
  demangle_any(name: string): string;
  __wbg_set_wasm(exports: Record<string, unknown>): void;
}

/** The part of the WebAssembly global used here (the project's TypeScript libs have no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, unknown>) => { exports: Record<string, unknown> };
}

let demangler: ((s: string) => string) | null | undefined;

/** The package ships an ES module that imports its .wasm (a bundler's form): instantiate it by hand. */
function load(): ((s: string) => string) | null {
  try {
    const bg = require("gecko-profiler-demangle/index_bg.js") as DemangleModule;
    const bytes = readFileSync(require.resolve("gecko-profiler-demangle/index_bg.wasm"));
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const inst = new wasm.Instance(new wasm.Module(bytes), { "./index_bg.js": bg });
    bg.__wbg_set_wasm(inst.exports);
    (inst.exports.__wbindgen_start as (() => void) | undefined)?.();
    return (s) => bg.demangle_any(s);
  } catch {
    return null; // names stay mangled: still correct, only harder to read
  }
}

/** Itanium C++ (`_Z…`) and Rust (`_R…`, legacy `_ZN…17h<hash>E`) symbols demangled; anything else unchanged. */
export function demangle(name: string): string {
  if (!(name.startsWith("_Z") || name.startsWith("_R") || name.startsWith("__Z"))) return name;
  if (demangler === undefined) demangler = load();
  if (!demangler) return name;
  try {
    const d = demangler(name);
    // on a name no demangler accepts it may still drop a leading underscore (a Mach-O habit): keep the name
    return name.endsWith(d) ? name : d;
  } catch {
    return name;
  }
}
