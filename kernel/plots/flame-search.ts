// The search box above a flame graph's HTML: a regular expression highlights matching frames and shows the
// share of the stacks through them (as flamegraph.pl's "Matched:"); Reset also zooms back out to the root.

import { escapeHtml, scriptJson } from "./plotly-html.js";

// Plain ES5 in a string: it runs in the page, where no compiler helper exists (see plotly-html.ts).
const SEARCH = `function (id) {
  var box = document.getElementById(id + "-q"), info = document.getElementById(id + "-m");
  var reset = document.getElementById(id + "-r");
  function apply() {
    var el = document.getElementById(id);
    if (!el || !el.data || !window.Plotly) return;
    var t = el.data[0];
    if (!t.__bpflabColors) t.__bpflabColors = t.marker.colors.slice();
    var re = null;
    if (box.value) {
      try { re = new RegExp(box.value); } catch (e) { info.textContent = "not a regular expression"; return; }
    }
    var colors = [], under = {}, sum = 0, total = 0;
    for (var i = 0; i < t.ids.length; i++) {
      var m = !!re && re.test(t.labels[i]), above = !!under[t.parents[i]];
      under[t.ids[i]] = m || above;
      if (m && !above) sum += t.values[i];
      if (t.parents[i] === "") total += t.values[i];
      colors.push(m ? "rgb(230,0,230)" : t.__bpflabColors[i]);
    }
    window.Plotly.restyle(el, { "marker.colors": [colors] });
    info.textContent = re ? "matched: " + (total ? (100 * sum / total).toFixed(1) : "0") + " %" : "";
  }
  box.addEventListener("input", apply);
  reset.addEventListener("click", function () {
    box.value = "";
    apply();
    var el = document.getElementById(id);
    if (el && el.data && window.Plotly) window.Plotly.restyle(el, { level: [""] });
  });
}`;

/** The controls and their script for the flame graph whose element id is `id`. */
export function flameSearchHtml(id: string): string {
  const e = escapeHtml(id);
  return (
    `<div class="bpflab-flame-search" style="font:13px sans-serif;margin:4px 0">` +
    `<label>Search (regular expression) <input id="${e}-q" type="search" size="32" placeholder="e.g. ^spin_|_\\[k\\]$"></label> ` +
    `<button id="${e}-r" type="button">Reset zoom and search</button> <span id="${e}-m" style="font-weight:600"></span>` +
    ` <span style="opacity:.7">click a frame to zoom into it</span></div>\n` +
    `<script type="text/javascript">(${SEARCH})(${scriptJson(id)});</script>`
  );
}
