#!/usr/bin/env bash
# test_verify_oracle.sh -- `sluice verify` against results worked out by hand.
#
# Ten events on three pages in three sessions; windows of 30 s sliding by
# 10 s, Top-2, trending factor 1.5. The correct results below were computed
# by hand from docs/metrics.md (the working is in the comments); each check
# then breaks one thing and expects exit 1 with the right problem line.
set -euo pipefail
: "${SLUICE_BIN:?SLUICE_BIN must point at the sluice binary}"
SLUICE_BIN=$(realpath "$SLUICE_BIN")   # the checks run in a temporary directory

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
checks=0

# Timestamps are small numbers of ms, so the minimum-timestamp check is lowered.
SETTINGS=(--set source.min_timestamp_ms=-1000000 --set window.size_ms=30000 --set window.slide_ms=10000
          --set topn.n=2 --set topn.trending_factor=1.5)

ev() {   # ev ID USER SESSION TYPE PAGE TIMESTAMP
    printf '{"event_id":"%s","user_id":"%s","session_id":"%s","event_type":"%s","page":"%s","product_id":null,"timestamp":%s,"ip":"10.0.0.1","user_agent":"test","referrer":null,"session_duration":0}\n' "$@"
}

pa() {   # pa START PAGE VIEWS UNIQUE CLICKS CARTS PURCHASES ENGAGEMENT BOUNCE AVG_DURATION
    printf '{"type":"page_analytics","window_start":%s,"window_end":%s,"page":"%s","view_count":%s,"unique_users":%s,"click_count":%s,"cart_count":%s,"conversion_count":%s,"engagement_rate":%s,"bounce_rate":%s,"avg_session_duration":%s}\n' \
        "$1" "$(($1 + 30000))" "${@:2}"
}

tp() {   # tp START PAGE:VIEWS:TRENDING...
    local start=$1 rank=0 list="" sep=""
    shift
    for e in "$@"; do
        IFS=: read -r page views trending <<<"$e"
        rank=$((rank + 1))
        list+="$sep{\"page\":\"$page\",\"view_count\":$views,\"rank\":$rank,\"trending\":$trending}"
        sep=","
    done
    printf '{"type":"top_pages","window_start":%s,"window_end":%s,"pages":[%s]}\n' "$start" "$((start + 30000))" "$list"
}

# ---- the input ----
# Event e7 at t=30000 sits exactly on the end of window [0, 30000): it belongs
# to [10000, 40000) and later windows only.
{
    ev e1  u1 s1 VIEW        /a 1000
    ev e2  u1 s1 CLICK       /a 4000
    ev e3  u1 s1 VIEW        /b 12000
    ev e4  u2 s2 VIEW        /a 15000
    ev e5  u2 s2 ADD_TO_CART /b 20000
    ev e6  u1 s1 PURCHASE    /b 25000
    echo 'this line is not JSON'
    ev e7  u2 s2 VIEW        /c 30000
    ev e8  u1 s3 VIEW        /c 33000
    ev bad u1 s3 SCROLL      /c 34000
    ev e9  u2 s2 VIEW        /a 41000
    ev e10 u1 s3 SEARCH      /a 45000
} >events.jsonl

