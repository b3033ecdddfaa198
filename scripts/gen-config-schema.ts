// Writes configs/capture-config.schema.json from the collector registry (a test checks it is up to date).
// Run: npx tsx scripts/gen-config-schema.ts
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { captureConfigSchema } from "../kernel/capture/config-schema.js";

writeFileSync(
  join(__dirname, "..", "configs", "capture-config.schema.json"),
  JSON.stringify(captureConfigSchema(), null, 2) + "\n",
);
