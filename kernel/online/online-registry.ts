// Online detectors by name, as `capture --online` / `replay --online` and capture({ online: ["ewma"] }) pick them.

import { OptionError } from "../errors.js";
import type { OnlineDetector } from "./alert.js";
import { OnlineEwma, OnlineEwmaOptions } from "./online-ewma.js";
import { StreamingZscore, StreamingZscoreOptions } from "./streaming-zscore.js";

export interface OnlineDetectorOptionsByName {
  zscore: StreamingZscoreOptions;
  ewma: OnlineEwmaOptions;
}

const factories: {
  [K in keyof OnlineDetectorOptionsByName]: (o: OnlineDetectorOptionsByName[K]) => OnlineDetector;
} = {
  zscore: (o) => new StreamingZscore(o),
  ewma: (o) => new OnlineEwma(o),
};

export const onlineDetectorNames = Object.keys(factories) as (keyof OnlineDetectorOptionsByName)[];

/** A detector, or a name of one (with its options). */
export type OnlineDetectorSpec = OnlineDetector | keyof OnlineDetectorOptionsByName;

/** New detectors for `names` (each a fresh state); an unknown name lists the known ones. */
export function createOnlineDetectors(
  specs: readonly (OnlineDetectorSpec | string)[],
  options: Partial<OnlineDetectorOptionsByName> = {},
): OnlineDetector[] {
  return specs.map((s) => {
    if (typeof s !== "string") return s;
    const f = (factories as Record<string, (o: unknown) => OnlineDetector>)[s];
    if (!f)
      throw new OptionError(
        `unknown online detector "${s}"`,
        `known online detectors: ${onlineDetectorNames.join(", ")}`,
      );
    return f((options as Record<string, unknown>)[s] ?? {});
  });
}