# ---- the correct results, by hand ----
# Windows containing t: start ≤ t < start + 30000, start a multiple of 10000,
# so the first is [-20000, 10000) (floor alignment below zero) and the last
# [40000, 70000). Fields: views unique clicks carts purchases engagement bounce avg.
correct_windows_1_to_4() {
    # [-20000,10000): e1 e2. s1 = {1000 /a, 4000 /a}: 2 events, 3000 ms, enters on /a.
    pa -20000 /a 1 1 1 0 0 1 0 3000
    tp -20000 /a:1:false
    # [-10000,20000): e1-e4. s1 = {1000 /a .. 12000 /b}: 3 events, 11000 ms, enters /a;
    # s2 = {15000 /a}: 1 event, bounces on /a. /a: entries 2, bounces 1; sessions s1 s2.
    # Trending: /a had 1 view one slide earlier, 2 >= 1.5*1.
    pa -10000 /a 2 2 1 0 0 0.5 0.5 5500
    pa -10000 /b 1 1 0 0 0 0 0 11000
    tp -10000 /a:2:true /b:1:false
    # [0,30000): e1-e6, not e7. s1: 1000..25000 = 24000 ms; s2: 15000..20000 = 5000 ms;
    # both enter on /a, no bounce; both touch /a and /b: avg (24000+5000)/2.
    pa 0 /a 2 2 1 0 0 0.5 0 14500
    pa 0 /b 1 2 0 1 1 0 0 14500
    tp 0 /a:2:false /b:1:false
    # [10000,40000): e3-e8. s1 = {12000 /b, 25000 /b}: 13000 ms, enters /b;
    # s2 = {15000 /a, 20000 /b, 30000 /c}: 15000 ms, enters /a; s3 = {33000 /c}: bounces on /c.
    # Top-2: /c 2, then /a and /b tie on 1 view: /a comes first bytewise.
    pa 10000 /a 1 1 0 0 0 0 0 15000
    pa 10000 /b 1 2 0 1 1 0 0 14000
    pa 10000 /c 2 2 0 0 0 0 1 7500
    tp 10000 /c:2:false /a:1:false
}
correct_window_5() {
    # [20000,50000): e5-e10. s1 = {25000 /b}: bounces on /b; s2 = {20000 /b .. 41000 /a}:
    # 21000 ms, enters /b; s3 = {33000 /c, 45000 /a}: 12000 ms, enters /c.
    # /b has no views, so it is not in the Top-N; e10 is a SEARCH: no view.
    pa 20000 /a 1 2 0 0 0 0 0 16500
    pa 20000 /b 0 2 0 1 1 0 0.5 10500
    pa 20000 /c 2 2 0 0 0 0 0 16500
    tp 20000 /c:2:false /a:1:false
}
correct_window_6() {
    # [30000,60000): e7-e10. s2 = {30000 /c, 41000 /a}: 11000 ms; s3 = {33000 /c, 45000 /a}:
    # 12000 ms; both enter on /c without bouncing.
    pa 30000 /a 1 2 0 0 0 0 0 11500
    pa 30000 /c 2 2 0 0 0 0 0 11500
    tp 30000 /c:2:false /a:1:false
}
correct_window_7() {
    # [40000,70000): e9 e10, one event per session: both bounce on /a, durations 0.
    pa 40000 /a 1 2 0 0 0 0 1 0
    tp 40000 /a:1:false
}
{ correct_windows_1_to_4; correct_window_5; correct_window_6; correct_window_7; } >results.jsonl

# ---- the same results when e10 is late and left out of a window ----
late_window_5() {
    # Without e10, s3 = {33000 /c}: bounces on /c; /a keeps only s2 (21000 ms, user u2).
    pa 20000 /a 1 1 0 0 0 0 0 21000
    pa 20000 /b 0 2 0 1 1 0 0.5 10500
    pa 20000 /c 2 2 0 0 0 0 1 10500
    tp 20000 /c:2:false /a:1:false
}
late_window_6() {
    # Without e10, s3 = {33000 /c} bounces on /c: /c entries 2, bounces 1; avg (11000+0)/2.
    pa 30000 /a 1 1 0 0 0 0 0 11000
    pa 30000 /c 2 2 0 0 0 0 0.5 5500
    tp 30000 /c:2:false /a:1:false
}
late_window_7() {
    # Without e10, [40000,70000) holds only e9: one user on /a.
    pa 40000 /a 1 1 0 0 0 0 1 0
    tp 40000 /a:1:false
}
late_record() {   # late_record WATERMARK
    printf '{"type":"late_event","watermark":%s,"event":%s}\n' "$1" "$(ev e10 u1 s3 SEARCH /a 45000)"
}

# mutate IN OUT START PAGE FIELD VALUE: copy IN with one field of one record
# changed (PAGE "top" = the top_pages record; FIELD "pages.1.page" reaches into
# the list); VALUE is JSON. FIELD "-" deletes the record.
mutate() {
    python3 - "$@" <<'EOF'
import json, sys
src, dst, start, page, field, value = sys.argv[1:7]
out = []
for line in open(src):
    r = json.loads(line)
    hit = r["window_start"] == int(start) and (r["type"] == "top_pages" if page == "top" else r.get("page") == page)
    if hit and field == "-":
        continue
    if hit:
        target, keys = r, field.split(".")
        for k in keys[:-1]:
            target = target[int(k) if k.isdigit() else k]
        target[int(keys[-1]) if keys[-1].isdigit() else keys[-1]] = json.loads(value)
    out.append(json.dumps(r, separators=(",", ":")))
open(dst, "w").write("\n".join(out) + "\n")
EOF
}

