// A process with bpflab's SIGUSR1 guard (kernel/capture/inspector-guard.ts) and nothing else: says "ready", then,
// 1.5 s later, whether the inspector is open. test/capture/inspector-guard.test.ts signals it in between.

import { url } from "node:inspector";
import { guardInspectorSignal } from "../../kernel/capture/inspector-guard.js";

guardInspectorSignal();
process.stdout.write("ready\n");
setTimeout(() => process.stdout.write(`inspector ${url() ?? "closed"}\n`), 1500);
