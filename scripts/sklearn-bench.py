#!/usr/bin/python3
"""scikit-learn side of bench/detectors.ts: reads the same raw f64 matrix, fits + scores one engine, writes the
scores as raw f64 and prints one JSON line {fit_ms, score_ms, peak_bytes[, k]}.

Usage: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/sklearn-bench.py ENGINE DATA.f64 ROWS COLS OUT.f64 [SEEDS]
With SEEDS > 1 (iforest: random_state 0..SEEDS-1) the scores of every seed are written one after another and the
times are means per seed.
ENGINE: iforest (IsolationForest(n_estimators=100, random_state=seed, n_jobs=1), score = -score_samples)
        pca     (StandardScaler -> PCA(0.90, svd_solver="full"), score = squared reconstruction error)
Peak memory: VmHWM after the run minus VmRSS before it, with the high-water mark reset through /proc/self/clear_refs,
the same measure bpflab's workers use.
"""
import json
import sys
import time

import numpy as np


def status():
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":")
                out[k] = int(v.split()[0]) * 1024
    return out


def main():
    engine, path, rows, cols, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    seeds = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    X = np.fromfile(path, dtype="<f8").reshape(rows, cols)
    X.sum()  # touch every page before timing, as the Node workers do
    from sklearn.ensemble import IsolationForest
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    # The output buffer is touched before measuring, so the peak is that of fit + score, not of keeping S score arrays.
    out_scores = np.ones(seeds * rows, dtype="<f8")
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    before = status()["VmRSS"]
    extra = {}
    fit_ms = score_ms = 0.0
    for seed in range(seeds):
        t0 = time.perf_counter()
        if engine == "iforest":
            model = IsolationForest(n_estimators=100, random_state=seed, n_jobs=1).fit(X)
            t1 = time.perf_counter()
            scores = -model.score_samples(X)
        elif engine == "pca":
            z = StandardScaler().fit_transform(X)
            pca = PCA(n_components=0.90, svd_solver="full").fit(z)
            t1 = time.perf_counter()
            scores = ((z - pca.inverse_transform(pca.transform(z))) ** 2).sum(axis=1)
            extra["k"] = int(pca.n_components_)
        else:
            raise SystemExit(f"unknown engine {engine}")
        t2 = time.perf_counter()
        fit_ms += (t1 - t0) * 1e3
        score_ms += (t2 - t1) * 1e3
        out_scores[seed * rows:(seed + 1) * rows] = scores
    peak = status()["VmHWM"] - before
    out_scores.tofile(out)
    print(json.dumps({"fit_ms": fit_ms / seeds, "score_ms": score_ms / seeds, "peak_bytes": peak, "seeds": seeds, **extra}))


if __name__ == "__main__":
    main()
