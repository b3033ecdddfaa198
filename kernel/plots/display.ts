// Sends rich output to the notebook: the only module that talks to tslab. Everything else hands over plain data
// with a `toMimeBundle()`; here it becomes Jupyter display_data / update_display_data messages.
//
// tslab's public `display.raw` sends one MIME type per output, so a Plotly figure could not carry its JSON and
// its HTML fallback together. The kernel's own writer (`lastWriteDisplayData` in tslab/dist/jupyter.js, set for
// each executing cell) takes a whole bundle; we use it when tslab has loaded it and fall back to text otherwise,
// so library code runs unchanged under vitest and the CLI.

import { inspect } from "node:util";
import { randomBytes } from "node:crypto";
import { Frame } from "../frame/frame.js";
import { OptionError } from "../errors.js";
import { Capture } from "../capture/capture.js";
import { captureBundle } from "./capture-html.js";
import { MimeBundle, PLOTLY_MIME } from "./figure.js";
import { escapeHtml, plotlyLibraryHtml, plotlyVersion } from "./plotly-html.js";
import { writeOutputFile } from "./write-output.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableBundle, tableSourceOf, TableOptions } from "./table-html.js";

/** The content of a display_data message (Jupyter messaging spec 5.x). */
export interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

/** tslab's per-cell writer: `update` selects update_display_data (needs transient.display_id). */
type Writer = (content: DisplayContent, update: boolean) => void;

/**
 * The writer of the cell that is executing now, or null outside a tslab kernel. We look tslab up in the module
 * cache rather than requiring it: requiring would load ZeroMQ bindings in plain Node, and the kernel that runs
 * the notebook may be another tslab install than the one in our node_modules.
 */
function currentWriter(): Writer | null {
  if (tslabJupyter === undefined) {
    tslabJupyter = null;
    for (const key of Object.keys(require.cache)) {
      if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(key)) continue;
      const exp = require.cache[key]?.exports as TslabJupyter | undefined;
      if (exp && typeof exp.lastWriteDisplayData === "function") {
        tslabJupyter = exp;
        break;
      }
    }
  }
  const w = tslabJupyter?.lastWriteDisplayData;
  return typeof w === "function" ? w : null;
}

/** tslab's jupyter module: `lastWriteDisplayData` is replaced for every executed cell. */
interface TslabJupyter {
  lastWriteDisplayData?: Writer | null;
}
// Looked up once: tslab loads its jupyter module before any cell runs, so a miss means "not in tslab".
let tslabJupyter: TslabJupyter | null | undefined;

/** True inside a tslab kernel (a notebook, VS Code, nbconvert --execute). */
export function inNotebook(): boolean {
  return currentWriter() !== null;
}

// Shared through globalThis so two copies of this module (say, dist/ and a test build) agree on the session.
interface Session {
  plotlyInlined: boolean;
}
const SESSION_KEY = Symbol.for("bpflab.display.session");
function session(): Session {
  const g = globalThis as unknown as Record<symbol, Session | undefined>;
  return (g[SESSION_KEY] ??= { plotlyInlined: false });
}

/** Anything `show` knows how to render. */
export interface MimeRenderable {
  toMimeBundle(): MimeBundle;
}

function isThenable(x: unknown): boolean {
  return typeof x === "object" && x !== null && typeof (x as PromiseLike<unknown>).then === "function";
}

function hasMimeBundle(x: unknown): x is MimeRenderable {
  return typeof x === "object" && x !== null && typeof (x as MimeRenderable).toMimeBundle === "function";
}

/**
 * The MIME bundle of a value: its own `toMimeBundle()` (figures, comparison tables), an HTML + text table for a
 * Frame / Danfo DataFrame / arquero table, a string as text, anything else through util.inspect.
 */
export function mimeBundleOf(x: unknown, table: TableOptions = {}): MimeBundle {
  // A Frame renders itself (kernel/frame/html-table.ts, same renderer) but takes the row options.
  if (x instanceof Frame) return x.toMimeBundle(table);
  if (x instanceof Capture) return captureBundle(x);
  if (hasMimeBundle(x)) return x.toMimeBundle();
  const src = tableSourceOf(x);
  if (src) return tableBundle(src, table);
  if (typeof x === "string") return { "text/plain": x };
  return { "text/plain": inspect(x, { depth: 4, colors: false, maxArrayLength: 50 }) };
}

/** The output that defines window.Plotly for the HTML fallbacks (see plotly-html.ts). */
function libraryContent(): DisplayContent {
  return {
    data: {
      "text/html": plotlyLibraryHtml(),
      "text/plain": `plotly.js ${plotlyVersion()} inlined for offline figures`,
    },
    metadata: {},
    transient: {},
  };
}

/** A bundle draws with plotly.js when it is a figure or its HTML holds one (a Panel with a chart). */
function drawsPlotly(bundle: MimeBundle): boolean {
  const html = bundle["text/html"];
  return bundle[PLOTLY_MIME] !== undefined || (typeof html === "string" && html.includes('class="bpflab-plotly"'));
}

function needsLibrary(bundle: MimeBundle): boolean {
  return drawsPlotly(bundle) && !session().plotlyInlined;
}

export interface ShowOptions extends TableOptions {
  /**
   * Where plotly.js comes from for the HTML fallback: "auto" (default) inlines it in its own output before the
   * first figure of the kernel session; "always" inlines it again now (after "Clear all outputs").
   */
  plotlyJs?: "auto" | "always";
}

