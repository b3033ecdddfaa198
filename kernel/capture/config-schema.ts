// The JSON Schema of capture config files (the CLI's --config), generated from the collector registry, so editors
// complete and check them and the schema never goes stale. configs/capture-config.schema.json is its output.

import { collectors } from "../collectors/registry.js";
import type { OptionDoc } from "../collectors/options.js";

const DURATION = {
  oneOf: [
    { type: "string", pattern: "^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h)\\s*)+$", examples: ["10s", "500ms", "2m", "1h30m"] },
    { type: "number", exclusiveMinimum: 0, description: "seconds, as on the command line" },
  ],
};

function optionSchema(o: OptionDoc): Record<string, unknown> {
  const base: Record<string, unknown> = { description: o.description, default: o.default };
  switch (o.type) {
    case "boolean":
      return { ...base, type: "boolean" };
    case "number":
      return {
        ...base,
        type: "number",
        ...(o.min !== undefined ? { minimum: o.min } : {}),
        ...(o.max !== undefined ? { maximum: o.max } : {}),
      };
    case "string":
      return { ...base, type: "string", ...(o.values ? { enum: o.values } : {}) };
    case "string[]":
      return {
        ...base,
        oneOf: [{ type: "array", items: { type: ["string", "object"] } }, { type: "string" }],
      };
  }
}

/** The schema of a capture config file (JSON Schema 2020-12). */
export function captureConfigSchema(): Record<string, unknown> {
  const names = Object.keys(collectors);
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "bpflab capture config",
    description: "Settings for `bpflab capture --config FILE`; flags given on the command line override them.",
    type: "object",
    additionalProperties: false,
    properties: {
      $schema: { type: "string" },
      $comment: { type: "string" },
      collectors: {
        description: "collector names, or names mapped to their options",
        oneOf: [
          { type: "array", items: { enum: names }, minItems: 1, uniqueItems: true },
          {
            type: "object",
            minProperties: 1,
            additionalProperties: false,
            properties: Object.fromEntries(
              Object.values(collectors).map((c) => [
                c.name,
                {
                  description: c.description,
                  type: "object",
                  additionalProperties: false,
                  properties: Object.fromEntries(c.options.map((o) => [o.name, optionSchema(o)])),
                },
              ]),
            ),
          },
        ],
      },
      duration: { description: "how long to capture", ...DURATION },
      interval: { description: "aggregation interval (default 1s)", ...DURATION },
      pid: { description: "trace this process and its descendants", type: "integer", minimum: 1 },
      followChildren: { description: "with pid: also trace its descendants (default true)", type: "boolean" },
      cgroup: {
        description: "trace only processes in this cgroup v2 or below it (a path below the cgroup2 mount)",
        type: "string",
        minLength: 1,
      },
      comm: {
        description: "trace only processes of this name (as ps -o comm shows it)",
        type: "string",
        minLength: 1,
        maxLength: 15,
      },
      command: {
        description: "start this command under capture, each argument its own string (no shell)",
        type: "array",
        items: { type: "string" },
        minItems: 1,
      },
      maxTracked: {
        description: "processes the pid filter follows at once (default 8192)",
        type: "integer",
        minimum: 1,
      },
    },
  };
}
