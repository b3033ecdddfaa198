// CAP_BPF + CAP_PERFMON are enough for every collector (the README says so): a child process that holds only
// those two capabilities captures with each of them.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { liveIt } from "../helpers/live.js";

describe("capabilities", () => {
  liveIt("a process with only CAP_BPF and CAP_PERFMON captures with every collector", () => {
    const engine = join(__dirname, "../../kernel/capture/engine.ts");
    const script =
      `import(${JSON.stringify(engine)}).then(m => (m.capture ?? m.default.capture)({ collectors: ` +
      `["sched", "syscalls", "process", "memory", "net"], duration: "1s" }))` +
      `.then(c => console.log("ROWS " + JSON.stringify(Object.fromEntries(Object.entries(c.frames).map(([k, f]) => [k, f.length])))),` +
      ` e => console.log("ERROR " + e.constructor.name + ": " + e.message))`;
    const caps = "-all,+bpf,+perfmon";
    const out = execFileSync(
      "setpriv",
      [
        `--inh-caps=${caps}`,
        `--ambient-caps=${caps}`,
        `--bounding-set=${caps}`,
        process.execPath,
        "--import",
        "tsx",
        "-e",
        script,
      ],
      { encoding: "utf8", cwd: join(__dirname, "../..") },
    );
    expect(out).not.toContain("ERROR");
    const rows = JSON.parse(out.slice(out.indexOf("ROWS ") + 5)) as Record<string, number>;
    expect(Object.keys(rows).sort()).toEqual([
      "cgroups",
      "drops",
      "memory",
      "net",
      "process",
      "sched",
      "sched_waits",
      "syscalls",
    ]);
    expect(rows.sched).toBeGreaterThan(0);
    expect(rows.syscalls).toBeGreaterThan(0);
  });
});
