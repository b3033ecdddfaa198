// save(figure, path): a figure as a self-contained HTML page, or as PNG/SVG drawn by headless Chromium (Debian's
// chromium through playwright-core, when both are there); the same path any Plotly front end would take.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { BpflabError, OptionError } from "../errors.js";
import type { Figure } from "./figure.js";
import { plotlyLibrarySource } from "./plotly-html.js";
import { writeOutputFile } from "./write-output.js";

/** Chromium to draw PNG/SVG with: BPFLAB_CHROMIUM, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env["BPFLAB_CHROMIUM"] ?? "/usr/bin/chromium";
}

export interface SaveOptions {
  /** Pixel scale of a PNG (default 2). */
  scale?: number;
}

/** The minimal browser API used here (playwright-core's, loaded only when a PNG/SVG is asked for). */
interface Browserish {
  newPage(): Promise<{
    setContent(html: string, o?: { waitUntil?: "load" }): Promise<void>;
    evaluate<T>(fn: string): Promise<T>;
  }>;
  close(): Promise<void>;
}

async function launchChromium(profile: string): Promise<Browserish> {
  let chromium: { launchPersistentContext(dir: string, o: Record<string, unknown>): Promise<Browserish> };
  try {
    ({ chromium } = require("playwright-core") as { chromium: typeof chromium });
  } catch (e) {
    throw new BpflabError(
      "saving PNG or SVG needs playwright-core (to drive headless Chromium), which is not installed",
      "npm install playwright-core, or save as .html (self-contained, opens in any browser)",
      { cause: e },
    );
  }
  const exe = chromiumPath();
  if (!existsSync(exe)) {
    throw new BpflabError(
      `saving PNG or SVG needs Chromium, and ${exe} does not exist`,
      "apt-get install chromium (or set BPFLAB_CHROMIUM to a Chromium binary), or save as .html",
    );
  }
  return chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
}

/** PNG bytes or SVG text of a figure, drawn by plotly.js in headless Chromium (nothing fetched). */
export async function renderFigure(fig: Figure, format: "png" | "svg", o: SaveOptions = {}): Promise<Uint8Array> {
  const profile = mkdtempSync(join(tmpdir(), "bpflab-render-"));
  try {
    const browser = await launchChromium(profile);
    try {
      const page = await browser.newPage();
      const spec = JSON.stringify(fig.toJSON()).replace(/</g, "\\u003c");
      const lib = plotlyLibrarySource().replace(/<\/script/gi, "<\\/script");
      await page.setContent(`<!DOCTYPE html><html><body><div id="f"></div><script>${lib}</script></body></html>`, {
        waitUntil: "load",
      });
      const w = Number(fig.layout["width"] ?? 900);
      const h = Number(fig.layout["height"] ?? 450);
      const url = await page.evaluate<string>(
        `(() => { const s = ${spec}; return Plotly.newPlot("f", s.data, s.layout, s.config).then((el) =>
          Plotly.toImage(el, { format: "${format}", width: ${w}, height: ${h}, scale: ${o.scale ?? 2} })); })()`,
      );
      const comma = url.indexOf(",");
      const head = url.slice(0, comma);
      const body = url.slice(comma + 1);
      return head.endsWith(";base64") ? Buffer.from(body, "base64") : Buffer.from(decodeURIComponent(body), "utf8");
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Saves a figure: `.html` (self-contained, plotly.js inlined, no network), `.png` or `.svg` (drawn in headless
 * Chromium; a clear error says what to install when it is missing). Returns the absolute path. The file is
 * written 0600 under a private name and renamed into place.
 *
 * @example await save(processTimeline(cap.frame("sched")), "oncpu.png");
 */
export async function save(fig: Figure, path: string, o: SaveOptions = {}): Promise<string> {
  const ext = extname(path).toLowerCase();
  if (ext === ".html" || ext === ".htm") return writeOutputFile(path, fig.toStandaloneHtml());
  if (ext === ".png" || ext === ".svg")
    return writeOutputFile(path, await renderFigure(fig, ext === ".png" ? "png" : "svg", o));
  throw new OptionError(
    `save: cannot tell the format of ${JSON.stringify(path)}`,
    "end the name in .html, .png or .svg",
  );
}
