#!/usr/bin/env bash
# bench/run.sh -- sluice's benchmark suite: runs every workload, writes
# results/latest.json and results/latest.png, prints a table. See bench/README.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${SLUICE_BUILD_DIR:-$root/build}
out=$root/bench/results
quick=0
runs=
events=

usage() {
    cat <<EOF
Usage: bench/run.sh [--quick] [--runs N] [--events N] [--build DIR] [--out DIR]

Runs the sluice benchmark workloads (see bench/README.md) and writes
DIR/latest.json, DIR/latest.png (when gnuplot is installed) and a table on stdout.

  --quick       small inputs, one run per measurement (a smoke run)
  --runs N      runs per measurement; the median is reported [default: 3, --quick: 1]
  --events N    events of the throughput workloads [default: 2000000, --quick: 50000]
  --build DIR   build directory with sluice and bench/ programs [default: build]
  --out DIR     results directory [default: bench/results]
EOF
}

while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --runs) runs=$2; shift ;;
    --events) events=$2; shift ;;
    --build) build=$2; shift ;;
    --out) out=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

sluice=$build/sluice
for prog in "$sluice" "$build/bench/cost_baseline" "$build/bench/decode_cost"; do
    [ -x "$prog" ] || { echo "bench/run.sh: $prog is missing; build first (scripts/build.sh)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench/run.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

# Sizes: full runs are long enough to amortize start-up; --quick only checks that everything runs.
if [ $quick = 1 ]; then
    runs=${runs:-1}; events=${events:-50000}
    overlap_events=40000; many_users_events=40000; latency_events=50000; latency_rate=50000
    rss_events=50000; ckpt_events=20000; ckpt_users="1000 10000"; recovery_events=30000; decode_events=20000
    ckpt_interval=200; paced_secs=1; kafka_events=20000; catalog_events=20000; catalog_pages="100 2000"
else
    runs=${runs:-3}; events=${events:-2000000}
    overlap_events=300000; many_users_events=2000000; latency_events=1000000; latency_rate=200000
    rss_events=1000000; ckpt_events=1000000; ckpt_users="1000 10000 100000"; recovery_events=3000000
    decode_events=200000; ckpt_interval=1000; paced_secs=4; kafka_events=500000
    catalog_events=1000000; catalog_pages="100 20000 200000"
fi
job=$root/jobs/clickstream.yaml
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
vals=$tmp/values       # key=value lines, turned into JSON at the end
: >"$vals"
put() { echo "$1=$2" >>"$vals"; }

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "null"; else print a[int((NR + 1) / 2)]}'; }
log() { echo "bench: $*" >&2; }

# Run the clickstream job on the memory source; print its events/s (or fail):
# every source subtask logs its events and its first poll to end of job;
# the job's rate is all events over the longest of those times. Watermark
# alignment stays at the engine's default, off: at parallelism 2 one memory-
# source subtask's batch spans ~40 s of event time, and the 10 s of drift
# allowed until 2026-11-22 made the two subtasks take turns (bench/README.md).
engine_eps() {
    local logf=$tmp/engine.log
    "$sluice" run "$job" --http-port 0 --set source.type=memory --set sink.type=null "$@" 2>"$logf" >/dev/null ||
        { cat "$logf" >&2; return 1; }
    sed -n 's/.*memory source: replayed \([0-9]*\) events; first poll to end of job \([0-9.]*\) ms.*/\1 \2/p' "$logf" |
        awk -v msf="$tmp/engine.ms" '{n += $1; if ($2 > ms) ms = $2}
            END {if (ms > 0) {printf "%.0f\n", n * 1000 / ms; print ms > msf}}'
}
# Where the last engine_eps run's worker threads spent their time, summed
# over the workers (worker.c logs it): "cpu_ms waiting_ms blocked_or_unscheduled_ms wall_ms"
# (the memory source and the null sink never block: the third is time without a CPU, and the
# end's checkpoint).
worker_time() {
    sed -n 's/.*worker [0-9]*: \([0-9.]*\) ms on CPU, \([0-9.]*\) ms waiting for work, \([0-9.]*\) ms blocked or not scheduled, of \([0-9.]*\) ms.*/\1 \2 \3 \4/p' \
        "$tmp/engine.log" | awk '{c += $1; w += $2; u += $3; t += $4} END {printf "%.1f %.1f %.1f %.1f\n", c, w, u, t}'
}