# expect CODE PATTERN [ARGS...]: run verify, check the exit code and that
# stdout+stderr contain PATTERN (a fixed string; "" matches anything).
expect() {
    local code=$1 pattern=$2 got=0
    shift 2
    checks=$((checks + 1))
    "$SLUICE_BIN" verify "$@" >out.txt 2>err.txt || got=$?
    if [ "$got" != "$code" ] || ! grep -qF -- "$pattern" out.txt err.txt; then
        echo "FAIL: verify $* -> exit $got (wanted $code), output must contain: $pattern" >&2
        sed 's/^/  | /' out.txt err.txt >&2
        failures=$((failures + 1))
    fi
}

check_mutation() {   # check_mutation START PAGE FIELD VALUE EXPECTED_LINE
    mutate results.jsonl mutated.jsonl "$1" "$2" "$3" "$4"
    expect 1 "$5" --events events.jsonl --results mutated.jsonl "${SETTINGS[@]}"
}

# ---- the correct results pass; the summary counts what it saw ----
expect 0 "verify: OK" --events events.jsonl --results results.jsonl "${SETTINGS[@]}"
for line in "events read:        12 (10 valid)" "invalid lines:      2" "windows:            7" \
            "records checked:    21" "mismatches:         0"; do
    grep -qF "$line" out.txt || { echo "FAIL: summary lacks '$line'" >&2; failures=$((failures + 1)); }
done
grep -qF "invalid event ignored: event_type 'SCROLL'" err.txt ||
    { echo "FAIL: the SCROLL line was not reported" >&2; failures=$((failures + 1)); }
# The same settings from a job file.
printf 'source:\n  min_timestamp_ms: -1000000\nwindow:\n  size_ms: 30000\n  slide_ms: 10000\ntopn:\n  n: 2\n' >job.yaml
expect 0 "verify: OK" --events events.jsonl --results results.jsonl --job job.yaml

# ---- one wrong field at a time ----
check_mutation 0 /a view_count 3 'mismatch: window [0, 30000) page "/a": view_count expected 2, got 3'
check_mutation 10000 /b cart_count 0 'mismatch: window [10000, 40000) page "/b": cart_count expected 1, got 0'
check_mutation 0 /b conversion_count 2 'page "/b": conversion_count expected 1, got 2'
check_mutation -10000 /a click_count 0 'page "/a": click_count expected 1, got 0'
check_mutation -10000 /a engagement_rate 0.25 'page "/a": engagement_rate expected 0.5, got 0.25'
check_mutation 0 /a unique_users 4 'mismatch: window [0, 30000) page "/a": unique_users expected 2 (±1), got 4'
check_mutation 10000 /c bounce_rate 0.5 'mismatch: window [10000, 40000) page "/c": bounce_rate expected 1, got 0.5'
check_mutation 10000 /b avg_session_duration 13000 'page "/b": avg_session_duration expected 14000, got 13000'
check_mutation 10000 /b window_end 50000 'page "/b": window_end expected 40000, got 50000'
check_mutation -10000 top pages.0.trending false 'mismatch: window [-10000, 20000) top_pages: pages[0].trending expected true, got false'
check_mutation 0 top pages.0.trending true 'top_pages: pages[0].trending expected false, got true'
check_mutation 10000 top pages '[{"page":"/a","view_count":1,"rank":1,"trending":false},{"page":"/c","view_count":2,"rank":2,"trending":false}]' \
    'mismatch: window [10000, 40000) top_pages: pages[0].page expected "/c", got "/a"'
