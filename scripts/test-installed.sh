#!/usr/bin/env bash
# Tests what a user installs, not the checkout: builds the two release artifacts (the extension
# wheel with `python -m build`, the kernel tarball with `npm pack`), installs them the way the
# README says into a fresh venv and a fresh npm prefix in a temporary folder outside the repository,
# registers the kernel with the installed `jupyterlab-webrtc-kernel install --sys-prefix`, and runs
# against that installation, with a clean environment (no PATH, NODE_PATH, JUPYTER_PATH or
# PYTHONPATH entry of the checkout, a fresh HOME):
#   - checks of the installation itself (kernelspec, labextension, where the kernel's modules load from)
#   - Jupyter's kernel conformance suite (kernel-bridge/test/conformance, copied out of the repo)
#   - the streaming Galata test (ui-tests/tests/streaming.spec.ts; only Playwright comes from
#     ui-tests/node_modules, the server and the kernel come from the fresh installation)
# Needs scripts/setup.sh to have run (.venv builds the wheel; Chromium). Reuses the npm and pip
# caches. Prints each part's result, then as its last line "installed: N passed, N failed, N skipped".
set -uo pipefail

# Everything is in main, which bash reads whole before running it.
main() {
  cd "$(dirname "$0")/.." || return 2
  local root=$PWD start=$SECONDS
  # Global, for the EXIT trap (which runs after main has returned).
  work=$(mktemp -d /tmp/jupyterlab-webrtc-installed-XXXXXX) || return 2
  trap 'rm -rf "$work"' EXIT
  local dist=$work/dist venv=$work/venv prefix=$work/npm
  mkdir -p "$dist" "$work/home" "$work/conformance"

  declare -gi passed=0 failed=0 skipped=0
  part() { # name exit-code passed failed skipped
    printf '\n-- installed %s: exit %s (%s passed, %s failed, %s skipped), %s s so far\n' \
      "$1" "$2" "$3" "$4" "$5" "$((SECONDS - start))"
    passed+=$3; failed+=$4; skipped+=$5
  }
  check() { # description command... : one install check, counted
    if "${@:2}"; then echo "ok: $1"; ((checks_ok++)); else echo "FAILED: $1"; ((checks_bad++)); fi
  }

  echo "-- artifacts into $dist"
  # The wheel's build hook runs `jupyter-builder` (package.json's build:labextension) when the
  # labextension is missing or stale; it comes from .venv, like the `build` module.
  PATH="$root/.venv/bin:$PATH" .venv/bin/python -m build --wheel --no-isolation --outdir "$dist" . >"$work/build.log" 2>&1 ||
    { cat "$work/build.log"; part artifacts 1 0 1 0; summary; return 1; }
  (cd kernel-bridge && npm pack --silent --pack-destination "$dist") >>"$work/build.log" 2>&1 ||
    { cat "$work/build.log"; part artifacts 1 0 1 0; summary; return 1; }
  ls -l "$dist"

  # The installs, as the README has them, from a folder that is not the checkout, in the caller's
  # environment (its registry settings and certificates; nothing there points into the checkout
  # that a global install would use). The npm and pip caches are reused (--prefer-offline: what
  # the cache has is not asked for again).
  local node_dir
  node_dir=$(dirname "$(command -v node)")
  local clean_path="$venv/bin:$prefix/bin:$node_dir:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
  echo "-- fresh venv in $venv, npm prefix in $prefix"
  python3 -m venv "$venv" &&
    (cd "$work" && "$venv/bin/pip" install -q --disable-pip-version-check -c "$root/requirements-dev.txt" \
      "$dist"/jupyterlab_webrtc-*.whl jupyterlab jupyter_kernel_test pytest) &&
    (cd "$work" && npm install -g --prefix "$prefix" --prefer-offline --no-audit --no-fund \
      --allow-scripts=zeromq,node-av "$dist"/jupyterlab-webrtc-bridge-*.tgz) ||
    { part install 1 0 1 0; summary; return 1; }

  # From here on only the clean environment: nothing of the checkout on any path, a fresh HOME (so
  # no user-level kernelspec or labextension of the developer's), the fresh venv active.
  local -a clean=(env -i HOME="$work/home" PATH="$clean_path" LANG=C.UTF-8 TMPDIR=/tmp VIRTUAL_ENV="$venv")

  echo "-- the installation"
  local -i checks_ok=0 checks_bad=0
  local out
  out=$(cd "$work" && "${clean[@]}" jupyterlab-webrtc-kernel install --sys-prefix 2>&1)
  echo "$out"
  check "jupyterlab-webrtc-kernel install --sys-prefix wrote the kernelspec into the fresh venv" \
    test -f "$venv/share/jupyter/kernels/typescript-webrtc/kernel.json"
  check "... and found the extension the wheel installed (no warning)" \
    bash -c '! grep -q "Warning" <<<"$1"' - "$out"
  check "kernel.json runs the kernel from the fresh npm prefix" \
    grep -q "\"$prefix/lib/node_modules/jupyterlab-webrtc-bridge/bin/jupyterlab-webrtc-kernel.js\"" \
    "$venv/share/jupyter/kernels/typescript-webrtc/kernel.json"
  check "jupyter labextension list shows jupyterlab-webrtc enabled and OK, from the fresh venv" \
    bash -c '"${@:2}" jupyter labextension list 2>&1 | sed "s/\x1b\[[0-9;]*m//g" | grep -E "jupyterlab-webrtc v[0-9.]+ enabled OK" &&
      test -f "$1/share/jupyter/labextensions/jupyterlab-webrtc/package.json"' - "$venv" "${clean[@]}"
  check "jupyter server extension list shows jupyterlab_webrtc enabled and OK (kernel websockets without Nagle's delay)" \
    bash -c '"$@" jupyter server extension list 2>&1 | sed "s/\x1b\[[0-9;]*m//g" | grep -A2 -E "jupyterlab_webrtc enabled" | grep -qE "jupyterlab_webrtc [0-9.]+ OK"' \
    - "${clean[@]}"
  # The kernel's own modules and a cell's imports load from the installation, not from the repository.
  check "a cell's imports resolve into the fresh npm prefix" \
    bash -c 'cd "$1" && "${@:3}" python -c "$2"' - "$work" "
import json, sys
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name='typescript-webrtc', startup_timeout=120)
try:
    code = 'console.log(JSON.stringify([require.resolve(\"jupyterlab-webrtc-bridge\"), require.resolve(\"rxjs\"), require.resolve(\"zeromq\", {paths: [require.resolve(\"jupyterlab-webrtc-bridge\")]})]))'
    out = []
    reply = kc.execute_interactive(code, timeout=120, output_hook=lambda m: out.append(m['content'].get('text', '')))
    paths = json.loads(''.join(out))
    print(reply['content']['status'], paths)
    sys.exit(0 if reply['content']['status'] == 'ok' and all(p.startswith('$prefix/') for p in paths) else 1)