# ---- machine ----
put machine.nproc "$(nproc)"
put machine.cpu_model "\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)\""
put machine.kernel "\"$(uname -r)\""
put machine.date "\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\""
put suite.quick "$([ $quick = 1 ] && echo true || echo false)"
put suite.runs "$runs"

# The machine's speed drifts over minutes (bench/README.md), so the runs
# that a ratio compares are taken side by side, in rounds: a ratio is the
# median of the rounds' ratios, not a ratio of medians taken minutes apart.
# column K (1-based) of "$tmp/rounds" or of FILE, median
column() { awk -v k="$1" '{print $k}' "${2:-$tmp/rounds}" | median; }
# median over the rounds (of FILE, default $tmp/rounds) of column A / column B (rounds where both are positive)
round_ratio() { awk -v a="$1" -v b="$2" '$a > 0 && $b > 0 {printf "%.3f\n", $a / $b}' "${3:-$tmp/rounds}" | median; }
# The COST baseline on EVENTS events with a window of SIZE_MS; it prints
# "cost_baseline: N events in T ms = R events/s (...)".
baseline() { "$build/bench/cost_baseline" --events "$1" --size-ms "$2" --out-of-order-ms 5000; }
# events/s on the throughput input with the job's window (5 minutes)
baseline_eps() { baseline "$events" 300000 | sed -n 's/.* = \([0-9]*\) events\/s.*/\1/p'; }
baseline_ms() { baseline "$1" "$2" | sed -n 's/.* events in \([0-9.]*\) ms = .*/\1/p'; }
# The last engine_eps run's busy time of an operator (coordinator.c logs
# it), summed over its subtasks: "records_ms timers_ms".
operator_busy() {
    sed -n "s/.*\] $1#[0-9]*: busy \([0-9.]*\) ms on records, \([0-9.]*\) ms on timers.*/\1 \2/p" \
        "$tmp/engine.log" | awk -v op="$1" '{r += $1; t += $2}
            END {if (!NR) {print "bench/run.sh: the job logged no busy time for " op > "/dev/stderr"; exit 1}
                 printf "%.1f %.1f\n", r, t}'
}
# The same for every operator in $busy_ops, on one line.
operators_busy() { for op in $busy_ops; do operator_busy "$op" || return 1; done | paste -sd' '; }
# Steady ns per event from the times in ms on N and on 4N events: (t(4N) - t(N)) / 3N.
# steady_ns MS_N MS_LONGER [EVENTS_BETWEEN]: ns per event of the events the longer run adds
# (by default the overlap runs' 4N - N).
steady_ns() {
    awk -v a="$1" -v b="$2" -v n="${3:-$((3 * overlap_events))}" 'BEGIN {printf "%.1f\n", (b - a) * 1e6 / n}'
}