check_mutation 10000 top pages.1.page '"/b"' 'top_pages: pages[1].page expected "/a", got "/b"'
check_mutation 10000 top pages.1.rank 3 'top_pages: pages[1].rank expected 2, got 3'
check_mutation 20000 top pages '[{"page":"/c","view_count":2,"rank":1,"trending":false}]' \
    'window [20000, 50000) top_pages: pages.length expected 2, got 1'

# The tolerance of the sketch: ±1 below 100 distinct users is accepted.
mutate results.jsonl mutated.jsonl 0 /a unique_users 3
expect 0 "verify: OK" --events events.jsonl --results mutated.jsonl "${SETTINGS[@]}"
# A double within relative 1e-9 is equal.
mutate results.jsonl mutated.jsonl 0 /a avg_session_duration 14500.000000001
expect 0 "verify: OK" --events events.jsonl --results mutated.jsonl "${SETTINGS[@]}"

# ---- missing and extra records ----
check_mutation 40000 top - - 'missing: window [40000, 70000) top_pages: no top_pages record in the results'
check_mutation 30000 /c - - 'missing: window [30000, 60000) page "/c": no page_analytics record'
grep -v '"window_start":40000' results.jsonl >mutated.jsonl
expect 1 "missing:            2" --events events.jsonl --results mutated.jsonl "${SETTINGS[@]}"
{ cat results.jsonl; pa 50000 /a 1 1 0 0 0 0 0 0; } >mutated.jsonl
expect 1 'extra: window [50000, 80000) page "/a": results line 22 has no expected counterpart' \
    --events events.jsonl --results mutated.jsonl "${SETTINGS[@]}"

# ---- the window boundary: e7 at t=30000 is not in [0, 30000) ----
# An engine that put it there would emit a /c record for [0, 30000): extra.
{ cat results.jsonl; pa 0 /c 1 1 0 0 0 0 0 0; } >mutated.jsonl
expect 1 'extra: window [0, 30000) page "/c"' --events events.jsonl --results mutated.jsonl "${SETTINGS[@]}"
# One ms earlier it does belong to [0, 30000): the same results now miss it.
sed 's/"timestamp":30000/"timestamp":29999/' events.jsonl >events_early.jsonl
expect 1 'missing: window [0, 30000) page "/c"' --events events_early.jsonl --results results.jsonl "${SETTINGS[@]}"

# ---- a key seen twice: the last occurrence is the final value ----
{ mutate results.jsonl mutated.jsonl 0 /a view_count 9; grep -m1 '"window_start":0,' mutated.jsonl; cat results.jsonl; } >refired.jsonl
expect 0 "verify: OK" --events events.jsonl --results refired.jsonl "${SETTINGS[@]}"
grep -qF "1 superseded" out.txt || { echo "FAIL: the re-fired record was not counted as superseded" >&2; failures=$((failures + 1)); }
{ cat results.jsonl; grep -m1 '"window_start":0,' mutated.jsonl; } >refired.jsonl
expect 1 'page "/a": view_count expected 2, got 9' --events events.jsonl --results refired.jsonl "${SETTINGS[@]}"

# ---- late events ----
# e10 judged late (at watermark 60000 its first window [20000,50000) was closed):
# the engine leaves it out of every window, [40000,70000) included.
late_record 60000 >late.jsonl
{ correct_windows_1_to_4; late_window_5; late_window_6; late_window_7; } >results_late.jsonl
expect 0 "verify: OK" --events events.jsonl --results results_late.jsonl --late late.jsonl "${SETTINGS[@]}"
grep -qF "late records:       1 (0 unmatched)" out.txt || { echo "FAIL: late record not counted" >&2; failures=$((failures + 1)); }
# The engine counted the late event anyway: mismatch.
expect 1 'mismatch: window [20000, 50000) page "/a": avg_session_duration expected 21000, got 16500' \
    --events events.jsonl --results results.jsonl --late late.jsonl "${SETTINGS[@]}"
# The engine left it out but the oracle was not told: mismatch the other way.
expect 1 'mismatch: window [30000, 60000) page "/c": bounce_rate expected 0, got 0.5' \
    --events events.jsonl --results results_late.jsonl "${SETTINGS[@]}"
