// The text/html side of a Plotly MIME bundle: a figure's <div> + script, and plotly.js itself, inlined offline.
// Pairs with figure.ts (builds the bundle) and display.ts (inlines the library once per kernel session).
//
// Front ends pick different parts of the bundle: JupyterLab (with the plotly renderer) and VS Code render
// application/vnd.plotly.v1+json; the classic Notebook, JupyterLab without the extension and nbconvert's HTML
// export render text/html. The HTML therefore must work with no network: the 4.8 MB plotly.js is sent once, in
// its own output, and every figure's script waits for `window.Plotly` through a small queue, so outputs may
// load in any order. Untrusted notebooks run no scripts: the figure's <div> then shows a one-line placeholder.

import { readFileSync } from "node:fs";
import { escapeHtml } from "../table/escape-html.js";

export { escapeHtml } from "../table/escape-html.js";

/** Version of the plotly.js that `plotlyLibraryHtml()` inlines. */
export function plotlyVersion(): string {
  return (require("plotly.js-dist-min/package.json") as { version: string }).version;
}

let librarySource: string | undefined;

/** plotly.min.js from the plotly.js-dist-min package (read once; ~4.8 MB). Never fetched from the network. */
export function plotlyLibrarySource(): string {
  librarySource ??= readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
  return librarySource;
}

/** JSON that is safe inside a <script>: no "</script>", no raw U+2028/9 line separators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * One <script> that defines `window.Plotly` (unless the page already has it) and then draws the figures that
 * were waiting. Send it once per page, before or after the figures.
 */
export function plotlyLibraryHtml(): string {
  const src = plotlyLibrarySource().replace(/<\/script/gi, "<\\/script");
  return (
    `<div class="bpflab-plotly-lib" style="display:none" data-plotly-version="${escapeHtml(plotlyVersion())}"></div>\n` +
    `<script type="text/javascript">\n` +
    `/* plotly.js ${plotlyVersion()} (MIT licence, Plotly Inc.), inlined by bpflab so figures render offline. */\n` +
    // Jupyter's classic page loads MathJax 2; plotly.js would reconfigure it globally without this.
    `window.PlotlyConfig = window.PlotlyConfig || { MathJaxConfig: "local" };\n` +
    `if (!window.Plotly) {\n${src}\n}\n` +
    `(function () { var q = window.__bpflabPlotlyQueue || []; window.__bpflabPlotlyQueue = [];` +
    ` for (var i = 0; i < q.length; i++) { try { q[i](); } catch (e) { console.warn("bpflab: figure failed", e); } } })();\n` +
    `</script>`
  );
}

// Runs in the browser, so it is plain ES5 in a string: serialising a TS function would carry whatever helpers the
// compiler or test transformer inserts (esbuild's __name, coverage counters), which the page does not define.
// It recolours text and grid lines from the page's own text colour (which every theme makes readable), caps the
// width to the output area, and draws; the placeholder says what is missing if plotly.js never arrives.
const BROWSER_DRAW = `function (id, spec) {
  var el = document.getElementById(id);
  if (!el) return;
  function draw() {
    var layout = JSON.parse(JSON.stringify(spec.layout));
    var m = /rgba?\\((\\d+),\\s*(\\d+),\\s*(\\d+)/.exec(getComputedStyle(el).color);
    if (m) {
      var rgb = m[1] + "," + m[2] + "," + m[3];
      layout.font = Object.assign({}, layout.font, { color: "rgb(" + rgb + ")" });
      Object.keys(layout).forEach(function (k) {
        if (/^[xy]axis\\d*$/.test(k)) {
          layout[k] = Object.assign({}, layout[k], { gridcolor: "rgba(" + rgb + ",0.14)",
            zerolinecolor: "rgba(" + rgb + ",0.35)", linecolor: "rgba(" + rgb + ",0.45)" });
        }
      });
    }
    var avail = el.parentElement ? el.parentElement.clientWidth : 0;
    if (avail > 200 && layout.width > avail) layout.width = avail;
    el.innerHTML = "";
    el.style.height = "";
    return window.Plotly.newPlot(el, spec.data, layout, spec.config);
  }
  if (window.Plotly) { draw(); return; }
  (window.__bpflabPlotlyQueue = window.__bpflabPlotlyQueue || []).push(draw);
  setTimeout(function () {
    if (window.Plotly) return;
    var p = el.querySelector(".bpflab-plotly-placeholder");
    if (p) p.textContent = "plotly.js is not on this page: it is inlined by the first figure of a kernel session. " +
      "Re-run the notebook from the top (or call plotlyLibrary() in a cell) to render this figure.";
  }, 10000);
}`;

export interface FigureHtmlOptions {
  /** Element id; must be unique on the page. */
  id: string;
  /** Figure title, shown in the placeholder until the figure is drawn. */
  title: string;
  width: number;
  height: number;
}

/** The figure's <div> (with a readable placeholder) and the script that draws it once plotly.js is present. */
export function figureHtml(spec: { data: unknown[]; layout: unknown; config: unknown }, o: FigureHtmlOptions): string {
  const traces = spec.data.length;
  return (
    `<div id="${escapeHtml(o.id)}" class="bpflab-plotly" ` +
    `style="width:${o.width}px;max-width:100%;height:${o.height}px">` +
    `<div class="bpflab-plotly-placeholder" style="padding:1em;opacity:0.7;font-family:sans-serif">` +
    `Plotly figure “${escapeHtml(o.title)}” (${traces} trace${traces === 1 ? "" : "s"}): it draws when the ` +
    `output may run scripts (run the cell, or trust the notebook).</div></div>\n` +
    `<script type="text/javascript">(${BROWSER_DRAW})(${scriptJson(o.id)}, ${scriptJson(spec)});</script>`
  );
}
