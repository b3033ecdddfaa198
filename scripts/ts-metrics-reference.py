#!/usr/bin/python3
"""Writes test/fixtures/ts-metrics.json: cases (labels, scores, optional series ids) with time-series metrics
computed here, independently of bpflab's TypeScript, straight from the papers' definitions and by brute force
(every threshold evaluated from scratch), so test/compare/range-metrics.test.ts can check kernel/compare/range-metrics.ts
and event-metrics.ts without Python.

- VUS-PR (Paparrizos et al., "Volume Under the Surface", PVLDB 15(11), 2022), as the authors' code and aeon's
  range_pr_vus_score compute it: for each buffer length b = 0..B, labels get ramps sqrt(1 - d/b) over b//2 points
  before each range and after its last point (clipped to 1; b <= 1 keeps them binary); 250 thresholds at evenly
  spaced ranks of the sorted scores; recall = min(TP/P, 1) * share of ranges hit, P = mean(sum labels, sum ramped
  labels), precision = TP / #flagged; trapezoids from (recall 0, precision 1); VUS = mean over b. With series ids,
  ranges and ramps stay inside their series (each series is one process's windows).
- PA%K (Kim et al., "Towards a Rigorous Evaluation of Time-series Anomaly Detection", AAAI 2022): a labelled
  segment with more than K % of its points flagged counts as wholly flagged; best F1 (sklearn f1_score) over every
  distinct threshold, for K = 0, 10, ..., 100, and the trapezoid area over K in [0, 1].
- Event metrics: alarms = runs of flagged windows per series (a gap of at most one window bridged); an event is
  detected when an alarm of one of its entities overlaps it widened by the tolerance; time to detect = the end of the
  alarm's first window minus the event start (at least 0); false alarms = alarms matching no event; normal time =
  the span minus the union of the widened events, measured on a 1 ms grid.

Run: /usr/bin/python3 scripts/ts-metrics-reference.py   (numpy 1.24.2, scikit-learn 1.2.1 when committed)
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import f1_score

rng = np.random.default_rng(20250117)


def segments(y, series):
    segs = []
    i = 0
    n = len(y)
    while i < n:
        if y[i] > 0:
            j = i + 1
            while j < n and y[j] > 0 and series[j] == series[i]:
                j += 1
            segs.append((i, j))
            i = j
        else:
            i += 1
    return segs


def ramped(y, b, series):
    y = np.asarray(y, dtype=float)
    out = (y > 0).astype(float)
    if b <= 1:
        return out
    half = b // 2
    n = len(y)
    add = np.zeros(n)
    for s, e in segments(y, series):
        lo = s
        while lo > 0 and series[lo - 1] == series[s]:
            lo -= 1
        hi = e
        while hi < n and series[hi] == series[s]:
            hi += 1
        last = e - 1
        for x in range(last, min(last + half, hi)):
            add[x] += np.sqrt(1 - (x - last) / b)
        for x in range(max(s - half, lo), s):
            add[x] += np.sqrt(1 - (s - x) / b)
    return np.clip(out + add, 0, 1)


def range_pr_auc(y, score, b, series):
    yc = ramped(y, b, series)
    ranges = segments(yc, series)
    P = (np.sum(np.asarray(y) > 0) + yc.sum()) / 2
    ths = np.sort(score)[::-1][np.linspace(0, len(score) - 1, 250, dtype=int)]
    rec = [0.0]
    prec = [1.0]
    for t in ths:
        pred = score >= t
        tp = np.sum(yc * pred)
        hit = sum(1 for s, e in ranges if np.any(pred[s:e] & (yc[s:e] > 0)))
        rec.append(min(tp / P, 1) * (hit / len(ranges)))
        prec.append(tp / pred.sum())
    rec = np.array(rec)
    prec = np.array(prec)
    return float(np.sum((rec[1:] - rec[:-1]) * (prec[1:] + prec[:-1]) / 2))


def vus_pr(y, score, max_buffer, series):
    if len(np.unique(score)) == 1:
        return 0.0
    return float(np.mean([range_pr_auc(y, score, b, series) for b in range(max_buffer + 1)]))


def pak_f1(y, score, k, series):
    y = np.asarray(y)
    segs = segments(y, series)
    best = 0.0
    for t in np.unique(score):
        pred = (score >= t).astype(int)
        adj = pred.copy()
        for s, e in segs:
            if pred[s:e].sum() > k / 100 * (e - s):
                adj[s:e] = 1
        best = max(best, f1_score(y, adj, zero_division=0))
    return float(best)


def alarms_from_rows(t, window, flagged, series):
    alarms = []
    for sid in sorted(set(series[i] for i in range(len(t)) if flagged[i])):
        ts = sorted(t[i] for i in range(len(t)) if flagged[i] and series[i] == sid)
        start = end = None
        for x in ts:
            if start is not None and x - end <= window + 1e-9:
                end = max(end, x + window)
            else:
                if start is not None:
                    alarms.append({"start_s": start, "end_s": end, "detected_s": start + window, "entities": [sid]})
                start, end = x, x + window
        alarms.append({"start_s": start, "end_s": end, "detected_s": start + window, "entities": [sid]})
    return alarms


def event_metrics(events, alarms, tol, span):
    def match(a, e):
        ents = e.get("entities") or []
        return a["start_s"] < e["end_s"] + tol and a["end_s"] > e["start_s"] - tol and (not ents or a["entities"][0] in ents)

    ttd = []
    detected = 0
    for e in events:
        hits = [a["detected_s"] for a in alarms if match(a, e)]
        if hits:
            detected += 1
            ttd.append(max(0.0, min(hits) - e["start_s"]))
    false = sum(1 for a in alarms if not any(match(a, e) for e in events))
    grid = np.arange(span[0], span[1], 0.001) + 0.0005
    busy = np.zeros(len(grid), dtype=bool)
    for e in events:
        busy |= (grid >= e["start_s"] - tol) & (grid < e["end_s"] + tol)
    normal_h = (~busy).sum() * 0.001 / 3600
    return {
        "detected": detected,
        "mean_ttd_s": float(np.mean(ttd)) if ttd else None,
        "false_alarms": false,
        "normal_hours": normal_h,
    }


cases = []


def add(name, y, score, series=None, max_buffer=8, events=None, window=1.0, tol=0.0, flag_top=None):
    y = np.asarray(y, dtype=int)
    score = np.asarray(score, dtype=float)
    series = list(series) if series is not None else [0] * len(y)
    c = {
        "name": name,
        "labels": y.tolist(),
        "scores": score.tolist(),
        "series": series,
        "max_buffer": max_buffer,
        "vus_pr": vus_pr(y, score, max_buffer, series),
        "range_pr_auc": {str(b): range_pr_auc(y, score, b, series) for b in [0, 1, 2, 5, max_buffer]},
        "pak_f1": [pak_f1(y, score, k, series) for k in range(0, 101, 10)],
    }
    f = c["pak_f1"]
    c["pak_auc"] = float(sum(0.1 * (f[i] + f[i - 1]) / 2 for i in range(1, len(f))))
    if events is not None:
        # Time of row i = its index within its series (window seconds each); flag the top `flag_top` rows.
        pos = {}
        t = []
        for sid in series:
            pos[sid] = pos.get(sid, -1) + 1
            t.append(pos[sid] * window)
        k = flag_top if flag_top is not None else int(y.sum())
        order = sorted(range(len(score)), key=lambda i: (-score[i], i))
        flagged = [0] * len(score)
        for i in order[:k]:
            flagged[i] = 1
        span = [0.0, (max(pos.values()) + 1) * window]
        alarms = alarms_from_rows(t, window, flagged, series)
        c["events"] = {
            "t": t,
            "window": window,
            "flagged": flagged,
            "tolerance": tol,
            "span": span,
            "labelled": events,
            "alarms": alarms,
            **event_metrics(events, alarms, tol, span),
        }
    cases.append(c)


# One series, a few ranges, a detector that is right late and noisy.
n = 300
y = np.zeros(n, dtype=int)
for s, e in [(40, 52), (130, 133), (200, 240)]:
    y[s:e] = 1
s1 = rng.normal(size=n)
s1[45:52] += 3
s1[131] += 2.5
s1[205:215] += 2
add(
    "one-series",
    y,
    s1,
    max_buffer=12,
    events=[{"start_s": 40, "end_s": 52}, {"start_s": 130, "end_s": 133}, {"start_s": 200, "end_s": 240}],
    tol=2.0,
)
# Random scores: PA%K's area stays low where plain point adjust is flattered.
add("random", y, rng.random(n), max_buffer=6)
# Heavy ties (scores rounded to one decimal).
add("ties", y, np.round(s1 / 2, 1), max_buffer=5)
# Three series (processes) concatenated; a range at a series' end must not ramp into the next series.
ys = np.zeros(150, dtype=int)
ser = [0] * 50 + [1] * 50 + [2] * 50
ys[45:50] = 1  # end of series 0
ys[50:53] = 1  # start of series 1: a separate range
ys[120:130] = 1
sc = rng.normal(size=150)
sc[46:50] += 2
sc[121:126] += 3
add(
    "three-series",
    ys,
    sc,
    series=ser,
    max_buffer=8,
    events=[
        {"start_s": 45, "end_s": 50, "entities": [0]},
        {"start_s": 0, "end_s": 3, "entities": [1]},
        {"start_s": 20, "end_s": 30, "entities": [2]},
    ],
    tol=1.0,
    flag_top=15,
)
# Perfect and inverted detectors on a short series.
yp = [0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0]
add("perfect", yp, [0.1, 0.2, 0.9, 0.8, 0.95, 0.1, 0.0, 0.2, 0.7, 0.1, 0.3, 0.2], max_buffer=4)
add("inverted", yp, [0.9, 0.8, 0.1, 0.2, 0.1, 0.7, 0.9, 0.8, 0.0, 0.9, 0.6, 0.8], max_buffer=4)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "ts-metrics.json")
with open(out, "w") as f:
    json.dump({"numpy": np.__version__, "sklearn": sklearn.__version__, "cases": cases}, f)
print(f"wrote {out}: {len(cases)} cases")
for c in cases:
    print(c["name"], round(c["vus_pr"], 4), round(c["pak_auc"], 4), c["pak_f1"][0], c.get("events", {}).get("detected"))
