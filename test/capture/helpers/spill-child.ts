// A process that spills synthetic intervals to DIR through SegmentWriter until it is killed (or for COUNT
// intervals, then finishes): the parent test SIGKILLs it to check what a killed capture keeps.
// Usage: node --import tsx spill-child.ts DIR INTERVAL_MS ROWS_PER_INTERVAL [COUNT]

import { prepareOutput } from "../../../kernel/capture/output-dir.js";
import { SegmentWriter } from "../../../kernel/capture/segment-writer.js";
import { intervalFrame, spillMeta, SPILL_SCHEMA } from "./spill-frames.js";

const [dir, intervalArg, rowsArg, countArg] = process.argv.slice(2);
const intervalMs = Number(intervalArg);
const rows = Number(rowsArg);
const count = countArg ? Number(countArg) : Infinity;

async function main(): Promise<void> {
  const out = await prepareOutput(dir!);
  const sink = new SegmentWriter(out, { segmentMs: 200 });
  const meta = spillMeta(["a", "b"]);
  sink.begin(meta, [
    { name: "a", schema: SPILL_SCHEMA },
    { name: "b", schema: SPILL_SCHEMA },
  ]);
  const t0 = Date.now();
  for (let i = 0; i < count; i++) {
    sink.append("a", intervalFrame("a", i * rows, rows));
    sink.append("b", intervalFrame("b", i * 3, 3));
    // Tell the parent how many rows of "a" were handed over, after the segments before them are on disk.
    await sink.settled();
    process.stdout.write(`appended ${(i + 1) * rows} segments ${sink.segments}\n`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  await sink.finish({ ...meta, elapsedMs: Date.now() - t0 });
  out.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`spill-child: ${(e as Error).message}\n`);
  process.exit(1);
});
