#!/usr/bin/env bash
# Structured logs (issue 8): --log-format json gives one JSON object per
# stderr line with time, level, job, operator and message; text gives
# "TIME LEVEL [JOB] OPERATOR: MESSAGE". Checkpoints, restores and errors are
# logged once each and nothing is logged per event: ten times the events
# give the same lines apart from the checkpoints.
set -euo pipefail
: "${SLUICE_BIN:?SLUICE_BIN must point at the sluice binary}"
: "${SLUICE_SOURCE_DIR:?SLUICE_SOURCE_DIR must point at the source tree}"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
job="$SLUICE_SOURCE_DIR/jobs/clickstream.yaml"
run() { "$SLUICE_BIN" run "$job" --parallelism 2 --http-port 0 "$@"; }

"$SLUICE_BIN" gen --events 200000 --seed 11 --out-of-order-ms 5000 --out "$work/big.jsonl" 2>/dev/null
head -20000 "$work/big.jsonl" >"$work/small.jsonl"
head -60000 "$work/big.jsonl" >"$work/mid.jsonl"

# check_json LOG: every line a JSON object with exactly the five fields; prints
# the messages as "LEVEL OPERATOR: MESSAGE" into LOG.msgs.
check_json() {
    python3 - "$1" >"$1.msgs" <<'PY' || fail "$1 is not structured JSON lines"
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    rec = json.loads(line)
    assert set(rec) == {"time", "level", "job", "operator", "message"}, (n, rec)
    assert rec["level"] in ("debug", "info", "warn", "error") and rec["job"] == "clickstream", (n, rec)
    assert len(rec["time"]) == 24 and rec["time"].endswith("Z"), (n, rec)
    print(rec["level"], rec["operator"] + ":", rec["message"])
PY
}

# 1. Nothing per event: 20,000 and 200,000 events log the same lines once
# checkpoint lines and numbers are taken out. Paced (200,000 events take
# about 2 s), so that the big run spans several checkpoint intervals however
# fast the engine decodes.
for size in small big; do
    run --input "$work/$size.jsonl" --output "$work/$size.out" --checkpoint-dir "$work/$size.ckpt" \
        --checkpoint-interval 500 --max-rate 100000 --log-format json 2>"$work/$size.log" ||
        fail "run $size: $(tail -3 "$work/$size.log")"
    check_json "$work/$size.log"
    grep -v ' checkpoint: checkpoint [0-9]* complete' "$work/$size.log.msgs" | sed 's/[0-9][0-9.]*/N/g' >"$work/$size.shape"
done
cat "$work/big.shape"
diff "$work/small.shape" "$work/big.shape" >&2 || fail "the log depends on the number of events (diff above)"
[ "$(wc -l <"$work/big.log")" -lt 40 ] || fail "200,000 events gave $(wc -l <"$work/big.log") log lines"
# Each checkpoint once, ids increasing, the last one final.
grep -o 'checkpoint [0-9]* complete' "$work/big.log.msgs" | awk '{print $2}' >"$work/ids"
[ "$(wc -l <"$work/ids")" -ge 2 ] || fail "fewer than 2 checkpoints logged for 200,000 events"
sort -n -u "$work/ids" | diff - "$work/ids" >/dev/null || fail "a checkpoint was logged twice or out of order"
grep -q 'checkpoint [0-9]* complete in [0-9]* ms (final)$' "$work/big.log.msgs" || fail "no final checkpoint line"
! grep -q '^error\|^warn' "$work/big.log.msgs" || fail "a clean run logged warnings or errors: $(grep '^error\|^warn' "$work/big.log.msgs")"
echo "ok: $(wc -l <"$work/small.log") JSON lines for 20,000 events, $(wc -l <"$work/big.log") for 200,000 ($(wc -l <"$work/ids") checkpoints)"

# 2. A restart logs its restore once: kill -9 a throttled run after a
# checkpoint, then run again from the same checkpoint directory (text format).
"$SLUICE_BIN" run "$job" --parallelism 2 --http-port 0 --input "$work/mid.jsonl" --output "$work/r.out" \
    --checkpoint-dir "$work/r.ckpt" --checkpoint-interval 300 --max-rate 40000 2>"$work/r1.log" &
pids+=($!)
for _ in $(seq 100); do grep -q 'checkpoint 2 complete' "$work/r1.log" && break; sleep 0.05; done
kill -9 "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
grep -q 'checkpoint 2 complete' "$work/r1.log" || fail "no second checkpoint before the kill: $(tail -3 "$work/r1.log")"
run --input "$work/mid.jsonl" --output "$work/r.out" --checkpoint-dir "$work/r.ckpt" --checkpoint-interval 300 \
    2>"$work/r2.log" || fail "restart: $(tail -3 "$work/r2.log")"
line_re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z (debug|info |warn |error) \[clickstream\] [^ ]+: .+$'
bad=$(grep -cvE "$line_re" "$work/r2.log" || true)
[ "$bad" = 0 ] || fail "$bad text lines do not read 'TIME LEVEL [JOB] OPERATOR: MESSAGE': $(grep -vE "$line_re" "$work/r2.log" | head -2)"
[ "$(grep -c 'checkpoint [0-9]* restored in [0-9]* ms; starting the workers' "$work/r2.log")" = 1 ] ||
    fail "the restore is not logged exactly once: $(grep restored "$work/r2.log")"
echo "ok: killed after $(grep -c 'complete in' "$work/r1.log") checkpoints; the restart logged once: $(grep -o 'checkpoint [0-9]* restored in [0-9]* ms' "$work/r2.log")"

# 3. A failure is logged once at error level, and the run's last line
# (the exit summary) is structured too.
rc=0
run --input "$work/small.jsonl" --output /proc/no-such-dir/out.jsonl --checkpoint-dir "$work/f.ckpt" \
    --log-format json 2>"$work/f.log" || rc=$?
[ "$rc" = 1 ] || fail "a job that cannot create its output exited $rc"
check_json "$work/f.log"
[ "$(grep -c '^error ' "$work/f.log.msgs")" = 1 ] || fail "not exactly one error line: $(cat "$work/f.log.msgs")"
grep -q "^error job: results#0: cannot create directory '/proc/no-such-dir'" "$work/f.log.msgs" || fail "error line: $(cat "$work/f.log.msgs")"
tail -1 "$work/f.log.msgs" | grep -q "^info run: job 'clickstream' failed: .*; exit status 1$" || fail "exit summary: $(tail -1 "$work/f.log.msgs")"

# 4. Bad values of the options are usage errors.
rc=0; run --input "$work/small.jsonl" --output "$work/x.out" --log-format yaml 2>"$work/bad.log" || rc=$?
[ "$rc" = 2 ] && grep -q 'log.format must be text or json' "$work/bad.log" || fail "--log-format yaml: exit $rc $(cat "$work/bad.log")"
echo "PASS: JSON and text log lines carry time, level, job, operator, message; checkpoints, restores and errors once each, nothing per event"
