#!/usr/bin/env bash
# Runs the extension's tests in a real VS Code (the server bundled in npm code-server; see test/host/harness/README.md).
# Expects scripts/build.sh to have run. Each run's output ends with mocha's "N passing" summary.
# Usage: scripts/test-host.sh suite|provider|ui oldest|newest
#   suite     mocha suites inside the real extension host (test/host/suite), against real Jupyter servers
#   provider  the server provider suite (test/host/provider) with a stand-in for the Jupyter extension loaded
#   ui     playwright-core + Chromium against the workbench (test/host/ui); screenshots go to
#          test-results/screenshots/<version>, or docs/screenshots with SJC_UPDATE_SCREENSHOTS=1
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-}
version=${2:-}
case "$version" in oldest|newest|4.*) ;; *) echo "usage: $0 suite|provider|ui oldest|newest" >&2; exit 2 ;; esac
[ -f dist/extension.js ] && [ -f out/test/host/suite/index.js ] || { echo "run scripts/build.sh first" >&2; exit 2; }
# A missing VS Code server is installed first (idempotent, cached in ~/.cache/secure-jupyter-connections).
SJC_SKIP_SYSTEM_DEPS=${SJC_SKIP_SYSTEM_DEPS:-1} bash scripts/vscode-server.sh install "$version" >&2
case "$kind" in
  suite)
    exec node out/test/host/harness/run.js --version "$version" --extension . --tests out/test/host/suite/index.js --timeout 900
    ;;
  provider)
    exec node out/test/host/harness/run.js --version "$version" --extension . --extension out/test/host/jupyterFixture --tests out/test/host/provider/index.js --timeout 900
    ;;
  ui)
    SJC_VSCODE_VERSION=$version exec npx --no-install mocha --timeout 180000 'out/test/host/ui/*.uitest.js'
    ;;
  *) echo "usage: $0 suite|provider|ui oldest|newest" >&2; exit 2 ;;
esac
