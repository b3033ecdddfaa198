// Detector registry: create a detector by name with options, as the compare harness and the CLI do.

import { OptionError } from "../errors.js";
import type { Detector } from "./detector.js";
import { Ecod } from "./ecod.js";
import { ForecastEwma, ForecastEwmaOptions } from "./forecast-ewma.js";
import { Hbos, HbosOptions } from "./hbos.js";
import { IsolationForest, IsolationForestOptions } from "./isolation-forest.js";
import { Lstm, LstmOptions } from "./lstm.js";
import { KnnDistance, Lof, NeighborOptions } from "./neighbors.js";
import { Pca, PcaOptions } from "./pca.js";
import { RobustZscore, RobustZscoreOptions } from "./robust-zscore.js";

/** Options accepted per detector name. */
export interface DetectorOptionsByName {
  iforest: IsolationForestOptions;
  pca: PcaOptions;
  zscore: RobustZscoreOptions;
  hbos: HbosOptions;
  ecod: { seed?: number };
  knn: NeighborOptions & { method?: "largest" | "mean" };
  lof: NeighborOptions;
  "forecast-ewma": ForecastEwmaOptions;
  lstm: LstmOptions;
}

export type DetectorName = keyof DetectorOptionsByName;

const factories: { [K in DetectorName]: (o: DetectorOptionsByName[K]) => Detector } = {
  iforest: (o) => new IsolationForest(o),
  pca: (o) => new Pca(o),
  zscore: (o) => new RobustZscore(o),
  hbos: (o) => new Hbos(o),
  ecod: (o) => new Ecod(o),
  knn: (o) => new KnnDistance(o),
  lof: (o) => new Lof(o),
  "forecast-ewma": (o) => new ForecastEwma(o),
  lstm: (o) => new Lstm(o),
};

/** Names of every registered detector; the time-series ones ("forecast-ewma", "lstm") expect rows in time order. */
export const detectorNames = Object.keys(factories) as DetectorName[];

/**
 * A new, unfitted detector by name. An unknown name throws OptionError listing the known ones.
 * @example createDetector("iforest", { seed: 1, nEstimators: 200 })
 */
export function createDetector<K extends DetectorName>(name: K, options?: DetectorOptionsByName[K]): Detector;
export function createDetector(name: string, options?: Record<string, unknown>): Detector;
export function createDetector(name: string, options: Record<string, unknown> = {}): Detector {
  const f = (factories as Record<string, (o: unknown) => Detector>)[name];
  if (!f) throw new OptionError(`unknown detector "${name}"`, `known detectors: ${detectorNames.join(", ")}`);
  return f(options);
}
