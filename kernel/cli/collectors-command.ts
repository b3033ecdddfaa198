// `bpflab collectors`: every registered collector with its probes, options (and their flags) and columns.

import { collectors } from "../collectors/registry.js";
import { defineCommand } from "./command.js";
import { collectorFlags, optionDecls } from "./collector-flags.js";
import { textTable } from "../report/summary.js";

export const collectorsCommand = defineCommand({
  name: "collectors",
  summary: "list collectors with their probes, options and columns",
  json: true,
  examples: [
    ["bpflab collectors", "every collector, option and column with its unit"],
    ["bpflab collectors --json | jq '.[].name'", "machine-readable"],
  ],
  run(inv) {
    const flags = collectorFlags(collectors);
    const flagOf = (collector: string, option: string) =>
      flags.find((f) => f.bindings.some((b) => b.collector === collector && b.option === option))?.spec.flags;
    if (inv.json) {
      const list = Object.values(collectors).map((c) => ({
        name: c.name,
        description: c.description,
        tracepoints: c.tracepoints,
        options: optionDecls(c).map((o) => ({ ...o, cli: o.cli ?? flagOf(c.name, o.name) })),
        columns: c.schema,
      }));
      process.stdout.write(JSON.stringify(list, null, 2) + "\n");
      return 0;
    }
    for (const c of Object.values(collectors)) {
      process.stdout.write(`${c.name}: ${c.description}\n  tracepoints: ${c.tracepoints.join(", ")}\n`);
      for (const o of optionDecls(c)) {
        const flag = flagOf(c.name, o.name);
        process.stdout.write(
          `  option ${o.name} (${o.type}, default ${JSON.stringify(o.default)}${flag ? `, CLI ${flag}` : ""}): ${o.description}\n`,
        );
      }
      process.stdout.write(
        textTable(
          ["  column", "type", "unit", "meaning"],
          c.schema.map((s) => [`  ${s.name}`, s.type, s.unit ?? "", s.description ?? ""]),
        ) + "\n\n",
      );
    }
    return 0;
  },
});
