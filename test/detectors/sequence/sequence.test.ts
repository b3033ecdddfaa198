// Sequence detectors: STIDE and the n-gram model against an independent Python implementation
// (scripts/sequence-reference.py), the GRU's typed-array forward pass against tfjs, traces and n-gram features.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Stide } from "../../../kernel/detectors/sequence/stide.js";
import { NgramModel } from "../../../kernel/detectors/sequence/ngram-model.js";
import { distinctWindows, GruLanguageModel } from "../../../kernel/detectors/sequence/gru-language-model.js";
import { Rng } from "../../../kernel/detectors/rng.js";
import { ngramFeatures, tracesFromTable } from "../../../kernel/detectors/sequence/traces.js";
import { createSequenceDetector } from "../../../kernel/detectors/sequence/registry.js";
import { Frame } from "../../../kernel/frame/frame.js";

interface Ref {
  nStide: number;
  nGram: number;
  frame: number;
  train: string[][];
  test: { calls: string[]; stide: number[]; ngram: number[]; stideTrace: number; ngramTrace: number }[];
}
const ref = JSON.parse(readFileSync(join(__dirname, "..", "..", "fixtures", "sequence-reference.json"), "utf8")) as Ref;

describe("sequence detectors against the reference implementation", () => {
  it("STIDE: the same mismatches per call and locality-frame scores", () => {
    const d = new Stide({ n: ref.nStide, frame: ref.frame }).fit(ref.train);
    for (const t of ref.test) {
      expect(Array.from(d.scoreCalls(t.calls))).toEqual(t.stide);
      expect(d.scoreTrace(t.calls)).toBeCloseTo(t.stideTrace, 12);
    }
    expect(ref.test.some((t) => t.stideTrace > 0)).toBe(true);
  });

  it("n-gram model: the same negative log-likelihood per call, to 1e-9", () => {
    const d = new NgramModel({ n: ref.nGram, frame: ref.frame }).fit(ref.train);
    for (const t of ref.test) {
      const s = d.scoreCalls(t.calls);
      t.ngram.forEach((v, i) => expect(Math.abs(s[i]! - v)).toBeLessThan(1e-9));
      expect(Math.abs(d.scoreTrace(t.calls) - t.ngramTrace)).toBeLessThan(1e-9);
    }
  });

  it("explanations name the unexpected call in its context", () => {
    const d = new NgramModel({ n: 3 }).fit(ref.train);
    const trace = ref.test[ref.test.length - 2]!.calls; // holds execve, socket, connect
    const top = d.explain(trace, 2);
    expect(["execve", "socket", "connect"]).toContain(top[0]!.context[top[0]!.context.length - 1]);
    expect(top[0]!.why).toMatch(/p = /);
    const st = new Stide({ n: 3 }).fit(ref.train).explain(trace, 1)[0]!;
    expect(st.score).toBe(1);
    expect(st.context.length).toBeLessThanOrEqual(3);
    expect(st.context[st.context.length - 1]).toBe(trace[st.position]);
  });
});

