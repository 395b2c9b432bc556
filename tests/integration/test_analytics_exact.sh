#!/usr/bin/env bash
# Event-time analytics are exact: generated traffic with out-of-order delivery
# runs through the clickstream job at parallelism 1 and 2, and the batch
# oracle (`sluice verify`) must agree on every window; with delays beyond the
# watermark bound, every event is in a window or in the late output; with
# many users, distinct counts stay exact past a sketch's limit.
# SLUICE_ANALYTICS_EVENTS overrides the size (default 1,000,000).
set -euo pipefail
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}"
events=${SLUICE_ANALYTICS_EVENTS:-1000000}
job="$SLUICE_SOURCE_DIR/jobs/clickstream.yaml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

run_job() {   # run_job NAME EVENTS_FILE ARGS...
    local name=$1 input=$2
    shift 2
    "$SLUICE_BIN" run "$job" --input "$input" --output "$work/$name.jsonl" --http-port 0 \
        --checkpoint-dir "$work/$name.ckpt" "$@" 2>"$work/$name.log" ||
        { cat "$work/$name.log" >&2; fail "$name: sluice run exited $?"; }
}

verify() {   # verify NAME EVENTS_FILE ARGS...
    local name=$1 input=$2
    shift 2
    "$SLUICE_BIN" verify --events "$input" --results "$work/$name.jsonl" --late "$work/$name.jsonl.late" \
        --job "$job" "$@" >"$work/$name.verify" 2>&1 || { tail -30 "$work/$name.verify" >&2; fail "$name: verify failed"; }
    grep -q "verify: OK" "$work/$name.verify" || fail "$name: verify did not say OK"
}

# Disorder within the 30 s bound: nothing is late, every window exact.
"$SLUICE_BIN" gen --events "$events" --seed 11 --out-of-order-ms 20000 --out "$work/events.jsonl" 2>/dev/null
for p in 1 2; do
    run_job "p$p" "$work/events.jsonl" --parallelism "$p" --checkpoint-interval 500
    verify "p$p" "$work/events.jsonl"
    [ ! -s "$work/p$p.jsonl.late" ] || fail "p$p: events were late although delays stayed within the bound"
    [ ! -s "$work/p$p.jsonl.dlq" ] || fail "p$p: valid events went to the dead-letter output"
    echo "parallelism $p: $(wc -l <"$work/p$p.jsonl") results, verify OK"
done
cmp <(sort "$work/p1.jsonl") <(sort "$work/p2.jsonl") || fail "parallelism 1 and 2 disagree"

# Delays up to 120 s against a 5 s bound: many events are late; each is in the
# late output and the windows are exact over the rest.
late_events=$((events / 5))
"$SLUICE_BIN" gen --events "$late_events" --seed 12 --out-of-order-ms 120000 --out "$work/late_events.jsonl" 2>/dev/null
run_job late "$work/late_events.jsonl" --parallelism 2 --set watermark.out_of_orderness_ms=5000
verify late "$work/late_events.jsonl" --set watermark.out_of_orderness_ms=5000
late=$(wc -l <"$work/late.jsonl.late")
[ "$late" -gt 0 ] || fail "no event was late although delays exceeded the bound"
grep -q "late records:       $late (0 unmatched)" "$work/late.verify" || fail "late records do not all match input events"
echo "late run: $late of $late_events events late, every one accounted for; verify OK"

# State far larger than the RocksDB write-back cache (50 entries per state):
# evictions, reads back from RocksDB, visits that scan the store and
# checkpoints of it must not change a result. The session stage keeps an
# entry per session: there must be well over 50 of them for this to test
# anything (at 200 entries there were not, and the
# session stage's wrong results beyond the cache went unseen).
"$SLUICE_BIN" gen --events 20000 --seed 13 --out-of-order-ms 20000 --out "$work/small.jsonl" 2>/dev/null
sessions=$(grep -o '"session_id":"[^"]*"' "$work/small.jsonl" | sort -u | wc -l)
[ "$sessions" -gt 100 ] || fail "only $sessions sessions: the state would fit the cache"
run_job small_cache "$work/small.jsonl" --parallelism 2 --set state.cache_entries=50 --checkpoint-interval 200
verify small_cache "$work/small.jsonl"
echo "state larger than the cache ($sessions sessions, 50 cached per state and subtask): verify OK"
# Many users: pages with more users in a window than a sketch counts exactly
# (2,048). The count stays exact, by the running aggregates (no allowed
# lateness) and by the merge of the panes (with it, as for re-firings).
"$SLUICE_BIN" gen --events 300000 --seed 14 --users 20000 --out-of-order-ms 5000 --out "$work/many.jsonl" 2>/dev/null
for lateness in 0 20000; do
    many_args=(--set window.size_ms=600000 --set window.allowed_lateness_ms=$lateness)
    run_job "many$lateness" "$work/many.jsonl" --parallelism 2 "${many_args[@]}"
    verify "many$lateness" "$work/many.jsonl" "${many_args[@]}" --exact-users
    past=$(grep -o '"unique_users":[0-9]*' "$work/many$lateness.jsonl" | awk -F: '$2 > 2048' | wc -l)
    [ "$past" -gt 0 ] || fail "many$lateness: no page passed 2,048 users in a window; the check saw no large count"
    echo "20,000 users, allowed lateness $lateness ms: $past counts past 2,048 users, all exact"
done
echo "1 passed, 0 failed"