# A late record for an event that was never input.
{ late_record 60000; printf '{"type":"late_event","watermark":60000,"event":%s}\n' "$(ev ghost u9 s9 VIEW /z 45000)"; } >late_ghost.jsonl
expect 1 'event_id "ghost" matches no input event' \
    --events events.jsonl --results results_late.jsonl --late late_ghost.jsonl "${SETTINGS[@]}"

# ---- negative timestamps align by floor ----
ev n1 u1 s1 VIEW /n -5000 >events_neg.jsonl
{ pa -30000 /n 1 1 0 0 0 0 1 0; tp -30000 /n:1:false
  pa -20000 /n 1 1 0 0 0 0 1 0; tp -20000 /n:1:false
  pa -10000 /n 1 1 0 0 0 0 1 0; tp -10000 /n:1:false; } >results_neg.jsonl
expect 0 "windows:            3" --events events_neg.jsonl --results results_neg.jsonl "${SETTINGS[@]}"

# ---- from 100 distinct users on, the sketch may be off by 2 % ----
# 150 single-event sessions of 150 users on /big at t = 100000..100149: the
# windows starting 80000, 90000 and 100000 each hold all of them; every session
# bounces, no duration; nothing trends (150 < 1.5 * 150).
for i in $(seq 0 149); do ev "b$i" "u$i" "sb$i" VIEW /big $((100000 + i)); done >events_big.jsonl
for start in 80000 90000 100000; do pa $start /big 150 150 0 0 0 0 1 0; tp $start /big:150:false; done >results_big.jsonl
expect 0 "verify: OK" --events events_big.jsonl --results results_big.jsonl "${SETTINGS[@]}"
for users in 147 153; do
    mutate results_big.jsonl mutated.jsonl 90000 /big unique_users $users
    expect 0 "verify: OK" --events events_big.jsonl --results mutated.jsonl "${SETTINGS[@]}"
done
mutate results_big.jsonl mutated.jsonl 90000 /big unique_users 154
expect 1 'page "/big": unique_users expected 150 (±3), got 154' --events events_big.jsonl --results mutated.jsonl "${SETTINGS[@]}"
mutate results_big.jsonl mutated.jsonl 90000 /big unique_users 146
expect 1 'page "/big": unique_users expected 150 (±3), got 146' --events events_big.jsonl --results mutated.jsonl "${SETTINGS[@]}"

# ---- past 50 problems, the rest are only counted ----
for i in $(seq 1 60); do pa $((1000000 + i * 10000)) /a 1 1 0 0 0 0 0 0; done >extra60.jsonl
cat results.jsonl >>extra60.jsonl
expect 1 "... and 10 more problems not shown" --events events.jsonl --results extra60.jsonl "${SETTINGS[@]}"
[ "$(grep -c '^extra: ' err.txt)" = 50 ] && grep -qF "extra:              60" out.txt ||
    { echo "FAIL: 50 problems shown and 60 counted were expected" >&2; failures=$((failures + 1)); }

# ---- no events and no results: nothing to check, and that is a match ----
: >nothing.jsonl
expect 0 "windows:            0" --events nothing.jsonl --results nothing.jsonl "${SETTINGS[@]}"
expect 1 "extra: window [0, 30000) top_pages" --events nothing.jsonl --results results.jsonl "${SETTINGS[@]}"

# ---- usage and file errors exit 2; --help exits 0 ----
expect 0 "Usage: sluice verify" --help
expect 2 "--events and --results are required" --events events.jsonl
expect 2 "unknown option" --events events.jsonl --results results.jsonl --frobnicate 1
expect 2 "cannot open 'nope.jsonl'" --events nope.jsonl --results results.jsonl
expect 2 "cannot open 'nope.jsonl'" --events events.jsonl --results nope.jsonl
expect 2 "unknown configuration key 'window.bogus'" --events events.jsonl --results results.jsonl --set window.bogus=1
expect 2 "window.slide_ms: 0 is outside 1..3155760000000" --events events.jsonl --results results.jsonl --set window.slide_ms=0

# ---- a malformed result line is a failure, named by line ----
{ cat results.jsonl; echo '{"type":"page_analytics","window_start":0}'; } >mutated.jsonl
expect 1 "malformed result record (field 'window_end'" --events events.jsonl --results mutated.jsonl "${SETTINGS[@]}"

echo "test_verify_oracle: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
