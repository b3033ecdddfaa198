// `bpflab flamegraph DIR -o FILE.html|.svg|.folded`: the flame graph of a saved capture's stacks (profile,
// offcpu, or any frame with a `stack` column), for one process and time range, or its difference from a
// baseline (another capture, or another time range of the same one). No root needed.

import { extname } from "node:path";
import { loadCapture } from "../capture/capture-files.js";
import type { Capture } from "../capture/capture.js";
import { OptionError } from "../errors.js";
import { flameSvg } from "../flame/flame-svg.js";
import { flameTree } from "../flame/flame-tree.js";
import { foldStacks, FoldOptions, formatFolded, hasStacks, totalWeight, weightColumn } from "../flame/folded.js";
import type { Frame } from "../frame/frame.js";
import { diffFlameGraph, flameGraph } from "../plots/flame-graph.js";
import { writeOutputFile } from "../plots/write-output.js";
import { defineCommand, Invocation } from "./command.js";

export const flamegraphCommand = defineCommand({
  name: "flamegraph",
  summary: "write the flame graph of a capture's stacks (profile, offcpu) as HTML, SVG or folded text",
  description:
    "Folds the stacks of one frame (profile by default, else offcpu, else the first frame with a stack column)\n" +
    "for the processes and time range chosen, and writes them as an interactive HTML page (Plotly: zoom, search),\n" +
    "an SVG (flamegraph.pl style: click to zoom, Search) or folded text (flamegraph.pl's input). With --base or\n" +
    "--base-from/--base-to, a differential flame graph: red where a frame's share grew, blue where it shrank.\n" +
    "No root needed; nothing is fetched.",
  args: [{ name: "dir", description: "a folder written by bpflab capture --out", required: true }],
  json: true,
  options: [
    { flags: "-o, --out <FILE>", description: "FILE.html, FILE.svg or FILE.folded (the extension picks the format)" },
    { flags: "--frame <NAME>", description: "the frame whose stacks to draw", defaultText: "profile, else offcpu" },
    { flags: "-p, --pid <N>", description: "only this process (repeatable)", repeatable: true, split: true },
    { flags: "--from <S>", description: "only rows from S seconds after the capture began" },
    { flags: "--to <S>", description: "only rows before S seconds" },
    { flags: "--base <DIR>", description: "differential: the baseline capture (the same frame, pid filter)" },
    { flags: "--base-from <S>", description: "differential: the baseline is this capture from S seconds" },
    { flags: "--base-to <S>", description: "differential: … until S seconds" },
    { flags: "--icicle", description: "root at the top instead of the bottom" },
    { flags: "--search <REGEX>", description: "HTML: highlight matching frames, matched share in the title" },
    {
      flags: "--group-by <KIND>",
      description: "a root frame per process, thread name, pid, or none",
      choices: ["process", "comm", "pid", "none"],
      defaultText: "process",
    },
  ],
  examples: [
    ["bpflab flamegraph /tmp/cap -o cpu.html", "interactive flame graph of the profile frame"],
    ["bpflab flamegraph /tmp/cap --frame offcpu --pid 1234 -o blocked.svg", "off-CPU time of one process"],
    ["bpflab flamegraph /tmp/cap --from 10 --to 20 -o part.folded", "folded stacks of seconds 10-20"],
    ["bpflab flamegraph /tmp/after --base /tmp/before -o diff.html", "what changed between two captures"],
    ["bpflab flamegraph /tmp/cap --base-to 30 --from 30 -o incident.html", "after second 30 against before it"],
  ],
  async run(inv) {
    const dir = inv.one("folder", "bpflab flamegraph DIR -o FILE.html|.svg|.folded");
    const out = inv.string("out");
    if (!out) throw new OptionError("flamegraph needs -o FILE", "e.g. -o cpu.html, -o cpu.svg or -o cpu.folded");
    const ext = extname(out).toLowerCase();
    if (![".html", ".htm", ".svg", ".folded", ".txt"].includes(ext)) {
      throw new OptionError(`bad -o: ${JSON.stringify(out)}`, "end the name in .html, .svg or .folded");
    }
    const cap = await loadCapture(dir);
    const frame = stacksFrame(cap, inv.string("frame"));
    const fold: FoldOptions = {
      ...pids(inv),
      ...seconds(inv, "from", "from"),
      ...seconds(inv, "to", "to"),
      groupBy: inv.choice("group-by", ["process", "comm", "pid", "none"] as const) ?? "process",
    };
    const stacks = foldStacks(frame, fold);
    let base: Map<string, number> | undefined;
    const baseDir = inv.string("base");
    if (baseDir || inv.has("base-from") || inv.has("base-to")) {
      const baseCap = baseDir ? await loadCapture(baseDir) : cap;
      const { from: _f, to: _t, ...rest } = fold;
      base = foldStacks(stacksFrame(baseCap, frame.name), {
        ...rest,
        ...seconds(inv, "base-from", "from"),
        ...seconds(inv, "base-to", "to"),
      });
      if (base.size === 0) throw new OptionError("the baseline has no stacks", "widen --base-from/--base-to or --pid");
    }
    if (stacks.size === 0) {
      throw new OptionError(
        `no stacks in ${frame.name} for these filters`,
        "check --pid, --from and --to (`bpflab show DIR` lists processes and the capture's length)",
      );
    }
    const unit = weightColumn(frame)?.endsWith("_ns") ? "ns" : (weightColumn(frame) ?? "samples");
    const title =
      `${base ? "Differential flame graph" : frame.name === "offcpu" ? "Off-CPU flame graph" : "Flame graph"}: ` +
      `${frame.name} of ${cap.meta.host}`;
    const orientation = inv.flag("icicle") ? "icicle" : "flame";
    let text: string;
    if (ext === ".folded" || ext === ".txt") {
      text = formatFolded(stacks);
    } else if (ext === ".svg") {
      text = flameSvg(flameTree(stacks, base ? { base } : {}), { title, unit, orientation });
    } else {
      const search = inv.string("search");
      const o = { title, unit, orientation, ...(search ? { search } : {}) } as const;
      text = (base ? diffFlameGraph(base, stacks, o) : flameGraph(stacks, o)).toStandaloneHtml();
    }
    const path = writeOutputFile(out, text);
    const total = totalWeight(stacks);
    if (inv.json) {
      process.stdout.write(JSON.stringify({ file: path, frame: frame.name, stacks: stacks.size, total }) + "\n");
    } else {
      process.stdout.write(`wrote ${path}: ${stacks.size} stacks of ${frame.name}, total ${total} ${unit}\n`);
    }
    return 0;
  },
});

