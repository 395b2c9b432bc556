#!/usr/bin/env bash
# test_entry_page_ties.sh -- a session's entry page when its earliest events share a timestamp.
#
# docs/metrics.md: the earliest event has the minimum timestamp, ties broken
# by the bytewise-smallest page. The session stage names only the pages that
# become a record's entry page, so the tie-break compares an event's page
# with a name it kept: this checks it in both arrival orders, on every
# layout (one worker, data-parallel, pipelined) and on the merging path that
# allowed lateness takes, through bounce_rate, which depends on the entry
# page alone:
#   s1: /b and /a at 1000 -> enters on /a, 2 events     s2: /a at 2000, bounces
#   s3: /c and /d at 3000 -> enters on /c, 2 events     s4: /d at 4000, bounces
# so bounce_rate is /a 0.5, /b 0, /c 0, /d 1 in every window (a wrong entry
# page would give /a 1 or /d 0.5). `sluice verify` checks the rest.
set -euo pipefail
: "${SLUICE_BIN:?SLUICE_BIN must point at the sluice binary}"
SLUICE_BIN=$(realpath "$SLUICE_BIN")
: "${SLUICE_SOURCE_DIR:?}"
job="$SLUICE_SOURCE_DIR/jobs/clickstream.yaml"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0

SETTINGS=(--set source.min_timestamp_ms=-1000000 --set window.size_ms=30000 --set window.slide_ms=10000)

ev() {   # ev ID SESSION PAGE TIMESTAMP (each session its own user)
    printf '{"event_id":"%s","user_id":"u-%s","session_id":"%s","event_type":"VIEW","page":"%s","product_id":null,"timestamp":%s,"ip":"10.0.0.1","user_agent":"test","referrer":null,"session_duration":0}\n' \
        "$1" "$2" "$2" "$3" "$4"
}

{   # the tied pages in descending order
    ev e1 s1 /b 1000
    ev e2 s1 /a 1000
    ev e3 s2 /a 2000
    ev e4 s3 /d 3000
    ev e5 s3 /c 3000
    ev e6 s4 /d 4000
} >descending.jsonl
{   # ascending
    ev e2 s1 /a 1000
    ev e1 s1 /b 1000
    ev e3 s2 /a 2000
    ev e5 s3 /c 3000
    ev e4 s3 /d 3000
    ev e6 s4 /d 4000
} >ascending.jsonl

check_bounces() {   # check_bounces RESULTS: every page_analytics line's bounce_rate as expected
    python3 - "$1" <<'EOF'
import json, sys
want = {"/a": 0.5, "/b": 0.0, "/c": 0.0, "/d": 1.0}
seen = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") != "page_analytics":
        continue
    seen += 1
    if r["bounce_rate"] != want[r["page"]]:
        sys.exit(f"window [{r['window_start']}, {r['window_end']}) page {r['page']}: "
                 f"bounce_rate {r['bounce_rate']}, want {want[r['page']]}")
if seen != 12:   # 4 pages in each of the 3 windows holding [0, 10000)
    sys.exit(f"{seen} page_analytics records, want 12")
EOF
}

# Each layout: the run's own options | settings that verify must know too.
for input in descending ascending; do
    for layout in "--parallelism 1|" "--parallelism 2|" "--parallelism 1 --workers 2|" \
        "--parallelism 2|--set window.allowed_lateness_ms=5000"; do
        read -ra run_args <<<"${layout%%|*}"
        read -ra both_args <<<"${layout#*|}"
        name="$input, ${layout/|/ }"
        rm -rf out.jsonl*   # a file sink resumes what is there
        if ! "$SLUICE_BIN" run "$job" --http-port 0 --input "$input.jsonl" --output out.jsonl "${SETTINGS[@]}" \
            "${run_args[@]}" "${both_args[@]}" 2>run.log >/dev/null; then
            echo "FAIL ($name): the run failed: $(tail -3 run.log)"
            failures=$((failures + 1))
            continue
        fi
        if ! problem=$(check_bounces out.jsonl 2>&1); then
            echo "FAIL ($name): $problem"
            failures=$((failures + 1))
            continue
        fi
        if ! "$SLUICE_BIN" verify --events "$input.jsonl" --results out.jsonl --job "$job" "${SETTINGS[@]}" \
            "${both_args[@]}" >verify.txt 2>&1; then
            echo "FAIL ($name): verify: $(tail -5 verify.txt)"
            failures=$((failures + 1))
            continue
        fi
        echo "ok: $name"
    done
done
[ "$failures" -eq 0 ] || { echo "$failures failed"; exit 1; }
echo "8 passed, 0 failed"
