// Parses window lengths such as "1s", "500ms", "2m" into seconds, echoing bad values with the accepted forms.

import { OptionError } from "../errors.js";

/** "250ms" | "1s" | "1.5s" | "2m" | a number of seconds → seconds (> 0). */
export function parseWindow(window: string | number): number {
  if (typeof window === "number") {
    if (window > 0 && Number.isFinite(window)) return window;
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min)?\s*$/.exec(window);
    if (m) {
      const v = Number(m[1]);
      const s = m[2] === "ms" ? v / 1000 : m[2] === "m" || m[2] === "min" ? v * 60 : v;
      if (s > 0) return s;
    }
  }
  throw new OptionError(
    `bad window ${JSON.stringify(window)}`,
    'give a positive duration such as "500ms", "1s", "2m", or a number of seconds',
  );
}
