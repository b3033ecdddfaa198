// The README's collectors table is checked against the registry: one row per registered collector, no row for
// anything else, and each row names every column of the collector's main frame and every option.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collectors } from "../../kernel/collectors/registry.js";
import { cgroupColumns, identityColumns } from "../../kernel/collectors/schema.js";
import { packageRoot } from "../../kernel/paths.js";

const readme = readFileSync(join(packageRoot(), "README.md"), "utf8");
const section = readme.slice(
  readme.indexOf("\n## Collectors"),
  readme.indexOf("\n## ", readme.indexOf("\n## Collectors") + 5),
);
const rows = new Map(
  section
    .split("\n")
    .map((l) => /^\| `([a-z0-9_]+)` \|(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
);

describe("README collectors table", () => {
  it("has one row per registered collector and none other", () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(collectors).sort());
  });

  // the columns every row has (the README lists them once, above the table)
  const identity = new Set<string>([...identityColumns, ...cgroupColumns].map((c) => c.name));
  it.each(Object.values(collectors).map((c) => [c.name, c] as const))(
    "the row of %s names its columns and options",
    (name, c) => {
      const row = rows.get(name) ?? "";
      const missing = [
        ...c.schema.filter((s) => !identity.has(s.name)).map((s) => s.name),
        ...c.options.filter((o) => o.name !== "mapEntries").map((o) => o.name),
      ].filter((n) => !row.includes(`\`${n}`));
      expect(missing).toEqual([]);
    },
  );
});
