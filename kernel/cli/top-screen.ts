// The refreshing terminal view of `bpflab top` and `capture --follow`: the alternate screen redrawn after every
// interval (like top), left at the end for the final view; in a pipe, one plain block per interval (`top -b`).

import type { CaptureProgress } from "../capture/engine.js";
import type { Capture } from "../capture/capture.js";
import { LiveStats, topProcesses } from "../plots/live-stats.js";
import { liveText } from "../plots/live-text.js";
import type { ProgressSink } from "./progress-line.js";

interface ScreenSink extends ProgressSink {
  rows?: number;
}

export interface TopScreenOptions {
  /** Where the view goes (default stdout). */
  sink?: ScreenSink;
  /** In a pipe: print a block per interval ("batch", top) or nothing (capture --follow keeps pipes clean). */
  pipe?: "batch" | "silent";
  untilStopped?: boolean;
  title?: string;
}

export class TopScreen {
  readonly stats: LiveStats;
  private readonly sink: ScreenSink;
  private readonly tty: boolean;
  private readonly o: TopScreenOptions;
  private entered = false;

  constructor(stats: LiveStats, o: TopScreenOptions = {}) {
    this.stats = stats;
    this.o = o;
    this.sink = o.sink ?? process.stdout;
    this.tty = this.sink.isTTY === true;
  }

  private get title(): string {
    return this.o.title ?? "bpflab top";
  }

  /** Enters the alternate screen (a terminal) and shows what is starting. */
  start(what: string): void {
    if (!this.tty) return;
    this.sink.write("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J" + what);
    this.entered = true;
  }

  readonly onInterval = (p: CaptureProgress): void => {
    if (!this.tty && this.o.pipe !== "batch") return;
    this.stats.ingestProgress(p);
    const lines = liveText(this.stats, {
      state: "running",
      title: this.title,
      colour: this.tty,
      untilStopped: this.o.untilStopped ?? false,
      ...(this.tty ? { width: this.sink.columns || 100, height: this.sink.rows || 24 } : { height: 20 }),
    });
    if (this.tty) this.sink.write("\x1b[H" + lines.map((l) => `${l}\x1b[K`).join("\n") + "\x1b[J");
    else this.sink.write(lines.join("\n") + "\n\n");
  };

  /** Leaves the alternate screen (the terminal looks as before). */
  done(): void {
    if (this.entered) this.sink.write("\x1b[?25h\x1b[?1049l");
    this.entered = false;
  }

  /** The final view of a finished capture: its busiest processes over the whole run, as plain lines. */
  finalText(cap: Capture, colour: boolean): string {
    return liveText(this.stats, {
      state: cap.meta.interrupted ? "interrupted" : "done",
      title: this.title,
      colour,
      untilStopped: this.o.untilStopped ?? false,
      height: this.stats.topN + 8,
      ...(this.sink.columns ? { width: this.sink.columns } : {}),
      final: {
        top: topProcesses(cap.frames, cap.meta.elapsedMs, this.stats.topN),
        elapsedMs: cap.meta.elapsedMs,
        table: cap.collectors.map((c) => ({
          collector: c,
          rows: cap.frames[c]?.length ?? 0,
          rowsPerS: 0,
          lost: cap.meta.lost[c] ?? 0,
        })),
      },
    }).join("\n");
  }
}
