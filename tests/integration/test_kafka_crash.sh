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
common=(--checkpoint-interval 300 --max-rate 10000)
# 30 s windows, so that results could flow all through the run.
job_sets=(--set window.size_ms=30000 --set window.slide_ms=10000)

# SLUICE_CRASH_AT kills the process: after phase one ("pending"), after the
# transaction committed but before the checkpoint is marked complete
# ("commit"), and right after it is complete.
for point in pending:5 commit:5 complete:5; do
    rc=0
    SLUICE_CRASH_AT=$point run_job "crash-$point" "${common[@]}" || rc=$?
    [ "$rc" -eq 137 ] || fail "SLUICE_CRASH_AT=$point: expected a SIGKILL (137), got $rc"
done
grep -q "was committed by the sinks before the crash; completing it" "$work"/crash-complete:5.log ||
    fail "the restart after the crash at commit did not complete the committed checkpoint"

# And a plain kill -9 at a moment nobody chose. run_job is a shell function,
# so the background job is a subshell: kill the sluice process inside it,
# not just the subshell (a survivor would share the checkpoint directory).
run_job wild "${common[@]}" &
pid=$!
sleep 2.5
pkill -9 -P "$pid" 2>/dev/null || true
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
run_until_done final 3 --checkpoint-interval 300
check_exact
# Note: in these runs the results reach the sink only near the end of input
# (the Kafka source's watermark holds back mid-run; under investigation), so
# the protocol crash points rarely catch records in an open transaction; the
# SLUICE_LONG_TESTS kill -9 does. What is proven here: recovery at every
# protocol step restores state and offsets so that the results are exact.
echo "crashes: exact" >&2
