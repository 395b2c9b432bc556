#!/usr/bin/env bash
# Recovery beyond plain crashes, each compared with an uninterrupted run:
#  1. SIGINT stops the job cleanly (final checkpoint, exit 0); the same command resumes it.
#  2. Rescaling: killed at parallelism 2, resumed at 1, killed, resumed at 2.
#  3. A damaged newest checkpoint is detected, logged, and the previous one is used.
#  4. Allowed lateness re-fires windows with updated results under the same key.
set -euo pipefail
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}"
job="$SLUICE_SOURCE_DIR/jobs/clickstream.yaml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
passed=0

"$SLUICE_BIN" gen --events 150000 --seed 31 --out-of-order-ms 10000 --out "$work/events.jsonl" 2>/dev/null
base=(run "$job" --input "$work/events.jsonl" --http-port 0 --checkpoint-interval 200)
"$SLUICE_BIN" "${base[@]}" --parallelism 2 --output "$work/ref.jsonl" --checkpoint-dir "$work/ref.ckpt" 2>/dev/null
sort "$work/ref.jsonl" >"$work/ref.sorted"

same_as_reference() {   # same_as_reference NAME
    sort "$work/$1.jsonl" | cmp -s - "$work/ref.sorted" || fail "$1: the output differs from the uninterrupted run"
    passed=$((passed + 1))
    echo "$1: identical to the uninterrupted run ($(wc -l <"$work/$1.jsonl") lines)"
}

start() {   # start NAME PARALLELISM: run throttled in the background, pid in $pid
    "$SLUICE_BIN" "${base[@]}" --parallelism "$2" --max-rate 40000 --output "$work/$1.jsonl" \
        --checkpoint-dir "$work/$1.ckpt" 2>>"$work/$1.log" &
    pid=$!
}

# The id of NAME's newest complete checkpoint (0 when none).
newest_id() {
    local best=0 d id
    for d in "$work/$1.ckpt"/chk-*; do
        [ -f "$d/_metadata" ] || continue
        id=${d##*chk-}
        [ "$id" -gt "$best" ] && best=$id
    done
    echo "$best"
}
# Wait (up to 20 s) until NAME completes a checkpoint newer than ID.
wait_newer() {
    for _ in $(seq 200); do [ "$(newest_id "$1")" -gt "$2" ] && return 0; sleep 0.1; done
    fail "$1: no checkpoint newer than $2 within 20 s"
}

# 1. SIGINT: a clean stop, then resume.
start stop 2
wait_newer stop 0
kill -INT "$pid"
wait "$pid" || fail "stop: SIGINT did not end the job with exit 0"
grep -q "(final)" "$work/stop.log" || fail "stop: no final checkpoint on SIGINT"
lines=$(wc -l <"$work/stop.jsonl")
[ "$lines" -gt 0 ] && [ "$lines" -lt "$(wc -l <"$work/ref.jsonl")" ] || fail "stop: $lines lines after the stop"
"$SLUICE_BIN" "${base[@]}" --parallelism 2 --output "$work/stop.jsonl" --checkpoint-dir "$work/stop.ckpt" 2>>"$work/stop.log"
grep -q "resuming from checkpoint" "$work/stop.log" || fail "stop: the second run did not resume"
same_as_reference stop

# 2. Rescale 2 → 1 → 2 across kills.
start rescale 2
wait_newer rescale 0; kill -9 "$pid"; wait "$pid" 2>/dev/null || true
before=$(newest_id rescale)
start rescale 1
wait_newer rescale "$before"; kill -9 "$pid"; wait "$pid" 2>/dev/null || true
[ "$(grep -c "resuming from checkpoint" "$work/rescale.log")" -ge 1 ] || fail "rescale: no restart resumed"
"$SLUICE_BIN" "${base[@]}" --parallelism 2 --output "$work/rescale.jsonl" --checkpoint-dir "$work/rescale.ckpt" \
    2>>"$work/rescale.log"
same_as_reference rescale

# 3. Damage the newest complete checkpoint's metadata (once there are two).
start damaged 2
wait_newer damaged 1
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
newest="$work/damaged.ckpt/chk-$(newest_id damaged)"
printf 'X' | dd of="$newest/_metadata" bs=1 seek=20 conv=notrunc 2>/dev/null
"$SLUICE_BIN" "${base[@]}" --parallelism 2 --output "$work/damaged.jsonl" --checkpoint-dir "$work/damaged.ckpt" \
    2>>"$work/damaged.log"
grep -q "ignoring checkpoint $(basename "$newest" | cut -d- -f2).*damaged" "$work/damaged.log" ||
    fail "damaged: no log line naming the damaged checkpoint"
same_as_reference damaged

# 4. Allowed lateness: delays up to 60 s against a 5 s bound, 40 s of lateness allowed.
"$SLUICE_BIN" gen --events 100000 --seed 32 --out-of-order-ms 60000 --out "$work/late_events.jsonl" 2>/dev/null
late_args=(--set watermark.out_of_orderness_ms=5000)
for lateness in 0 40000; do
    "$SLUICE_BIN" run "$job" --input "$work/late_events.jsonl" --http-port 0 --parallelism 2 "${late_args[@]}" \
        --set window.allowed_lateness_ms=$lateness --output "$work/lateness$lateness.jsonl" 2>/dev/null
    "$SLUICE_BIN" verify --events "$work/late_events.jsonl" --results "$work/lateness$lateness.jsonl" \
        --late "$work/lateness$lateness.jsonl.late" --job "$job" "${late_args[@]}" \
        --set window.allowed_lateness_ms=$lateness >"$work/lateness$lateness.verify" 2>&1 ||
        { tail "$work/lateness$lateness.verify" >&2; fail "lateness $lateness: verify failed"; }
done
late0=$(wc -l <"$work/lateness0.jsonl.late")
late40=$(wc -l <"$work/lateness40000.jsonl.late")
[ "$late40" -lt "$late0" ] || fail "allowed lateness did not accept more events ($late40 late vs $late0)"
superseded=$(sed -n 's/.*, \([0-9]*\) superseded.*/\1/p' "$work/lateness40000.verify")
[ "${superseded:-0}" -gt 0 ] || fail "allowed lateness re-fired no window"
passed=$((passed + 1))
echo "lateness: $late0 late events without allowed lateness, $late40 with 40 s; $superseded re-fired records; verify OK"

echo "$passed passed, 0 failed"
