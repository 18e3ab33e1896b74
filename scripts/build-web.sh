#!/usr/bin/env bash
# Rebuilds the web map (web/) into crates/server/assets/, where the bundle is committed and
# embedded into the binary. Reproducible: npm ci installs exactly package-lock.json's
# versions, and esbuild's output depends only on them and the sources.
set -euo pipefail
cd "$(dirname "$0")/../web"
npm ci --no-audit --no-fund
npx tsc -p .
node build.mjs
echo "built: $(cd ../crates/server/assets && ls | tr '\n' ' ')"
