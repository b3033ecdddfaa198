// Collector flags come from each collector's declared options: a `cli` spelling when given, else a rule.

import { describe, expect, it } from "vitest";
import type { Collector } from "../../kernel/collectors/schema.js";
import { applyCollectorFlags, collectorFlags } from "../../kernel/cli/collector-flags.js";
import { Invocation } from "../../kernel/cli/command.js";
import { collectors } from "../../kernel/collectors/registry.js";

/** A collector with only what the flag generator reads. */
function fake(name: string, options: unknown): Collector {
  return { name, options } as unknown as Collector;
}

describe("collectorFlags", () => {
  it("reads the lead's declarations (a record with cli spellings) and today's lists alike", () => {
    const flags = collectorFlags({
      a: fake("a", {
        latency: { type: "boolean", default: true, cli: "--no-latency", doc: "time each call" },
        functions: { type: "string", default: [], cli: "--ufunc BIN:SYM", doc: "functions" },
        depth: { type: "number", default: 8, doc: "stack depth" },
      }),
      b: fake("b", [{ name: "latency", type: "boolean", default: true, description: "time it" }]),
      c: fake("c", [{ name: "verboseMode", type: "boolean", default: false, description: "more" }]),
    });
    const byLong = Object.fromEntries(flags.map((f) => [f.long, f]));
    expect(Object.keys(byLong).sort()).toEqual(["a-depth", "no-latency", "ufunc", "verbose-mode"]);
    expect(byLong["no-latency"]!.bindings.map((b) => b.collector)).toEqual(["a", "b"]);
    expect(byLong["ufunc"]!.spec).toMatchObject({ flags: "--ufunc <BIN:SYM>", repeatable: true });
    expect(byLong["a-depth"]!.spec.flags).toBe("--a-depth <N>");

    const inv = new Invocation("capture", [], { latency: false, ufunc: ["/bin/x:f", "/bin/x:g"], aDepth: "16" }, []);
    expect(applyCollectorFlags(inv, flags, ["a", "b"], { b: { other: 1 } })).toEqual({
      a: { latency: false, functions: ["/bin/x:f", "/bin/x:g"], depth: 16 },
      b: { other: 1, latency: false },
    });
    expect(() => applyCollectorFlags(inv, flags, ["b"])).toThrow(/--ufunc is an option of a, which is not selected/);
    const bad = new Invocation("capture", [], { aDepth: "deep" }, []);
    expect(() => applyCollectorFlags(bad, flags, ["a"])).toThrow(/bad --a-depth: "deep"/);
  });

  it("gives every option of every registered collector a flag", () => {
    const flags = collectorFlags(collectors);
    for (const c of Object.values(collectors)) {
      for (const o of c.options) {
        expect(flags.some((f) => f.bindings.some((b) => b.collector === c.name && b.option === o.name))).toBe(true);
      }
    }
  });
});
