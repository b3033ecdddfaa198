// Copied from the project's shared tooling so that a clone can run it: `npm run lint` fails on any import cycle.
// Import cycles among a TypeScript tree's files (static imports, re-exports and dynamic import() alike).
// Usage: node import-cycles.mjs DIR  → prints each cycle found (as file → file → …) and exits 1 if any.
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { join, dirname, resolve, relative } from "node:path";
const root = resolve(process.argv[2] ?? "kernel");
const files = [];
(function walk(d) {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|mts|cts)$/.test(f) && !f.endsWith(".d.ts")) files.push(p);
  }
})(root);
const re =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
const edges = new Map();
for (const f of files) {
  const src = readFileSync(f, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  const out = new Set();
  for (const m of src.matchAll(re)) {
    if (/^\s*import\s+type\s/.test(m[0]) || /^\s*export\s+type\s/.test(m[0])) continue; // types vanish at run time
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith(".")) continue;
    const base = resolve(dirname(f), spec.replace(/\.(m|c)?js$/, ""));
    const cand = [base + ".ts", base + ".mts", join(base, "index.ts")].find(existsSync);
    if (cand) out.add(cand);
  }
  edges.set(f, out);
}
const seen = new Map(),
  stack = [],
  cycles = [];
function dfs(v) {
  seen.set(v, 1);
  stack.push(v);
  for (const w of edges.get(v) ?? []) {
    if (seen.get(w) === 1) cycles.push(stack.slice(stack.indexOf(w)).concat(w));
    else if (!seen.has(w)) dfs(w);
  }
  stack.pop();
  seen.set(v, 2);
}
for (const f of files) if (!seen.has(f)) dfs(f);
for (const c of cycles) console.log("cycle: " + c.map((x) => relative(root, x)).join(" -> "));
console.log(`${files.length} files, ${cycles.length} cycles`);
process.exit(cycles.length ? 1 : 0);
