#!/usr/bin/env bash
# `sluice dlq replay` re-injects dead letters: (1) JSON file mode with a
# --filter that repairs the records -- the replayed lines are byte for byte
# the events before they were broken, and a re-run over the input plus the
# replay is exact (`sluice verify`); (2) Avro file mode with --set; (3) Kafka
# mode on the in-process dev cluster; (4) command-line errors exit 2.
set -euo pipefail
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}"
job=$SLUICE_SOURCE_DIR/jobs/clickstream.yaml
work=$(mktemp -d)
dev=
cleanup() { [ -n "$dev" ] && kill "$dev" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
run() {   # run NAME INPUT ARGS...
    local name=$1 input=$2
    shift 2
    "$SLUICE_BIN" run "$job" --input "$input" --output "$work/$name.jsonl" --parallelism 1 --http-port 0 "$@" \
        2>"$work/$name.log" || { tail "$work/$name.log" >&2; fail "$name: sluice run exited $?"; }
}

# (1) every 150th event gets its timestamp as a string: wrong_type dead letters.
"$SLUICE_BIN" gen --events 6000 --seed 3 --out-of-order-ms 2000 --out "$work/valid.jsonl" 2>/dev/null
awk 'NR % 150 == 0 { print > "'"$work/broken-originals.jsonl"'"; sub(/"timestamp":[0-9]+/, "\"timestamp\":\"&\"");
     sub(/"timestamp":"\"timestamp\":/, "\"timestamp\":\""); } { print }' "$work/valid.jsonl" >"$work/input.jsonl"
broken=$(wc -l <"$work/broken-originals.jsonl")
run first "$work/input.jsonl"
[ "$(grep -c '"kind":"wrong_type"' "$work/first.jsonl.dlq")" = "$broken" ] || fail "expected $broken wrong_type dead letters"
cp "$work/input.jsonl" "$work/input2.jsonl"
"$SLUICE_BIN" dlq replay --from "$work/first.jsonl.dlq" --to "$work/input2.jsonl" \
    --filter "sed -E 's/\"timestamp\":\"([0-9]+)\"/\"timestamp\":\\1/'" 2>"$work/replay.err" ||
    { cat "$work/replay.err" >&2; fail "replay exited $?"; }
grep -q "$broken dead letter(s) read, $broken replayed" "$work/replay.err" || { cat "$work/replay.err" >&2; fail "summary"; }
cmp <(tail -n "$broken" "$work/input2.jsonl") "$work/broken-originals.jsonl" ||
    fail "the replayed records are not the events as they were before they were broken"
run second "$work/input2.jsonl"
"$SLUICE_BIN" verify --events "$work/valid.jsonl" --results "$work/second.jsonl" --late "$work/second.jsonl.late" \
    --job "$job" >"$work/verify" 2>&1 || { tail -20 "$work/verify" >&2; fail "verify after replay failed"; }
grep -q "verify: OK" "$work/verify" || fail "verify did not say OK"
echo "json: $broken dead letters replayed through --filter; re-run verify OK ($(wc -l <"$work/second.jsonl.late") late)"

# (2) Avro: records stamped before 2000 are fixed with --set; only --kind bad_timestamp is replayed.
head -300 "$work/valid.jsonl" | sed -E '0~50 s/"timestamp":[0-9]+/"timestamp":946684700000/' |
    "$SLUICE_BIN" avro encode --schema ClickstreamEvent --framing length >"$work/input.avro"
printf '\x00\x00\x00\x03abc' >>"$work/input.avro"   # one corrupt record of another kind
run avro "$work/input.avro" --set source.format=avro
[ "$(wc -l <"$work/avro.jsonl.dlq")" = 7 ] || fail "avro: expected 7 dead letters, got $(wc -l <"$work/avro.jsonl.dlq")"
"$SLUICE_BIN" dlq replay --from "$work/avro.jsonl.dlq" --to "$work/replayed.avro" --format avro \
    --kind bad_timestamp --set timestamp=1767225600000 2>"$work/replay-avro.err"
grep -q "7 dead letter(s) read, 6 replayed to .*, 1 of other kinds" "$work/replay-avro.err" ||
    { cat "$work/replay-avro.err" >&2; fail "avro replay summary"; }
"$SLUICE_BIN" avro decode --schema ClickstreamEvent --framing length <"$work/replayed.avro" >"$work/replayed.json"
[ "$(grep -c '"timestamp":1767225600000' "$work/replayed.json")" = 6 ] || fail "avro: --set did not apply"
run avro2 "$work/replayed.avro" --set source.format=avro
[ ! -s "$work/avro2.jsonl.dlq" ] || fail "avro: fixed records were dead-lettered again"
echo "avro: 6 dead letters fixed with --set and accepted"

# (3) Kafka: envelopes on clickstream-events.dlq are replayed into clickstream-events.
"$SLUICE_BIN" kafka-dev --brokers 1 >"$work/dev.out" 2>"$work/dev.err" &
dev=$!
for _ in $(seq 50); do [ -s "$work/dev.out" ] && break; sleep 0.1; done
brokers=$(head -1 "$work/dev.out")
[ -n "$brokers" ] || { cat "$work/dev.err" >&2; fail "kafka-dev did not start"; }
head -3 "$work/first.jsonl.dlq" | timeout 20 kcat -b "$brokers" -P -t clickstream-events.dlq
"$SLUICE_BIN" dlq replay --brokers "$brokers" --to-topic clickstream-events --set-conf kafka.client.id=replay-test \
    --filter "sed -E 's/\"timestamp\":\"([0-9]+)\"/\"timestamp\":\\1/'" 2>"$work/replay-kafka.err" ||
    { cat "$work/replay-kafka.err" >&2; fail "kafka replay exited $?"; }
timeout 20 kcat -b "$brokers" -C -t clickstream-events -o beginning -e -q | sort >"$work/kafka-got"
cmp "$work/kafka-got" <(head -3 "$work/broken-originals.jsonl" | sort) || fail "kafka: replayed values differ"
echo "kafka: 3 dead letters replayed from clickstream-events.dlq to clickstream-events"

# (4) usage errors
for args in "" "replay --from x" "replay --from x --to y --kind nope" "replay --from x --to-topic t" "replay --bogus 1"; do
    rc=0; "$SLUICE_BIN" dlq $args 2>/dev/null || rc=$?
    [ "$rc" = 2 ] || fail "'sluice dlq $args' exited $rc, expected 2"
done
"$SLUICE_BIN" dlq replay --help | grep -q "Usage: sluice dlq replay"
echo "dlq replay: ok"
