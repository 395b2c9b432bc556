#!/usr/bin/env bash
# test_crash_recovery on a shop of 20,000 pages and 20,000 products: most
# pages are seen in a few windows only, so every operator forgets page names
# between the kills (page_dictionary.h), checkpoints hold only the names of
# open windows, and restores take them back with what their windows need.
set -euo pipefail
SLUICE_CRASH_RECOVERY_GEN_ARGS="--pages 20000 --products 20000" exec bash "$(dirname "$0")/test_crash_recovery.sh"
