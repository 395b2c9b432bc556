# kafka_helpers.sh -- shared by tests/integration/test_kafka_*.sh (sourced, not a test itself).
# Starts `sluice kafka-dev` with a control FIFO, and runs the job, the results
# consumer and `sluice verify` the same way in every Kafka proof test.
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}"
job="$SLUICE_SOURCE_DIR/jobs/clickstream.yaml"
work=$(mktemp -d)
dev_pid=
cleanup() {
    if [ -n "$dev_pid" ]; then kill "$dev_pid" 2>/dev/null; wait "$dev_pid" 2>/dev/null || true; fi
    [ -n "${SLUICE_KEEP_WORK:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# start_dev [BROKERS [EVENT_PARTITIONS]]: sets $brokers; commands go to $work/control.
start_dev() {
    # Emptied here, before the background start: its own `>` truncates only
    # once the child runs, and a test that restarts the cluster would meanwhile
    # read the previous cluster's list (then find the file emptied under it).
    : >"$work/dev.out"
    "$SLUICE_BIN" kafka-dev --brokers "${1:-1}" --partitions-events "${2:-6}" --control-fifo "$work/control" \
        >"$work/dev.out" 2>"$work/dev.log" &
    dev_pid=$!
    for _ in $(seq 100); do [ -s "$work/dev.out" ] && break; sleep 0.1; done
    brokers=$(head -1 "$work/dev.out")
    [ -n "$brokers" ] || fail "kafka-dev printed no bootstrap list: $(cat "$work/dev.log")"
}
control() { echo "$*" >"$work/control"; }

# produce EVENTS SEED: the same traffic to the topic and to $work/events.jsonl.
produce() {
    "$SLUICE_BIN" gen --brokers "$brokers" --events "$1" --seed "$2" --out-of-order-ms 5000 2>"$work/gen.log" ||
        fail "gen --brokers: $(cat "$work/gen.log")"
    "$SLUICE_BIN" gen --events "$1" --seed "$2" --out-of-order-ms 5000 --out "$work/events.jsonl" 2>/dev/null
}

# run_job NAME ARGS...: one bounded run with checkpoints in $work/ckpt; returns its exit status.
# A short session timeout: after a SIGKILL the group waits that long for the dead member.
run_job() {
    local name=$1 rc=0 t0
    shift
    t0=$(date +%s%N)
    "$SLUICE_BIN" run "$job" --brokers "$brokers" --bounded --checkpoint-dir "$work/ckpt" --http-port 0 \
        --parallelism 2 --set kafka.session.timeout.ms=6000 "${job_sets[@]}" "$@" >"$work/$name.out" 2>"$work/$name.log" || rc=$?
    echo "run $name: exit $rc after $(( ($(date +%s%N) - t0) / 1000000 )) ms" >&2
    return $rc
}

# run_until_done NAME MAX ARGS...: restart from the checkpoint until a run exits 0.
run_until_done() {
    local name=$1 max=$2 i
    shift 2
    for i in $(seq "$max"); do
        if run_job "$name-$i" "$@"; then return 0; fi
        echo "run $name-$i failed ($(grep -m1 -E "job '.*' failed" "$work/$name-$i.log" | cut -c1-200)); restarting" >&2
    done
    fail "$name: no run finished in $max attempts"
}

# Settings the job ran with beyond the job file, for verify too.
job_sets=()

# check_exact: committed results read back from the topic pass `sluice verify`,
# and no key was committed twice with different values.
check_exact() {
    "$SLUICE_BIN" results --brokers "$brokers" --committed-epochs-from "$work/ckpt" --out "$work/results.jsonl" \
        --late-out "$work/late.jsonl" 2>"$work/results.log" || fail "sluice results: $(cat "$work/results.log")"
    cat "$work/results.log" >&2
    grep -q " 0 with a different value" "$work/results.log" || fail "a key was committed with two values"
    "$SLUICE_BIN" verify --events "$work/events.jsonl" --results "$work/results.jsonl" --late "$work/late.jsonl" \
        --job "$job" "${job_sets[@]}" >"$work/verify.out" 2>"$work/verify.err" ||
        fail "verify: $(tail -5 "$work/verify.out") $(head -5 "$work/verify.err")"
    grep -q "verify: OK" "$work/verify.out" || fail "verify did not say OK"
}
