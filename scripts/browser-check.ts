// Opens exported notebook HTML in headless Debian Chromium and checks that every Plotly figure drew its traces,
// every table has rows, the console stayed free of errors and nothing was fetched from the network.
// Saves one full-page screenshot per page. CLI: npx tsx scripts/browser-check.ts [--out DIR] page.html ...

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";

/** Debian's chromium package; nothing downloads a browser. */
export const CHROMIUM = process.env["BPFLAB_CHROMIUM"] ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface FigureState {
  id: string;
  title: string;
  /** Traces in the figure's spec, and those of them with data. */
  traces: number;
  tracesWithData: number;
  /** Trace layers Plotly drew in its SVG (scatter/bar groups, heatmap images). */
  drawn: number;
  hasMainSvg: boolean;
}

export interface PageCheck {
  file: string;
  screenshot: string;
  figures: FigureState[];
  tables: number;
  consoleErrors: string[];
  externalRequests: string[];
  problems: string[];
}

// Runs in the page: plain JS in a string so no compiler helper leaks into the browser.
const INSPECT = `(() => Array.from(document.querySelectorAll(".bpflab-plotly")).map((el) => {
  const data = el.data || [];
  const has = (t) => ["x", "y", "z", "values"].some((k) => Array.isArray(t[k]) && t[k].length > 0);
  const title = el.layout && el.layout.title ? (el.layout.title.text || "") : "";
  // WebGL traces (scattergl) draw into a canvas, not SVG groups: count them when a non-empty GL canvas exists.
  const gl = data.filter((t) => /gl$/.test(t.type || "")).length;
  const canvas = Array.from(el.querySelectorAll("canvas")).some((c) => c.width > 0 && c.height > 0);
  return { id: el.id, title, traces: data.length, tracesWithData: data.filter(has).length,
    drawn: el.querySelectorAll(".main-svg g.trace, .main-svg g.hm").length + (canvas ? gl : 0),
    hasMainSvg: !!el.querySelector(".main-svg") };
}))()`;

const ALL_DRAWN = `(() => Array.from(document.querySelectorAll(".bpflab-plotly")).every((el) => el.querySelector(".main-svg")))()`;

const TABLES = `(() => Array.from(document.querySelectorAll(".bpflab-table table")).filter((t) => t.querySelector("tbody td")).length)()`;

export interface BrowserCheckOptions {
  /** How long to wait for every figure to draw (ms, default 30 000). */
  drawTimeoutMs?: number;
}

async function checkPage(
  context: BrowserContext,
  file: string,
  screenshotDir: string,
  o: BrowserCheckOptions,
): Promise<PageCheck> {
  return checkUrl(
    context,
    pathToFileURL(resolve(file)).href,
    file,
    join(screenshotDir, basename(file).replace(/\.html$/, ".png")),
    o,
  );
}

/**
 * The classic Notebook's MathJax 2 declares `@font-face { font-family: MathJax_Blank; src: url('about:blank') }` (its
 * HTML-CSS output's font test); on an http page Chromium refuses that font by CORS and says so twice, whenever
 * MathJax starts its output before the check ends. Only those two messages, about that URL, are MathJax's.
 */
export function mathJaxBlankFont(text: string, url: string | undefined, afterIt: boolean): boolean {
  const cors =
    /^Access to font at 'about:blank' from origin 'http:\/\/127\.0\.0\.1:\d+' has been blocked by CORS policy/;
  if (cors.test(text)) return true;
  // the load failure that follows it names that URL, or at least comes right after it
  return text === "Failed to load resource: net::ERR_FAILED" && (url === "about:blank" || afterIt);
}