# ---- 1. core throughput: memory source, null sink, checkpoints every 10 s ----
# ---- 2. COST baseline: same events, one plain loop; output must equal the engine's ----
# Three layouts: one worker (parallelism 1); two workers, data-parallel
# (parallelism 2: each runs a subtask of every stage, the keyed exchanges
# copy records between them); two workers, pipelined (parallelism 1,
# workers 2: the stages run side by side, batches cross threads whole).
# One throughput run: "events/s, the workers' CPU ns per event, and their
# shares of wall time waiting for work and blocked or not scheduled".
throughput_run() {
    local eps
    eps=$(engine_eps --set generator.events="$events" --checkpoint-interval 10000 "$@") || return 1
    worker_time | awk -v e="$eps" -v n="$events" '{printf "%s %.1f %.3f %.3f\n", e, $1 * 1e6 / n, $2 / $4, $3 / $4}'
}
# Each round: the three layouts and (RocksDB) the baseline, back to back.
put throughput.events "$events"
for backend in memory rocksdb; do
    log "throughput: $backend state, 1 worker, 2 data-parallel, 2 pipelined$([ $backend = rocksdb ] && echo ' and the COST baseline') in turn, $events events x $runs"
    : >"$tmp/rounds"
    for _ in $(seq "$runs"); do
        p1=$(throughput_run --parallelism 1 --workers 1 --set state.backend=$backend)
        p2=$(throughput_run --parallelism 2 --workers 2 --set state.backend=$backend)
        p1w2=$(throughput_run --parallelism 1 --workers 2 --set state.backend=$backend)
        base=0
        [ $backend = rocksdb ] && base=$(baseline_eps)
        # columns 1-4 p1, 5-8 p2, 9-12 p1w2 (events/s, CPU ns/event, waiting, blocked or not scheduled), 13 baseline
        echo "$p1 $p2 $p1w2 $base" >>"$tmp/rounds"
        log "  round: 1 worker $p1 | data-parallel $p2 | pipelined $p1w2 | baseline $base"
    done
    k=1
    for layout in p1 p2 p1w2; do
        put "throughput.${backend}_$layout" "$(column $k)"
        put "throughput.${backend}_${layout}_cpu_ns_per_event" "$(column $((k + 1)))"
        if [ $layout != p1 ]; then
            put "throughput.scaling_${backend}_${layout}_over_p1" "$(round_ratio $k 1)"
            # Why two workers are not 2x one: more CPU per event, or workers off the CPU.
            put "throughput.${backend}_${layout}_over_p1_cpu_per_event" "$(round_ratio $((k + 1)) 2)"
            put "throughput.${backend}_${layout}_waiting_share" "$(column $((k + 2)))"
            put "throughput.${backend}_${layout}_blocked_or_unscheduled_share" "$(column $((k + 3)))"
        fi
        k=$((k + 4))
    done
    if [ $backend = rocksdb ]; then
        put cost.baseline_eps "$(column 13)"
        put cost.engine_rocksdb_p1_over_baseline "$(round_ratio 1 13)"
    fi
done
"$build/bench/cost_baseline" --events 20000 --seed 3 --out "$tmp/baseline.jsonl" >/dev/null
"$sluice" run "$job" --http-port 0 --parallelism 2 --set source.type=memory --set generator.events=20000 \
    --set generator.seed=3 --output "$tmp/engine.jsonl" 2>/dev/null
if [ -s "$tmp/engine.jsonl" ] && cmp -s <(sort "$tmp/baseline.jsonl") <(sort "$tmp/engine.jsonl"); then
    put cost.output_equal true
else
    put cost.output_equal false
fi

