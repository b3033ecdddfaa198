// Checks an executed notebook against what it promises in `metadata.bpflab.expects`: no errors, and at least
// the declared number of Plotly figures (with data) and HTML tables. Used by notebooks.test.ts and CI.

/** What a notebook promises; lives in the notebook's metadata as `bpflab.expects`. */
export interface NotebookExpects {
  /** Minimum number of Plotly bundles (application/vnd.plotly.v1+json with non-empty trace data). */
  plotly?: number;
  /** Minimum number of bpflab HTML tables (Frame, DataFrame, arquero, comparison) with at least one row. */
  tables?: number;
  /** Strings that must appear in some output's text/plain or stream text. */
  contains?: string[];
  /** Allow output on stderr (default false: warnings in a story notebook are bugs to fix or explain). */
  allowStderr?: boolean;
  /** The notebook loads BPF programs: without root the run is skipped with a reason (under CI=true it fails). */
  needsRoot?: boolean;
}

/** The parts of nbformat 4 the checker reads. */
export interface NotebookJson {
  metadata: { bpflab?: { expects?: NotebookExpects }; kernelspec?: { name?: string } };
  cells: { cell_type: string; source: string | string[]; outputs?: OutputJson[] }[];
}

export interface OutputJson {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}

export interface CheckResult {
  plotly: number;
  tables: number;
  /** Outputs holding the plotly.js library (the HTML fallback needs exactly one per page). */
  plotlyLibraries: number;
  problems: string[];
}

const PLOTLY_MIME = "application/vnd.plotly.v1+json";

const text = (v: unknown): string => (Array.isArray(v) ? v.join("") : typeof v === "string" ? v : "");

/** A trace has data when any of its data arrays is non-empty. */
function traceHasData(t: Record<string, unknown>): boolean {
  return ["x", "y", "z", "values", "r", "lat"].some((k) => Array.isArray(t[k]) && (t[k] as unknown[]).length > 0);
}

/** Why a Plotly bundle is not a real figure, or undefined when it is. */
function plotlyProblem(spec: unknown): string | undefined {
  const s = spec as { data?: unknown; layout?: unknown };
  if (!s || !Array.isArray(s.data) || s.data.length === 0) return "has no traces";
  if (!(s.data as Record<string, unknown>[]).some(traceHasData)) return "has traces without data";
  return undefined;
}

/** Checks an executed notebook; `problems` is empty when it keeps its promises. */
export function checkNotebook(nb: NotebookJson, name = "notebook"): CheckResult {
  const expects = nb.metadata.bpflab?.expects;
  const problems: string[] = [];
  if (!expects) problems.push(`${name}: metadata.bpflab.expects is missing (declare { plotly, tables } it shows)`);
  if (nb.metadata.kernelspec?.name !== "tslab") {
    problems.push(`${name}: kernelspec is "${nb.metadata.kernelspec?.name}", expected "tslab"`);
  }
  let plotly = 0;
  let tables = 0;
  let plotlyLibraries = 0;
  const texts: string[] = [];
  nb.cells.forEach((cell, ci) => {
    if (cell.cell_type !== "code") return;
    const where = `${name} cell ${ci} (${text(cell.source).split("\n")[0]!.slice(0, 60)})`;
    for (const o of cell.outputs ?? []) {
      if (o.output_type === "error") problems.push(`${where}: ${o.ename}: ${o.evalue}`);
      if (o.output_type === "stream") {
        texts.push(text(o.text));
        if (o.name === "stderr" && !expects?.allowStderr) {
          problems.push(`${where}: wrote to stderr: ${text(o.text).trim().split("\n").slice(0, 3).join(" | ")}`);
        }
      }
      const data = o.data;
      if (!data) continue;
      texts.push(text(data["text/plain"]));
      const html = text(data["text/html"]);
      if (html.includes("bpflab-plotly-lib")) plotlyLibraries++;
      if (data[PLOTLY_MIME] !== undefined) {
        const why = plotlyProblem(data[PLOTLY_MIME]);
        if (why) problems.push(`${where}: Plotly output ${why}`);
        else if (!html.includes('class="bpflab-plotly"')) problems.push(`${where}: Plotly output lacks the HTML fallback`);
        else plotly++;
      }
      if (html.includes("bpflab-table")) {
        if (/<tbody>[\s\S]*<td/.test(html)) tables++;
        else problems.push(`${where}: HTML table has no rows`);
      }
    }
  });
  if (expects?.plotly !== undefined && plotly < expects.plotly) {
    problems.push(`${name}: ${plotly} Plotly figures with data, promised ${expects.plotly}`);
  }
  if (expects?.tables !== undefined && tables < expects.tables) {
    problems.push(`${name}: ${tables} HTML tables with rows, promised ${expects.tables}`);
  }
  if (plotly > 0 && plotlyLibraries !== 1) {
    problems.push(`${name}: ${plotlyLibraries} outputs carry plotly.js, expected exactly 1 (the HTML export needs it once)`);
  }
  const all = texts.join("\n");
  for (const s of expects?.contains ?? []) if (!all.includes(s)) problems.push(`${name}: no output contains "${s}"`);
  return { plotly, tables, plotlyLibraries, problems };
}

/** What to do with a notebook on this machine: run it, or skip/fail it with the reason. */
export type RootGate = { action: "run" } | { action: "skip" | "fail"; reason: string };

/**
 * A needsRoot notebook without root is skipped with its reason, except under CI=true, where it fails: a broken
 * CI setup must never pass as green.
 */
export function rootGate(name: string, expects: NotebookExpects | undefined, isRoot: boolean, ci: boolean): RootGate {
  if (!expects?.needsRoot || isRoot) return { action: "run" };
  return ci
    ? { action: "fail", reason: `${name} needs root (it loads BPF programs) and CI=true` }
    : { action: "skip", reason: `${name} needs root: it loads BPF programs` };
}
