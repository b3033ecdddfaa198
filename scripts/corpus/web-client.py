#!/usr/bin/env python3
"""Client of web-server.py: REQUESTS GETs of the files under ROOT (seeded order); with EXPLOIT_AT >= 0, the
request of that number asks for /exploit instead.   web-client.py PORT REQUESTS ROOT SEED EXPLOIT_AT"""
import os
import random
import sys
import time
import urllib.request

port, n, root, seed, at = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rng = random.Random(seed)
files = sorted(os.listdir(root)) + [""]  # "" lists the directory
for i in range(n):
    path = "/exploit" if i == at else "/" + rng.choice(files)
    for attempt in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read()
            break
        except OSError:
            time.sleep(0.05)  # not listening yet (or restarting after a crash)
