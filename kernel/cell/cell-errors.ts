// What goes wrong with a cell's BPF C, said with the offending source line: compiler diagnostics and verifier
// rejections, as one-line errors whose text shows the line, and as HTML with the line highlighted.

import { BpflabError, VerifierError } from "../errors.js";

export interface Diagnostic {
  line: number;
  column: number;
  severity: "error" | "warning" | "note";
  message: string;
}

/** A few lines of `source` around `line` (1-based), the line marked `>` and a caret under `column`. */
export function excerpt(source: string, line: number, column = 0, context = 2): string {
  const lines = source.split("\n");
  const from = Math.max(1, line - context),
    to = Math.min(lines.length, line + context);
  const w = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    out.push(`${n === line ? ">" : " "} ${String(n).padStart(w)} | ${lines[n - 1] ?? ""}`);
    if (n === line && column > 0) out.push(`  ${" ".repeat(w)} | ${" ".repeat(column - 1)}^`);
  }
  return out.join("\n");
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The source as an HTML listing with `line` highlighted, and `detail` (diagnostics or the log) under it. */
function listingHtml(title: string, source: string, line: number | undefined, detail: string): string {
  const rows = source
    .split("\n")
    .map((text, i) => {
      const n = i + 1;
      const hit = n === line;
      return (
        `<div style="white-space:pre;${hit ? "background:rgba(231,76,60,.25);font-weight:600" : ""}">` +
        `<span style="opacity:.5;user-select:none">${String(n).padStart(4)} </span>${esc(text) || " "}</div>`
      );
    })
    .join("");
  return (
    `<div class="bpflab-cell-error" style="font:12px ui-monospace,monospace;border-left:4px solid #e74c3c;padding:6px 10px">` +
    `<div style="font:600 13px sans-serif;color:#c0392b;margin-bottom:4px">${esc(title)}</div>${rows}` +
    `<details open style="margin-top:6px"><summary style="font:12px sans-serif">details</summary>` +
    `<pre style="white-space:pre-wrap;margin:4px 0">${esc(detail)}</pre></details></div>`
  );
}

/** clang refused the cell's C: the first error with its line, every diagnostic in `diagnostics`. */
export class BpfCompileError extends BpflabError {
  readonly cell: string;
  readonly source: string;
  readonly diagnostics: Diagnostic[];
  /** clang's whole output. */
  readonly output: string;

  constructor(cell: string, source: string, diagnostics: Diagnostic[], output: string) {
    const first = diagnostics.find((d) => d.severity === "error");
    const where = first ? `line ${first.line}:${first.column}: ${first.message}` : output.trim().split("\n")[0];
    super(
      `cell ${cell}: compile error at ${where}${first ? `\n${excerpt(source, first.line, first.column)}` : ""}`,
      "fix the C in the cell (the line is marked >); bpflab's headers and vmlinux.h are included for you",
    );
    this.cell = cell;
    this.source = source;
    this.diagnostics = diagnostics;
    this.output = output;
  }

  get line(): number | undefined {
    return this.diagnostics.find((d) => d.severity === "error")?.line;
  }

  toMimeBundle(): Record<string, string> {
    const detail = this.diagnostics.map((d) => `${d.line}:${d.column}: ${d.severity}: ${d.message}`).join("\n");
    return {
      "text/html": listingHtml(`cell ${this.cell}: clang refused it`, this.source, this.line, detail || this.output),
      "text/plain": this.message,
    };
  }
}

/** The verifier refused a cell's program: its log, and the source line it stopped at (from BTF line info). */
export class CellVerifierError extends VerifierError {
  readonly cell: string;
  readonly source: string;
  readonly line: number | undefined;

  constructor(cell: string, source: string, cause: VerifierError) {
    const line = verifierLine(cause.log, `${cell}.bpf.c`);
    const last =
      cause.log
        .trim()
        .split("\n")
        .filter((l) => !/^processed \d+ insns/.test(l))
        .pop() ?? "";
    super(
      `cell ${cell}: the verifier refused it${line ? ` at line ${line}` : ""}: ${last}` +
        (line ? `\n${excerpt(source, line)}` : ""),
      cause.log,
      {
        cause,
        hint: "fix the program in the cell (the line is marked >): check every map lookup for NULL, bound loops",
      },
    );
    this.cell = cell;
    this.source = source;
    this.line = line;
  }

  toMimeBundle(): Record<string, string> {
    return {
      "text/html": listingHtml(`cell ${this.cell}: the verifier refused it`, this.source, this.line, this.log),
      "text/plain": this.message,
    };
  }
}

/** The last source line the verifier named ("; x = *p; @ cell.bpf.c:12") before it gave up. */
export function verifierLine(log: string, file: string): number | undefined {
  let line: number | undefined;
  const re = new RegExp(`@ ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+)`, "g");
  for (const m of log.matchAll(re)) line = Number(m[1]);
  return line;
}
