#!/usr/bin/env bash
# The /metrics exposition passes `promtool check metrics` (Prometheus's own
# parser and linter), using `sluice metrics --sample`: one series of every
# catalog metric plus a label value that needs escaping.
set -euo pipefail
: "${SLUICE_BIN:?SLUICE_BIN must point at the sluice binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$SLUICE_BIN" metrics --sample > "$tmp/metrics.txt"

# The command's contract: real help on stdout (exit 0), a bad option exits 2.
"$SLUICE_BIN" metrics --help | grep -q -- '--sample' || { echo "FAIL: sluice metrics --help does not describe --sample"; exit 1; }
rc=0; "$SLUICE_BIN" metrics --bogus 2> "$tmp/err" || rc=$?
[ "$rc" = 2 ] && grep -q "unknown option '--bogus'" "$tmp/err" || { echo "FAIL: sluice metrics --bogus: exit $rc, $(cat "$tmp/err")"; exit 1; }

# Checks that need no promtool: every catalog metric is in the sample, once.
"$SLUICE_BIN" metrics | awk '{print $1}' | grep '^sluice_' > "$tmp/catalog.txt"
[ "$(wc -l < "$tmp/catalog.txt")" -ge 18 ] || { echo "FAIL: catalog lists too few metrics"; exit 1; }
while read -r name; do
  n=$(grep -c "^# TYPE $name " "$tmp/metrics.txt" || true)
  [ "$n" = 1 ] || { echo "FAIL: '# TYPE $name' appears $n times in the sample exposition"; exit 1; }
done < "$tmp/catalog.txt"
grep -q '^process_resident_memory_bytes [0-9]' "$tmp/metrics.txt" || { echo "FAIL: no process_resident_memory_bytes"; exit 1; }
grep -qF 'sluice_dead_letters_total{reason="bad \"json\"\\\n"} 3' "$tmp/metrics.txt" \
  || { echo "FAIL: the escaped label value is not rendered as expected"; exit 1; }

if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool not found (package 'prometheus', installed by scripts/setup.sh): the exposition was not checked by promtool"
  [ "${SLUICE_REQUIRE_PROMTOOL:-0}" = 1 ] && { echo "FAIL: SLUICE_REQUIRE_PROMTOOL=1"; exit 1; }
  echo "skipped because promtool is absent (set SLUICE_REQUIRE_PROMTOOL=1 to make this a failure)"
  exit 0
fi

# promtool prints lint findings and exits non-zero on parse errors or lint problems.
if ! promtool check metrics < "$tmp/metrics.txt" > "$tmp/promtool.out" 2>&1; then
  echo "FAIL: promtool check metrics:"; cat "$tmp/promtool.out"; exit 1
fi
if [ -s "$tmp/promtool.out" ]; then
  echo "FAIL: promtool reported lint problems:"; cat "$tmp/promtool.out"; exit 1
fi
echo "PASS: promtool check metrics accepts $(grep -c '^# TYPE' "$tmp/metrics.txt") metric families"
