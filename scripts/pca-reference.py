#!/usr/bin/python3
"""Writes test/fixtures/pca-reference.json: PCA outlier scores on every public set in datasets/public, computed with
scikit-learn, so test/detectors/pca-reference.test.ts can check bpflab's PCA without Python.

Scores (all on StandardScaler-standardised data, fitted and scored on every row, unsupervised):
- "pyod": PyOD's default PCA detector (pyod/models/pca.py, yzhao062/pyod 34f7996, decision_function with
  n_components=None, weighted=True, standardization=True): sum over all components j of
  cdist(z, components_[j]) / explained_variance_ratio_[j]. PyOD is not installed here; this is its formula on
  scikit-learn's PCA (svd_solver="full"), line for line.
- "pyod_flipped": the same with every component's sign chosen the other way scikit-learn >= 1.5 does it (largest
  |loading| of each component positive, svd_flip(u_based_decision=False)), since the PyOD score depends on signs.
- "mahalanobis": sum over all components of t_j^2 / explained_variance_j (Hotelling T^2 with every component;
  components whose variance is below 1e-12 of the largest are left out, being rounding noise).
- "spe": squared reconstruction error ||z - inverse_transform(transform(z))||^2 with PCA(n_components=0.90).
- "t2": Hotelling T^2 in the kept space of PCA(n_components=0.90).
ODDS sets: the features as given. NAB series: lag vectors of the last 10 values (v[t-9], ..., v[t]); a vector is
labelled 1 when its last point lies inside a labelled window (labels/combined_windows.json).
For each set and score: ROC-AUC and average precision (scikit-learn), and the scores of the first 64 rows.

Run: OMP_NUM_THREADS=1 /usr/bin/python3 scripts/pca-reference.py   (scikit-learn 1.2.1, numpy 1.24.2 when committed)
"""
import json
import os

import numpy as np
import pandas as pd
import sklearn
from scipy.spatial.distance import cdist
from sklearn.decomposition import PCA
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PUBLIC = os.path.join(ROOT, "datasets", "public")
LAGS = 10
SAMPLE = 64


def odds(name):
    df = pd.read_csv(os.path.join(PUBLIC, "odds", f"{name}.csv"))
    y = df.pop("label").values.astype(int)
    return df.values.astype(float), y


def nab(series):
    df = pd.read_csv(os.path.join(PUBLIC, "nab", "data", "realKnownCause", f"{series}.csv"))
    with open(os.path.join(PUBLIC, "nab", "labels", "combined_windows.json")) as f:
        windows = json.load(f)[f"realKnownCause/{series}.csv"]
    v = df["value"].values.astype(float)
    ts = df["timestamp"].str.slice(0, 19).values
    inside = np.zeros(len(v), dtype=int)
    for a, b in windows:
        inside |= (ts >= a[:19]) & (ts <= b[:19])
    X = np.stack([v[i : len(v) - LAGS + 1 + i] for i in range(LAGS)], axis=1)
    return X, inside[LAGS - 1 :]


def scores(X):
    z = StandardScaler().fit_transform(X)
    full = PCA(svd_solver="full").fit(z)
    comp = full.components_
    ratio = full.explained_variance_ratio_
    pyod = (cdist(z, comp) / ratio).sum(axis=1)
    # scikit-learn >= 1.5's convention: the largest |loading| of each component is positive.
    signs = np.sign(comp[np.arange(comp.shape[0]), np.argmax(np.abs(comp), axis=1)])
    pyod_flipped = (cdist(z, comp * signs[:, None]) / ratio).sum(axis=1)
    t = full.transform(z)
    lam = full.explained_variance_
    keep = lam > 1e-12 * lam[0]
    maha = (t[:, keep] ** 2 / lam[keep]).sum(axis=1)
    p90 = PCA(n_components=0.90, svd_solver="full").fit(z)
    spe = ((z - p90.inverse_transform(p90.transform(z))) ** 2).sum(axis=1)
    t2 = (p90.transform(z) ** 2 / p90.explained_variance_).sum(axis=1)
    return {
        "pyod": pyod,
        "pyod_flipped": pyod_flipped,
        "mahalanobis": maha,
        "spe": spe,
        "t2": t2,
    }, {"k90": int(p90.n_components_), "min_ratio": float(ratio.min())}


sets = [("odds/" + n, odds(n)) for n in ["cardio", "shuttle", "satellite"]]
for s in [
    "ambient_temperature_system_failure",
    "cpu_utilization_asg_misconfiguration",
    "ec2_request_latency_system_failure",
    "machine_temperature_system_failure",
    "nyc_taxi",
    "rogue_agent_key_hold",
    "rogue_agent_key_updown",
]:
    sets.append(("nab/" + s, nab(s)))

out = []
for name, (X, y) in sets:
    sc, info = scores(X)
    entry = {"name": name, "rows": int(X.shape[0]), "cols": int(X.shape[1]), "anomalies": int(y.sum()), **info}
    entry["scores"] = {
        k: {
            "roc_auc": float(roc_auc_score(y, v)),
            "average_precision": float(average_precision_score(y, v)),
            "first_rows": v[:SAMPLE].tolist(),
        }
        for k, v in sc.items()
    }
    out.append(entry)
    print(name, {k: round(v["roc_auc"], 4) for k, v in entry["scores"].items()})

path = os.path.join(ROOT, "test", "fixtures", "pca-reference.json")
with open(path, "w") as f:
    json.dump({"sklearn": sklearn.__version__, "numpy": np.__version__, "lags": LAGS, "sets": out}, f)
print(f"wrote {path}: {len(out)} sets")
