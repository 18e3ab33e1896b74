#!/usr/bin/env bash
# Sets up and runs every test of picket on a fresh Debian machine with the Rust toolchain.
# This is the README's second command; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Peer programs and servers the tests use, from Debian's packages (skipped when present).
need=()
command -v dump1090-mutability >/dev/null 2>&1 || [ -x /usr/bin/dump1090-mutability ] || need+=(dump1090-mutability)
# The MQTT sink's test starts its own broker and subscribes with mosquitto_sub.
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || need+=(mosquitto-clients)
# The map's browser test: Debian's chromium (never a downloaded browser), node and npm.
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# The history tests check KML exports with xmllint against the OGC KML 2.2 schema (pykml's
# copy, fetched from PyPI with pip by the test).
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
if [ ${#need[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  ($SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}") \
    >/dev/null 2>&1 || echo "note: could not install ${need[*]}; the tests that need them will say they skipped"
fi
command -v cargo-nextest >/dev/null 2>&1 || cargo install --locked cargo-nextest

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo nextest run --workspace --no-fail-fast
cargo test --workspace --doc --quiet

# The browser test of the map: runs the README's demo command, loads the page in headless
# Chromium through playwright-core (pinned by web/test/package-lock.json), waits for the
# caracas aircraft, clicks the landing alert and checks the aircraft panel; the screenshot
# is kept as target/web-demo.png.
if command -v npm >/dev/null 2>&1; then
  # The committed bundle is what the sources and the lock file build, byte for byte.
  bash scripts/build-web.sh >/dev/null
  git diff --exit-code --stat -- crates/server/assets || { echo "crates/server/assets is stale: run scripts/build-web.sh and commit"; exit 1; }
  # Then the history timeline over a store (timeline.mjs: the release binary the demo built).
  (cd web/test && npm ci --no-audit --no-fund --loglevel=error && node demo.mjs && node timeline.mjs)
elif [ "${PICKET_REQUIRE_TESTDATA:-}" = 1 ]; then
  echo "web test: FAILED: npm is missing (PICKET_REQUIRE_TESTDATA=1)"; exit 1
else
  echo "web test: skipped: npm is missing"
fi
