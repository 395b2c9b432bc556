#!/usr/bin/env bash
# Scale-out across processes against `sluice kafka-dev` (docs/kafka.md,
# "Scale-out across processes"): two `sluice run --scale-out` processes of one
# job share clickstream-events through the consumer group and one checkpoint
# directory; one aggregates, the other stands by.
#   1. Both run to the end: each ingests a share of the partitions, the
#      committed results pass `sluice verify`.
#   2. A rebalance when one leaves: the aggregating process gets SIGTERM
#      mid-run; the other takes over its partitions (group rebalance) and the
#      aggregation (from the shared checkpoints); results still exact, and the
#      records it forwarded twice were dropped.
#   3. The aggregating process is killed with SIGKILL mid-run: the other
#      restores the shared checkpoints; the aborted output of the killed one
#      is left out by the committed-epoch filter (docs/kafka.md); exact.
set -euo pipefail
. "$(dirname "$0")/kafka_helpers.sh"
events=100000

# scale_out NAME ARGS...: one process of the job in the background; its pid in $last_pid.
scale_out() {
    local name=$1
    shift
    "$SLUICE_BIN" run "$job" --brokers "$brokers" --bounded --scale-out --checkpoint-dir "$work/ckpt" --http-port 0 \
        --parallelism 2 --checkpoint-interval 500 --set kafka.session.timeout.ms=6000 "$@" \
        >"$work/$name.out" 2>"$work/$name.log" &
    last_pid=$!
}
wait_for_log() {   # FILE PATTERN SECONDS
    for _ in $(seq $(($3 * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    fail "no '$2' in $1 after $3 s: $(grep -v librdkafka "$1" | tail -5)"
}
ingested() { grep -o 'forwarded [0-9]* event' "$1" | awk '{s += $2} END {print s + 0}'; }

start_dev 1
produce "$events" 21
# `topics create --job-id` asks for the exchange topic; the mock cannot create
# topics through the Admin API (docs/kafka.md), so it names it in the error,
# and the ingest's metadata request auto-creates it below.
if timeout 60 "$SLUICE_BIN" topics create --brokers "$brokers" --job-id clickstream --timeout-ms 500 \
    >"$work/topics.out" 2>"$work/topics.err"; then
    grep -q "clickstream-exchange" "$work/topics.out" || fail "topics create --job-id did not handle clickstream-exchange"
else
    grep -q "topic clickstream-exchange could not be created" "$work/topics.err" ||
        fail "topics create --job-id: $(cat "$work/topics.err")"
fi

# Two records no ingest wrote wait in the exchange topic: one names a source
# partition clickstream-events does not have (the table of source partitions
# used to grow to it, and hold the watermark back), one an event in the
# year 292 million (its windows' ends overflowed). Both must become dead
# letters that say why, and the results stay exact.
python3 - "$work" <<'PY'
import struct, sys
def event(partition, offset, timestamp):
    strings = b"".join(struct.pack("<I", len(s)) + s for s in
                       (b"e-x", b"user-x", b"s-x", b"/x", b"p-x", b"10.0.0.1", b"curl", b"r"))
    return (bytes([0xE5, 1, 1]) + struct.pack("<iqqqB", partition, offset, timestamp, 0, 0) + strings)
open(sys.argv[1] + "/far-partition.bin", "wb").write(event(1000000, 5, 1767225600000))
open(sys.argv[1] + "/far-future.bin", "wb").write(event(0, 999999, 9223372036854775000))
PY
timeout 20 kcat -P -b "$brokers" -t clickstream-exchange -p 0 "$work/far-partition.bin" "$work/far-future.bin" ||
    fail "kcat could not write to clickstream-exchange"

echo "== 1. two processes to the end" >&2
scale_out a1; a=$last_pid
wait_for_log "$work/a1.log" "aggregating" 20
scale_out b1; b=$last_pid
wait_for_log "$work/b1.log" "standby" 20
wait "$a" || fail "process a exited $?: $(grep -v librdkafka "$work/a1.log" | tail -3)"
wait "$b" || fail "process b exited $?: $(grep -v librdkafka "$work/b1.log" | tail -3)"
for n in a1 b1; do
    grep -q "assigned [1-9] partition" "$work/$n.log" || fail "$n was never assigned a partition"
    [ "$(ingested "$work/$n.log")" -gt 0 ] || fail "$n forwarded no events"
done
echo "forwarded: a $(ingested "$work/a1.log"), b $(ingested "$work/b1.log") of $events" >&2
check_exact
timeout 20 kcat -C -b "$brokers" -t clickstream-events.dlq -o beginning -e -q >"$work/dlq.jsonl" ||
    fail "kcat could not read clickstream-events.dlq"
for reason in "source partition 1000000, but clickstream-events has 6 partitions" \
    "timestamp 9223372036854775000 is past the year 9999"; do
    grep -F "\"source\":\"clickstream-exchange\"" "$work/dlq.jsonl" | grep -qF "$reason" ||
        fail "no dead letter says '$reason': $(cut -c1-300 "$work/dlq.jsonl")"
done

# takeover PART SIGNAL: on a fresh cluster with the same events, process a
# aggregates and b joins (both throttled, so the run lasts); once the group
# has spread over both, a gets SIGNAL. b must get a's partitions in a
# rebalance, take over the aggregation from the shared checkpoints, and
# finish alone with exact results.
takeover() {
    local part=$1 sig=$2
    kill "$dev_pid"; wait "$dev_pid" 2>/dev/null || true
    rm -rf "$work/ckpt" "$work/control"
    start_dev 1
    produce "$events" 21
    scale_out "a$part" --max-rate 5000; a=$last_pid
    wait_for_log "$work/a$part.log" "checkpoint [0-9]* complete" 20
    scale_out "b$part" --max-rate 5000; b=$last_pid
    wait_for_log "$work/b$part.log" "assigned [1-9] partition" 30   # the group has rebalanced over both
    sleep 1
    kill "-$sig" "$a"
    local rc=0
    wait "$a" || rc=$?
    [ "$sig" = KILL ] || [ "$rc" = 0 ] || fail "process a exited $rc after SIG$sig: $(grep -v librdkafka "$work/a$part.log" | tail -3)"
    wait "$b" || fail "process b exited $?: $(grep -v librdkafka "$work/b$part.log" | tail -3)"
    grep -q "checkpoint .* restored" "$work/b$part.log" || fail "b did not take over the aggregation from a's checkpoints"
    [ "$(grep -c 'assigned [1-9] partition' "$work/b$part.log")" -ge 2 ] || fail "b did not get a's partitions in a rebalance"
    echo "forwarded: a $(ingested "$work/a$part.log"), b $(ingested "$work/b$part.log") of $events;" \
        "$(grep -h -o 'dropped [0-9]* record' "$work/b$part.log" || echo 'dropped 0 record')(s) forwarded twice" >&2
    check_exact
}

echo "== 2. the aggregating process leaves mid-run (SIGTERM)" >&2
takeover 2 TERM
echo "== 3. the aggregating process is killed mid-run (SIGKILL)" >&2
takeover 3 KILL
