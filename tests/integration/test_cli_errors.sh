#!/usr/bin/env bash
# The CLI's argument errors: a clear message on stderr and exit status 2;
# help on stdout with exit 0.
set -uo pipefail
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
job="$SLUICE_SOURCE_DIR/jobs/clickstream.yaml"
passed=0 failed=0

expect() {   # expect STATUS MESSAGE_SUBSTRING ARGS...
    local want=$1 msg=$2
    shift 2
    "$SLUICE_BIN" "$@" >"$work/out" 2>"$work/err"
    local got=$?
    if [ "$got" -eq "$want" ] && grep -qF -- "$msg" "$work/out" "$work/err"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: sluice $* -> exit $got (wanted $want), output lacks: $msg" >&2
        sed 's/^/  | /' "$work/err" >&2
    fi
}

printf 'window:\n  size_ms: [1, 2]\n' >"$work/list.yaml"
printf 'window:\n  size_ms: 1\n bad: x\n' >"$work/malformed.yaml"
printf 'window:\n  sise_ms: 1\n' >"$work/typo.yaml"
printf 'window:\n  slide_ms: 600000\n' >"$work/slide.yaml"

expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 "Usage: sluice COMMAND" 
expect 0 "Usage: sluice COMMAND" --help
expect 0 "Usage: sluice run JOBFILE" run --help
expect 2 "unknown or incomplete option '--frobnicate'" run "$job" --frobnicate
expect 2 "expected exactly one job file" run
expect 2 "cannot open job file '$work/missing.yaml'" run "$work/missing.yaml"
expect 2 "malformed YAML" run "$work/malformed.yaml"
expect 2 "lists are not allowed" run "$work/list.yaml"
expect 2 "unknown configuration key 'window.sise_ms'" run "$work/typo.yaml"
expect 2 "workers: -1 is outside 0..128" run "$job" --workers -1 --set source.type=generator
expect 2 "cannot read input file '$work/nope.jsonl'" run "$job" --input "$work/nope.jsonl" --output "$work/o.jsonl"
expect 2 "--set window.size=5: unknown configuration key" run "$job" --set window.size=5
expect 2 "is not of the form key=value" run "$job" --set novalue
expect 2 "unknown source 'carrier-pigeon'" run "$job" --set source.type=carrier-pigeon
expect 2 "defined over sliding or tumbling windows" run "$job" --set window.type=session
expect 2 "larger than window.size_ms" run "$work/slide.yaml" --http-port 0
# Numbers the engine's time arithmetic cannot hold, refused before the job
# starts (a lateness of INT64_MAX overflowed a window's end; 9e18 ms crashed
# the timer heap; a key read by an operator used to fail the running job, exit 1).
expect 2 "window.allowed_lateness_ms: 9223372036854775807 is outside 0..3155760000000" run "$job" \
    --set window.allowed_lateness_ms=9223372036854775807 --http-port 0
expect 2 "window.size_ms: 9000000000000000000 is outside" run "$job" --set window.size_ms=9000000000000000000 --http-port 0
expect 2 "puts each event in 3155760 windows, more than 100000" run "$job" --set window.size_ms=31557600000 --http-port 0
expect 2 "topn.n: 4294967296 is outside 1..10000" run "$job" --set topn.n=4294967296 --http-port 0
expect 2 "checkpoint.interval_ms: -1 is outside" run "$job" --checkpoint-interval -1 --http-port 0
expect 0 "Usage: sluice gen" gen --help
expect 2 "" gen --events notanumber
expect 0 "Usage: sluice verify" verify --help
expect 2 "" verify --events "$work/none.jsonl" --results "$work/none2.jsonl"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
