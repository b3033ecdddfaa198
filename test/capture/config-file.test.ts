// Config files: the published JSON Schema is the registry's (regenerated = committed), the shipped configs pass
// an independent validator (Python's jsonschema), and a typo at any depth is an error naming it.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { captureConfigSchema } from "../../kernel/capture/config-schema.js";
import { readCaptureConfig } from "../../kernel/capture/config-file.js";
import { OptionError } from "../../kernel/errors.js";
import { packageRoot } from "../../kernel/paths.js";

const configs = join(packageRoot(), "configs");
const schemaPath = join(configs, "capture-config.schema.json");
const dir = mkdtempSync(join(tmpdir(), "bpflab-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Python's jsonschema (Draft 2020-12) on one file: "" when valid, else its message. */
function pyValidate(file: string): string {
  const code =
    "import json,sys,jsonschema\n" +
    "s=json.load(open(sys.argv[1])); d=json.load(open(sys.argv[2]))\n" +
    "try:\n jsonschema.Draft202012Validator(s).validate(d)\nexcept jsonschema.ValidationError as e:\n print(e.message)\n";
  return execFileSync("/usr/bin/python3", ["-c", code, schemaPath, file], { encoding: "utf8" }).trim();
}

function write(name: string, cfg: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(cfg));
  return p;
}

describe("capture config files", () => {
  it("the published schema is what the registry generates (run scripts/gen-config-schema.ts)", () => {
    expect(JSON.parse(readFileSync(schemaPath, "utf8"))).toEqual(captureConfigSchema());
  });

  it.each(readdirSync(configs).filter((f) => f.endsWith(".json") && !f.includes("schema")))(
    "configs/%s is valid by the schema and reads",
    (f) => {
      expect(pyValidate(join(configs, f))).toBe("");
      expect(readCaptureConfig(join(configs, f)).collectors).toBeDefined();
    },
  );

  it("a misspelled collector option is an error in both validators, naming it", () => {
    const p = write("typo.json", { collectors: { syscalls: { latncy: false } }, duration: "1s" });
    expect(pyValidate(p)).toMatch(/latncy/);
    expect(() => readCaptureConfig(p)).toThrow(OptionError);
    expect(() => readCaptureConfig(p)).toThrow(/syscalls has no option "latncy"/);
  });

  it("a bare number of seconds means seconds, as on the command line", () => {
    const p = write("secs.json", { collectors: ["sched"], duration: 10, interval: 0.5 });
    expect(pyValidate(p)).toBe("");
    const cfg = readCaptureConfig(p);
    expect([cfg.duration, cfg.interval]).toEqual(["10s", "0.5s"]);
  });

  it("a string command or collector list is refused with a hint", () => {
    const p = write("cmd.json", { collectors: "sched", command: "sleep 1" });
    expect(pyValidate(p)).not.toBe("");
  });
});
