#!/usr/bin/env bash
# A running job's /metrics: scraped twice, checked by promtool, and the
# engine's counters move as events flow; /healthz, /readyz and the job API
# answer while the pipeline runs.
set -euo pipefail
. "$(dirname "$0")/jobs_common.sh"

"$SLUICE_BIN" gen --events 400000 --seed 3 --out-of-order-ms 5000 --out "$tmp/ev.jsonl" 2>/dev/null
id=$(start_job "$tmp/ev.jsonl" "$tmp/res.jsonl" 20000)   # 20 s unless cancelled
port=$(job_field "$id" port)
url="http://127.0.0.1:$port"

curl -sf "$url/healthz" | grep -q '"ok"' || fail "/healthz"
wait_ready "$id"
curl -sf "$url/readyz" | grep -q '"ready"' || fail "/readyz body"

sleep 1.2   # one checkpoint interval and some events
curl -sf "$url/metrics" > "$tmp/m1.txt" || fail "first scrape"
sleep 1.5
curl -sf "$url/metrics" > "$tmp/m2.txt" || fail "second scrape"

value() { awk -v s="$2" '$1 == s {print $2}' "$1"; }
for series in 'sluice_source_records_total{source="file_source"}' \
              'sluice_events_in_total{operator="session_metrics",subtask="0"}' \
              'sluice_events_in_total{operator="file_sink",subtask="0"}' \
              'sluice_results_total{type="page_analytics"}' \
              'sluice_operator_busy_seconds_total{operator="session_metrics",subtask="0",work="records"}'; do
  a=$(value "$tmp/m1.txt" "$series"); b=$(value "$tmp/m2.txt" "$series")
  [ -n "$a" ] && [ -n "$b" ] || fail "$series is missing from /metrics"
  python3 -c "import sys; sys.exit(0 if float(sys.argv[2]) > float(sys.argv[1]) else 1)" "$a" "$b" \
    || fail "$series did not grow between scrapes ($a -> $b)"
  echo "ok: $series $a -> $b"
done
c=$(value "$tmp/m2.txt" 'sluice_checkpoints_total{result="completed"}')
[ "${c:-0}" -ge 1 ] || fail "no completed checkpoint counted after 2.7 s with a 1 s interval"
grep -q '^sluice_watermark_delay_seconds{input="file#0"} [0-9]' "$tmp/m2.txt" || fail "no watermark delay"
grep -q '^sluice_checkpoint_size_bytes [1-9]' "$tmp/m2.txt" || fail "no checkpoint size"
grep -q '^sluice_window_firings_total{operator="page_metrics"} [1-9]' "$tmp/m2.txt" || fail "no window firings"
# Windows fired, so the window operators spent time on timers too (seconds, not nanoseconds).
t=$(value "$tmp/m2.txt" 'sluice_operator_busy_seconds_total{operator="page_metrics",subtask="0",work="timers"}')
python3 -c "import sys; sys.exit(0 if 0 < float(sys.argv[1]) < 30 else 1)" "${t:-0}" \
  || fail "page_metrics busy seconds on timers: '$t' (want a positive number of seconds below the run's 30)"
grep -q '^sluice_job_up{job="clickstream"} 1$' "$tmp/m2.txt" || fail "sluice_job_up is not 1"
# Each worker's shares of the last second: on the CPU and asleep for lack of
# work, both in [0, 1] and together at most the whole second.
b=$(value "$tmp/m2.txt" 'sluice_worker_busy_ratio{worker="0"}')
w=$(value "$tmp/m2.txt" 'sluice_worker_waiting_ratio{worker="0"}')
[ -n "$b" ] && [ -n "$w" ] || fail "no sluice_worker_busy_ratio / sluice_worker_waiting_ratio for worker 0"
python3 -c "import sys; b, w = map(float, sys.argv[1:]); sys.exit(0 if 0 <= b <= 1.05 and 0 <= w <= 1.05 and b + w <= 1.05 and b > 0 else 1)" \
  "$b" "$w" || fail "worker 0 shares out of range: busy $b, waiting $w"
echo "ok: worker 0 busy $b, waiting $w of the last second"

# Bad requests: JSON errors with 4xx.
code=$(curl -s -o "$tmp/err.json" -w '%{http_code}' -X POST "$url/jobs/$id/savepoint" -d '{"directory": 5}')
[ "$code" = 400 ] && grep -q '"error"' "$tmp/err.json" || fail "bad savepoint body: HTTP $code $(cat "$tmp/err.json")"
code=$(curl -s -o "$tmp/err.json" -w '%{http_code}' "$url/jobs/no-such-job")
[ "$code" = 404 ] || fail "unknown job: HTTP $code"
code=$(curl -s -o "$tmp/err.json" -w '%{http_code}' -X PUT "$url/jobs/$id")
[ "$code" = 405 ] || fail "PUT /jobs/ID: HTTP $code"
curl -sf "$url/jobs/$id/results/latest" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["top_pages"]["window_start"] == d["window_start"], d["top_pages"]
assert d["page_analytics"] and all(p["window_start"] == d["window_start"] for p in d["page_analytics"])
print("ok: latest window", d["window_start"], "with", len(d["page_analytics"]), "pages")' || fail "results/latest"

