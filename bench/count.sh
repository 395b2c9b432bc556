#!/usr/bin/env bash
# Counts, rather than times, what the window operators cost per event at
# several overlaps: instructions and data-cache misses under valgrind's
# cachegrind, which are the same on every run whatever else the machine is
# doing (timings here move by ±15 %; bench/README.md). Cachegrind models two
# levels: the first-level data cache, and a last level that count.sh sets to
# this machine's L2 (its size and ways from /sys; 1 MiB, 8 ways if absent),
# since the misses that grow with the overlap are those of the window state
# outgrowing the L2 (the L3 is shared with whatever else the host runs).
# The clickstream job on the memory source, memory state, parallelism 1,
# slide 10 s. Counts are steady, as bench/run.sh's timings of the overlaps
# are: each overlap runs on N and on 4N events, and (count(4N) - count(N)) /
# 3N leaves out what does not grow with the input -- start-up, and at the
# end of a bounded input the firing of every window still open (299 windows
# at 300 panes, none at 1). The memory source generates its events before
# the job starts: its functions (and the formatting they use) are left out,
# so the per-event figures are the worker's -- but for glibc's string
# functions, which both use: their count includes the memory source's copy
# of each event into a batch, the same work at every overlap.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
events=300000
panes="1 300"
top=12
by=instructions

usage() {
    cat <<'EOF'
Usage: bench/count.sh [--events N] [--panes "P ..."] [--top K] [--by WHAT] [--build DIR]

Counts instructions, L1 and L2 data misses per event under cachegrind for
each window overlap (panes per window: size = P x 10 s, slide 10 s), and
lists the K functions whose counts grow most from the first overlap to the
last. Per event means steady: (count on 4N events - count on N) / 3N.

  --events N    N, events of the shorter run [default: 300000]
  --panes LIST  overlaps to count [default: "1 300"]
  --top K       functions to list [default: 12]
  --by WHAT     list those growing most in instructions, l1 or l2 misses
                [default: instructions]
  --build DIR   build directory with sluice [default: build]
EOF
}

while [ $# -gt 0 ]; do
    case $1 in
    --events) events=$2; shift ;;
    --panes) panes=$2; shift ;;
    --top) top=$2; shift ;;
    --by) by=$2; shift ;;
    --build) build=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench/count.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
case $by in
instructions) sort_column=1 ;;
l1) sort_column=2 ;;
l2) sort_column=3 ;;
*) echo "bench/count.sh: --by takes instructions, l1 or l2, not '$by'" >&2; exit 2 ;;
esac
sluice=$build/sluice
[ -x "$sluice" ] || { echo "bench/count.sh: $sluice is missing; build first (scripts/build.sh)" >&2; exit 2; }
command -v valgrind >/dev/null && command -v cg_annotate >/dev/null ||
    { echo "bench/count.sh: valgrind is missing (scripts/setup.sh installs it)" >&2; exit 2; }

# The L2 to model: size in bytes, ways, line size, as cachegrind's --LL takes them.
l2=1048576,8,64
for index in /sys/devices/system/cpu/cpu0/cache/index*; do
    [ "$(cat "$index/level" 2>/dev/null)" = 2 ] || continue
    size=$(cat "$index/size") ways=$(cat "$index/ways_of_associativity") line=$(cat "$index/coherency_line_size")
    case $size in *K) size=$((${size%K} * 1024)) ;; *M) size=$((${size%M} * 1048576)) ;; esac
    l2=$size,$ways,$line
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-count-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# What the memory source runs before the job starts: its own files, and
# what it calls outside them -- formatting (stdio, and glibc's strchrnul
# under it), exponential gaps (log1p), hashing each event's ids
# (sl_event_derive, XXH3) and their lengths (strlen). By callgrind's
# callers on the default job at parallelism 1, the job itself calls none of
# these per event (about 255 instructions per event that were counted as
# the worker's before 2026-11-22 22:40).
generation='operators/generator\.c|operators/gen_|operators/source_memory\.c|engine/arena\.c|stdio-common|libio'
generation+='|strchrnul|log1p|sl_event_derive|XXH3_64bits|strlen'

# Every overlap runs on N and on 4N events, two runs at a time (two cores).
# The suite's runs end within a second, before a periodic checkpoint; under
# cachegrind they last a minute, so periodic checkpoints are put off beyond
# its end (the final one is taken in both runs, and cancels out).
count() {
    valgrind --tool=cachegrind --cache-sim=yes --LL="$l2" --cachegrind-out-file="$tmp/cg.$1.$2" \
        "$sluice" run "$root/jobs/clickstream.yaml" --http-port 0 --parallelism 1 \
        --set source.type=memory --set sink.type=null --set state.backend=memory \
        --set checkpoint.interval_ms=3600000 --set window.slide_ms=10000 --set window.size_ms=$(($1 * 10000)) \
        --set generator.events="$2" >/dev/null 2>"$tmp/log.$1.$2"
    grep -q 'memory source: replayed' "$tmp/log.$1.$2" ||
        { cat "$tmp/log.$1.$2" >&2; echo "bench/count.sh: the run at $1 panes on $2 events failed" >&2; return 1; }
    # "Ir L1-misses L2-misses function" per function, without thousands separators
    cg_annotate --auto=no --show=Ir,D1mr,D1mw,DLmr,DLmw --sort=Ir "$tmp/cg.$1.$2" |
        awk '/file:function/ {f = 1; next}
             f && /:/ {line = $0; gsub(/\([^)]*\)/, "", line); gsub(/,/, "", line); n = split(line, a, " ")
                      print a[1], a[2] + a[3], a[4] + a[5], a[n]}' |
        grep -Ev "$generation" | sort -k4,4 >"$tmp/fn.$1.$2" || true
}
# Two runs' per-function counts side by side: "function Ir L1 L2 Ir L1 L2",
# 0 where a function is missing from one of them (both sorted by function).
side_by_side() {
    join -1 4 -2 4 -a 1 -a 2 -e 0 -o 0,1.1,1.2,1.3,2.1,2.2,2.3 "$1" "$2"
}
long=$((4 * events))
for p in $panes; do
    count "$p" "$events" & short=$!
    count "$p" "$long" || exit 1
    wait "$short" || exit 1
    # the steady counts of 3N events per function: the long run's less the short one's
    side_by_side "$tmp/fn.$p.$events" "$tmp/fn.$p.$long" | awk '{print $5 - $2, $6 - $3, $7 - $4, $1}' |
        sort -k4,4 >"$tmp/fn.$p"
done
per=$((3 * events))

first=${panes%% *}
last=${panes##* }
echo "per event, worker functions (steady: $long less $events events; cachegrind, L2 modelled as $l2)"
for p in $panes; do
    awk -v p="$p" -v n="$per" '{ir += $1; l1 += $2; l2 += $3}
        END {printf "%4d panes: %7.0f instructions, %5.1f L1 data misses, %5.2f L2 data misses\n", p, ir / n, l1 / n, l2 / n}' \
        "$tmp/fn.$p"
done
[ "$first" = "$last" ] || [ "$top" -le 0 ] && exit 0
echo "what grows most in $by from $first to $last panes (per event: instructions, L1 misses, L2 misses; instructions before -> after):"
side_by_side "$tmp/fn.$first" "$tmp/fn.$last" |
    awk -v n="$per" '{printf "%+8.1f %+6.2f %+6.2f  %7.1f -> %7.1f  %s\n", ($5 - $2) / n, ($6 - $3) / n, ($7 - $4) / n, $2 / n, $5 / n, $1}' |
    sort -k"$sort_column","$sort_column"gr | awk -v k="$top" 'NR <= k'
