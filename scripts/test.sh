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
