#!/usr/bin/env bash
# kill -9 at any moment loses nothing and duplicates nothing.
#
# The clickstream job reads a file throttled with --max-rate and is killed:
# twice by fault injection inside the checkpoint protocol (after the snapshot
# is durable but before the sinks commit; after they commit but before the
# checkpoint is marked complete), then with SIGKILL at random moments, and
# restarted with the same command each time. After every crash the output
# file may only hold committed results (no duplicate, nothing the reference
# lacks; a partial last line only as the beginning of one whose append the
# kill cut short, which the restart truncates); at the end it must equal, sorted, the output of an
# uninterrupted run byte for byte, and `sluice verify` must pass on it.
# CI runs 300,000 events and 5 random kills; SLUICE_LONG_TESTS=1 runs
# 1,000,000 events and 10 kills. SLUICE_CRASH_RECOVERY_ARGS adds `--set
# key=value` pairs to every run and to verify (test_crash_recovery_small_cache.sh:
# a tiny state cache); SLUICE_CRASH_RECOVERY_GEN_ARGS adds options to `sluice
# gen` (test_crash_recovery_many_pages.sh: a large, churning catalog).
# At the end of the input every window has closed, so the last checkpoint
# keeps no page names: its metadata stays small however many pages went by.
set -euo pipefail
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}"
if [ "${SLUICE_LONG_TESTS:-0}" = 1 ]; then events=1000000 kills=10 rate=150000
else events=300000 kills=5 rate=80000; fi
job="$SLUICE_SOURCE_DIR/jobs/clickstream.yaml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

read -ra gen_args <<<"${SLUICE_CRASH_RECOVERY_GEN_ARGS:-}"
"$SLUICE_BIN" gen --events "$events" --seed 21 --out-of-order-ms 10000 "${gen_args[@]}" --out "$work/events.jsonl" \
    2>/dev/null
read -ra extra_args <<<"${SLUICE_CRASH_RECOVERY_ARGS:-}"
common=(run "$job" --input "$work/events.jsonl" --parallelism 2 --http-port 0 --checkpoint-interval 200
    "${extra_args[@]}")

"$SLUICE_BIN" "${common[@]}" --output "$work/ref.jsonl" --checkpoint-dir "$work/ref.ckpt" 2>"$work/ref.log" ||
    fail "the uninterrupted run failed: $(tail -3 "$work/ref.log")"
sort "$work/ref.jsonl" >"$work/ref.sorted"

crash_args=("${common[@]}" --output "$work/out.jsonl" --checkpoint-dir "$work/ckpt" --max-rate "$rate")

# After a crash the output holds committed results only: whole lines, none
# twice, none the reference lacks. A kill while the sink appends a
# checkpoint's part (before that checkpoint is marked complete) may leave the
# part's beginning at the end (docs/checkpoints.md, "What is guaranteed"; the
# restart falls back to the checkpoint before and truncates it): then the
# last line may be unfinished, but must begin a line of the reference.
check_committed_prefix() {
    local whole="$work/out.whole" fragment
    if [ -n "$(tail -c1 "$work/out.jsonl")" ]; then
        fragment=$(LC_ALL=C tail -n 1 "$work/out.jsonl")
        # grep reads to the end (no -q): had it stopped at the match, cut
        # could die of SIGPIPE on the rest of the reference, and pipefail
        # would turn a match into a failure.
        LC_ALL=C cut -c1-"${#fragment}" "$work/ref.jsonl" | grep -xF -- "$fragment" >/dev/null || {
            echo "the partial line (${#fragment} bytes, output $(wc -c <"$work/out.jsonl") bytes): ${fragment:0:300}" >&2
            tail -5 "$work/crash.log" >&2
            fail "after crash $1: the output ends in a partial line that begins no line of the reference"
        }
        LC_ALL=C sed '$d' "$work/out.jsonl" >"$whole"
    else
        cp "$work/out.jsonl" "$whole"
    fi
    local dups
    dups=$(sort "$whole" | uniq -d | wc -l)
    [ "$dups" -eq 0 ] || fail "after crash $1: $dups duplicated lines in the output"
    local extra
    extra=$(sort "$whole" | comm -23 - "$work/ref.sorted" | wc -l)
    [ "$extra" -eq 0 ] || fail "after crash $1: $extra lines that the reference does not have"
}

crashes=0
for point in pending commit; do
    set +e
    SLUICE_CRASH_AT="$point:3" "$SLUICE_BIN" "${crash_args[@]}" 2>>"$work/crash.log"
    status=$?
    set -e
    [ "$status" -eq 137 ] || fail "SLUICE_CRASH_AT=$point:3 did not kill the run (exit $status)"
    crashes=$((crashes + 1))
    check_committed_prefix "$point"
    echo "crash $crashes: killed at '$point' of a checkpoint; $(wc -l <"$work/out.jsonl") committed lines"
done

for i in $(seq 1 "$kills"); do
    "$SLUICE_BIN" "${crash_args[@]}" 2>>"$work/crash.log" &
    pid=$!
    sleep "0.$((RANDOM % 9 + 1))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    crashes=$((crashes + 1))
    check_committed_prefix "random-$i"
    echo "crash $crashes: SIGKILL at a random moment; $(wc -l <"$work/out.jsonl") committed lines"
done

"$SLUICE_BIN" "${crash_args[@]}" 2>>"$work/crash.log" || fail "the final restart failed: $(tail -5 "$work/crash.log")"
grep -q "resuming from checkpoint" "$work/crash.log" || fail "no restart resumed from a checkpoint"

sort "$work/out.jsonl" | cmp - "$work/ref.sorted" || fail "the output after $crashes crashes differs from the uninterrupted run"
last=$(ls -d "$work"/ckpt/chk-*/_metadata | sort -V | tail -1)
[ "$(wc -c <"$last")" -lt 65536 ] ||
    fail "the final checkpoint's metadata is $(wc -c <"$last") bytes: page names of closed windows were kept"
"$SLUICE_BIN" verify --events "$work/events.jsonl" --results "$work/out.jsonl" --late "$work/out.jsonl.late" \
    --job "$job" "${extra_args[@]}" >"$work/verify.txt" 2>&1 || { tail -20 "$work/verify.txt" >&2; fail "verify failed"; }
echo "after $crashes crashes: $(wc -l <"$work/out.jsonl") lines, identical to the uninterrupted run; verify OK"
echo "1 passed, 0 failed"
