#!/usr/bin/env bash
# The README's first command: install, build, and run the clickstream job on its
# embedded default input, printing analytics results as they are produced.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build
exec build/sluice run jobs/clickstream.yaml "$@"
