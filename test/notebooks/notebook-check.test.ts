// The checker against a real executed notebook (the smoke notebook run by notebooks.test.ts) and against
// copies of it with a promise broken, so a checker that passes everything would fail here.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { checkNotebook, NotebookJson, rootGate } from "./notebook-check.js";
import { ARTIFACTS, executeNotebook, failureSummary, notebookSetupProblem, ROOT } from "./notebook-exec.js";

const executed = join(ARTIFACTS, "notebooks", "00-smoke.ipynb");

let setupProblem: string | undefined;
beforeAll(async () => {
  if (existsSync(executed)) return;
  // Run order between test files is not fixed: execute the smoke notebook here when no run left it behind.
  setupProblem = await notebookSetupProblem();
  if (setupProblem && process.env["CI"] === "true") throw new Error(`notebooks cannot run: ${setupProblem}`);
  if (setupProblem) return;
  const r = await executeNotebook(join(ROOT, "notebooks", "00-smoke.ipynb"));
  if (!r.ok) throw new Error(`00-smoke failed:\n${failureSummary(r.log)}`);
}, 900_000);

function load(): NotebookJson {
  return JSON.parse(readFileSync(executed, "utf8")) as NotebookJson;
}

describe("checkNotebook on the executed smoke notebook", () => {
  test("the real run keeps its promises", (ctx) => {
    if (setupProblem) return ctx.skip(setupProblem);
    const r = checkNotebook(load(), "00-smoke");
    expect(r.problems).toEqual([]);
    expect(r.plotly).toBe(4);
    expect(r.tables).toBe(3);
    expect(r.plotlyLibraries).toBe(1);
  });

  test("a figure with emptied data, a missing table and an error output are each reported", (ctx) => {
    if (setupProblem) return ctx.skip(setupProblem);
    const nb = load();
    const outs = nb.cells.flatMap((c) => c.outputs ?? []);
    const fig = outs.find((o) => o.data?.["application/vnd.plotly.v1+json"])!;
    (fig.data!["application/vnd.plotly.v1+json"] as { data: { x?: unknown[]; y?: unknown[]; z?: unknown[] }[] }).data
      .forEach((t) => { t.x = []; t.y = []; t.z = []; });
    const table = outs.find((o) => String(o.data?.["text/html"] ?? "").includes("bpflab-comparison"))!;
    delete table.data!["text/html"];
    nb.cells[1]!.outputs!.push({ output_type: "error", ename: "TypeError", evalue: "x is undefined" });
    nb.cells[1]!.outputs!.push({ output_type: "stream", name: "stderr", text: "warning: lost 3 events\n" });
    const r = checkNotebook(nb, "broken");
    expect(r.plotly).toBe(3);
    expect(r.tables).toBe(2);
    expect(r.problems).toEqual([
      expect.stringMatching(/^broken cell 1 .*: TypeError: x is undefined$/),
      expect.stringMatching(/^broken cell 1 .*: wrote to stderr: warning: lost 3 events$/),
      expect.stringMatching(/^broken cell \d+ .*: Plotly output has traces without data$/),
      "broken: 3 Plotly figures with data, promised 4",
      "broken: 2 HTML tables with rows, promised 3",
    ]);
  });

  test("a notebook without declared promises or on another kernel is reported", (ctx) => {
    if (setupProblem) return ctx.skip(setupProblem);
    const nb = load();
    delete nb.metadata.bpflab;
    nb.metadata.kernelspec = { name: "python3" };
    expect(checkNotebook(nb, "x").problems.slice(0, 2)).toEqual([
      "x: metadata.bpflab.expects is missing (declare { plotly, tables } it shows)",
      'x: kernelspec is "python3", expected "tslab"',
    ]);
  });
});

describe("rootGate", () => {
  test("a needsRoot notebook runs as root, skips without it, and fails without it under CI=true", () => {
    const live = { needsRoot: true };
    expect(rootGate("01.ipynb", live, true, true)).toEqual({ action: "run" });
    expect(rootGate("01.ipynb", live, false, false)).toEqual({ action: "skip", reason: "01.ipynb needs root: it loads BPF programs" });
    expect(rootGate("01.ipynb", live, false, true)).toEqual({ action: "fail", reason: "01.ipynb needs root (it loads BPF programs) and CI=true" });
    expect(rootGate("02.ipynb", { plotly: 1 }, false, true)).toEqual({ action: "run" });
  });

  test("every shipped notebook that loads BPF programs (calls live or capture) declares needsRoot", () => {
    const dir = join(ROOT, "notebooks");
    const files = readdirSync(dir).filter((f) => f.endsWith(".ipynb"));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const nb = JSON.parse(readFileSync(join(dir, f), "utf8")) as NotebookJson;
      const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source)).join("\n");
      const captures = /\bawait\s+(live|capture)\(/.test(code);
      expect({ file: f, needsRoot: nb.metadata.bpflab?.expects?.needsRoot === true }).toEqual({ file: f, needsRoot: captures });
    }
  });
});