# ---- 3. end to end through Kafka: generator -> kafka-dev -> job (transactional sink) -> analytics-results ----
# The topic is filled once; each run reads all of it as a new consumer group
# (job.id) and commits its results in transactions (exactly-once). events/s is
# the events over the time from the source's partition assignment to the job's
# end (final checkpoint and commit included); wall_eps also counts start-up
# and the consumer group join. kafka-dev is librdkafka's mock cluster, which
# keeps at most 5 MiB (or 100,000 message sets) per partition and drops the
# oldest beyond that: the topic gets a partition per 20,000 events, and every
# run's committed results are read back and checked with `sluice verify`
# (kafka.verified: all of them) so that a number never comes from a partial
# input or inexact results.
# Events and results are Avro (Confluent framing) when `gen --format` exists.
# Four consumers (kafka_source.parallelism=4) for two workers: each consumer
# has one fetch in flight, and against the mock one consumer's fetch round
# trips cap it near 150,000 events/s.
kafka_ts_ms() { date -u -d "$(sed -n "s/^\([0-9T:.-]*\)Z .*$1.*/\1/p" "$2" | head -1)Z" +%s%3N; }
if "$sluice" gen --help 2>/dev/null | grep -q -- '--brokers' && "$sluice" run --help 2>/dev/null | grep -q -- '--bounded'; then
    kafka_format=json
    gen_format=()
    if "$sluice" gen --help 2>/dev/null | grep -q -- '--format'; then
        kafka_format=avro
        gen_format=(--format avro)
    fi
    log "kafka: $kafka_events events through kafka-dev, $kafka_format, exactly-once, x $runs"
    "$sluice" kafka-dev --partitions-events $(( (kafka_events + 19999) / 20000 < 6 ? 6 : (kafka_events + 19999) / 20000 )) \
        >"$tmp/dev.out" 2>"$tmp/dev.log" &
    dev_pid=$!
    trap 'kill $dev_pid 2>/dev/null; wait $dev_pid 2>/dev/null; rm -rf "$tmp"' EXIT
    for _ in $(seq 100); do [ -s "$tmp/dev.out" ] && break; sleep 0.1; done
    brokers=$(head -1 "$tmp/dev.out")
    "$sluice" gen --brokers "$brokers" --events "$kafka_events" --seed 5 --out-of-order-ms 5000 "${gen_format[@]}" \
        2>"$tmp/kgen.log" || { cat "$tmp/kgen.log" >&2; exit 1; }
    : >"$tmp/kwall"
    for i in $(seq "$runs"); do
        t0=$(date +%s%3N)
        "$sluice" run "$job" --brokers "$brokers" --bounded --http-port 0 --parallelism 2 --checkpoint-dir "$tmp/kck$i" \
            --set kafka_source.parallelism=4 --set kafka.session.timeout.ms=6000 \
            --set job.id="bench-$i" --set source.format=$kafka_format --set sink.format=$kafka_format \
            2>"$tmp/k.log" >/dev/null ||
            { cat "$tmp/k.log" >&2; exit 1; }
        t1=$(date +%s%3N)
        assigned=$(kafka_ts_ms 'assigned [0-9]* partition' "$tmp/k.log")
        finished=$(kafka_ts_ms "is FINISHED" "$tmp/k.log")
        echo $((kafka_events * 1000 / (finished - assigned)))
        echo $((kafka_events * 1000 / (t1 - t0))) >>"$tmp/kwall"
        "$sluice" results --brokers "$brokers" --committed-epochs-from "$tmp/kck$i" \
            --out "$tmp/kres$i.jsonl" --late-out "$tmp/klate$i.jsonl" 2>/dev/null
    done | median >"$tmp/m"
    # Every run's committed results are checked, not only the first's: a
    # number counts only when all runs it is the median of were exact.
    "$sluice" gen --events "$kafka_events" --seed 5 --out-of-order-ms 5000 --out "$tmp/kev.jsonl" 2>/dev/null
    kafka_verified=true
    for i in $(seq "$runs"); do
        "$sluice" verify --events "$tmp/kev.jsonl" --results "$tmp/kres$i.jsonl" --late "$tmp/klate$i.jsonl" \
            --job "$job" 2>/dev/null | grep -q "verify: OK" || kafka_verified=false
    done
    kill $dev_pid 2>/dev/null || true
    wait $dev_pid 2>/dev/null || true
    trap 'rm -rf "$tmp"' EXIT
    put kafka.available true
    put kafka.format "\"$kafka_format\""
    put kafka.events "$kafka_events"
    put kafka.eps "$(cat "$tmp/m")"
    put kafka.wall_eps "$(median <"$tmp/kwall")"
    put kafka.verified $kafka_verified
else
    put kafka.available false
    put kafka.reason '"this sluice has no `sluice gen --brokers` / `sluice run --brokers --bounded`"'
fi

