// Imported first by main.ts, so SIGUSR1 is guarded (kernel/capture/inspector-guard.ts) from the CLI's first
// moment rather than after its modules load, which takes most of a second: only Node's own start-up comes before.

import { guardInspectorSignal } from "../capture/inspector-guard.js";

guardInspectorSignal();
