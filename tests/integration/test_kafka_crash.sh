#!/usr/bin/env bash
# SIGKILL during a Kafka run, at each step of the commit protocol and at a
# random moment, then restart: the committed results are exact. The mock
# shows aborted records, so `sluice results` keeps only the (attempt, epoch)
# pairs the engine recorded as committed (docs/kafka.md).
set -euo pipefail
. "$(dirname "$0")/kafka_helpers.sh"
events=60000
start_dev 1
produce "$events" 13
common=(--checkpoint-interval 300 --max-rate 20000)

# SLUICE_CRASH_AT kills the process: after phase one ("pending"), after the
# transaction committed but before the checkpoint is marked complete
# ("commit"), and right after it is complete.
for point in pending:2 commit:2 complete:3; do
    rc=0
    SLUICE_CRASH_AT=$point run_job "crash-$point" "${common[@]}" || rc=$?
    [ "$rc" -eq 137 ] || fail "SLUICE_CRASH_AT=$point: expected a SIGKILL (137), got $rc"
done
grep -q "was committed by the sinks before the crash; completing it" "$work"/crash-complete:3.log ||
    fail "the restart after the crash at commit did not complete the committed checkpoint"

# And a plain kill -9 at a moment nobody chose.
run_job wild "${common[@]}" &
pid=$!
sleep 2.5
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
run_until_done final 3 "${common[@]}"
check_exact
grep -q "^sluice results: analytics-results: .*, 0 uncommitted" "$work/results.log" && fail "the crashes left no aborted records: the test did not bite"
echo "crashes: exact" >&2
