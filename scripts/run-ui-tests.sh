#!/usr/bin/env bash
# Runs the Galata UI tests (ui-tests/) against a real JupyterLab server from .venv, our kernel and
# Debian's Chromium, all inside a loopback-only network namespace (needs root for `unshare -n`).
# Needs scripts/setup.sh to have run (the venv with JupyterLab, our extension and kernel).
# Extra arguments go to `playwright test` (e.g. a file name or `-g pattern`).
# Exits with Playwright's exit code, after printing a summary line "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
UI=$ROOT/ui-tests

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [[ ! -x $ROOT/.venv/bin/jupyter ]]; then
  echo "run-ui-tests: $ROOT/.venv/bin/jupyter is missing; run scripts/setup.sh first" >&2
  exit 2
fi
if [[ ! -x ${CHROMIUM_PATH:-/usr/bin/chromium} ]]; then
  echo "run-ui-tests: ${CHROMIUM_PATH:-/usr/bin/chromium} is missing; run scripts/setup.sh --browser" >&2
  exit 2
fi
if [[ ! -d $UI/node_modules ]]; then
  (cd "$UI" && npm ci --no-audit --no-fund) || exit 2
fi

rm -f "$UI/test-results.json"
start=$SECONDS
# The quoted "$@" reaches playwright inside the namespace as bash -c's positional arguments.
unshare -n bash -c 'ip link set lo up && cd "$1" && shift && exec npx playwright test "$@"' run-ui-tests "$UI" "$@"
code=$?

echo "ui-tests: playwright exit code $code after $((SECONDS - start)) s"
# The last line: a plain "N passed, N failed[, N skipped]", from Playwright's JSON report.
if [[ -f $UI/test-results.json ]]; then
  node -e '
    const stats = require(process.argv[1]).stats;
    const failed = stats.unexpected + (stats.flaky || 0);
    console.log(`ui-tests: ${stats.expected} passed, ${failed} failed` + (stats.skipped ? `, ${stats.skipped} skipped` : ""));
  ' "$UI/test-results.json"
else
  echo "ui-tests: no Playwright report"
fi
exit $code
