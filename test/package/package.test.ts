// The package as a user gets it: `npm pack` holds dist/, the built BPF objects and no tests; it installs into a
// fresh project (dependencies from the npm registry, through the local cache); there the README's quickstart
// runs as written, as an ES module (node .mjs, tsx .mts) and as CommonJS, and `npx bpflab` works.

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { liveIt } from "../helpers/live.js";
import { root, tsxImport } from "../cli/run-cli.js";

let project: string;
let tarball: string;

/** The README's code block marked `<!-- quickstart: NAME -->`. */
function readmeBlock(name: string): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const m = new RegExp(`<!-- quickstart: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no block marked quickstart: ${name}`);
  return m[1]!;
}

function run(cmd: string, args: string[], timeout = 120_000) {
  const r = spawnSync(cmd, args, { cwd: project, encoding: "utf8", timeout });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Newest mtime of the files under `dir` whose names match `re`. */
function newest(dir: string, re: RegExp): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, re));
    else if (re.test(e.name)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

beforeAll(() => {
  // The package ships dist/: after an edit, build it first rather than test an old build.
  if (newest(join(root, "dist"), /\.js$/) < newest(join(root, "kernel"), /\.ts$/)) {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
      cwd: root,
    });
  }
  const dir = mkdtempSync(join(tmpdir(), "bpflab-pack-"));
  // dist/ and the BPF objects are built by scripts/setup.sh; --ignore-scripts keeps prepack from rebuilding them
  // under other tests' feet.
  execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", dir], { cwd: root, stdio: "ignore" });
  tarball = join(
    dir,
    readdirSync(dir).find((f) => f.endsWith(".tgz"))!,
  );
  project = join(dir, "project");
  execFileSync("mkdir", [project]);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "my-project", version: "1.0.0", private: true }));
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], {
    cwd: project,
    stdio: "ignore",
    timeout: 600_000,
  });
}, 600_000);

describe("the packed package", () => {
  it("holds the built library, CLI and BPF objects, and no tests", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
    for (const f of ["dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "bpf/.output/syscalls.bpf.o", "README.md"])
      expect(files).toContain(`package/${f}`);
    // no tests and no TypeScript sources (the C sources of kernel/scenarios/native ship: they are built on use)
    expect(files.filter((f) => /\.test\.ts$|^package\/kernel\/.*\.ts$/.test(f))).toEqual([]);
  });

  it("imports by name from ESM and CommonJS, with types, and runs its CLI", () => {
    const ds = "node_modules/bpflab/datasets/redis-injected";
    writeFileSync(
      join(project, "replay.mjs"),
      `import { loadCapture, findAnomalies, query } from "bpflab";\n` +
        `const cap = await loadCapture(${JSON.stringify(ds)});\n` +
        `const top = findAnomalies(cap, { top: 1 }).top[0];\n` +
        `const n = (await query(${JSON.stringify(ds)}, "SELECT count(*) AS n FROM sched")).rows[0][0];\n` +
        `console.log(JSON.stringify({ comm: top.entity.comm, n }));\n`,
    );
    const esm = run(process.execPath, ["replay.mjs"]);
    expect(esm.code, esm.err).toBe(0);
    const got = JSON.parse(esm.out) as { comm: unknown; n: number };
    expect(typeof got.comm).toBe("string"); // which process ranks first is the detectors' business, tested there
    expect(got.n).toBe(3635);
    writeFileSync(
      join(project, "replay.cjs"),
      `const { loadCapture, summarize } = require("bpflab");\n` +
        `loadCapture(${JSON.stringify(ds)}).then((c) => console.log(summarize(c).split("\\n")[0]));\n`,
    );
    const cjs = run(process.execPath, ["replay.cjs"]);
    expect(cjs.code, cjs.err).toBe(0);
    expect(cjs.out).toMatch(/^capture of vm /);
    // the LSTM's tfjs comes with bpflab itself, not through the optional danfojs-node
    writeFileSync(
      join(project, "lstm.cjs"),
      `const { createDetector } = require("bpflab");\n` +
        `const x = Float64Array.from({ length: 64 }, (_, i) => Math.sin(i / 3));\n` +
        `const s = createDetector("lstm", { seed: 1, epochs: 1, window: 4, units: 4 }).fit(x).score(x);\n` +
        `console.log(s.length);\n`,
    );
    const lstm = run(process.execPath, ["lstm.cjs"]);
    expect(lstm.code, lstm.err).toBe(0);
    expect(lstm.out.trim()).toBe("64");
    expect(existsSync(join(project, "node_modules/danfojs-node"))).toBe(false);
    const types = readFileSync(join(project, "node_modules/bpflab/dist/index.d.ts"), "utf8");
    expect(types).toContain("capture");
    const cli = run(join(project, "node_modules/.bin/bpflab"), ["--version"]);
    expect(cli.out.trim()).toMatch(/^bpflab \d+\.\d+\.\d+$/);
    const sql = run(join(project, "node_modules/.bin/bpflab"), [
      "sql",
      ds,
      "SELECT count(*) AS n FROM labels",
      "--json",
    ]);
    expect(JSON.parse(sql.out)).toEqual([{ n: 5 }]);
  });

  liveIt("runs the README quickstart as written: ESM with node and tsx, CommonJS", () => {
    writeFileSync(join(project, "quickstart.mjs"), readmeBlock("esm"));
    writeFileSync(join(project, "quickstart.mts"), readmeBlock("esm"));
    writeFileSync(join(project, "quickstart.cjs"), readmeBlock("cjs"));
    const esm = run(process.execPath, ["quickstart.mjs"]);
    expect(esm.code, esm.err).toBe(0);
    expect(esm.out).toMatch(/syscall:/); // the arquero rows
    expect(esm.out).toMatch(/drivers:/); // report.top[0]
    expect(esm.out).toMatch(/→ .*\.html \(open it in a browser/); // show() outside a notebook
    expect(readdirSync(join(project, "cap"))).toEqual(
      expect.arrayContaining(["process.parquet", "sched.parquet", "syscalls.parquet"]),
    );
    const mts = run(process.execPath, ["--import", tsxImport, "quickstart.mts"]);
    expect(mts.code, mts.err).toBe(0);
    const cjs = run(process.execPath, ["quickstart.cjs"]);
    expect(cjs.code, cjs.err).toBe(0);
    expect(cjs.out).toMatch(/pid/);
  });
});
