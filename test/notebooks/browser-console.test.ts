// The browser check's one allowance among console errors: MathJax 2's own blank test font (scripts/browser-check.ts),
// which Chromium refuses by CORS on the served Notebook's http page whenever MathJax's output starts in time.

import { describe, expect, it } from "vitest";
import { mathJaxBlankFont } from "../../scripts/browser-check.js";

const CORS =
  "Access to font at 'about:blank' from origin 'http://127.0.0.1:37089' has been blocked by CORS policy: Cross origin requests are only supported for protocol schemes: chrome, chrome-extension, data, http, https.";
const FAILED = "Failed to load resource: net::ERR_FAILED";

describe("console errors the browser check lets pass", () => {
  it("MathJax's about:blank font and the load failure that follows it, nothing else", () => {
    expect(mathJaxBlankFont(CORS, "http://127.0.0.1:37089/notebooks/x.ipynb", false)).toBe(true);
    expect(mathJaxBlankFont(FAILED, "about:blank", false)).toBe(true);
    expect(mathJaxBlankFont(FAILED, "http://127.0.0.1:37089/static/x.js", true)).toBe(true);
    // a failed load of anything else, not right after MathJax's font, is a problem
    expect(mathJaxBlankFont(FAILED, "http://127.0.0.1:37089/static/plotly.js", false)).toBe(false);
    // another font refused, or one from elsewhere, is a problem
    expect(mathJaxBlankFont(CORS.replace("about:blank", "http://cdn.example/f.woff"), undefined, false)).toBe(false);
    expect(mathJaxBlankFont(CORS.replace("127.0.0.1:37089", "example.com"), undefined, false)).toBe(false);
    expect(mathJaxBlankFont("Uncaught TypeError: x is undefined", undefined, true)).toBe(false);
  });
});
