#!/usr/bin/env bash
# Bad input never crashes the job and is never lost: every kind of record that
# cannot become an event (docs/dead-letters.md), interleaved with valid
# events, in JSON-lines and in length-prefixed Avro input. The job must exit
# 0, every bad record must be in the dead-letter file with the right kind,
# reason, offset and payload, and the results must be exact for the valid
# events (`sluice verify` against the valid events alone).
set -euo pipefail
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}"
here=$SLUICE_SOURCE_DIR/tests/integration
job=$SLUICE_SOURCE_DIR/jobs/clickstream.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$SLUICE_BIN" gen --events 20000 --seed 5 --out-of-order-ms 5000 --out "$work/valid.jsonl" 2>/dev/null
python3 "$here/dead_letters_input.py" make "$SLUICE_BIN" "$work/valid.jsonl" "$work"

for format in json avro; do
    input=$work/mixed.$([ $format = json ] && echo jsonl || echo avro)
    out=$work/$format.jsonl
    "$SLUICE_BIN" run "$job" --input "$input" --output "$out" --dlq "$work/$format.dlq" --parallelism 2 \
        --http-port 0 --set source.format=$format --checkpoint-interval 200 2>"$work/$format.log" ||
        { tail -20 "$work/$format.log" >&2; fail "$format: sluice run exited $? on bad input"; }
    python3 "$here/dead_letters_input.py" check "$work/expected-$format.json" "$work/$format.dlq" "$input" ||
        fail "$format: the dead-letter file does not hold every bad record as expected"
    "$SLUICE_BIN" verify --events "$work/valid.jsonl" --results "$out" --late "$out.late" --job "$job" \
        >"$work/$format.verify" 2>&1 || { tail -20 "$work/$format.verify" >&2; fail "$format: verify failed"; }
    grep -q "verify: OK" "$work/$format.verify" || fail "$format: verify did not say OK"
    echo "$format: $(wc -l <"$work/$format.dlq") dead letters as expected, $(wc -l <"$out") results, verify OK"
done
