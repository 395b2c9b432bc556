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
"$SLUICE_BIN" cancel "$id" >/dev/null || fail "sluice cancel"
echo "PASS: Prometheus scraped the job: $query = $value, up = $up"
