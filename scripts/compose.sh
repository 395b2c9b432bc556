#!/usr/bin/env bash
# Runs the docker compose stack of docker/docker-compose.yml:
#   scripts/compose.sh up               build the sluice image and start every service
#   scripts/compose.sh down [--volumes] stop and remove the containers (and the volumes)
#   scripts/compose.sh logs [SERVICE]   follow the logs of every service, or of one
set -euo pipefail
cd "$(dirname "$0")/.."
compose_file=docker/docker-compose.yml

usage() { sed -n '2,5s/^# \{0,1\}//p' "$0"; }

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  up|down|logs) ;;
  -h|--help|help) usage; exit 0 ;;
  *) echo "compose.sh: unknown command '${cmd}'. Usage: scripts/compose.sh up|down|logs" >&2; exit 2 ;;
esac
if ! docker compose version >/dev/null 2>&1; then
  echo "compose.sh: 'docker compose' is not available; install Docker Engine with the compose plugin" >&2
  exit 2
fi
case "$cmd" in
  up)
    docker compose -f "$compose_file" up -d --build "$@"
    cat <<'MSG'
sluice stack is starting (scripts/compose.sh logs to follow it):
  job metrics/health  http://localhost:8081/metrics  http://localhost:8081/readyz
  Prometheus          http://localhost:9090  (alerts: /alerts)
  Grafana             http://localhost:3000  (dashboard "sluice — clickstream job"; admin/admin)
  Kafka UI            http://localhost:8080
  Schema registry     http://localhost:8085
  Kafka (external)    localhost:9094
MSG
    ;;
  down) docker compose -f "$compose_file" down "$@" ;;
  logs) docker compose -f "$compose_file" logs -f "$@" ;;
esac
