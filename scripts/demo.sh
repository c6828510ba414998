#!/usr/bin/env bash
# Sets up from nothing (scripts/setup.sh) and opens JupyterLab on the example notebooks with our
# TypeScript (WebRTC) kernel. Extra arguments go to `jupyter lab` (e.g. --port 9999 --no-browser).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/jupyter lab --notebook-dir=examples examples/webrtc-filters.ipynb "$@"
