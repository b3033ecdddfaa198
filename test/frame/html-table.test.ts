// HTML / text views of frames, danfo DataFrames and arquero tables.

import { describe, expect, test } from "vitest";
import { Frame } from "../../kernel/frame/frame.js";
import { frameToHtml } from "../../kernel/frame/html-table.js";
import { anyTableToHtml } from "../../kernel/plots/table-html.js";
import { OptionError } from "../../kernel/errors.js";
import { allTypesFrame } from "./sample-frames.js";

describe("HTML", () => {
  test("frameToHtml: escaped cells, shape, types with units, head and tail rows", () => {
    const frame = allTypesFrame(40, "x<y>");
    const html = frameToHtml(frame, { head: 5, tail: 5 });
    expect(html).toContain("40 rows × 8 columns");
    expect(html).toContain("Frame x&lt;y&gt;");
    const markup = new Frame("m", [{ name: "s", type: "str" }], {
      s: { codes: Uint32Array.of(0), dict: ["<b>&amp;</b>"] },
    });
    const escaped = frameToHtml(markup);
    expect(escaped).not.toContain("<b>"); // a string must never become markup
    expect(escaped).toContain("&lt;b&gt;&amp;amp;&lt;/b&gt;");
    expect(html).toContain("i64 · count");
    expect((html.match(/<tr>/g) ?? []).length).toBe(1 + 5 + 1 + 5); // header, head, gap, tail
    expect(html).toContain(">39<"); // the last row's index
    expect(html).toContain("color:inherit");
  });

  test("toMimeBundle has text and html; html for danfo and arquero tables; other values refused", () => {
    const frame = allTypesFrame(3);
    const bundle = frame.toMimeBundle();
    expect(bundle["text/plain"]).toContain("3 rows × 8 columns");
    expect(bundle["text/html"]).toContain("<table");
    expect(anyTableToHtml(frame.toArquero())).toContain("3 rows × 8 columns");
    expect(anyTableToHtml(frame.toDanfo())).toContain("3 rows × 8 columns");
    expect(anyTableToHtml(frame)).toBe(frameToHtml(frame));
    expect(() => anyTableToHtml(42)).toThrow(OptionError);
  });

  test("a frame with no rows still shows its columns", () => {
    const html = new Frame("none", [{ name: "a", type: "u32", unit: "count" }], { a: new Uint32Array(0) }).toHtml();
    expect(html).toContain("0 rows × 1 columns");
    expect(html).toContain("u32 · count");
  });
});
