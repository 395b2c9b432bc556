#!/usr/bin/env bash
# /readyz of a job reading Kafka: 503 "... is waiting for partition assignment"
# until the consumer group assigns the source its partitions, then 200; the
# assignment and the revocation at close are logged once each, at info, with
# the partitions (JSON log lines).
set -euo pipefail
. "$(dirname "$0")/kafka_helpers.sh"
export NO_PROXY='*' no_proxy='*'

start_dev
produce 20000 5

"$SLUICE_BIN" run "$job" --brokers "$brokers" --bounded --checkpoint-dir "$work/ckpt" --http-port any \
    --parallelism 2 --log-format json >"$work/run.out" 2>"$work/run.log" &
run_pid=$!
cleanup_run() { kill "$run_pid" 2>/dev/null || true; wait "$run_pid" 2>/dev/null || true; cleanup; }
trap cleanup_run EXIT

port=
for _ in $(seq 100); do
    port=$(sed -n 's/.*serving .* on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/run.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || fail "the job logged no HTTP port: $(head -5 "$work/run.log")"

# Poll until ready (or the job ends), remembering every distinct answer.
: >"$work/readyz.txt"
ready=0
for _ in $(seq 400); do
    code=$(curl -s -o "$work/body.json" -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
    echo "$code $(cat "$work/body.json" 2>/dev/null)" >>"$work/readyz.txt"
    [ "$code" = 200 ] && { ready=1; break; }
    kill -0 "$run_pid" 2>/dev/null || break
    sleep 0.025
done
uniq "$work/readyz.txt" | sed 's/^/readyz: /'
[ "$ready" = 1 ] || fail "/readyz never said 200 while the job ran"
grep -q '^503 .*"reason":"kafka#0 is waiting for partition assignment"' "$work/readyz.txt" ||
    fail "no 503 naming the partition assignment before the job was ready"
# Order: every 'waiting for partition assignment' answer comes before the first 200.
# grep -m1, not `| head -1`: head leaving early can SIGPIPE grep, which pipefail turns into a silent exit.
first_wait=$(grep -m1 -n 'waiting for partition assignment' "$work/readyz.txt" | cut -d: -f1)
first_ok=$(grep -m1 -n '^200 ' "$work/readyz.txt" | cut -d: -f1)
last_wait=$(grep -n 'waiting for partition assignment' "$work/readyz.txt" | tail -1 | cut -d: -f1)
[ "$first_wait" -lt "$first_ok" ] && [ "$last_wait" -lt "$first_ok" ] || fail "readiness went back and forth"
grep -q '"status":"ready"' "$work/body.json" || fail "200 body: $(cat "$work/body.json")"

rc=0; wait "$run_pid" || rc=$?
[ "$rc" = 0 ] || fail "the bounded job exited $rc: $(tail -5 "$work/run.log")"

# Rebalance logging: one info line for the assignment and one for the
# revocation at close, each naming the six partitions; every line is JSON.
python3 - "$work/run.log" <<'PY' || fail "rebalance log lines"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for l in lines:
    assert set(l) == {"time", "level", "job", "operator", "message"}, l
def one(prefix):
    found = [l for l in lines if l["message"].startswith(prefix)]
    assert len(found) == 1, f"{len(found)} lines start with {prefix!r}: {found}"
    assert found[0]["level"] == "info" and found[0]["operator"] == "kafka_source#0", found[0]
    print("ok:", found[0]["level"], found[0]["operator"], found[0]["message"])
one("assigned 6 partition(s) of clickstream-events: [0,1,2,3,4,5]")
one("revoked 6 partition(s) of clickstream-events: [")
PY
echo "PASS: /readyz said 503 (waiting for partition assignment) until the group assigned the source, then 200"
