#!/usr/bin/env bash
# A real Prometheus server (Debian's `prometheus`) on loopback scrapes a
# running job; a sluice metric is then queried through Prometheus's HTTP API.
set -euo pipefail
. "$(dirname "$0")/jobs_common.sh"

if ! command -v prometheus >/dev/null 2>&1; then
  echo "prometheus not found (package 'prometheus', installed by scripts/setup.sh): nothing scraped"
  [ "${SLUICE_REQUIRE_PROMTOOL:-0}" = 1 ] && fail "SLUICE_REQUIRE_PROMTOOL=1"
  echo "skipped because prometheus is absent (set SLUICE_REQUIRE_PROMTOOL=1 to make this a failure)"
  exit 0
fi

"$SLUICE_BIN" gen --events 400000 --seed 5 --out "$tmp/ev.jsonl" 2>/dev/null
id=$(start_job "$tmp/ev.jsonl" "$tmp/res.jsonl" 20000)   # 20 s unless cancelled
wait_ready "$id"
port=$(job_field "$id" port)

prom_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$tmp/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sluice
    static_configs:
      - targets: ['127.0.0.1:$port']
YAML
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" > "$tmp/prometheus.log" 2>&1 &
started_pids+=("$!")

query='sluice_source_records_total{job="sluice",source="file_source"}'
value=""
for _ in $(seq 150); do
  value=$(curl -sf --get "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$query" 2>/dev/null \
          | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' \
          2>/dev/null || true)
  [ -n "$value" ] && [ "$value" != 0 ] && break
  sleep 0.2
done
[ -n "$value" ] && [ "$value" != 0 ] || { tail -20 "$tmp/prometheus.log"; fail "Prometheus returned no value for $query"; }
up=$(curl -sf --get "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode 'query=up{job="sluice"}' \
     | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')
[ "$up" = 1 ] || fail "up{job=\"sluice\"} is $up"

# The dashboard's "Top pages of the latest window" query, exactly as the
# provisioned dashboard has it, answered by Prometheus from the live job.
top_query=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(next(t["expr"] for p in d["panels"] if p["title"] == "Top pages of the latest window" for t in p["targets"]))' \
  "$SLUICE_SOURCE_DIR/monitoring/grafana/dashboards/sluice.json")
curl -sf --get "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$top_query" > "$tmp/top.json" \
  || fail "Prometheus rejected the dashboard query $top_query"
python3 - "$tmp/top.json" "$top_query" <<'PY' || fail "the Top pages panel query gave no ranked pages"
import json, sys
r = json.load(open(sys.argv[1]))["data"]["result"]
rows = [(int(s["metric"]["rank"]), s["metric"]["page"], float(s["value"][1])) for s in r]
assert 1 <= len(rows) <= 10, rows
assert sorted(r for r, _, _ in rows) == list(range(1, len(rows) + 1)), rows
views = [v for _, _, v in rows]
assert views == sorted(views, reverse=True) and views[0] > 0, rows
print(f"ok: Prometheus answers the dashboard's {sys.argv[2]!r}: " + ", ".join(f"#{k} {p} {v:.0f}" for k, p, v in rows[:3]) + ", ...")
PY
# The "Operator busy time" panel's query: a rate, so it answers once two
# scrapes (1 s apart) saw the counter move.
busy_query=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(next(t["expr"] for p in d["panels"] if p["title"].startswith("Operator busy time") for t in p["targets"]))' \
  "$SLUICE_SOURCE_DIR/monitoring/grafana/dashboards/sluice.json")
busy=""
for _ in $(seq 50); do
  busy=$(curl -sf --get "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$busy_query" 2>/dev/null \
         | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
v = [float(s["value"][1]) for s in r if s["metric"].get("operator") == "session_metrics" and s["metric"].get("work") == "records"]
print(v[0] if v and 0 < v[0] <= 1.5 else "")' 2>/dev/null || true)
  [ -n "$busy" ] && break
  sleep 0.2
done
[ -n "$busy" ] || fail "the Operator busy time panel query gave no share for session_metrics records: $busy_query"
echo "ok: Prometheus answers the dashboard's busy-time query: session_metrics records busy $busy of each second"
"$SLUICE_BIN" cancel "$id" >/dev/null || fail "sluice cancel"
echo "PASS: Prometheus scraped the job: $query = $value, up = $up"
