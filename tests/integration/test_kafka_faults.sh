#!/usr/bin/env bash
# Broker outages and injected request errors during a Kafka run: the job
# retries, or fails and restarts from its last checkpoint; the committed
# results are still exact. Faults come through kafka-dev's control FIFO
# (rd_kafka_mock_broker_set_down/up, rd_kafka_mock_push_request_errors).
set -euo pipefail
. "$(dirname "$0")/kafka_helpers.sh"
events=60000
start_dev 1
produce "$events" 12
common=(--checkpoint-interval 300 --max-rate 15000)

# 1. The broker goes down for 3 s in the middle of the run and comes back.
( sleep 1.5; control down 1; sleep 3; control up 1 ) &
faults=$!
run_until_done outage 4 "${common[@]}"
wait "$faults"
grep -q "control: down 1" "$work/dev.log" && grep -q "control: up 1" "$work/dev.log" || fail "the outage was not applied"
check_exact
echo "outage: exact" >&2

# 2. Injected errors: retriable Produce errors (the idempotent producer
#    retries), retriable EndTxn errors (the sink retries the commit), and an
#    abortable AddOffsetsToTxn error (the job fails; the restart resumes from
#    the last complete checkpoint). A fresh job id: a new group and
#    transactional.id, reading the same topic into the same results topic
#    (results keep the last value per key, which must be the same values).
rm -rf "$work/ckpt"
( sleep 1; control error Produce NOT_LEADER_OR_FOLLOWER 3; sleep 0.5; control error EndTxn COORDINATOR_NOT_AVAILABLE 2
  sleep 1; control error AddOffsetsToTxn INVALID_TXN_STATE 1 ) &
faults=$!
run_until_done errors 5 "${common[@]}" --set job.id=faults-errors
wait "$faults"
grep -q "control: error EndTxn" "$work/dev.log" || fail "the errors were not injected"
check_exact
echo "injected errors: exact" >&2
# The abortable error failed one run (librdkafka retries the retriable
# EndTxn errors inside commit_transaction), and a restart finished it.
[ -e "$work/errors-2.log" ] || fail "the abortable error did not fail a run"
