#!/usr/bin/env bash
# Sets up everything from a clean clone: a Python venv (.venv) with JupyterLab, the npm packages
# from the lockfiles, our kernel (built and registered in the venv) and our extension (built as a
# wheel and installed in the venv). With --browser also Debian's chromium for the UI tests.
# Safe to run again: each step is quick when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

step() { printf '\n== %s\n' "$*"; }

# coturn (turnserver) and nftables: the TURN tests start their own TURN server and drop UDP.
if [[ "${1:-}" == "--browser" ]] && ! { command -v chromium && command -v turnserver && PATH=$PATH:/usr/sbin command -v nft; } >/dev/null; then
  step "Debian chromium, coturn and nftables (for UI tests)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium iproute2 util-linux coturn nftables >/dev/null
fi

step "Python venv with JupyterLab"
[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
# The labextension build runs `jupyter-builder` (package.json's build:labextension) from the venv.
export PATH="$ROOT/.venv/bin:$PATH"

step "kernel-bridge: npm ci + build"
(cd kernel-bridge && { [[ -d node_modules ]] && npm ls --depth=0 >/dev/null 2>&1 || npm ci --no-audit --no-fund; } && npm run -s build)

step "labextension: npm ci + build"
if [[ -d node_modules ]] && npm ls --depth=0 >/dev/null 2>&1; then export SKIP_NPM_CI=1; fi
bash scripts/build-frontend.sh

step "extension wheel into the venv"
rm -rf dist
.venv/bin/python -m pip wheel -q --no-deps --no-build-isolation -w dist .
.venv/bin/pip install -q --disable-pip-version-check --force-reinstall --no-deps dist/jupyterlab_webrtc-*.whl

step "kernel into the venv"
VIRTUAL_ENV=$ROOT/.venv node kernel-bridge/bin/jupyterlab-webrtc-kernel.js install --sys-prefix
.venv/bin/jupyter kernelspec list
.venv/bin/jupyter labextension list 2>&1 | grep -i webrtc
