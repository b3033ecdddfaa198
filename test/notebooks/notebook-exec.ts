// Runs notebooks the way CI and users do: nbconvert with the real tslab kernel, then HTML export (light and
// dark). Pairs with notebook-check.ts (what the outputs must hold) and scripts/browser-check.ts (rendering).

import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Debian's python with nbconvert/nbclient; the first python3 on PATH may be another one. */
export const PYTHON = "/usr/bin/python3";
export const ROOT = resolve(__dirname, "..", "..");
/** Where CI keeps executed notebooks, HTML exports and screenshots (kept in the workspace). */
export const ARTIFACTS = resolve(ROOT, process.env["BPFLAB_ARTIFACTS"] ?? ".ci-artifacts");

/** Why notebooks cannot run here (missing nbconvert, kernel spec, build), or undefined when they can. */
export async function notebookSetupProblem(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (apt-get install python3)`;
  try {
    await run(PYTHON, ["-c", "import nbconvert, nbclient"]);
  } catch {
    return "nbconvert/nbclient missing (apt-get install jupyter-nbconvert python3-nbclient)";
  }
  const { stdout } = await run(PYTHON, ["-m", "jupyter", "kernelspec", "list", "--json"], { env: quietEnv() });
  if (!(JSON.parse(stdout) as { kernelspecs: Record<string, unknown> }).kernelspecs["tslab"]) {
    return `no tslab kernel spec (npx tslab install --python=${PYTHON} --binary "$PWD/node_modules/.bin/tslab")`;
  }
  if (!existsSync(join(ROOT, "node_modules", "bpflab", "dist", "index.js"))) {
    return "bpflab does not resolve from notebooks (ln -sfn .. node_modules/bpflab && npm run build:ts)";
  }
  return await freshDist();
}

/** Newest modification time (ms) of the files under `dir` whose names match `re`. */
function newest(dir: string, re: RegExp): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, re));
    else if (re.test(e.name)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Notebooks import dist/, not kernel/: a `npm test` right after an edit would otherwise run them against the old
 * build. Rebuilds when a kernel/ source is newer than dist/ (tsc emits even when it reports type errors; the
 * typecheck is another step); returns a problem only when dist/ is still older afterwards.
 */
async function freshDist(): Promise<string | undefined> {
  const src = newest(join(ROOT, "kernel"), /\.ts$/);
  const built = () => newest(join(ROOT, "dist"), /\.js$/);
  if (built() >= src) return undefined;
  try {
    await run(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.build.json")],
      { cwd: ROOT, maxBuffer: 16 << 20 });
  } catch {
    // Type errors: reported by `npm run typecheck`; the emitted JavaScript is what the notebooks need.
  }
  return built() >= src ? undefined : "dist/ is older than kernel/ and `npm run build:ts` did not refresh it";
}

// pydevd prints a frozen-modules warning on every start; it is noise, not a notebook problem.
function quietEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1", PYTHONWARNINGS: "ignore" };
}

export interface ExecResult {
  /** The executed notebook. */
  output: string;
  ok: boolean;
  /** nbconvert's stderr: on failure it holds the failing cell and its error. */
  log: string;
  seconds: number;
}

/**
 * Executes a notebook with nbconvert through the tslab kernel (cwd = the notebook's folder). A cell error fails
 * it: nbconvert stops at the first error unless the notebook opts out, and `ok` is false.
 */
export async function executeNotebook(path: string, options: { timeoutS?: number; outDir?: string } = {}): Promise<ExecResult> {
  const timeoutS = options.timeoutS ?? 600;
  const outDir = options.outDir ?? join(ARTIFACTS, "notebooks");
  mkdirSync(outDir, { recursive: true });
  const t0 = performance.now();
  const args = ["-m", "nbconvert", "--to", "notebook", "--execute",
    "--ExecutePreprocessor.kernel_name=tslab", `--ExecutePreprocessor.timeout=${timeoutS}`,
    "--output-dir", outDir, path];
  try {
    const { stderr } = await run(PYTHON, args, { env: quietEnv(), maxBuffer: 64 << 20, timeout: (timeoutS + 60) * 1000 });
    numberExecutedCells(join(outDir, basename(path)));
    return { output: join(outDir, basename(path)), ok: true, log: stderr, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const log = (err.stderr || err.message) + (await failedCellOutput(path, outDir, timeoutS));
    return { output: join(outDir, basename(path)), ok: false, log, seconds: (performance.now() - t0) / 1000 };
  }
}

/**
 * Gives each code cell that ran its execution count (1, 2, ... in run order), as Jupyter's own front ends show.
 * tslab puts the count only in its execute_reply, never in an iopub message, and nbconvert's preprocessor takes
 * counts from iopub alone, so without this every executed cell reads `In [ ]`. A cell ran when nbclient
 * stamped its `metadata.execution` (record_timing, on by default).
 */
export function numberExecutedCells(file: string): number {
  const nb = JSON.parse(readFileSync(file, "utf8")) as {
    cells: { cell_type: string; execution_count?: number | null; metadata?: { execution?: Record<string, string> } }[];
  };
  let n = 0;
  for (const c of nb.cells) {
    if (c.cell_type !== "code") continue;
    if (c.metadata?.execution?.["iopub.execute_input"] || c.metadata?.execution?.["shell.execute_reply"]) {
      c.execution_count = ++n;
    }
  }
  writeFileSync(file, JSON.stringify(nb, null, 1) + "\n");
  return n;
}

/**
 * tslab reports a cell's exception on the cell's stderr, not as an error message, so nbconvert's log shows the
 * cell but not the error. On failure we run the notebook once more with --allow-errors into
 * `<name>.failed.ipynb` (kept as a CI artifact) and quote the first stderr output of the failing run.
 */
async function failedCellOutput(path: string, outDir: string, timeoutS: number): Promise<string> {
  const stem = basename(path).replace(/\.ipynb$/, "");
  try {
    await run(PYTHON, ["-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
      "--ExecutePreprocessor.kernel_name=tslab", `--ExecutePreprocessor.timeout=${timeoutS}`,
      "--output-dir", outDir, "--output", `${stem}.failed`, path],
    { env: quietEnv(), maxBuffer: 64 << 20, timeout: (timeoutS + 60) * 1000 });
    const nb = JSON.parse(readFileSync(join(outDir, `${stem}.failed.ipynb`), "utf8")) as
      { cells: { cell_type: string; outputs?: { output_type: string; name?: string; text?: string | string[] }[] }[] };
    for (const [i, c] of nb.cells.entries()) {
      const err = (c.outputs ?? []).find((o) => o.output_type === "stream" && o.name === "stderr");
      if (err) {
        const t = Array.isArray(err.text) ? err.text.join("") : err.text ?? "";
        return `\ncell ${i} stderr (from ${stem}.failed.ipynb):\n${t.slice(0, 3000)}`;
      }
    }
    return `\n(no stderr output in ${stem}.failed.ipynb)`;
  } catch (e) {
    return `\n(re-run with --allow-errors failed too: ${(e as Error).message.split("\n")[0]})`;
  }
}

/** The tail of nbconvert's log that names the failing cell and error. */
export function failureSummary(log: string): string {
  const i = log.indexOf("An error occurred while executing the following cell");
  return (i >= 0 ? log.slice(i) : log.split("\n").slice(-25).join("\n")).slice(0, 4000);
}

/** Exports an executed notebook to HTML with nbconvert's lab template; returns the file written. */
export async function exportHtml(executed: string, theme: "light" | "dark" = "light"): Promise<string> {
  const outDir = join(ARTIFACTS, "html");
  mkdirSync(outDir, { recursive: true });
  const stem = basename(executed).replace(/\.ipynb$/, "");
  const name = theme === "dark" ? `${stem}.dark` : stem;
  await run(PYTHON, ["-m", "nbconvert", "--to", "html", `--HTMLExporter.theme=${theme}`,
    "--output-dir", outDir, "--output", name, executed], { env: quietEnv(), maxBuffer: 64 << 20, cwd: dirname(executed) });
  return join(outDir, `${name}.html`);
}
