#!/usr/bin/env bash
# monitoring/ is valid: promtool accepts prometheus.yml and alerts.yml, the
# Grafana dashboard and provisioning load, and every metric their queries use
# is one `sluice metrics` lists (or a standard process_*/up series).
set -euo pipefail
: "${SLUICE_BIN:?SLUICE_BIN must point at the sluice binary}"
: "${SLUICE_SOURCE_DIR:?SLUICE_SOURCE_DIR must point at the source tree}"

python3 "$SLUICE_SOURCE_DIR/tests/integration/check_monitoring.py" "$SLUICE_SOURCE_DIR" "$SLUICE_BIN"

if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool not found (package 'prometheus', installed by scripts/setup.sh): config and rules were not checked by promtool"
  [ "${SLUICE_REQUIRE_PROMTOOL:-0}" = 1 ] && { echo "FAIL: SLUICE_REQUIRE_PROMTOOL=1"; exit 1; }
  echo "skipped because promtool is absent (set SLUICE_REQUIRE_PROMTOOL=1 to make this a failure)"
  exit 0
fi
promtool check config "$SLUICE_SOURCE_DIR/monitoring/prometheus.yml"
promtool check rules "$SLUICE_SOURCE_DIR/monitoring/alerts.yml"
echo "PASS: promtool check config and check rules"
