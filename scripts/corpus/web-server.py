#!/usr/bin/env python3
"""A small web server (http.server on loopback) for the syscall-sequence corpus (scripts/make-sequence-corpus.ts).

  web-server.py PORT REQUESTS ROOT MODE [SEED]
serves ROOT until it has answered REQUESTS requests, then exits. MODE "normal" only serves files; the abnormal
modes act as a compromised server would when a request for /exploit arrives:
  shell         spawn /bin/sh -c 'id; uname -a'
  read-secrets  read files a web server never reads (/etc/shadow, /etc/sudoers, /root/.ssh)
  privesc       privilege-escalation attempts: setresuid/setresgid, setgroups, capability and ptrace probes
  crash-loop    crash and re-exec itself three times before serving again
"""
import ctypes
import os
import sys
from http.server import HTTPServer, SimpleHTTPRequestHandler

port, requests, root, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
restarts = int(os.environ.get("CORPUS_RESTARTS", "0"))
libc = ctypes.CDLL(None, use_errno=True)


def attack():
    if mode == "shell":
        os.system("/bin/sh -c 'id; uname -a' > /dev/null")
    elif mode == "read-secrets":
        for path in ["/etc/shadow", "/etc/sudoers", "/etc/gshadow", "/root/.ssh", "/root/.bash_history"]:
            try:
                if os.path.isdir(path):
                    os.listdir(path)
                else:
                    with open(path, "rb") as f:
                        f.read()
            except OSError:
                pass
    elif mode == "privesc":
        for fn in (lambda: os.setresgid(0, 0, 0), lambda: os.setresuid(0, 0, 0), lambda: os.setgroups([0])):
            try:
                fn()
            except OSError:
                pass
        libc.prctl(23, 21, 0, 0, 0)  # PR_CAPBSET_READ CAP_SYS_ADMIN
        libc.ptrace(0, 0, 0, 0)  # PTRACE_TRACEME
        libc.syscall(101, 16, os.getpid(), 0, 0)  # ptrace(PTRACE_ATTACH, itself): EPERM, never stops anyone
        for path in ("/usr/bin/sudo", "/usr/bin/su", "/usr/bin/passwd"):
            try:
                os.stat(path)
            except OSError:
                pass
    elif mode == "crash-loop" and restarts < 3:
        env = dict(os.environ, CORPUS_RESTARTS=str(restarts + 1))
        sys.stdout.flush()
        os.execve(sys.executable, [sys.executable] + sys.argv, env)


class Handler(SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)

    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path.startswith("/exploit"):
            try:
                attack()
            except OSError:
                pass
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()


HTTPServer.allow_reuse_address = True
srv = HTTPServer(("127.0.0.1", port), Handler)
served = 0
while served < requests:
    srv.handle_request()
    served += 1
