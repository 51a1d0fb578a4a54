#!/usr/bin/env bash
# Runs every test layer (the README's test command). Installs missing system packages first.
# Each layer prints its runner's own summary (node:test's TAP totals, or mocha's "N passing"); the last lines
# total them in node:test's format.
set -uo pipefail
cd "$(dirname "$0")/.."
logdir=$(mktemp -d)
results=()
total_pass=0
total_fail=0

run_layer() {
  local name=$1; shift
  echo "=== $name: $*"
  local log="$logdir/$name.log"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local pass fail
  # node:test TAP summary, or mocha's "N passing" / "N failing".
  pass=$(grep -E '^# pass [0-9]+' "$log" | tail -1 | awk '{print $3}')
  fail=$(grep -E '^# fail [0-9]+' "$log" | tail -1 | awk '{print $3}')
  if [ -z "$pass" ]; then
    pass=$(grep -Eo '[0-9]+ passing' "$log" | tail -1 | awk '{print $1}')
    fail=$(grep -Eo '[0-9]+ failing' "$log" | tail -1 | awk '{print $1}')
  fi
  pass=${pass:-0}; fail=${fail:-0}
  if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
  total_pass=$((total_pass + pass)); total_fail=$((total_fail + fail))
  results+=("$name: $([ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)") — $pass passed, $fail failed")
}

bash scripts/ensure-system-deps.sh all || { echo "system packages could not be installed"; exit 1; }
bash scripts/build.sh || { echo "build failed"; exit 1; }

run_layer unit bash scripts/run-node-tests.sh unit
run_layer servers bash scripts/run-node-tests.sh servers

# The extension in a real VS Code: the oldest supported and the newest (installed once, cached).
if bash scripts/vscode-server.sh install all; then
  run_layer host-oldest bash scripts/test-host.sh suite oldest
  run_layer host-newest bash scripts/test-host.sh suite newest
  run_layer provider-oldest bash scripts/test-host.sh provider oldest
  run_layer provider-newest bash scripts/test-host.sh provider newest
  run_layer ui-oldest bash scripts/test-host.sh ui oldest
  run_layer ui-newest bash scripts/test-host.sh ui newest
else
  echo "the VS Code servers could not be installed (see ~/.cache/secure-jupyter-connections/code-server/*/install.log)"
  results+=("vscode: FAILED (install) — 0 passed, 1 failed"); total_fail=$((total_fail + 1))
fi

echo
echo "=== summary"
for r in "${results[@]}"; do echo "# $r"; done
echo "# tests $((total_pass + total_fail))"
echo "# pass $total_pass"
echo "# fail $total_fail"
rm -rf "$logdir"
[ "$total_fail" -eq 0 ]
