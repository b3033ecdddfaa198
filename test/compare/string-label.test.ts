// compare with a label column of text (yes/no) is a one-line error that says labels are 0/1, not a stack trace.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "bpflab-strlabel-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a text label column: one line, what it holds, and what labels must be", () => {
  const csv = join(dir, "data.csv");
  writeFileSync(csv, "a,b,label\n1,2,yes\n2,3,no\n3,4,no\n4,1,yes\n5,5,no\n");
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", join(__dirname, "../../kernel/cli/main.ts"), "compare", "--data", csv, "--label", "label"],
    { encoding: "utf8" },
  );
  expect(r.status).toBe(1);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(2);
  expect(lines[0]).toBe('bpflab: label column "label" of data holds text (yes, no)');
  expect(lines[1]).toMatch(/hint: labels must be 0 \(normal\) or 1 \(anomaly\)/);
});
