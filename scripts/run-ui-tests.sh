#!/usr/bin/env bash
# Runs the Galata UI tests (ui-tests/) against a real JupyterLab server from .venv, our kernel and
# Debian's Chromium, all inside a loopback-only network namespace (needs root for `unshare -n`).
# Needs scripts/setup.sh to have run (the venv with JupyterLab, our extension and kernel).
# Extra arguments go to `playwright test` (e.g. a file name or `-g pattern`).
# Prints Playwright's report, then as its last line "ui-tests: N passed, N failed[, N skipped]",
# and exits with Playwright's exit code.
# Artifacts of failed tests (screenshot, trace) are in ui-tests/test-results/, the HTML report in
# ui-tests/playwright-report/, the server's and kernels' log in ui-tests/jupyter-server.log.
set -uo pipefail

# Everything is in main, which bash reads whole before running it: editing this file during a run
# cannot change the running script.
main() {
  cd "$(dirname "$0")/.." || return 2
  local root=$PWD
  local ui=$root/ui-tests
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

  if [[ ! -x $root/.venv/bin/jupyter ]]; then
    echo "run-ui-tests: $root/.venv/bin/jupyter is missing; run scripts/setup.sh first" >&2
    return 2
  fi
  if [[ ! -x ${CHROMIUM_PATH:-/usr/bin/chromium} ]]; then
    echo "run-ui-tests: ${CHROMIUM_PATH:-/usr/bin/chromium} is missing; run scripts/setup.sh --browser" >&2
    return 2
  fi
  if [[ ! -d $ui/node_modules ]]; then
    (cd "$ui" && npm ci --no-audit --no-fund) || return 2
  fi

  # One run at a time per checkout: runs share ui-tests/test-results (Playwright empties it at
  # start) and would fight over the 2 cores. The test processes do not inherit the lock.
  exec 9>"$ui/.run-ui-tests.lock"
  if ! flock -n 9; then
    echo "run-ui-tests: another UI test run is going on in this checkout; waiting for it"
    flock 9
  fi

  rm -f "$ui/test-results.json"
  local start=$SECONDS code
  # "$@" reaches playwright inside the namespace as bash -c's positional arguments.
  unshare -n bash -c 'ip link set lo up && cd "$1" && shift && exec npx playwright test "$@"' \
    run-ui-tests "$ui" "$@" 9>&-
  code=$?

  echo "ui-tests: playwright exit code $code after $((SECONDS - start)) s"
  if [[ -f $ui/test-results.json ]]; then
    node -e '
      const stats = require(process.argv[1]).stats;
      const failed = stats.unexpected + (stats.flaky || 0);
      console.log(`ui-tests: ${stats.expected} passed, ${failed} failed` + (stats.skipped ? `, ${stats.skipped} skipped` : ""));
    ' "$ui/test-results.json"
  else
    echo "ui-tests: no Playwright report"
  fi
  return $code
}

main "$@"
exit $?
