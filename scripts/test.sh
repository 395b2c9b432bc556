#!/usr/bin/env bash
# The README's second command: install, build with warnings as errors, run the
# whole suite through CTest, then the unit tests again under ASan + UBSan.
# SLUICE_LONG_TESTS=1 turns on the long soak/crash variants.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)

scripts/build.sh build -DSLUICE_WERROR=ON
(cd build && ctest --output-on-failure -j"$jobs")

scripts/build.sh build-asan -DSLUICE_WERROR=ON -DSLUICE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs" -L unit)
