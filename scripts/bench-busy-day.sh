#!/bin/sh
# Builds a store holding 24 hours of the busy benchmark scenario (docs/BENCHMARKS.md, "Queries
# on a real 24-hour busy store"). busy.toml is one hour; its background generator cannot make
# a day of the same density in one scenario (43,920 flights would need more addresses than
# some airlines' blocks hold), so hour i (0-23) is busy.toml started i hours after
# 2024-06-14T18:00:00Z with seed 1000 + i, each run by its own `picket run` into the same
# store (so the store is also reopened 23 times). The two US Air Force aircraft are in every
# hour: the tanker ae0a01 orbits for the whole day.
#
#   scripts/bench-busy-day.sh STORE_DIR [FIRST_HOUR] [LAST_HOUR]
#
# PICKET names the binary (default target/release/picket); PICKET_RUN_ARGS adds arguments to
# each hour's `picket run` (e.g. `--mlat false`: multilateration is about a third of an
# hour's CPU and none of the queries reads its fixes). Each hour's timing goes to stderr.
set -eu
store=${1:?usage: scripts/bench-busy-day.sh STORE_DIR [FIRST_HOUR] [LAST_HOUR]}
first=${2:-0}
last=${3:-23}
bin=${PICKET:-target/release/picket}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$first" "$last"); do
    start=$(date -u -d "@$((1718388000 + i * 3600))" +%Y-%m-%dT%H:%M:%SZ)
    sed -e "s/^start = .*/start = \"$start\"/" "$root/crates/sim/scenarios/bench/busy.toml" >"$tmp/busy-$i.toml"
    echo "hour $i: $start seed $((1000 + i))" >&2
    /usr/bin/time -f "hour $i: %e s wall, %U s user, %S s sys, %M kB max RSS" \
        "$bin" run --scenario "$tmp/busy-$i.toml" --seed "$((1000 + i))" --store "$store" --jsonl /dev/null ${PICKET_RUN_ARGS:-}
done
