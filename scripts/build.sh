#!/usr/bin/env bash
# Type-checks and compiles src + test (tsc → out/), then bundles dist/ (esbuild).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf out
npx --no-install tsc -p .
# The stand-in Jupyter extension of the provider suite is an extension folder of its own.
cp test/host/jupyterFixture/package.json out/test/host/jupyterFixture/package.json
node esbuild.mjs "$@"
chmod +x dist/cli.js