# ---- 4. window cost versus overlap: slide 10 s, size = 1, 6, 30, 300 panes ----
# Memory state: this measures the window operators. (With RocksDB, state
# beyond state.cache_entries makes every namespace scan read the whole column
# family -- see bench/README.md.)
put overlap.events "$overlap_events"
put overlap.state_backend '"memory"'
# Per-event cost is the steady one: each overlap runs on N and on 4N events,
# and (time(4N) - time(N)) / 3N leaves out what does not grow with the input:
# start-up, and at the end of a bounded input the firing of every window
# still open (299 of them at 300 panes, against 0 at 1 pane).
# Each round runs the four overlaps in turn; 300 ÷ 1 is the median of the rounds' ratios.
log "window overlap: 1, 6, 30 and 300 panes in turn, $overlap_events and $((4 * overlap_events)) events x $runs"
: >"$tmp/rounds"
: >"$tmp/busy_rounds"
# The same steady cost from the worker's CPU time rather than the clock: a
# round in which the worker was off its core for a while (the machine is
# shared) moves the clock's figure but not this one.
: >"$tmp/cpu_rounds"
worker_cpu_ms() { worker_time | cut -d' ' -f1; }
# Where the steady cost goes at 1 and 300 panes: the two window operators'
# busy time (records, timers), steady ns per event like the runs' own.
busy_ops="session_metrics page_metrics"
for _ in $(seq "$runs"); do
    : >"$tmp/busy_round"
    : >"$tmp/cpu_round"
    for panes in 1 6 30 300; do
        overlap_args=(--parallelism 1 --set state.backend=memory --set window.slide_ms=10000
            --set window.size_ms=$((panes * 10000)))
        eps=$(engine_eps "${overlap_args[@]}" --set generator.events="$overlap_events")
        ms_n=$(cat "$tmp/engine.ms")
        busy_n=$(operators_busy)
        cpu_n=$(worker_cpu_ms)
        engine_eps "${overlap_args[@]}" --set generator.events=$((4 * overlap_events)) >/dev/null
        ms_4n=$(cat "$tmp/engine.ms")
        busy_4n=$(operators_busy)
        steady_ns "$cpu_n" "$(worker_cpu_ms)" >>"$tmp/cpu_round"
        if [ "$panes" = 1 ] || [ "$panes" = 300 ]; then
            read -ra on_n <<<"$busy_n"
            read -ra on_4n <<<"$busy_4n"
            for i in "${!on_n[@]}"; do steady_ns "${on_n[i]}" "${on_4n[i]}"; done | paste -sd' ' >>"$tmp/busy_round"
        fi
        echo "$eps $(steady_ns "$ms_n" "$ms_4n")"
    done | paste -sd' ' >"$tmp/round"
    paste -sd' ' "$tmp/busy_round" >>"$tmp/busy_rounds"
    paste -sd' ' "$tmp/cpu_round" >>"$tmp/cpu_rounds"
    # The COST baseline on the same inputs at 1 and 300 panes: how much of
    # the overlap's cost is the work itself (the same incremental aggregates,
    # with no engine around them) rather than the engine.
    for panes in 1 300; do
        steady_ns "$(baseline_ms "$overlap_events" $((panes * 10000)))" \
            "$(baseline_ms $((4 * overlap_events)) $((panes * 10000)))"
    done | paste -sd' ' | paste -d' ' "$tmp/round" - >>"$tmp/rounds"
    log "  round (events/s on N, steady ns/event; 1, 6, 30, 300 panes; baseline steady ns/event at 1, 300): $(tail -1 "$tmp/rounds")"
    log "  round (steady worker CPU ns/event; 1, 6, 30, 300 panes): $(tail -1 "$tmp/cpu_rounds")"
done
# columns: 2k-1 whole-run events/s on N events, 2k steady ns per event, k = 1..4 for 1, 6, 30, 300 panes;
# 9 and 10 the baseline's steady ns per event at 1 and 300 panes; cpu_rounds column k the worker-CPU steady ns per event
k=1
for panes in 1 6 30 300; do
    put "overlap.eps_$panes" "$(column $((2 * k - 1)))"
    put "overlap.steady_ns_per_event_$panes" "$(column $((2 * k)))"
    put "overlap.cpu_steady_ns_per_event_$panes" "$(column $k "$tmp/cpu_rounds")"
    k=$((k + 1))
done
put overlap.cost_300_over_1 "$(round_ratio 8 2)"
put overlap.cpu_cost_300_over_1 "$(round_ratio 4 1 "$tmp/cpu_rounds")"
put overlap.whole_run_cost_300_over_1 "$(round_ratio 1 7)"   # whole-run ns/event = 1e9 / eps: eps_1 / eps_300
put overlap.baseline_steady_ns_per_event_1 "$(column 9)"
put overlap.baseline_steady_ns_per_event_300 "$(column 10)"
put overlap.baseline_cost_300_over_1 "$(round_ratio 10 9)"
# columns of busy_rounds: for 1 pane then 300, session_metrics records, timers, page_metrics records, timers
k=1
for panes in 1 300; do
    for name in session_records session_timers page_records page_timers; do
        put "overlap.busy_${name}_ns_per_event_$panes" "$(column "$k" "$tmp/busy_rounds")"
        k=$((k + 1))
    done