if command -v promtool >/dev/null 2>&1; then
  promtool check metrics < "$tmp/m2.txt" > "$tmp/promtool.out" 2>&1 || { cat "$tmp/promtool.out"; fail "promtool check metrics"; }
  [ -s "$tmp/promtool.out" ] && { cat "$tmp/promtool.out"; fail "promtool lint findings"; }
  echo "ok: promtool check metrics accepts the live exposition"
else
  echo "promtool not found (package 'prometheus'): the live exposition was not checked by promtool"
  [ "${SLUICE_REQUIRE_PROMTOOL:-0}" = 1 ] && fail "SLUICE_REQUIRE_PROMTOOL=1"
fi

# The dashboard's "top pages of the latest window": the Top-N of the newest
# fired window as gauges. Once the checkpoint after this scrape completed,
# the file sink holds that window's top_pages record: the gauges must equal it
# (compared after the cancel below).
grep '^sluice_top_page_views{' "$tmp/m2.txt" > "$tmp/top.txt" || fail "no sluice_top_page_views series after windows fired"
end_s=$(value "$tmp/m2.txt" sluice_latest_window_end_seconds)
[ -n "$end_s" ] || fail "no sluice_latest_window_end_seconds"
c2=$(value "$tmp/m2.txt" 'sluice_checkpoints_total{result="completed"}')
for _ in $(seq 50); do
  c3=$(curl -sf "$url/metrics" | awk '$1 == "sluice_checkpoints_total{result=\"completed\"}" {print $2}')
  [ "${c3:-0}" -ge $((c2 + 2)) ] && break
  sleep 0.1
done
[ "${c3:-0}" -ge $((c2 + 2)) ] || fail "no two checkpoints completed in 5 s after the scrape ($c2 -> $c3)"

"$SLUICE_BIN" cancel "$id" >/dev/null || fail "sluice cancel"
[ "$(job_field "$id" state)" = CANCELED ] || fail "state after cancel: $(job_field "$id" state)"
# A cancel the user asked for is logged at info, once; it is not an error.
log="$SLUICE_HOME/jobs/$id/job.log"
[ "$(grep -c ' info  \[clickstream\] job: cancelled on request' "$log")" = 1 ] || fail "no single info line for the cancel"
! grep -E ' (error|warn ) \[' "$log" || fail "the cancelled job logged an error or a warning"
# (read once the job is gone: no half-written line)
python3 - "$tmp/top.txt" "$end_s" "$tmp/res.jsonl" <<'PY' || fail "sluice_top_page_views does not match the window's top_pages result"
import json, re, sys
series = []
for line in open(sys.argv[1]):
    m = re.fullmatch(r'sluice_top_page_views\{rank="(\d+)",page="((?:[^"\\]|\\.)*)"\} (\S+)\n', line)
    assert m, f"unparsable series {line!r}"
    series.append((int(m.group(1)), m.group(2), float(m.group(3))))
series.sort()
end_ms = round(float(sys.argv[2]) * 1000)
tops = [r for r in map(json.loads, open(sys.argv[3])) if r.get("type") == "top_pages" and r["window_end"] == end_ms]
assert tops, f"no committed top_pages record for window end {end_ms}"
want = [(p["rank"], p["page"], float(p["view_count"])) for p in tops[-1]["pages"]]
assert series == want, f"gauges {series} != result {want}"
assert 1 <= len(series) <= 10 and [r for r, _, _ in series] == list(range(1, len(series) + 1)), series
print(f"ok: sluice_top_page_views = the top_pages of window end {end_ms}: {len(series)} pages, #1 {series[0][1]} ({series[0][2]:.0f} views)")
PY

# The generator's own endpoint (the sluice-generator scrape target).
gen_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$SLUICE_BIN" gen --events 100000 --rate 50000 --http-port "$gen_port" --out "$tmp/gen.jsonl" 2>/dev/null &
gen_pid=$!; started_pids+=("$gen_pid")
seen=""
for _ in $(seq 100); do
  seen=$(curl -sf "http://127.0.0.1:$gen_port/metrics" 2>/dev/null | awk '$1 == "sluice_generator_events_total" {print $2}' || true)
  [ -n "$seen" ] && [ "$seen" != 0 ] && break
  sleep 0.1
done
[ -n "$seen" ] && [ "$seen" -gt 0 ] || fail "sluice gen --http-port: no sluice_generator_events_total"
wait "$gen_pid" || fail "sluice gen --http-port exited non-zero"
[ "$(wc -l < "$tmp/gen.jsonl")" = 100000 ] || fail "sluice gen --http-port wrote $(wc -l < "$tmp/gen.jsonl") events"
echo "ok: sluice gen --http-port serves sluice_generator_events_total ($seen while generating)"
[ "$(job_field "$id" state)" = CANCELED ] || fail "state after cancel: $(job_field "$id" state)"
echo "PASS: live metrics move, promtool accepts them, the API answers while the job runs"