finally:
    kc.stop_channels(); km.shutdown_kernel(now=True)
" "${clean[@]}"
  part checks "$((checks_bad > 0))" "$checks_ok" "$checks_bad" 0

  echo "-- kernel conformance (jupyter_kernel_test) against the installed kernel"
  cp kernel-bridge/test/conformance/test_kernel_conformance.py "$work/conformance/"
  (cd "$work/conformance" && "${clean[@]}" python -m pytest -q -p no:cacheprovider test_kernel_conformance.py) \
    2>&1 | tee "$work/conformance.log"
  local code=${PIPESTATUS[0]} line
  line=$(tail -1 "$work/conformance.log")
  part conformance "$code" "$(number passed "$line")" \
    "$(grep -oE '[0-9]+ (failed|errors?)' <<<"$line" | awk '{n += $1} END {print n + 0}')" \
    "$(grep -oE '[0-9]+ (skipped|xfailed)' <<<"$line" | awk '{n += $1} END {print n + 0}')"

  echo "-- Galata streaming test against the installed extension and kernel"
  local ui=$root/ui-tests
  # One UI run at a time per checkout (the same lock as scripts/run-ui-tests.sh).
  exec 9>"$ui/.run-ui-tests.lock"
  flock 9
  rm -f "$ui/test-results.json"
  # Playwright's own cli by path (npx would put ui-tests/node_modules/.bin on the server's PATH).
  # Failure artifacts go to test-results-installed/, so the full Galata run's stay in test-results/.
  (cd "$ui" && "${clean[@]}" UI_TESTS_JUPYTER="$venv/bin/jupyter" PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    unshare -n bash -c 'ip link set lo up && exec node node_modules/@playwright/test/cli.js test \
      --output test-results-installed tests/streaming.spec.ts') 9>&-
  code=$?
  exec 9>&-
  local counts="0 1 0"
  if [[ -f $ui/test-results.json ]]; then
    counts=$(node -e '
      const s = require(process.argv[1]).stats;
      console.log(s.expected, s.unexpected + (s.flaky || 0), s.skipped);
    ' "$ui/test-results.json")
  fi
  # shellcheck disable=SC2086 # three numbers
  part galata "$code" $counts

  summary
  ((failed == 0))
}

number() { # word line -> the N of "N word" in the line (0 if absent)
  local n; n=$(grep -oE "[0-9]+ $1" <<<"$2" | grep -oE '^[0-9]+' | head -1)
  echo "${n:-0}"
}

summary() {
  echo
  echo "installed: $passed passed, $failed failed, $skipped skipped"
}

main "$@"
exit $?