done

# ---- 4, with ten times the users: the same windows hold ten times the state ----
# What the default 1,000 users cannot show: pages with more distinct users
# in a window than a sketch counts exactly (before 63ae060 and 424ade7
# every firing rebuilt their sketch from all of them, and 300 panes cost
# 15 times 1 pane), and a state past the CPU caches on every event's path. Steady
# cost again, from runs of N and 2N events: N must be past the first
# window's filling, which at 300 panes (50 minutes of event time) takes
# about 1.6 M events at 10,000 users.
many_users=10000
log "window overlap at $many_users users: 1 and 300 panes, $many_users_events and $((2 * many_users_events)) events x $runs"
: >"$tmp/many_rounds"
for _ in $(seq "$runs"); do
    for panes in 1 300; do
        many_args=(--parallelism 1 --set state.backend=memory --set window.slide_ms=10000
            --set window.size_ms=$((panes * 10000)) --set generator.users=$many_users)
        engine_eps "${many_args[@]}" --set generator.events="$many_users_events" >/dev/null
        ms_n=$(cat "$tmp/engine.ms")
        engine_eps "${many_args[@]}" --set generator.events=$((2 * many_users_events)) >/dev/null
        steady_ns "$ms_n" "$(cat "$tmp/engine.ms")" "$many_users_events"
    done | paste -sd' ' >>"$tmp/many_rounds"
    log "  round (steady ns/event at 1, 300 panes): $(tail -1 "$tmp/many_rounds")"
done
put overlap.many_users "$many_users"
put overlap.many_users_events "$many_users_events"
put overlap.many_users_steady_ns_per_event_1 "$(column 1 "$tmp/many_rounds")"
put overlap.many_users_steady_ns_per_event_300 "$(column 2 "$tmp/many_rounds")"
put overlap.many_users_cost_300_over_1 "$(round_ratio 2 1 "$tmp/many_rounds")"

# ---- 5. latency: watermark past a window's end -> its Top-N at the sink, throttled source ----
log "latency: $latency_events events at $latency_rate events/s"
"$sluice" run "$job" --http-port 0 --parallelism 1 --set source.type=memory --set sink.type=null \
    --set generator.events="$latency_events" --max-rate "$latency_rate" 2>"$tmp/lat.log" >/dev/null
put latency.rate "$latency_rate"
put latency.windows "$(sed -n 's/.*result latency.*: \([0-9]*\) windows.*/\1/p' "$tmp/lat.log")"
put latency.p50_ms "$(sed -n 's/.*result latency.* p50 \([0-9.]*\) ms.*/\1/p' "$tmp/lat.log")"
put latency.p99_ms "$(sed -n 's/.*result latency.* p99 \([0-9.]*\) ms.*/\1/p' "$tmp/lat.log")"
# The same, exactly-once: the committed file sink, a checkpoint every
# $ckpt_interval ms; the latency runs to the commit of the checkpoint that
# holds the window's Top-N (what a read_committed reader waits for).
log "latency, exactly-once: $latency_events events at $latency_rate events/s, committed file sink, checkpoints every $ckpt_interval ms"
"$sluice" run "$job" --http-port 0 --parallelism 1 --set source.type=memory --output "$tmp/eos.jsonl" \
    --checkpoint-dir "$tmp/eos-ck" --checkpoint-interval "$ckpt_interval" \
    --set generator.events="$latency_events" --max-rate "$latency_rate" 2>"$tmp/eos.log" >/dev/null
put latency.eos_checkpoint_interval_ms "$ckpt_interval"
put latency.eos_windows "$(sed -n 's/.*committed result latency.*: \([0-9]*\) windows.*/\1/p' "$tmp/eos.log")"
put latency.eos_p50_ms "$(sed -n 's/.*committed result latency.* p50 \([0-9.]*\) ms.*/\1/p' "$tmp/eos.log")"
put latency.eos_p99_ms "$(sed -n 's/.*committed result latency.* p99 \([0-9.]*\) ms.*/\1/p' "$tmp/eos.log")"

