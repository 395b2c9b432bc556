#!/usr/bin/env bash
# `sluice kafka-dev` prints a bootstrap list that kcat can produce to and consume
# from, `sluice topics create` accepts the cluster, and SIGTERM stops it with 0.
set -euo pipefail
: "${SLUICE_BIN:?}"
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$SLUICE_BIN" kafka-dev --brokers 2 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do [ -s "$tmp/out" ] && break; sleep 0.1; done
bootstrap=$(head -1 "$tmp/out")
[[ "$bootstrap" =~ ^127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$ ]] || { echo "bad bootstrap line '$bootstrap'"; cat "$tmp/err"; exit 1; }

msg="hello-$RANDOM-$$"
echo "$msg" | timeout 20 kcat -b "$bootstrap" -P -t clickstream-events -p 2 -k session-1
got=$(timeout 20 kcat -b "$bootstrap" -C -t clickstream-events -p 2 -o beginning -e -q -f '%k=%s\n')
[ "$got" = "session-1=$msg" ] || { echo "kcat read back '$got', expected 'session-1=$msg'"; exit 1; }

# kcat sees the topic layout the dev cluster promised.
meta=$(timeout 20 kcat -b "$bootstrap" -L)
echo "$meta" | grep -q 'topic "clickstream-events" with 6 partitions' || { echo "$meta"; exit 1; }
echo "$meta" | grep -q 'topic "analytics-results" with 3 partitions' || { echo "$meta"; exit 1; }

timeout 30 "$SLUICE_BIN" topics create --brokers "$bootstrap" --timeout-ms 500 >"$tmp/topics"
grep -q "0 created, 4 already existed, 0 differences" "$tmp/topics" || { cat "$tmp/topics"; exit 1; }
if timeout 30 "$SLUICE_BIN" topics create --brokers "$bootstrap" --timeout-ms 500 --partitions-events 4 --strict >"$tmp/topics"; then
    echo "--strict should fail when clickstream-events has 6 partitions, not 4"; exit 1
fi
grep -q "warning: topic clickstream-events: partitions is 6, expected 4" "$tmp/topics"

kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || { echo "kafka-dev exited $rc after SIGTERM"; cat "$tmp/err"; exit 1; }
grep -q "got SIGTERM, stopping" "$tmp/err"
"$SLUICE_BIN" kafka-dev --help | grep -q "Usage: sluice kafka-dev"
rc=0; "$SLUICE_BIN" kafka-dev --brokers 0 2>/dev/null || rc=$?
[ "$rc" = 2 ]
echo "kafka-dev + kcat: ok"
