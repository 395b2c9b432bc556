#!/usr/bin/env bash
# docker/docker-compose.yml and docker/Dockerfile are consistent with the
# repository, checked statically (no Docker engine runs here; this test never
# calls docker).
set -euo pipefail
: "${SLUICE_SOURCE_DIR:?SLUICE_SOURCE_DIR must point at the source tree}"
python3 "$SLUICE_SOURCE_DIR/tests/integration/check_compose.py" "$SLUICE_SOURCE_DIR"
bash -n "$SLUICE_SOURCE_DIR/scripts/compose.sh"
