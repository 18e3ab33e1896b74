#!/usr/bin/env bash
# Peak memory of `picket run --connect` over the 84-hour orchila replay, with (yes) or
# without (no) a client of the Beast output that never reads (docs/BENCHMARKS.md).
# Needs: cargo build --release -p picket; cargo bench -p picket-live --bench tcp --no-run;
# picket simulate orchila --out /tmp/orchila.beast
set -u
cd "$(dirname "$0")/.."
deaf=${1:-yes}
P=target/release/picket
B=$(ls -t target/release/deps/tcp-* | grep -v '\.d$' | head -1)
/usr/bin/time -f "deaf=$deaf: %e s wall %U user %S sys %M KB maxRSS" $P run \
  --connect beast://127.0.0.1:31717 --start 2019-03-25T12:00:00Z --beast-out 127.0.0.1:31718 \
  > /dev/null 2> /tmp/mem-$deaf.err &
run=$!
sleep 0.5
deafpid=
if [ "$deaf" = yes ]; then
  python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(('127.0.0.1', 31718)); time.sleep(60)" &
  deafpid=$!
  sleep 0.5
fi
$B serve /tmp/orchila.beast 127.0.0.1:31717 2> /dev/null &
srv=$!
wait $run
kill $srv
[ -n "$deafpid" ] && kill $deafpid
grep -E "maxRSS|^frames|^output|^alerts|dropped" /tmp/mem-$deaf.err