describe("GRU language model", () => {
  const train = ref.train;
  it("its typed-array forward pass equals tfjs' prediction; seeded, it is repeatable; it ranks the odd trace first", () => {
    const a = new GruLanguageModel({ seed: 3, epochs: 3, units: 8, window: 6 }).fit(train);
    const ctx = Int32Array.from([2, 3, 4, 2, 3, 4]);
    const ours = a.predictNext(ctx);
    const tf = require("@tensorflow/tfjs-core") as typeof import("@tensorflow/tfjs-core");
    const V = ours.length;
    const x = new Float32Array(6 * V);
    ctx.forEach((c, j) => (x[j * V + c] = 1));
    const theirs = (a.tfModel!.predict(tf.tensor3d(x, [1, 6, V])) as import("@tensorflow/tfjs-core").Tensor).dataSync();
    for (let v = 0; v < V; v++) expect(Math.abs(ours[v]! - theirs[v]!)).toBeLessThan(1e-5);
    const b = new GruLanguageModel({ seed: 3, epochs: 3, units: 8, window: 6 }).fit(train);
    const t = ref.test[0]!.calls;
    expect(Array.from(b.scoreCalls(t))).toEqual(Array.from(a.scoreCalls(t)));
    const odd = ref.test[ref.test.length - 2]!.calls;
    const scores = ref.test.map((x) => a.scoreTrace(x.calls));
    expect(Math.max(...scores)).toBe(a.scoreTrace(odd));
  }, 120_000);

  it("each call's score is −ln of tfjs' prediction from the window before it (start padding, unseen calls)", () => {
    const T = 5;
    const d = new GruLanguageModel({ seed: 1, epochs: 2, units: 8, window: T }).fit(train);
    const names = [...new Set(train.flat())];
    // a call never seen in training (id 1) mid-trace, and positions whose window reaches before the start
    const trace = [...train[0]!.slice(0, 12), "never_seen_call", ...train[0]!.slice(0, 4)];
    const ids = trace.map((c) => (names.includes(c) ? 2 + names.indexOf(c) : 1));
    const ours = d.scoreCalls(trace);
    const tf = require("@tensorflow/tfjs-core") as typeof import("@tensorflow/tfjs-core");
    const V = names.length + 2;
    const x = new Float32Array(trace.length * T * V);
    ids.forEach((_, i) => {
      for (let j = 0; j < T; j++) x[(i * T + j) * V + (i - T + j < 0 ? 0 : ids[i - T + j]!)] = 1;
    });
    const p = (
      d.tfModel!.predict(tf.tensor3d(x, [trace.length, T, V])) as import("@tensorflow/tfjs-core").Tensor
    ).dataSync();
    ids.forEach((c, i) => expect(Math.abs(ours[i]! + Math.log(p[i * V + c]!))).toBeLessThan(1e-4));
    expect(ours[12]).toBeGreaterThan(Math.max(...ours.slice(0, 12)));
  }, 120_000);

  it("trains on each distinct window once, in a seeded order", () => {
    const t = [Int32Array.from([2, 3, 2, 3, 2, 3, 2]), Int32Array.from([2, 3, 2, 4])];
    const w = distinctWindows(t, 2, 100, new Rng(0));
    // each window as its calls (0: before the trace's start), whatever gramKey's encoding
    const keys = w.map(([ti, i]) => [i - 2, i - 1, i].map((p) => (p < 0 ? 0 : t[ti]![p]!)).join(",") + ",");
    // (0,0,2) (0,2,3) (2,3,2) (3,2,3) from the first trace, (3,2,4) from the second
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(["0,0,2,", "0,2,3,", "2,3,2,", "3,2,3,", "3,2,4,"]);
    expect(distinctWindows(t, 2, 100, new Rng(0))).toEqual(w);
    expect(distinctWindows(t, 2, 3, new Rng(0))).toEqual(w.slice(0, 3));
  });
});

describe("traces and features", () => {
  it("a long-format table gives one trace per id in row order, labelled by its largest label", () => {
    const f = new Frame(
      "t",
      [
        { name: "trace", type: "str" },
        { name: "call", type: "str" },
        { name: "label", type: "u32" },
      ],
      {
        trace: { codes: Uint32Array.from([0, 0, 1, 0, 1]), dict: ["a", "b"] },
        call: { codes: Uint32Array.from([0, 1, 0, 2, 2]), dict: ["read", "write", "execve"] },
        label: Uint32Array.from([0, 0, 0, 0, 1]),
      },
    );
    const tr = tracesFromTable(f, "trace", "call", "label");
    expect(tr.map((t) => [t.id, t.calls, t.label])).toEqual([
      ["a", ["read", "write", "execve"], 0],
      ["b", ["read", "execve"], 1],
    ]);
    expect(() => tracesFromTable(f, "nope", "call")).toThrow(/no column "nope"/);
  });

  it("n-gram features: relative frequencies of the training n-grams, the rest in one column", () => {
    const m = ngramFeatures(
      [
        ["a", "b", "a", "b"],
        ["a", "c"],
      ],
      { n: 2, vocabulary: [["a", "b", "a", "b"]] },
    );
    expect(m.columns).toEqual(["ng_a→b", "ng_b→a", "ng_other"]);
    expect(Array.from(m.data)).toEqual([2 / 3, 1 / 3, 0, 0, 0, 1]);
  });

  it("the registry creates each by name and lists them for an unknown one", () => {
    for (const n of ["stide", "ngram", "lstm"]) expect(createSequenceDetector(n).name).toBe(n);
    expect(() => createSequenceDetector("hmm")).toThrow(/stide, ngram, lstm/);
  });
});
