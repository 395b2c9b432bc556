#!/usr/bin/env bash
# --parallelism N runs the whole job on N worker threads (engine/worker.c):
# each runs one subtask of every stage, and only the keyed exchanges cross
# between them. --workers W > N deals the tasks over W threads (pipelined:
# the stages run side by side). Counts the threads named sluice-wK of a
# running job at parallelism 1, 2 and 3 and at two pipelined layouts, and
# checks that the results stay exact.
set -euo pipefail
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}"
job=$SLUICE_SOURCE_DIR/jobs/clickstream.yaml
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$SLUICE_BIN" gen --events 40000 --seed 11 --out-of-order-ms 5000 --out "$work/events.jsonl" 2>/dev/null

# parallelism:workers (0: the default, as many as the parallelism)
for layout in 1:0 2:0 3:0 1:2 2:3; do
    p=${layout%:*} w=${layout#*:}
    expected=$((w > p ? w : p))
    out=$work/results-$p-$w.jsonl
    # Throttled to about 2 s, so the threads can be counted while it runs.
    "$SLUICE_BIN" run "$job" --input "$work/events.jsonl" --output "$out" --parallelism $p --workers $w \
        --http-port 0 --max-rate 20000 --checkpoint-interval 500 2>"$work/run-$p.log" &
    pid=$!
    workers=
    for _ in $(seq 50); do
        sleep 0.1
        workers=$(cat /proc/$pid/task/*/comm 2>/dev/null | grep -c '^sluice-w' || true)
        [ "$workers" -gt 0 ] && break
    done
    sleep 0.3
    workers=$(cat /proc/$pid/task/*/comm 2>/dev/null | grep -c '^sluice-w' || true)
    wait "$pid" || { tail -20 "$work/run-$p.log" >&2; fail "parallelism $p, workers $w: sluice run failed"; }
    pid=
    [ "$workers" = "$expected" ] ||
        fail "parallelism $p, workers $w ran on $workers worker threads, expected $expected"
    # Each worker accounts for its time when the job ends.
    logged=$(grep -c "job: worker [0-9]*: .* ms on CPU" "$work/run-$p.log" || true)
    [ "$logged" = "$expected" ] || fail "parallelism $p, workers $w: $logged worker time lines, expected $expected"
    "$SLUICE_BIN" verify --events "$work/events.jsonl" --results "$out" --late "$out.late" --job "$job" \
        >"$work/verify-$p" 2>&1 || { tail -20 "$work/verify-$p" >&2; fail "parallelism $p, workers $w: verify failed"; }
    grep -q "verify: OK" "$work/verify-$p" || fail "parallelism $p, workers $w: verify did not say OK"
    echo "parallelism $p, workers $w: $workers worker thread(s), $(wc -l <"$out") results, verify OK"
done
