#!/usr/bin/env bash
# Two producers with one transactional.id: the older one is fenced and the
# engine stops with exit 1 and a sentence naming the id. A newer instance
# with the same job.id then finishes the job exactly. The 2.0.2 mock does
# not bump producer epochs, so the broker's answer to the older producer
# (PRODUCER_FENCED on EndTxn) is injected through kafka-dev's control FIFO.
set -euo pipefail
. "$(dirname "$0")/kafka_helpers.sh"
start_dev 1
produce 40000 14

( sleep 1.5; control error EndTxn PRODUCER_FENCED 1 ) &
faults=$!
rc=0
run_job old --checkpoint-interval 300 --max-rate 10000 || rc=$?
wait "$faults"
[ "$rc" -eq 1 ] || fail "the fenced instance exited $rc, expected 1"
grep -q "another sluice instance with transactional.id clickstream-sink-0 took over; this instance stops" \
    "$work/old.log" || fail "the fenced instance did not say so: $(grep -m3 -E 'error|failed' "$work/old.log")"
grep -q "job 'clickstream' failed" "$work/old.log" || fail "no final failure line"

run_until_done new 2 --checkpoint-interval 300
check_exact
echo "fencing: reported, and the newer instance finished exactly" >&2
