// Runs every notebooks/*.ipynb through the real tslab kernel (nbconvert), checks the outputs it promises in
// metadata.bpflab.expects, exports it to HTML (light and dark) and checks the pages in headless Chromium.
// Artifacts land in .ci-artifacts/{notebooks,html,screenshots}. NOTEBOOKS=01-explore-live limits the run.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { browserCheck, serverCheck } from "../../scripts/browser-check.js";
import { startNotebookServer } from "./notebook-server.js";
import { checkNotebook, NotebookJson, rootGate } from "./notebook-check.js";
import { ARTIFACTS, executeNotebook, exportHtml, failureSummary, notebookSetupProblem, ROOT } from "./notebook-exec.js";

const prefixes = (process.env["NOTEBOOKS"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const only = prefixes.length ? prefixes : undefined;
const notebooks = readdirSync(join(ROOT, "notebooks"))
  .filter((f) => f.endsWith(".ipynb") && (!only || only.some((o) => f.startsWith(o))))
  .sort();

let setupProblem: string | undefined;
beforeAll(async () => {
  setupProblem = await notebookSetupProblem();
  if (setupProblem && process.env["CI"] === "true") throw new Error(`notebooks cannot run: ${setupProblem}`);
  if (setupProblem) console.warn(`skipping notebook runs: ${setupProblem}`);
});

describe.each(notebooks)("%s", (file) => {
  let executed: string | undefined;

  test("executes through the tslab kernel without a cell error", async (ctx) => {
    if (setupProblem) return ctx.skip(setupProblem);
    const source = JSON.parse(readFileSync(join(ROOT, "notebooks", file), "utf8")) as NotebookJson;
    const gate = rootGate(file, source.metadata.bpflab?.expects, process.getuid?.() === 0, process.env["CI"] === "true");
    if (gate.action === "fail") throw new Error(gate.reason);
    if (gate.action === "skip") return ctx.skip(gate.reason);
    const r = await executeNotebook(join(ROOT, "notebooks", file));
    expect(r.ok, `${file} failed after ${r.seconds.toFixed(1)} s:\n${failureSummary(r.log)}`).toBe(true);
    executed = r.output;
  }, 900_000);

  test("keeps the promises in metadata.bpflab.expects", (ctx) => {
    if (setupProblem || !executed) return ctx.skip("not executed");
    const nb = JSON.parse(readFileSync(executed, "utf8")) as NotebookJson;
    const r = checkNotebook(nb, file);
    expect(r.problems).toEqual([]);
    // Every code cell ran and shows its In [n], in order.
    const counts = nb.cells.filter((c) => c.cell_type === "code").map((c) => (c as { execution_count?: number | null }).execution_count);
    expect(counts).toEqual(counts.map((_, i) => i + 1));
    expect(r.plotly).toBeGreaterThanOrEqual(nb.metadata.bpflab?.expects?.plotly ?? 0);
  });

  test("renders in Chromium (light and dark HTML export): figures drawn, no console errors, offline", async (ctx) => {
    if (setupProblem || !executed) return ctx.skip("not executed");
    const pages = [await exportHtml(executed, "light"), await exportHtml(executed, "dark")];
    const results = await browserCheck(pages, join(ARTIFACTS, "screenshots"));
    const nb = JSON.parse(readFileSync(executed, "utf8")) as NotebookJson;
    const expects = nb.metadata.bpflab?.expects ?? {};
    for (const r of results) {
      expect(r.problems, r.file).toEqual([]);
      expect(r.figures.length, r.file).toBeGreaterThanOrEqual(expects.plotly ?? 0);
      expect(r.tables, r.file).toBeGreaterThanOrEqual(expects.tables ?? 0);
    }
  }, 300_000);

  test("renders in the classic Notebook served on 127.0.0.1 (token, trusted outputs)", async (ctx) => {
    if (setupProblem || !executed) return ctx.skip("not executed");
    const server = await startNotebookServer(join(ARTIFACTS, "notebooks"), [executed]);
    try {
      const [r] = await serverCheck([{
        url: server.notebookUrl(file), name: `${file} (classic Notebook)`, origin: server.origin,
        screenshot: join(ARTIFACTS, "screenshots", file.replace(/\.ipynb$/, ".notebook.png")),
        ready: ".output_area",
      }]);
      const nb = JSON.parse(readFileSync(executed, "utf8")) as NotebookJson;
      expect(r!.problems).toEqual([]);
      expect(r!.figures.length).toBeGreaterThanOrEqual(nb.metadata.bpflab?.expects?.plotly ?? 0);
    } finally {
      await server.stop();
    }
  }, 300_000);
});