/** The frame to draw: the one named, else profile, else offcpu, else the first with stacks. */
function stacksFrame(cap: Capture, name: string | undefined): Frame {
  if (name) {
    const f = cap.frame(name);
    if (!hasStacks(f)) throw new OptionError(`frame ${name} has no stacks`, "pick a frame with a stack column");
    return f;
  }
  const all = cap.collectors.map((c) => cap.frame(c)).filter(hasStacks);
  const f = all.find((x) => x.name === "profile") ?? all.find((x) => x.name === "offcpu") ?? all[0];
  if (!f) {
    throw new OptionError(
      `this capture has no stacks (frames: ${cap.collectors.join(", ")})`,
      "capture with -c profile or -c offcpu",
    );
  }
  return f;
}

function pids(inv: Invocation): { pid?: number[] } {
  const list = inv.strings("pid").map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0) throw new OptionError(`bad --pid: ${JSON.stringify(s)}`, "pass a process id");
    return n;
  });
  return list.length ? { pid: list } : {};
}

function seconds(inv: Invocation, flag: string, key: "from" | "to"): { from?: number } | { to?: number } {
  const s = inv.string(flag);
  if (s === undefined) return {};
  const n = Number(s);
  if (s.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new OptionError(`bad --${flag}: ${JSON.stringify(s)}`, "pass seconds since the capture began, e.g. 12.5");
  }
  return { [key]: n };
}
