#!/usr/bin/env bash
# --parallelism N runs the whole job on N worker threads (engine/worker.c):
# each runs one subtask of every stage, and only the keyed exchanges cross
# between them. Counts the threads named sluice-wK of a running job at
# parallelism 1, 2 and 3, and checks that the results stay exact.
set -euo pipefail
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}"
job=$SLUICE_SOURCE_DIR/jobs/clickstream.yaml
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$SLUICE_BIN" gen --events 40000 --seed 11 --out-of-order-ms 5000 --out "$work/events.jsonl" 2>/dev/null

for p in 1 2 3; do
    out=$work/results-$p.jsonl
    # Throttled to about 2 s, so the threads can be counted while it runs.
    "$SLUICE_BIN" run "$job" --input "$work/events.jsonl" --output "$out" --parallelism $p --http-port 0 \
        --max-rate 20000 --checkpoint-interval 500 2>"$work/run-$p.log" &
    pid=$!
    workers=
    for _ in $(seq 50); do
        sleep 0.1
        workers=$(cat /proc/$pid/task/*/comm 2>/dev/null | grep -c '^sluice-w' || true)
        [ "$workers" -gt 0 ] && break
    done
    sleep 0.3
    workers=$(cat /proc/$pid/task/*/comm 2>/dev/null | grep -c '^sluice-w' || true)
    wait "$pid" || { tail -20 "$work/run-$p.log" >&2; fail "parallelism $p: sluice run failed"; }
    pid=
    [ "$workers" = "$p" ] || fail "parallelism $p ran on $workers worker threads, expected $p"
    "$SLUICE_BIN" verify --events "$work/events.jsonl" --results "$out" --late "$out.late" --job "$job" \
        >"$work/verify-$p" 2>&1 || { tail -20 "$work/verify-$p" >&2; fail "parallelism $p: verify failed"; }
    grep -q "verify: OK" "$work/verify-$p" || fail "parallelism $p: verify did not say OK"
    echo "parallelism $p: $workers worker thread(s), $(wc -l <"$out") results, verify OK"
done
