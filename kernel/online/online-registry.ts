// Online detectors by name, as `capture --online` / `replay --online` and capture({ online: ["ewma"] }) pick them.

import { OptionError } from "../errors.js";
import type { OnlineDetector, OnlineDetectorName } from "./alert.js";
import { OnlineEwma, OnlineEwmaOptions } from "./online-ewma.js";
import { StreamingNgram, StreamingNgramOptions } from "./streaming-ngram.js";
import { StreamingZscore, StreamingZscoreOptions } from "./streaming-zscore.js";

export interface OnlineDetectorOptionsByName {
  zscore: StreamingZscoreOptions;
  ewma: OnlineEwmaOptions;
  ngram: StreamingNgramOptions;
}

// keyed by OnlineDetectorName, so that a name the options' type allows always has a factory
const factories: {
  [K in OnlineDetectorName]: (o: OnlineDetectorOptionsByName[K]) => OnlineDetector;
} = {
  zscore: (o) => new StreamingZscore(o),
  ewma: (o) => new OnlineEwma(o),
  ngram: (o) => new StreamingNgram(o),
};

export const onlineDetectorNames = Object.keys(factories) as OnlineDetectorName[];

/** The detectors `specs` names (each a new one) or holds; an unknown name lists the known ones. */
export function createOnlineDetectors(
  specs: readonly (OnlineDetector | string)[],
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
