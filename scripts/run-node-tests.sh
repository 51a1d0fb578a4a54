#!/usr/bin/env bash
# Runs node:test files under out/test/<layer> (compiled by scripts/build.sh). Ends with node's TAP summary.
# Usage: scripts/run-node-tests.sh unit|servers [file-filter]
set -euo pipefail
cd "$(dirname "$0")/.."
layer=$1
filter=${2:-}
mapfile -t files < <(find "out/test/$layer" -name '*.test.js' | sort | grep -- "${filter}" || true)
if [ ${#files[@]} -eq 0 ]; then
  echo "no test files in out/test/$layer matching '${filter}' (did scripts/build.sh run?)" >&2
  exit 1
fi
# Servers tests start real Jupyter processes: one file at a time keeps two cores from thrashing.
concurrency=$([ "$layer" = servers ] && echo 1 || echo 2)
exec node --test --test-reporter=tap --test-concurrency="$concurrency" "${files[@]}"