/**
 * Shows a value in the current cell's output with every MIME type it has, so each front end picks what it
 * renders best. Outside a notebook it prints the text/plain form to stdout; a chart is also written as a
 * self-contained page into a private temporary folder, whose path is printed (BPFLAB_SHOW=text: text only).
 *
 * @example
 *   show(capture.frame("sched"));          // HTML table with shape, dtypes, head and tail
 *   show(processTimeline(sched));           // Plotly figure
 */
export function show(x: unknown, options: ShowOptions = {}): void {
  if (isThenable(x)) {
    throw new OptionError(
      "show() was given a Promise, not its result",
      'await it first, e.g. show(await live({ collectors: ["sched"], duration: "5s" }))',
    );
  }
  const bundle = mimeBundleOf(x, options);
  const write = currentWriter();
  if (!write) {
    const text = String(bundle["text/plain"] ?? "");
    // Outside a notebook a chart cannot draw here: it goes to a page of its own, as plotly's fig.show() does.
    const page = drawsPlotly(bundle) && process.env["BPFLAB_SHOW"] !== "text" ? showPage(bundle) : undefined;
    process.stdout.write(
      page ? `${text}\n  → ${page} (open it in a browser; BPFLAB_SHOW=text turns this off)\n` : `${text}\n`,
    );
    return;
  }
  if (drawsPlotly(bundle) && (options.plotlyJs === "always" || needsLibrary(bundle))) {
    write(libraryContent(), false);
    session().plotlyInlined = true;
  }
  write({ data: bundle, metadata: {}, transient: {} }, false);
}

let showDir: string | undefined;
let shown = 0;

/** Writes a bundle's HTML as a self-contained page into this process's private folder; returns its path. */
function showPage(bundle: MimeBundle): string | undefined {
  const html = bundle["text/html"];
  if (typeof html !== "string") return undefined;
  showDir ??= mkdtempSync(join(tmpdir(), "bpflab-show-"));
  const title = escapeHtml(String(bundle["text/plain"] ?? "bpflab").split("\n")[0]!);
  const page =
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body style="font-family:sans-serif">\n${html}\n${plotlyLibraryHtml()}\n</body></html>\n`;
  return writeOutputFile(join(showDir, `figure-${++shown}.html`), page);
}

/**
 * Inlines plotly.js into the current cell's output, for pages that lost the first copy (outputs cleared,
 * notebook re-run without a kernel restart). A no-op outside a notebook.
 */
export function plotlyLibrary(): void {
  const write = currentWriter();
  if (!write) return;
  write(libraryContent(), false);
  session().plotlyInlined = true;
}

export interface LiveDisplayOptions {
  /**
   * Outside a notebook: "stderr" (default) writes each update's text/plain as one line to stderr, "none" stays
   * silent (tests, library code with its own logging).
   */
  fallback?: "stderr" | "none";
}

/**
 * One output that is replaced in place, for progress and live captures: the first `update` creates it in the
 * cell that made the LiveDisplay, later ones rewrite it through its display id (update_display_data), so the
 * cell shows one refreshing view instead of a scroll of lines. The cell's writer is kept at construction, so
 * updates still reach this output after the cell's promise has settled.
 *
 * @example
 *   const view = new LiveDisplay();
 *   for (let s = 1; s <= 5; s++) { await sleep(1000); view.update(`elapsed ${s} s`); }
 */
export class LiveDisplay {
  /** The Jupyter display id shared by this output's messages. */
  readonly displayId: string;
  private readonly write: Writer | null;
  private readonly fallback: "stderr" | "none";
  private shown = false;
  private closed = false;
  private last = "";

  constructor(options: LiveDisplayOptions = {}) {
    this.displayId = `bpflab-live-${randomBytes(8).toString("hex")}`;
    this.write = currentWriter();
    this.fallback = options.fallback ?? "stderr";
  }

  /** True when updates go to a notebook output rather than to stderr. */
  get inNotebook(): boolean {
    return this.write !== null;
  }

  /** Replaces the output with `x` (anything `show` accepts). Ignored after `close()`. */
  update(x: unknown): void {
    if (isThenable(x)) throw new OptionError("LiveDisplay.update() was given a Promise", "await it first");
    this.updateBundle(mimeBundleOf(x));
  }

  /** Replaces the output with a ready MIME bundle. */
  updateBundle(bundle: MimeBundle): void {
    if (this.closed) return;
    if (!this.write) {
      if (this.fallback === "stderr") {
        const line = String(bundle["text/plain"] ?? "")
          .replace(/\s*\n\s*/g, " | ")
          .trim();
        // A line per change, not per tick: a stalled capture should not flood a terminal.
        if (line !== this.last) process.stderr.write(`${line}\n`);
        this.last = line;
      }
      return;
    }
    // Also after the first update: a live view often starts as text and gains its chart later. The library then
    // lands after this output; figures queue their drawing until it has loaded (plotly-html.ts).
    if (needsLibrary(bundle)) {
      this.write(libraryContent(), false);
      session().plotlyInlined = true;
    }
    this.write({ data: bundle, metadata: {}, transient: { display_id: this.displayId } }, this.shown);
    this.shown = true;
  }

  /** Stops further updates; the last content stays in the notebook. Idempotent. */
  close(): void {
    this.closed = true;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
