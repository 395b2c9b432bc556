# jobs_common.sh -- sourced by the job API tests: a temp SLUICE_HOME, events,
# a detached throttled job, and cleanup that never leaves a process behind.
: "${SLUICE_BIN:?SLUICE_BIN must point at the sluice binary}"
: "${SLUICE_SOURCE_DIR:?SLUICE_SOURCE_DIR must point at the source tree}"
tmp=$(mktemp -d)
export SLUICE_HOME="$tmp/home"
export NO_PROXY='*' no_proxy='*'
JOBFILE="$SLUICE_SOURCE_DIR/jobs/clickstream.yaml"
started_pids=()

# A killed job may still be writing under $tmp until it is gone: wait for
# that (up to 5 s) before removing the directory.
cleanup() {
  local pid
  for pid in "${started_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in "${started_pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; for f in "$SLUICE_HOME"/jobs/*/job.log; do [ -f "$f" ] && tail -20 "$f"; done; exit 1; }

# job_field ID FIELD: a field of the job's record.
job_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$SLUICE_HOME/jobs/$1/job.json" "$2"; }

# start_job EVENTS OUTPUT RATE [extra run options...]: prints the job id.
start_job() {
  local events=$1 output=$2 rate=$3; shift 3
  local id
  id=$("$SLUICE_BIN" run "$JOBFILE" --input "$events" --output "$output" --parallelism 2 --http-port any \
        --max-rate "$rate" --checkpoint-interval 1000 --detach "$@") || fail "sluice run --detach failed"
  started_pids+=("$(job_field "$id" pid)")
  echo "$id"
}

# wait_ready ID: until the job's /readyz says ready (it is CREATED, then
# RESTORING, for a moment after --detach returns).
wait_ready() {
  local port; port=$(job_field "$1" port)
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
    sleep 0.1
  done
  fail "job $1 did not become ready in 10 s: $(curl -s "http://127.0.0.1:$port/readyz")"
}
