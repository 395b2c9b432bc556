#!/usr/bin/env bash
# Top-N on hand-made events (30 s windows sliding by 10 s, N = 2):
# ties rank by page name, and a page is trending when its views reach 1.5×
# those of the window one slide earlier (and that count is above zero).
set -euo pipefail
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ev() {   # ev ID PAGE TIMESTAMP
    printf '{"event_id":"%s","user_id":"u-%s","session_id":"s-%s","event_type":"VIEW","page":"%s","product_id":null,"timestamp":%s,"ip":"10.0.0.1","user_agent":"t","referrer":null,"session_duration":0}\n' "$1" "$1" "$1" "$2" "$3"
}
{
    # window [0,30000): /b 2 views, /a 2 views, /c 1 view  → /a then /b (tie by name)
    ev 1 /b 1000; ev 2 /b 2000; ev 3 /a 3000; ev 4 /a 4000; ev 5 /c 5000
    # windows from [10000,40000) on hold only /c's two later views: 2 against 1 one slide
    # earlier is trending, 2 against 2 is not
    ev 6 /c 31000; ev 7 /c 32000
} >"$work/events.jsonl"
"$SLUICE_BIN" run "$SLUICE_SOURCE_DIR/jobs/clickstream.yaml" --input "$work/events.jsonl" --output "$work/out.jsonl" \
    --http-port 0 --parallelism 2 --set window.size_ms=30000 --set window.slide_ms=10000 --set topn.n=2 \
    --set source.min_timestamp_ms=0 2>/dev/null
python3 - "$work/out.jsonl" <<'PY'
import json, sys
tops = {r["window_start"]: r["pages"] for r in map(json.loads, open(sys.argv[1])) if r["type"] == "top_pages"}
def names(ws): return [(p["page"], p["view_count"], p["rank"], p["trending"]) for p in tops[ws]]
checks = [
    (0, [("/a", 2, 1, False), ("/b", 2, 2, False)]),          # tie broken by page, N = 2 cuts /c
    (10000, [("/c", 2, 1, True)]),                              # [10000,40000): /c 2 vs 1 before: trending
    (20000, [("/c", 2, 1, False)]),                             # 2 vs 2: not trending
]
bad = [(ws, names(ws), want) for ws, want in checks if names(ws) != want]
for ws, got, want in bad: print(f"FAIL: window {ws}: got {got}, wanted {want}", file=sys.stderr)
print(f"{len(checks) - len(bad)} passed, {len(bad)} failed")
sys.exit(1 if bad else 0)
PY
