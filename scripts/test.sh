#!/usr/bin/env bash
# Sets up from nothing (scripts/setup.sh --browser) and runs every test:
#   0. lint: `npm run lint:check` (ESLint, Prettier, Stylelint, knip; both packages), one check
#   1. kernel-bridge jest: kernel over zeromq, widgets, media, streamer (loopback-only namespace)
#   2. frontend jest: the labextension's widget, signalling and settings
#   3. jupyter_kernel_test: Jupyter's kernel conformance suite against our kernel
#   4. Galata: real JupyterLab + real Chromium with a fake camera (loopback-only namespace)
# Every step runs even if one before failed; the exit code is non-zero if any failed, and the
# last line is "N passed, N failed" over all suites.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

bash scripts/setup.sh --browser || { echo "setup failed"; exit 1; }

declare -i passed=0 failed=0
status=0
record() { # name exit-code passed failed
  printf '\n== %s: exit %s (%s passed, %s failed)\n' "$1" "$2" "$3" "$4"
  passed+=$3; failed+=$4
  [[ $2 == 0 ]] || status=1
}
jest_counts() { # a jest log -> "passed failed"
  local line; line=$(grep -E '^Tests:' "$1" | tail -1)
  echo "$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0) $(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || echo 0)"
}
LOGS=$(mktemp -d)

printf '\n== lint\n'
npm run -s lint:check 2>&1 | tee "$LOGS/lint.log"
code=${PIPESTATUS[0]}; record "lint" "$code" "$((code == 0))" "$((code != 0))"

printf '\n== kernel-bridge jest (loopback-only namespace)\n'
unshare -n bash -c 'ip link set lo up && cd kernel-bridge && npx jest --runInBand --forceExit' 2>&1 | tee "$LOGS/kernel.log"
code=${PIPESTATUS[0]}; read -r p f < <(jest_counts "$LOGS/kernel.log"); record "kernel-bridge jest" "$code" "$p" "$f"

printf '\n== frontend jest\n'
npx jest --runInBand 2>&1 | tee "$LOGS/frontend.log"
code=${PIPESTATUS[0]}; read -r p f < <(jest_counts "$LOGS/frontend.log"); record "frontend jest" "$code" "$p" "$f"

printf '\n== jupyter_kernel_test conformance\n'
JUPYTER_PATH=$ROOT/.venv/share/jupyter .venv/bin/python -m pytest -q -p no:cacheprovider kernel-bridge/test/conformance 2>&1 | tee "$LOGS/conformance.log"
code=${PIPESTATUS[0]}
line=$(tail -1 "$LOGS/conformance.log")
record "conformance" "$code" "$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)" \
  "$(grep -oE '[0-9]+ (failed|errors?)' <<<"$line" | awk '{n += $1} END {print n + 0}')"

printf '\n== Galata UI tests (loopback-only namespace)\n'
bash scripts/run-ui-tests.sh 2>&1 | tee "$LOGS/ui.log"
code=${PIPESTATUS[0]}
line=$(grep -E '^ui-tests: [0-9]+ passed' "$LOGS/ui.log" | tail -1)
record "ui-tests" "$code" "$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)" "$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || echo 0)"

echo
echo "$passed passed, $failed failed"
exit $status
