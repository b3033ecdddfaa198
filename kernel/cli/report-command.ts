// `bpflab report DIR -o report.html`: one self-contained HTML report of a capture (see kernel/report/).

import { loadCapture } from "../capture/capture-files.js";
import { isDataset } from "../dataset/layout.js";
import { loadDataset } from "../dataset/load-dataset.js";
import { OptionError } from "../errors.js";
import { writeOutputFile } from "../plots/write-output.js";
import { captureReport } from "../report/capture-report.js";
import { detectorNames } from "../detectors/registry.js";
import { defineCommand } from "./command.js";

export const reportCommand = defineCommand({
  name: "report",
  summary: "write one self-contained HTML report of a capture (summary, timelines, latency, anomalies)",
  description:
    "Writes one HTML file to hand to a colleague: the summary, per-process timelines, top processes, latency\n" +
    "distributions, the top anomalies with what drives them, and flame graphs when the capture has stacks.\n" +
    "plotly.js is inlined once; the page fetches nothing. No root needed.",
  args: [{ name: "dir", description: "a capture folder, or a dataset root with --host", required: true }],
  json: true,
  options: [
    { flags: "-o, --out <FILE>", description: "the HTML file to write", defaultText: "report.html" },
    {
      flags: "--detector <NAME>",
      description: `detectors for the anomalies (repeatable): ${detectorNames.join(", ")}`,
      repeatable: true,
      split: true,
      defaultText: "zscore, iforest",
    },
    { flags: "--no-anomalies", description: "leave the anomalies section out" },
    { flags: "-n, --top <N>", description: "anomalies listed", defaultText: "10" },
    { flags: "--host <NAME>", description: "dataset: the host to report on" },
  ],
  examples: [
    ["bpflab report /tmp/cap -o report.html", "the whole report"],
    ["bpflab report datasets/redis-injected -o redis.html --detector iforest,pca", "other detectors"],
    ["bpflab report /data/fleet --host web1 -o web1.html", "one host of a dataset"],
  ],
  async run(inv) {
    const dir = inv.one("folder", "bpflab report DIR -o report.html");
    const out = inv.string("out") ?? "report.html";
    const top = inv.int("top", { min: 1, max: 1000 }, 10)!;
    let cap;
    if (isDataset(dir)) {
      const host = inv.string("host");
      const ds = await loadDataset(dir, host ? { hosts: [host] } : {});
      if (!host && ds.hosts.length !== 1)
        throw new OptionError(`${dir} holds ${ds.hosts.length} hosts`, `name one with --host: ${ds.hosts.join(", ")}`);
      cap = ds.capture(host ?? ds.hosts[0]!);
    } else {
      cap = await loadCapture(dir);
    }
    const detectors = inv.flag("no-anomalies") ? [] : inv.strings("detector");
    const html = captureReport(cap, { ...(detectors.length || inv.flag("no-anomalies") ? { detectors } : {}), top });
    const path = writeOutputFile(out, html);
    if (inv.json) process.stdout.write(JSON.stringify({ report: path, bytes: Buffer.byteLength(html) }) + "\n");
    else process.stdout.write(`wrote ${path} (${(Buffer.byteLength(html) / 2 ** 20).toFixed(1)} MB, self-contained)\n`);
    return 0;
  },
});