# ---- 6. checkpoints: duration and size against state size; recovery after SIGKILL ----
# The directory of the newest checkpoint under a checkpoint root (by id, not by name: chk-10 after chk-9).
newest_checkpoint() { ls -d "$1"/chk-* | sort -t- -k2 -n | tail -1; }
# The source is paced to last about paced_secs, so that several checkpoints are taken.
for users in $ckpt_users; do
    log "checkpoints: $users users, $ckpt_events events, every $ckpt_interval ms"
    rm -rf "$tmp/ckpt"
    "$sluice" run "$job" --http-port 0 --parallelism 1 --set source.type=memory --set sink.type=null \
        --set generator.events="$ckpt_events" --set generator.users="$users" --max-rate $((ckpt_events / paced_secs)) \
        --checkpoint-dir "$tmp/ckpt" --checkpoint-interval "$ckpt_interval" 2>"$tmp/ck.log" >/dev/null
    sed -n 's/.*checkpoint [0-9]* complete in \([0-9]*\) ms.*/\1/p' "$tmp/ck.log" >"$tmp/durations"
    put "checkpoint.u$users.count" "$(wc -l <"$tmp/durations")"
    put "checkpoint.u$users.duration_ms_median" "$(median <"$tmp/durations")"
    put "checkpoint.u$users.duration_ms_max" "$(sort -g "$tmp/durations" | tail -1)"
    newest=$(newest_checkpoint "$tmp/ckpt")
    put "checkpoint.u$users.size_bytes" "$(du -sb "$newest" | cut -f1)"
done

log "recovery: SIGKILL after the first checkpoint, then restart"
"$sluice" gen --events "$recovery_events" --seed 5 --out-of-order-ms 5000 --out "$tmp/rec.jsonl" 2>/dev/null
rm -rf "$tmp/rck"
rec_args=(run "$job" --http-port 0 --parallelism 2 --input "$tmp/rec.jsonl" --set sink.type=null
    --checkpoint-dir "$tmp/rck" --checkpoint-interval "$ckpt_interval" --max-rate $((recovery_events / paced_secs)))
"$sluice" "${rec_args[@]}" 2>"$tmp/rec1.log" >/dev/null &
pid=$!
for _ in $(seq 300); do
    grep -q 'complete in' "$tmp/rec1.log" && break
    sleep 0.05
done
kill -KILL $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
start_ms=$(date +%s%3N)
"$sluice" "${rec_args[@]}" 2>"$tmp/rec2.log" >/dev/null
restored=$(sed -n 's/^\([0-9T:.-]*\)Z .*checkpoint [0-9]* restored in \([0-9]*\) ms.*/\1 \2/p' "$tmp/rec2.log")
if [ -n "$restored" ]; then
    ts_ms=$(date -u -d "${restored% *}Z" +%s%3N)
    put recovery.restore_ms "${restored#* }"
    put recovery.restart_to_workers_ms "$((ts_ms - start_ms))"
else
    put recovery.restore_ms null
    put recovery.restart_to_workers_ms null
fi

# ---- 7. peak RSS: the generator source (no pre-generated events), default job, 1x and 100x users ----
# Peak RSS in KB of the default job with these settings, on the generator
# source: the job's default source is the embedded Kafka cluster, whose
# in-memory topics would be counted as the engine's, and the memory source
# holds every event before the first is processed.
peak_rss_kb() {
    /usr/bin/time -v "$sluice" run "$job" --http-port 0 --set source.type=generator --set sink.type=null "$@" \
        2>"$tmp/rss.log" >/dev/null
    sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/rss.log"
}
for mult in 1 100; do
    users=$((1000 * mult))
    log "memory: $rss_events events, $users users"
    put "memory.users_x${mult}_peak_rss_kb" \
        "$(peak_rss_kb --set generator.events="$rss_events" --set generator.users=$users)"
done

