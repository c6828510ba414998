#!/usr/bin/env bash
# Builds the frontend from a clean clone: exact dependencies from
# package-lock.json, TypeScript to lib/, then the prebuilt labextension in
# jupyterlab_webrtc/labextension/ (what the Python wheel ships).
# Then `python -m pip wheel . --no-deps` packages it without rebuilding.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${SKIP_NPM_CI:-0}" != "1" ]]; then
  npm ci --no-audit --no-fund
fi
npm run build:prod
test -f jupyterlab_webrtc/labextension/package.json
test -f jupyterlab_webrtc/labextension/static/style.js
ls jupyterlab_webrtc/labextension/static/remoteEntry.*.js >/dev/null
echo "labextension built in jupyterlab_webrtc/labextension"
