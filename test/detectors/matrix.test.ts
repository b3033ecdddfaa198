import { describe, expect, it } from "vitest";
import { DetectorInputError, OptionError } from "../../kernel/errors.js";
import { Frame } from "../../kernel/frame/frame.js";
import { dropConstantColumns, matrix, matrixFromColumns, matrixFromFrame } from "../../kernel/detectors/matrix.js";
import { createDetector, detectorNames } from "../../kernel/detectors/registry.js";
import { IsolationForest } from "../../kernel/detectors/isolation-forest.js";
import { RobustZscore } from "../../kernel/detectors/robust-zscore.js";
import { Lof } from "../../kernel/detectors/neighbors.js";

const good = () => matrixFromColumns({ a: [1, 2, 3, 4, 5, 6], b: [6, 1, 4, 2, 5, 3] });

describe("Matrix and input validation", () => {
  it("builds row-major data from columns and from frames", () => {
    const m = good();
    expect(m.rows).toBe(6);
    expect(m.columns).toEqual(["a", "b"]);
    expect(Array.from(m.data.subarray(0, 4))).toEqual([1, 6, 2, 1]);
    const f = new Frame(
      "t",
      [
        { name: "x", type: "f64" },
        { name: "n", type: "u32" },
        { name: "s", type: "str" },
      ],
      {
        x: new Float64Array([1.5, 2.5]),
        n: new Uint32Array([3, 4]),
        s: { codes: new Uint32Array([0, 0]), dict: ["a"] },
      },
    );
    const fm = matrixFromFrame(f);
    expect(fm.columns).toEqual(["x", "n"]);
    expect(Array.from(fm.data)).toEqual([1.5, 3, 2.5, 4]);
    expect(() => matrixFromFrame(f, ["s"])).toThrow(/column "s" of frame t holds strings/);
    expect(() => matrixFromFrame(f, ["nope"])).toThrow(DetectorInputError);
    expect(() => matrix(new Float64Array(5), 2, 3)).toThrow(/5 values, expected rows × cols = 2 × 3/);
  });

  it("names the column and row of a NaN or Inf, for fit and score", () => {
    const m = good();
    const bad = { ...m, data: Float64Array.from(m.data) };
    bad.data[2 * 2 + 1] = NaN;
    expect(() => new IsolationForest().fit(bad)).toThrow(/iforest: column "b" row 2 is NaN/);
    bad.data[5] = NaN;
    bad.data[2 * 2 + 1] = 0;
    const fitted = new IsolationForest().fit(m);
    bad.data[5] = Infinity;
    expect(() => fitted.score(bad)).toThrow(/column "b" row 2 is Infinity/);
    try {
      fitted.score(bad);
    } catch (e) {
      expect(e).toBeInstanceOf(DetectorInputError);
      expect((e as DetectorInputError).hint).toMatch(/fill or drop/);
    }
  });

  it("refuses empty input, too few rows and calls before fit", () => {
    expect(() => new IsolationForest().fit(matrix(new Float64Array(0), 0, 2))).toThrow(/no rows/);
    expect(() => new IsolationForest().fit(matrix(new Float64Array(0), 3, 0))).toThrow(/no feature columns/);
    expect(() => new Lof().fit(matrixFromColumns({ a: [1] }))).toThrow(/lof: needs at least 2 rows, got 1/);
    expect(() => createDetector("lstm", { window: 16 }).fit(new Float64Array(10))).toThrow(/needs at least 18 rows/);
    expect(() => new IsolationForest().score(good())).toThrow(/before fit/);
  });

  it("refuses constant columns for detectors that scale, and dropConstantColumns removes them", () => {
    const m = matrixFromColumns({ a: [1, 2, 3, 4], flat: [7, 7, 7, 7], b: [4, 3, 1, 2] });
    expect(() => new RobustZscore().fit(m)).toThrow(/zscore: column "flat" is constant/);
    expect(() => new IsolationForest().fit(m)).not.toThrow();
    const { matrix: kept, dropped } = dropConstantColumns(m);
    expect(dropped).toEqual(["flat"]);
    expect(kept.columns).toEqual(["a", "b"]);
    expect(Array.from(kept.data)).toEqual([1, 4, 2, 3, 3, 1, 4, 2]);
    expect(() => new RobustZscore().fit(kept)).not.toThrow();
  });

  it("refuses scoring columns that differ from the fitted ones", () => {
    const f = new IsolationForest().fit(good());
    expect(() => f.score(matrixFromColumns({ a: [1], c: [2] }))).toThrow(
      /column 1 is "c" but the detector was fitted with "b"/,
    );
    expect(() => f.score(matrixFromColumns({ a: [1] }))).toThrow(/fitted on 2 columns, asked to score 1/);
  });

  it("registry creates every detector and lists the names on a typo", () => {
    for (const n of detectorNames) expect(createDetector(n).name).toBe(n);
    expect(() => createDetector("iforrest")).toThrow(OptionError);
    expect(() => createDetector("iforrest")).toThrow(/known detectors: iforest, pca/);
    expect(() => new IsolationForest({ maxSamples: 1.5 })).toThrow(/maxSamples/);
  });

  it("predict flags by contamination from training scores, or by a fixed threshold", () => {
    const m = matrixFromColumns({ a: Array.from({ length: 100 }, (_, i) => (i === 99 ? 50 : i % 10)) });
    const z = new RobustZscore().fit(m);
    const flags = z.predict(m, { contamination: 0.01 });
    expect(flags[99]).toBe(1);
    expect(flags.reduce((a, b) => a + b, 0)).toBe(1);
    expect(Array.from(z.predict(m, { threshold: 1e9 })).every((v) => v === 0)).toBe(true);
    expect(() => z.predict(m, { contamination: 0.9 })).toThrow(/contamination must be in \(0, 0.5\]/);
  });
});
