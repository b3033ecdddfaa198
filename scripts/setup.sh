#!/usr/bin/env bash
# Sets up bpflab on a fresh Debian machine (run as root): Debian packages, npm ci, BPF objects and the
# TypeScript build, tracefs, the test workload and scenario processes, and the tslab Jupyter kernel.
# Idempotent; quick when done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root (it installs Debian packages and mounts tracefs): sudo bash scripts/setup.sh" >&2
  exit 1
fi

# 1. Debian packages. clang/libbpf-dev/bpftool build the CO-RE objects; libbpf1 is what koffi loads at run time;
#    jupyter + nbconvert + nbclient run the notebooks; chromium checks them in a browser; bpftrace, libbpf-tools,
#    stress-ng and fio are the benchmarks' peers and workloads; python3-sklearn is the detectors' reference.
PACKAGES=(clang llvm make gcc libc6-dev libbpf-dev libbpf1 bpftool util-linux
  jupyter-nbconvert python3-nbclient jupyter-client jupyter-notebook python3-ipykernel python3-sklearn python3-pandas
  chromium fonts-dejavu-core stress-ng bpftrace libbpf-tools fio redis-server)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. npm packages, exactly as locked (skipped when node_modules already matches the lock file).
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.bpflab-lock 2>/dev/null)" != "$lock_sum" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.bpflab-lock
fi
# Notebooks and users import the library by its name: make "bpflab" resolve to this folder.
ln -sfn .. node_modules/bpflab

# 3. tracefs: classic tracepoints, bpftool and bpftrace need it; a fresh machine may not have it mounted.
if [ ! -d /sys/kernel/tracing/events ]; then
  say "mounting tracefs"
  mount -t tracefs tracefs /sys/kernel/tracing
fi
if [ ! -e /sys/kernel/btf/vmlinux ]; then
  echo "setup: this kernel has no BTF (/sys/kernel/btf/vmlinux): bpflab's CO-RE programs cannot load here" >&2
  exit 1
fi

# 4. Build: BPF objects (vmlinux.h from this kernel's BTF), the native event drain (kernel/native/.output),
#    TypeScript to dist/, the test workload, and the scenario processes (kernel/scenarios/native/.output, mode
#    0700: scenarios run them as root).
make -s -C bpf
make -s -C kernel/native
npm run -s build:ts
chmod +x dist/cli/main.js
make -s -C test/workloads
make -s -C kernel/scenarios/native

# 5. The tslab kernel for Jupyter (nbconvert, JupyterLab, VS Code find it by name "tslab"). Registered again
#    when none is, or when the registered one runs a tslab that is gone (a deleted checkout); one that runs
#    another existing checkout's tslab is left alone, and we say how to switch.
ours="$PWD/node_modules/.bin/tslab"
registered=$(/usr/bin/python3 -c '
import json, subprocess
out = subprocess.run(["/usr/bin/python3", "-m", "jupyter", "kernelspec", "list", "--json"], capture_output=True, text=True).stdout
specs = json.loads(out or "{}").get("kernelspecs", {})
print(specs["tslab"]["spec"]["argv"][0] if "tslab" in specs else "")' 2>/dev/null || true)
if [ -z "$registered" ] || [ ! -x "$registered" ]; then
  say "registering the tslab Jupyter kernel${registered:+ (the registered one, $registered, is gone)}"
  node_modules/.bin/tslab install --python=/usr/bin/python3 --binary "$ours" >/dev/null
elif [ "$registered" != "$ours" ]; then
  say "the tslab kernel runs $registered; for this checkout's: node_modules/.bin/tslab install --python=/usr/bin/python3 --binary $ours"
fi

# 6. bpflab on PATH: /usr/local/bin/bpflab -> this checkout's dist/cli/main.js. Made where nothing is, or
#    replacing a link to a bpflab CLI that is gone; a link to another existing checkout and any file that is not
#    such a link are left alone.
link=/usr/local/bin/bpflab
cli="$PWD/dist/cli/main.js"
if [ -d /usr/local/bin ] && [ -w /usr/local/bin ]; then
  if [ ! -e "$link" ] && [ ! -L "$link" ]; then
    ln -s "$cli" "$link" && say "bpflab is on PATH: $link -> $cli"
  elif [ -L "$link" ]; then
    current=$(readlink "$link")
    if [ "$current" != "$cli" ] && [[ "$current" == */dist/cli/main.js ]] && [ ! -e "$current" ]; then
      ln -sfn "$cli" "$link" && say "bpflab is on PATH: $link -> $cli (was a link to a deleted checkout)"
    elif [ "$current" != "$cli" ]; then
      say "$link runs $current; for this checkout's: ln -sfn $cli $link"
    fi
  else
    say "$link exists and is not a link: left alone (this checkout's CLI is $cli)"
  fi
fi

say "ready"