async function checkUrl(
  context: BrowserContext,
  url: string,
  file: string,
  screenshot: string,
  o: BrowserCheckOptions & { allowOrigin?: string; ready?: string },
): Promise<PageCheck> {
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const externalRequests: string[] = [];
  let afterBlankFont = false;
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const blank = mathJaxBlankFont(m.text(), m.location().url, afterBlankFont);
    afterBlankFont = blank;
    if (!blank) consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(`uncaught: ${e.message}`));
  await page.route("**/*", (route) => {
    const req = route.request().url();
    if (/^(file|data|blob|about):/.test(req) || (o.allowOrigin && req.startsWith(o.allowOrigin)))
      return route.continue();
    externalRequests.push(req);
    return route.abort();
  });
  const problems: string[] = [];
  await page.goto(url, { waitUntil: "load", timeout: 60_000 });
  if (o.ready) await page.waitForSelector(o.ready, { timeout: 60_000 });
  try {
    await page.waitForFunction(ALL_DRAWN, undefined, { timeout: o.drawTimeoutMs ?? 30_000 });
  } catch {
    problems.push(`not every Plotly figure drew within ${((o.drawTimeoutMs ?? 30_000) / 1000).toFixed(0)} s`);
  }
  // Let late layout passes (legend, colorbar) settle before the screenshot.
  await page.waitForTimeout(300);
  const figures = (await page.evaluate(INSPECT)) as FigureState[];
  const tables = (await page.evaluate(TABLES)) as number;
  for (const f of figures) {
    const label = `figure "${f.title || f.id}"`;
    if (!f.hasMainSvg) problems.push(`${label} has no .main-svg (plotly.js did not draw it)`);
    else if (f.tracesWithData === 0) problems.push(`${label} has no trace with data`);
    else if (f.drawn < f.tracesWithData) problems.push(`${label} drew ${f.drawn} of ${f.tracesWithData} traces`);
  }
  for (const e of consoleErrors) problems.push(`console error: ${e.slice(0, 300)}`);
  for (const u of externalRequests) problems.push(`page tried to fetch ${u} (must work offline)`);
  mkdirSync(dirname(screenshot), { recursive: true });
  if (o.ready) {
    // Jupyter's pages scroll inside their own container, so a full-page shot shows one screen: show a figure.
    const first = page.locator(".bpflab-plotly").first();
    if (await first.count()) await first.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshot });
  } else {
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  await page.close();
  return { file, screenshot, figures, tables, consoleErrors, externalRequests, problems };
}

/** Runs `fn` with a Chromium context on a fresh profile (deleted afterwards); closes it even when `fn` throws. */
async function withBrowser<T>(fn: (context: BrowserContext) => Promise<T>): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), "bpflab-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  try {
    return await fn(context);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Checks each exported HTML page (file) in a fresh Chromium profile. */
export async function browserCheck(
  files: string[],
  screenshotDir: string,
  options: BrowserCheckOptions = {},
): Promise<PageCheck[]> {
  return withBrowser(async (context) => {
    const out: PageCheck[] = [];
    for (const f of files) out.push(await checkPage(context, f, screenshotDir, options));
    return out;
  });
}

/** A page served by a local Jupyter server; requests to `origin` are allowed, any other one is a problem. */
export interface ServedPage {
  url: string;
  /** Name used in messages. */
  name: string;
  screenshot: string;
  origin: string;
  /** CSS selector that appears once the front end has rendered the outputs. */
  ready: string;
}

/** Checks pages served by a Jupyter server (classic Notebook, JupyterLab) like browserCheck checks files. */
export async function serverCheck(pages: ServedPage[], options: BrowserCheckOptions = {}): Promise<PageCheck[]> {
  return withBrowser(async (context) => {
    const out: PageCheck[] = [];
    for (const p of pages) {
      out.push(
        await checkUrl(context, p.url, p.name, p.screenshot, { ...options, allowOrigin: p.origin, ready: p.ready }),
      );
    }
    return out;
  });
}

async function main(argv: string[]): Promise<number> {
  let out = resolve(".ci-artifacts", "screenshots");
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = resolve(argv[++i] ?? out);
    else files.push(argv[i]!);
  }
  if (files.length === 0) {
    process.stderr.write(
      "usage: npx tsx scripts/browser-check.ts [--out DIR] page.html ...\n" +
        "example: npx tsx scripts/browser-check.ts .ci-artifacts/html/*.html\n",
    );
    return 2;
  }
  const results = await browserCheck(files, out);
  let bad = 0;
  for (const r of results) {
    const drawn = r.figures.filter((f) => f.hasMainSvg).length;
    process.stdout.write(
      `${r.problems.length ? "FAIL" : "ok  "} ${basename(r.file)}: ${drawn}/${r.figures.length} figures, ` +
        `${r.tables} tables, ${r.consoleErrors.length} console errors -> ${r.screenshot}\n`,
    );
    for (const p of r.problems) process.stdout.write(`     ${p}\n`);
    if (r.problems.length) bad++;
  }
  return bad ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