# ---- catalog size: the default job on shops of 100, 20,000 and 200,000 pages (and as many products) ----
# What the default 100 pages cannot show: state, checkpoints and memory
# that grow with the pages of the open windows, and (before 93295a7 and
# e7e75cf) with every page ever seen. The job emits one page_analytics
# result per page of a window at every slide, so a larger catalog buys
# more results per event: results_per_event (the null sink's records in)
# says how much of a rate's fall is that output. RocksDB state, one
# worker, a checkpoint every $ckpt_interval ms; the final checkpoint comes
# after every window closed, so its _metadata holds no page names.
put catalog.events "$catalog_events"
for pages in $catalog_pages; do
    log "catalog: $pages pages, $catalog_events events x $runs"
    catalog_args=(--parallelism 1 --set generator.events="$catalog_events" --set generator.pages="$pages"
        --set generator.products="$pages")
    : >"$tmp/catalog_runs"
    : >"$tmp/catalog_durations"
    for i in $(seq "$runs"); do
        eps=$(engine_eps "${catalog_args[@]}" --checkpoint-dir "$tmp/cat$i" --checkpoint-interval "$ckpt_interval")
        results=$(sed -n 's/.*\] null#[0-9]*: busy .* \([0-9]*\) records in,.*/\1/p' "$tmp/engine.log" | awk '{n += $1} END {print n + 0}')
        newest=$(newest_checkpoint "$tmp/cat$i")
        largest=$(du -sb "$tmp/cat$i"/chk-* | cut -f1 | sort -g | tail -1)
        echo "$eps $results $largest $(stat -c %s "$newest/_metadata")" >>"$tmp/catalog_runs"
        sed -n 's/.*checkpoint [0-9]* complete in \([0-9]*\) ms$/\1/p' "$tmp/engine.log" >>"$tmp/catalog_durations"
        rm -rf "$tmp/cat$i"
    done
    put "catalog.p$pages.eps" "$(column 1 "$tmp/catalog_runs")"
    put "catalog.p$pages.results_per_event" "$(awk -v n="$catalog_events" '{printf "%.3f\n", $2 / n}' "$tmp/catalog_runs" | median)"
    put "catalog.p$pages.checkpoint_ms_median" "$(median <"$tmp/catalog_durations")"
    put "catalog.p$pages.largest_checkpoint_bytes" "$(column 3 "$tmp/catalog_runs")"
    put "catalog.p$pages.final_metadata_bytes" "$(column 4 "$tmp/catalog_runs")"
    put "catalog.p$pages.peak_rss_kb" "$(peak_rss_kb "${catalog_args[@]}")"
done

# ---- startup: a whole run of a one-event file bounds startup to the first processed event ----
"$sluice" gen --events 1 --out "$tmp/one.jsonl" 2>/dev/null
for _ in $(seq "$runs"); do
    t0=$(date +%s%N)
    "$sluice" run "$job" --http-port 0 --input "$tmp/one.jsonl" --set sink.type=null 2>/dev/null >/dev/null
    echo $((($(date +%s%N) - t0) / 1000000))
done | median >"$tmp/m"
put startup.whole_run_ms "$(cat "$tmp/m")"

# ---- decoding: JSON (scanner, jansson, json-c, cJSON) vs Avro, ns per event; results' encoding ----
log "decode: $decode_events events"
"$build/bench/decode_cost" --events "$decode_events" --runs "$runs" >"$tmp/dec.txt"
put decode.json_event_ns "$(sed -n 's/^json_event \([0-9.]*\).*/\1/p' "$tmp/dec.txt")"
for name in json_tree json_parse jsonc_parse cjson_parse; do
    put "decode.${name}_ns" "$(sed -n "s/^$name \([0-9.]*\).*/\1/p" "$tmp/dec.txt")"
done
put decode.avro_event_ns "$(sed -n 's/^avro_event \([0-9.]*\).*/\1/p' "$tmp/dec.txt")"
# ... and the sinks' side: one page_analytics result encoded as JSON and as Avro
put decode.json_result_ns "$(sed -n 's/^json_result \([0-9.]*\).*/\1/p' "$tmp/dec.txt")"
put decode.avro_result_ns "$(sed -n 's/^avro_result \([0-9.]*\).*/\1/p' "$tmp/dec.txt")"

# ---- JSON, table, chart ----
python3 "$root/bench/report.py" "$vals" "$out/latest.json" "$out/latest.dat"
if command -v gnuplot >/dev/null; then
    gnuplot -e "datafile='$out/latest.dat'; outfile='$out/latest.png'" "$root/bench/chart.gp"
else
    log "gnuplot is not installed: no chart (apt-get install gnuplot-nox)"
fi
