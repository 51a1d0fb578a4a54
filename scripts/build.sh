#!/usr/bin/env bash
# Type-checks and compiles src + test (tsc → out/), then bundles dist/ (esbuild).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf out
npx --no-install tsc -p .
node esbuild.mjs "$@"
chmod +x dist/cli.js
