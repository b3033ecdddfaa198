#!/usr/bin/env python3
"""Independent reference for bpflab's STIDE and Witten-Bell n-gram sequence detectors.

Writes test/fixtures/sequence-reference.json: small seeded train/test traces and, for each test trace, the
per-call STIDE mismatches and n-gram negative log-likelihoods and the locality-frame trace scores, computed
here from the published definitions (Warrender et al. 1999; Witten-Bell interpolation) without bpflab's code.
Run: /usr/bin/python3 scripts/sequence-reference.py
"""
import json
import math
import os
import random

N_STIDE, N_GRAM, FRAME = 3, 3, 4
rng = random.Random(7)
calls = ["read", "write", "openat", "close", "mmap", "futex", "epoll_wait"]


def normal_trace(length):
    # a loop of read/write with occasional open/close, a little noise
    out, state = [], 0
    for _ in range(length):
        if rng.random() < 0.1:
            out.append(rng.choice(calls[:5]))
        else:
            out.append(["read", "write", "futex"][state % 3])
            state += 1
    return out


train = [normal_trace(rng.randint(20, 60)) for _ in range(8)]
test = [normal_trace(rng.randint(15, 40)) for _ in range(5)]
test.append(["read", "execve", "socket", "connect", "write", "read", "write"])  # unseen calls
test.append(["write", "read", "read", "write", "write", "futex", "futex", "epoll_wait"])

PAD = "<start>"


def window(t, i, n):
    return tuple(PAD if j < 0 else t[j] for j in range(i - n + 1, i + 1))


stide_db = {window(t, i, N_STIDE) for t in train for i in range(len(t))}

vocab = sorted({c for t in train for c in t})
unigram = {c: 0 for c in vocab}
total = 0
grams, contexts, followers = {}, {}, {}
for t in train:
    for i, c in enumerate(t):
        unigram[c] += 1
        total += 1
        for k in range(2, N_GRAM + 1):
            g, h = window(t, i, k), window(t, i - 1, k - 1)
            contexts[h] = contexts.get(h, 0) + 1
            if g not in grams:
                followers[h] = followers.get(h, 0) + 1
            grams[g] = grams.get(g, 0) + 1
V = len(vocab) + 1  # plus one unseen call


def prob(t, i):
    w = t[i]
    p = (unigram.get(w, 0) + 1) / (total + V)
    for k in range(2, N_GRAM + 1):
        h = window(t, i - 1, k - 1)
        ch = contexts.get(h, 0)
        if ch == 0:
            continue
        g = window(t, i, k)
        # an unseen call never matches a training n-gram
        chw = grams.get(g, 0) if w in unigram else 0
        p = (chw + followers[h] * p) / (ch + followers[h])
    return p


def frame_max(s, f):
    f = min(f, len(s))
    return max(sum(s[i:i + f]) for i in range(len(s) - f + 1)) / f


out = {"nStide": N_STIDE, "nGram": N_GRAM, "frame": FRAME, "train": train, "test": []}
for t in test:
    # an unseen call is one symbol for both models ("<unseen>"), so windows holding it never match
    mism = [0.0 if window(t, i, N_STIDE) in stide_db else 1.0 for i in range(len(t))]
    nll = [-math.log(prob(t, i)) for i in range(len(t))]
    out["test"].append({
        "calls": t, "stide": mism, "ngram": nll,
        "stideTrace": frame_max(mism, FRAME), "ngramTrace": frame_max(nll, FRAME),
    })
path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "sequence-reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", os.path.normpath(path))
