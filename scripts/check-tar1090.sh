#!/usr/bin/env bash
# tar1090's own page against picket's /data, in Debian's headless Chromium.
#
#   scripts/check-tar1090.sh TAR1090_HTML_DIR [AIRCRAFT | demo]
#
# TAR1090_HTML_DIR is tar1090's html/ directory (index.html and the files it loads; tar1090
# is GPL and not part of picket: bring your own copy, docs/web.md says which version was
# checked). The script builds and runs picket's `crowd` example (AIRCRAFT synthetic aircraft,
# default 200, moving in real time through the real engine and server), or with `demo` the
# README's demo (debug build, with --publish-receiver-position so that tar1090 gets the
# site position and draws its range rings and distances), serves tar1090's
# files and picket's /data on one origin with a throwaway proxy (web/test/tar1090-proxy.py:
# picket itself serves nothing outside its own web bundle), and runs web/test/tar1090.mjs,
# which asserts that tar1090's page lists and draws every aircraft picket reports and saves
# a screenshot to target/tar1090-check.png. Needs cargo, python3, node/npm (playwright-core
# from web/test/package-lock.json) and /usr/bin/chromium (or $CHROMIUM).
set -euo pipefail

html=${1:?usage: scripts/check-tar1090.sh TAR1090_HTML_DIR [AIRCRAFT | demo]}
aircraft=${2:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
html=$(cd "$html" && pwd)
[ -f "$html/index.html" ] || { echo "check-tar1090: no index.html in $html" >&2; exit 2; }

work=$(mktemp -d)
crowd_pid=
proxy_pid=
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  [ -n "$crowd_pid" ] && kill "$crowd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Waits (up to $2 seconds) until the command $1 succeeds.
wait_for() {
  local deadline=$((SECONDS + $2))
  until eval "$1"; do
    if [ $SECONDS -ge $deadline ]; then
      echo "check-tar1090: timed out waiting for: $1" >&2
      return 1
    fi
    sleep 0.2
  done
}

cd "$root"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
if [ "$aircraft" = demo ]; then
  cargo build -q -p picket
  "$target_dir/debug/picket" demo --http 127.0.0.1:0 --duration 900s --publish-receiver-position \
    2>"$work/crowd.err" >/dev/null &
  what="picket's demo"
else
  cargo build -q -p picket-server --example crowd
  "$target_dir/debug/examples/crowd" --aircraft "$aircraft" --serve 127.0.0.1:0 2>"$work/crowd.err" >/dev/null &
  what="picket's crowd ($aircraft aircraft)"
fi
crowd_pid=$!
wait_for "grep -q 'serving the map at' '$work/crowd.err'" 120
picket=$(grep -o 'http://[0-9.:]*' "$work/crowd.err" | head -1)
echo "check-tar1090: $what at $picket"

python3 web/test/tar1090-proxy.py "$html" "$picket" "$work/port" &
proxy_pid=$!
wait_for "[ -s '$work/port' ]" 20
origin="http://127.0.0.1:$(cat "$work/port")/"
echo "check-tar1090: tar1090's page and picket's /data at $origin"

if [ ! -d web/test/node_modules/playwright-core ]; then
  (cd web/test && npm ci --no-audit --no-fund --loglevel=error)
fi
mkdir -p target
node web/test/tar1090.mjs "$origin" "$root/target/tar1090-check.png"
