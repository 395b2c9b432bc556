#!/usr/bin/env bash
# Drive the CLI against a detached job: list, status, savepoint, stop with a
# savepoint, restart from it, and the final output is exact (sluice verify).
set -euo pipefail
. "$(dirname "$0")/jobs_common.sh"

"$SLUICE_BIN" gen --events 250000 --seed 11 --out-of-order-ms 5000 --out "$tmp/ev.jsonl" 2>/dev/null
id=$(start_job "$tmp/ev.jsonl" "$tmp/res.jsonl" 25000 --set job.id=cli-test)
[ "$id" = cli-test ] || fail "run --detach printed '$id', expected the job.id"
wait_ready cli-test

"$SLUICE_BIN" list > "$tmp/list.txt"
grep -Eq '^cli-test +RUNNING ' "$tmp/list.txt" || { cat "$tmp/list.txt"; fail "sluice list does not show cli-test RUNNING"; }
"$SLUICE_BIN" status cli-test > "$tmp/status.json" || fail "sluice status"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["state"] == "RUNNING" and d["id"] == "cli-test", d
assert [o["name"] for o in d["operators"]] == ["file", "session_metrics", "page_metrics", "top_n", "file"], d["operators"]
assert d["operators"][1]["parallelism"] == 2' "$tmp/status.json" || fail "status JSON: $(cat "$tmp/status.json")"

sp1=$("$SLUICE_BIN" savepoint cli-test --dir "$tmp/sp" --timeout 30) || fail "sluice savepoint"
[ -f "$sp1/_metadata" ] || fail "savepoint $sp1 has no _metadata"
case "$sp1" in "$tmp/sp/"*) ;; *) fail "savepoint $sp1 is not under --dir $tmp/sp";; esac

rc=0; "$SLUICE_BIN" savepoint no-such-job 2> "$tmp/err" || rc=$?
[ "$rc" = 2 ] && grep -q "no detached job 'no-such-job'" "$tmp/err" || fail "unknown id: exit $rc $(cat "$tmp/err")"

sp=$("$SLUICE_BIN" stop cli-test --timeout 30) || fail "sluice stop"
[ -f "$sp/_metadata" ] || fail "stop savepoint $sp has no _metadata"
[ "$(job_field cli-test state)" = FINISHED ] || fail "state after stop: $(job_field cli-test state)"
"$SLUICE_BIN" list | grep -Eq '^cli-test +FINISHED ' || fail "sluice list after stop"
before=$(wc -l < "$tmp/res.jsonl")
in_sp=$(grep -c . "$tmp/ev.jsonl")
echo "stopped with savepoint $sp after $before result lines"

# Restart from the stop's savepoint in the foreground; the input is finished exactly once.
"$SLUICE_BIN" run "$JOBFILE" --input "$tmp/ev.jsonl" --output "$tmp/res.jsonl" --parallelism 2 --http-port 0 \
  --checkpoint-dir "$tmp/ck2" --from-savepoint "$sp" 2> "$tmp/restart.log" || { tail "$tmp/restart.log"; fail "restart"; }
grep -q "restoring savepoint $sp" "$tmp/restart.log" || fail "the restart did not restore $sp"
after=$(wc -l < "$tmp/res.jsonl")
[ "$after" -gt "$before" ] || fail "the restart added no results ($before -> $after): the stop came too late to test anything"
"$SLUICE_BIN" verify --events "$tmp/ev.jsonl" --results "$tmp/res.jsonl" --late "$tmp/res.jsonl.late" \
  --job "$JOBFILE" > "$tmp/verify.txt" 2>&1 || { tail -20 "$tmp/verify.txt"; fail "verify after stop + restart"; }
echo "PASS: list, status, savepoint, stop with savepoint, restart: verify OK over $in_sp events ($before + $((after - before)) result lines)"
