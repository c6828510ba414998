#!/usr/bin/env bash
# Sets up from nothing (scripts/setup.sh --browser) and runs every test:
#   0. lint: `npm run lint:check` (ESLint, Prettier, Stylelint, knip; both packages), one check
#   1. kernel-bridge jest: kernel over zeromq, widgets, media, streamer (loopback-only namespace)
#   2. frontend jest: the labextension's widget, signalling and settings
#   3. jupyter_kernel_test: Jupyter's kernel conformance suite against our kernel; examples/*.ipynb
#      run top to bottom by nbclient (kernel-bridge/test/examples); the server extension's tests
#      (jupyterlab_webrtc/tests: a real Jupyter server's kernel websocket has Nagle off)
#   4. Galata: real JupyterLab + real Chromium with a fake camera (loopback-only namespace)
#   5. installed artifacts (scripts/test-installed.sh): the wheel and the npm tarball built and
#      installed into a fresh venv and npm prefix outside the repo; conformance and the streaming
#      Galata test against that installation
# Every step runs even if one before failed; the exit code is non-zero if any failed, and the
# last line is "N passed, N failed, N skipped" over all suites (skips are counted and shown per
# suite too, so a skipped test never passes silently).
#
# Options:
#   --repeat N    only the kernel-bridge jest suite, N runs in a row (setup once); fails if any
#                 run fails. For catching flaky tests: a test that fails one run in five fails.
#   --skip-setup  do not run scripts/setup.sh (the checkout is already set up and built)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

repeat=0
setup=1
while (($#)); do
  case $1 in
    --repeat) repeat=${2:-}; shift 2 || { echo "--repeat needs a number"; exit 2; } ;;
    --repeat=*) repeat=${1#--repeat=}; shift ;;
    --skip-setup) setup=0; shift ;;
    *) echo "usage: scripts/test.sh [--repeat N] [--skip-setup]"; exit 2 ;;
  esac
done
[[ $repeat =~ ^[0-9]+$ ]] || { echo "--repeat needs a number, got '$repeat'"; exit 2; }

if ((setup)); then
  bash scripts/setup.sh --browser || { echo "setup failed"; exit 1; }
fi

declare -i passed=0 failed=0 skipped=0
status=0
record() { # name exit-code passed failed skipped
  printf '\n== %s: exit %s (%s passed, %s failed, %s skipped)\n' "$1" "$2" "$3" "$4" "$5"
  passed+=$3; failed+=$4; skipped+=$5
  [[ $2 == 0 ]] || status=1
}
count() { # word line -> the N of "N word" in the line (0 if absent)
  local n; n=$(grep -oE "[0-9]+ $1" <<<"$2" | grep -oE '^[0-9]+' | head -1)
  echo "${n:-0}"
}
jest_counts() { # a jest log -> "passed failed skipped" (skipped: it.skip/describe.skip and todo)
  local line; line=$(grep -E '^Tests:' "$1" | tail -1)
  local p f s t
  p=$(count passed "$line"); f=$(count failed "$line"); s=$(count skipped "$line"); t=$(count todo "$line")
  echo "$p $f $((s + t))"
}
LOGS=$(mktemp -d)

# Runs the kernel-bridge suite once, logging to $1. No --forceExit: it would hide what a test
# leaves open (a worker, a socket, a timer). Instead, if jest has not exited EXIT_GRACE seconds
# after its summary, the run is stopped and fails, saying so.
EXIT_GRACE=60
kernel_bridge_jest() {
  : >"$1"
  setsid unshare -n bash -c 'ip link set lo up && cd kernel-bridge && exec npx jest --runInBand' > >(tee -a "$1") 2>&1 &
  local pid=$! after=0
  while kill -0 "$pid" 2>/dev/null; do
    if grep -q '^Ran all test suites' "$1"; then
      if ((after++ >= EXIT_GRACE)); then
        kill -- -"$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        echo "jest did not exit $EXIT_GRACE s after its summary: a test left a handle open (find it with npx jest --detectOpenHandles); counted as failed" | tee -a "$1"
        return 1
      fi
    fi
    sleep 1
  done
  wait "$pid"
}

if ((repeat > 0)); then
  declare -i bad=0
  for ((run = 1; run <= repeat; run++)); do
    printf '\n== kernel-bridge jest, run %s of %s (loopback-only namespace)\n' "$run" "$repeat"
    kernel_bridge_jest "$LOGS/kernel-$run.log"
    code=$?
    read -r p f s < <(jest_counts "$LOGS/kernel-$run.log")
    record "kernel-bridge jest run $run" "$code" "$p" "$f" "$s"
    [[ $code == 0 ]] || bad+=1
  done
  echo
  echo "kernel-bridge jest: $((repeat - bad)) of $repeat runs passed"
  echo "$passed passed, $failed failed, $skipped skipped"
  exit $status
fi

printf '\n== lint\n'
npm run -s lint:check 2>&1 | tee "$LOGS/lint.log"
code=${PIPESTATUS[0]}; record "lint" "$code" "$((code == 0))" "$((code != 0))" 0

printf '\n== kernel-bridge jest (loopback-only namespace)\n'
kernel_bridge_jest "$LOGS/kernel.log"
code=$?; read -r p f s < <(jest_counts "$LOGS/kernel.log"); record "kernel-bridge jest" "$code" "$p" "$f" "$s"

printf '\n== frontend jest\n'
npx jest --runInBand 2>&1 | tee "$LOGS/frontend.log"
code=${PIPESTATUS[0]}; read -r p f s < <(jest_counts "$LOGS/frontend.log"); record "frontend jest" "$code" "$p" "$f" "$s"

printf '\n== jupyter_kernel_test conformance, the example notebooks run by nbclient, the server extension\n'
JUPYTER_PATH=$ROOT/.venv/share/jupyter .venv/bin/python -m pytest -q -p no:cacheprovider kernel-bridge/test/conformance \
  kernel-bridge/test/examples jupyterlab_webrtc/tests 2>&1 | tee "$LOGS/conformance.log"
code=${PIPESTATUS[0]}
line=$(tail -1 "$LOGS/conformance.log")
record "conformance" "$code" "$(count passed "$line")" \
  "$(grep -oE '[0-9]+ (failed|errors?)' <<<"$line" | awk '{n += $1} END {print n + 0}')" \
  "$(grep -oE '[0-9]+ (skipped|xfailed)' <<<"$line" | awk '{n += $1} END {print n + 0}')"

printf '\n== Galata UI tests (loopback-only namespace)\n'
bash scripts/run-ui-tests.sh 2>&1 | tee "$LOGS/ui.log"
code=${PIPESTATUS[0]}
line=$(grep -E '^ui-tests: [0-9]+ passed' "$LOGS/ui.log" | tail -1)
p=$(count passed "$line"); f=$(count failed "$line"); s=$(count skipped "$line")
record "ui-tests" "$code" "$p" "$f" "$s"

printf '\n== installed artifacts (wheel + npm tarball in a fresh venv and npm prefix)\n'
bash scripts/test-installed.sh 2>&1 | tee "$LOGS/installed.log"
code=${PIPESTATUS[0]}
line=$(grep -E '^installed: [0-9]+ passed' "$LOGS/installed.log" | tail -1)
[[ -n $line ]] || line="0 passed, 1 failed"
record "installed artifacts" "$code" "$(count passed "$line")" "$(count failed "$line")" "$(count skipped "$line")"

echo
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
