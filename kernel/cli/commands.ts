// Every bpflab command, in the order the global help lists them. A new command is one definition file and a
// line here; its --help, usage errors and the global help follow from the definition.

import type { CommandSpec } from "./command.js";
import { collectorsCommand } from "./collectors-command.js";
import { captureCommand } from "./capture-command.js";
import { topCommand } from "./top-command.js";
import { showCommand } from "./show-command.js";
import { sqlCommand } from "./sql-command.js";
import { importCommand } from "./import-command.js";
import { reportCommand } from "./report-command.js";
import { detectCommand } from "./detect-command.js";
import { compareCommand } from "./compare-command.js";
import { demoCommand } from "./demo-command.js";
import { recoverCommand } from "./recover-command.js";
import { replayCommand } from "./replay-command.js";
import { scenarioCommand } from "./scenario-command.js";
import { flamegraphCommand } from "./flamegraph-command.js";

export const commands: readonly CommandSpec[] = [
  collectorsCommand,
  captureCommand,
  topCommand,
  showCommand,
  replayCommand,
  sqlCommand,
  reportCommand,
  flamegraphCommand,
  importCommand,
  detectCommand,
  compareCommand,
  demoCommand,
  scenarioCommand,
  recoverCommand,
];
