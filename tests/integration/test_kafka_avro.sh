#!/usr/bin/env bash
# Avro end to end on Kafka against `sluice kafka-dev`, with garbage on the topic:
#  - `sluice gen --format avro` → clickstream-events (one Confluent record per
#    message) → job source.format=avro, sink.format=avro, --bounded →
#    `sluice results` decodes the committed Avro values → `sluice verify` OK
#    against the same events from `sluice gen` as a JSON file;
#  - result values start with magic byte 0 and the PageAnalytics/TopPages id;
#  - bad records (wrong magic, not JSON, unknown schema id, truncated header
#    and body, trailing bytes, bad fields) before and after the good events in
#    every partition: the job exits 0, each is on clickstream-events.dlq exactly
#    once with its sluice.dlq.* headers, and the counts equal
#    sluice_dead_letters_total.
set -euo pipefail
. "$(dirname "$0")/kafka_helpers.sh"
here=$SLUICE_SOURCE_DIR/tests/integration
events=20000

start_dev 1
"$SLUICE_BIN" gen --events $events --seed 11 --out-of-order-ms 5000 --out "$work/events.jsonl" 2>/dev/null
mkdir "$work/bad"
python3 "$here/kafka_avro_garbage.py" make "$SLUICE_BIN" "$work/events.jsonl" "$work/bad"

# produce_bad PARTITION: every bad record into one partition; "FILE PARTITION OFFSET" lines to placed.txt.
produce_bad() {
    local f end
    for f in "$work"/bad/bad-*; do
        kcat -P -b "$brokers" -t clickstream-events -p "$1" -k garbage "$f" || fail "kcat -P $f"
        end=$(kcat -Q -b "$brokers" -t "clickstream-events:$1:-1" | awk '{print $NF}')
        echo "$f $1 $((end - 1))" >>"$work/placed.txt"
    done
}
produce_bad 0
"$SLUICE_BIN" gen --brokers "$brokers" --events $events --seed 11 --out-of-order-ms 5000 --format avro \
    2>"$work/gen.log" || fail "gen --brokers --format avro: $(cat "$work/gen.log")"
produce_bad 3
n_bad=$(find "$work/bad" -name 'bad-*' | wc -l)
[ "$n_bad" -ge 8 ] && [ "$(wc -l <"$work/placed.txt")" -eq $((2 * n_bad)) ] || fail "bad records were not produced"

# One message value: magic byte 0, then the big-endian id of ClickstreamEvent (1 in avro/registry.json).
head=$(timeout 30 kcat -b "$brokers" -C -t clickstream-events -p 1 -c 1 -e -q -f '%s' | od -An -tx1 -N5 | tr -d ' \n')
[ "$head" = 0000000001 ] || fail "a generated Avro event starts with $head, expected 00 00000001"

job_sets=(--set source.format=avro --set sink.format=avro --set "metrics.final_path=$work/metrics.txt")
run_job avro --checkpoint-interval 1000 || fail "the Avro run failed: $(tail -5 "$work/avro.log")"

head=$(timeout 30 kcat -b "$brokers" -C -t analytics-results -c 1 -e -q -f '%s' | od -An -tx1 -N5 | tr -d ' \n')
case "$head" in
    0000000002 | 0000000003) ;;   # PageAnalytics or TopPages
    *) fail "a result value starts with $head, expected magic 00 and schema id 2 or 3" ;;
esac
check_exact
grep -q "^sluice results: analytics-results: .* 0 undecodable" "$work/results.log" || fail "undecodable results"

timeout 30 kcat -b "$brokers" -C -t clickstream-events.dlq -o beginning -e -q -f '%p %o %h\n' >"$work/dlq.txt"
python3 "$here/kafka_avro_garbage.py" check "$work/bad" "$work/dlq.txt" "$work/placed.txt" "$work/metrics.txt" ||
    fail "the dead-letter topic does not hold every bad record exactly once"
# The DLQ values are Avro DeadLetter records (id 4), decodable by sluice's generic decoder.
head=$(timeout 30 kcat -b "$brokers" -C -t clickstream-events.dlq -c 1 -e -q -f '%s' | od -An -tx1 -N5 | tr -d ' \n')
[ "$head" = 0000000004 ] || fail "a dead letter starts with $head, expected magic 00 and schema id 4"
echo "OK: $events Avro events and $(wc -l <"$work/placed.txt") bad records through Kafka; verify OK"
