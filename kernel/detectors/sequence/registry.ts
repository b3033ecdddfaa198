// Sequence detectors by name, as compare --sequence and the online detectors create them.

import { OptionError } from "../../errors.js";
import { GruLanguageModel, GruOptions } from "./gru-language-model.js";
import { NgramModel, NgramOptions } from "./ngram-model.js";
import type { SequenceDetector } from "./sequence-detector.js";
import { Stide, StideOptions } from "./stide.js";

export interface SequenceDetectorOptionsByName {
  stide: StideOptions;
  ngram: NgramOptions;
  lstm: GruOptions;
}

const factories: {
  [K in keyof SequenceDetectorOptionsByName]: (o: SequenceDetectorOptionsByName[K]) => SequenceDetector;
} = {
  stide: (o) => new Stide(o),
  ngram: (o) => new NgramModel(o),
  lstm: (o) => new GruLanguageModel(o),
};

export const sequenceDetectorNames = Object.keys(factories) as (keyof SequenceDetectorOptionsByName)[];

/** A new, unfitted sequence detector; an unknown name lists the known ones. */
export function createSequenceDetector(name: string, options: Record<string, unknown> = {}): SequenceDetector {
  const f = (factories as Record<string, (o: unknown) => SequenceDetector>)[name];
  if (!f) {
    throw new OptionError(
      `unknown sequence detector "${name}"`,
      `known sequence detectors: ${sequenceDetectorNames.join(", ")}`,
    );
  }
  return f(options);
}
