#!/usr/bin/env bash
# test_crash_recovery with a RocksDB cache of 100 entries per state and
# subtask: the sessions outgrow it, so evictions, reads back from RocksDB,
# namespace visits that scan the store and restores of such state all run
# between the kills. (A visit that scans the store hands out copies of the
# values, which the session stage once kept past the visit: wrong results,
# bench/README.md, "The many-users round".)
set -euo pipefail
SLUICE_CRASH_RECOVERY_ARGS="--set state.cache_entries=100" exec bash "$(dirname "$0")/test_crash_recovery.sh"
