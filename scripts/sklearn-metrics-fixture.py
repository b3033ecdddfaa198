#!/usr/bin/python3
"""Writes test/fixtures/sklearn-metrics.json: labels, scores and scikit-learn's roc_auc_score,
average_precision_score and best F1 (from precision_recall_curve) for cases that stress tie handling, so
test/compare/metrics.test.ts can check bpflab's metrics to 1e-9 without Python.

Run: /usr/bin/python3 scripts/sklearn-metrics-fixture.py   (scikit-learn 1.2.1, numpy 1.24.2 when committed)
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

rng = np.random.default_rng(20240611)
cases = []


def add(name, y, s):
    y = np.asarray(y, dtype=int)
    s = np.asarray(s, dtype=float)
    p, r, _ = precision_recall_curve(y, s)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    cases.append({
        "name": name,
        "labels": y.tolist(),
        "scores": s.tolist(),
        "roc_auc": float(roc_auc_score(y, s)),
        "average_precision": float(average_precision_score(y, s)),
        "best_f1": float(np.nanmax(f1)),
    })


n = 1500
y = (rng.random(n) < 0.08).astype(int)
add("continuous", y, rng.normal(size=n) + 1.5 * y)
add("ties-rounded", y, np.round(rng.normal(size=n) + y, 1))
add("ties-heavy", y, rng.integers(0, 4, size=n) + y * rng.integers(0, 2, size=n))
y2 = (rng.random(400) < 0.4).astype(int)
add("balanced-small", y2, rng.random(400) + 0.3 * y2)
add("perfect", [0, 0, 1, 1, 0, 1], [0.1, 0.2, 0.9, 0.8, 0.3, 0.95])
add("all-tied", [0, 1, 0, 1, 1], [1.0, 1.0, 1.0, 1.0, 1.0])
add("inverted", [1, 1, 0, 0, 0], [0.1, 0.2, 0.5, 0.6, 0.7])

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "sklearn-metrics.json")
with open(out, "w") as f:
    json.dump({"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}, f)
print(f"wrote {out}: {len(cases)} cases")
