#!/usr/bin/env bash
# The libFuzzer targets build (clang, SLUICE_FUZZ=ON, in their own build
# directory) and each runs briefly from its corpus in tests/fuzz/corpus/
# without a crash, an ASan/UBSan report or a broken decoder property (see
# tests/fuzz/fuzz_decode.h). Every tests/fuzz/fuzz_*.c is a target and runs
# here. Long runs: docs/fuzzing.md.
# SLUICE_FUZZ_SECONDS: seconds per target (default 7).
set -euo pipefail
: "${SLUICE_SOURCE_DIR:?}"
secs=${SLUICE_FUZZ_SECONDS:-7}
command -v clang >/dev/null || { echo "FAIL: clang is needed for the fuzz targets (scripts/setup.sh installs it)" >&2; exit 1; }
dir=${SLUICE_BUILD_DIR:-/tmp}/fuzz-build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

targets=$(cd "$SLUICE_SOURCE_DIR/tests/fuzz" && ls fuzz_*.c | sed 's/\.c$//')

cmake -S "$SLUICE_SOURCE_DIR" -B "$dir" -DCMAKE_C_COMPILER=clang -DSLUICE_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$dir" -j2 --target $targets >"$work/build.log" 2>&1 ||
    { tail -30 "$work/build.log" >&2; echo "FAIL: building the fuzz targets failed" >&2; exit 1; }

# Leak checking is on for every target, with tests/fuzz/lsan.supp (avro-c keeps
# string pointers of decoded values where LeakSanitizer cannot see them;
# docs/fuzzing.md) and the slow unwinder, so stacks through libavro reach
# sluice's frames.
asan=detect_leaks=1:fast_unwind_on_malloc=0
lsan=suppressions=$SLUICE_SOURCE_DIR/tests/fuzz/lsan.supp
for target in $targets; do
    mkdir "$work/$target"
    ( cd "$work" && ASAN_OPTIONS=$asan LSAN_OPTIONS=$lsan "$dir/tests/fuzz/$target" -max_total_time="$secs" -max_len=4096 \
        -timeout=10 -rss_limit_mb=1024 "$work/$target" "$SLUICE_SOURCE_DIR/tests/fuzz/corpus/$target" \
        >"$work/$target.log" 2>&1 ) ||
        { grep -A30 -E "ERROR|SUMMARY|deadly" "$work/$target.log" | head -60 >&2; echo "FAIL: $target found a problem" >&2; exit 1; }
    echo "$target: $(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$work/$target.log"), no findings"
done
