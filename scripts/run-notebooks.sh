#!/usr/bin/env bash
# Runs every notebook the way CI does: build bpflab, make `import ... from "bpflab"` resolve, register the tslab
# kernel, then execute each notebooks/*.ipynb with nbconvert, check its promised outputs and render it in
# headless Chromium (test/notebooks/notebooks.test.ts). Artifacts: .ci-artifacts/{notebooks,html,screenshots}.
#
# usage: scripts/run-notebooks.sh [NAME-PREFIX ...]
# examples:
#   scripts/run-notebooks.sh                 # all notebooks
#   scripts/run-notebooks.sh 00-smoke 02     # only these
#   SKIP_BUILD=1 scripts/run-notebooks.sh    # reuse dist/ as it is
set -euo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3   # Debian's python has nbconvert; the first python3 on PATH may not.

step() { printf '\n== %s\n' "$*"; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  step "build dist/ (npm run build:ts)"
  npm run --silent build:ts
fi

step "link node_modules/bpflab -> project"
ln -sfn .. node_modules/bpflab

specs="$(PYDEVD_DISABLE_FILE_VALIDATION=1 "$PY" -m jupyter kernelspec list --json 2>/dev/null || true)"
if [[ "$specs" != *'"tslab"'* ]]; then
  step "register the tslab kernel"
  npx tslab install --python="$PY" --binary "$PWD/node_modules/.bin/tslab"
fi

step "execute, check and render notebooks"
NOTEBOOKS="$(IFS=,; echo "$*")" npx vitest run test/notebooks

step "artifacts"
ls -1 .ci-artifacts/notebooks .ci-artifacts/screenshots
