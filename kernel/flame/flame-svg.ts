// A flame graph as one SVG file, in the manner of flamegraph.pl: frames sorted by name on each level, a
// tooltip per frame, click to zoom into a frame (and back with Reset), and Search for a regular expression.
// Needs nothing but a browser (or any SVG viewer, without the interactive part).

import { frameColor, diffColor } from "./flame-colors.js";
import type { FlameNode, FlameTree } from "./flame-tree.js";

export interface SvgOptions {
  title?: string;
  width?: number;
  /** "flame": root at the bottom (default); "icicle": root at the top. */
  orientation?: "flame" | "icicle";
  /** What a unit of weight is in the tooltips ("samples", "ns"). */
  unit?: string;
}

const FRAME_H = 16;
const PAD_TOP = 44;
const PAD_SIDE = 10;
const CHAR_W = 6.6;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The SVG document of a flame tree (a differential one when the tree has baseline weights). */
export function flameSvg(tree: FlameTree, o: SvgOptions = {}): string {
  const width = o.width ?? 1200;
  const inner = width - 2 * PAD_SIDE;
  const unit = o.unit ?? "samples";
  const children = new Map<string, FlameNode[]>();
  let depth = 0;
  for (const n of tree.nodes) {
    const list = children.get(n.parent) ?? [];
    list.push(n);
    children.set(n.parent, list);
    depth = Math.max(depth, n.depth + 1);
  }
  const height = PAD_TOP + depth * FRAME_H + 24;
  const diff = tree.baseTotal > 0;
  let maxAbs = 0;
  const delta = (n: FlameNode) => (tree.total ? n.total / tree.total : 0) - (diff ? n.baseTotal / tree.baseTotal : 0);
  if (diff) for (const n of tree.nodes) maxAbs = Math.max(maxAbs, Math.abs(delta(n)));
  const rects: string[] = [];
  // x positions (fractions of the total) laid out level by level, children by name as flamegraph.pl does
  const place = (parent: string, x0: number) => {
    const kids = (children.get(parent) ?? []).slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let x = x0;
    for (const n of kids) {
      const w = tree.total ? n.total / tree.total : 0;
      const px = PAD_SIDE + x * inner,
        pw = w * inner;
      const y = o.orientation === "icicle" ? PAD_TOP + n.depth * FRAME_H : PAD_TOP + (depth - 1 - n.depth) * FRAME_H;
      const share = tree.total ? (100 * n.total) / tree.total : 0;
      const tip =
        `${n.name} (${fmt(n.total, unit)}, ${share.toFixed(2)} %; self ${fmt(n.self, unit)})` +
        (diff ? `; share ${((100 * n.baseTotal) / tree.baseTotal).toFixed(2)} % → ${share.toFixed(2)} %` : "");
      const color = diff ? diffColor(maxAbs ? delta(n) / maxAbs : 0) : frameColor(n.name, n.depth);
      const chars = Math.floor((pw - 6) / CHAR_W);
      const label = chars < 3 ? "" : n.name.length <= chars ? n.name : `${n.name.slice(0, chars - 2)}..`;
      rects.push(
        `<g class="f" data-id="${esc(n.id)}" data-x="${x}" data-w="${w}" data-v="${n.total}">` +
          `<title>${esc(tip)}</title><rect x="${px.toFixed(2)}" y="${y}" width="${pw.toFixed(2)}" height="${FRAME_H - 1}" fill="${color}" rx="2"/>` +
          `<text x="${(px + 3).toFixed(2)}" y="${y + FRAME_H - 4}">${esc(label)}</text></g>`,
      );
      place(n.id, x);
      x += w;
    }
  };
  place("", 0);
  return (
    `<?xml version="1.0" standalone="no"?>\n` +
    `<svg version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `xmlns="http://www.w3.org/2000/svg" onload="init(evt)">\n` +
    `<style>text { font: 11px Verdana, sans-serif; fill: #222; pointer-events: none; } ` +
    `.f:hover rect { stroke: #000; stroke-width: 0.5; cursor: pointer; } .ui { font: 12px sans-serif; fill: #333; cursor: pointer; }</style>\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n` +
    `<text x="${width / 2}" y="20" text-anchor="middle" style="font-size:15px">${esc(o.title ?? "Flame graph")}</text>\n` +
    `<text class="ui" id="reset" x="${PAD_SIDE}" y="36" style="display:none">Reset zoom</text>\n` +
    `<text class="ui" id="search" x="${width - PAD_SIDE - 60}" y="36">Search</text>\n` +
    `<text id="matched" x="${width - PAD_SIDE - 200}" y="${height - 6}"></text>\n` +
    `<g id="frames">\n${rects.join("\n")}\n</g>\n` +
    `<script type="text/ecmascript"><![CDATA[${SCRIPT(inner, PAD_SIDE, CHAR_W)}]]></script>\n</svg>\n`
  );
}

function fmt(v: number, unit: string): string {
  if (unit === "ns") return v >= 1e6 ? `${(v / 1e6).toFixed(1)} ms` : `${(v / 1e3).toFixed(1)} µs`;
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
}

// Plain ES5: it runs in the viewer.
const SCRIPT = (inner: number, pad: number, charW: number) => `
var frames, resetBtn, matchedText;
function init(evt) {
  frames = Array.prototype.slice.call(document.querySelectorAll("g.f"));
  resetBtn = document.getElementById("reset");
  matchedText = document.getElementById("matched");
  frames.forEach(function (g) { g.addEventListener("click", function () { zoom(g); }); });
  resetBtn.addEventListener("click", function () { zoom(null); });
  document.getElementById("search").addEventListener("click", function () {
    var q = prompt("Search frames (regular expression)", ""); search(q);
  });
}
function layout(g, x, w) {
  var r = g.querySelector("rect"), t = g.querySelector("text"), name = g.getAttribute("data-id").split(";").pop();
  var px = ${pad} + x * ${inner}, pw = w * ${inner};
  r.setAttribute("x", px); r.setAttribute("width", pw); t.setAttribute("x", px + 3);
  var chars = Math.floor((pw - 6) / ${charW});
  t.textContent = chars < 3 ? "" : name.length <= chars ? name : name.slice(0, chars - 2) + "..";
}
function zoom(target) {
  var id = target ? target.getAttribute("data-id") : null;
  var x0 = target ? +target.getAttribute("data-x") : 0, w0 = target ? +target.getAttribute("data-w") : 1;
  resetBtn.style.display = target ? "" : "none";
  frames.forEach(function (g) {
    var gid = g.getAttribute("data-id"), x = +g.getAttribute("data-x"), w = +g.getAttribute("data-w");
    if (!id || gid === id || gid.indexOf(id + ";") === 0) { g.style.display = ""; layout(g, (x - x0) / w0, w / w0); }
    else if (id.indexOf(gid + ";") === 0) { g.style.display = ""; g.style.opacity = 0.6; layout(g, 0, 1); }
    else g.style.display = "none";
    if (!id) g.style.opacity = 1;
  });
}
function search(q) {
  var re = null;
  if (q) { try { re = new RegExp(q); } catch (e) { matchedText.textContent = "not a regular expression"; return; } }
  var under = {}, sum = 0, total = 0;
  frames.forEach(function (g) {
    var gid = g.getAttribute("data-id"), parts = gid.split(";"), name = parts.pop(), parent = parts.join(";");
    var r = g.querySelector("rect"), v = +g.getAttribute("data-v");
    if (!r.getAttribute("data-fill")) r.setAttribute("data-fill", r.getAttribute("fill"));
    var m = !!re && re.test(name), above = !!under[parent];
    under[gid] = m || above;
    if (m && !above) sum += v;
    if (!parent) total += v;
    r.setAttribute("fill", m ? "rgb(230,0,230)" : r.getAttribute("data-fill"));
  });
  matchedText.textContent = re ? "Matched: " + (total ? (100 * sum / total).toFixed(1) : 0) + " %" : "";
}`;
