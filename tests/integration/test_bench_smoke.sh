#!/usr/bin/env bash
# The benchmark suite runs end to end (bench/run.sh --quick on a small input)
# and its latest.json has every field with a value; the memory source gives
# the generator's events, so the COST baseline's output equals the engine's.
# No assertion on speed: CI machines vary.
set -euo pipefail
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}" "${SLUICE_BUILD_DIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$SLUICE_SOURCE_DIR/bench/run.sh" --quick --events 20000 --build "$SLUICE_BUILD_DIR" --out "$work/results" \
    >"$work/table.txt" 2>"$work/run.log" || { cat "$work/run.log" >&2; fail "bench/run.sh --quick exited $?"; }
[ -s "$work/results/latest.json" ] || fail "no latest.json"
if command -v gnuplot >/dev/null; then
    [ -s "$work/results/latest.png" ] || fail "gnuplot is installed but no latest.png was written"
fi
grep -q "^target rocksdb_p1_2M_eps" "$work/table.txt" || fail "the table has no target rows"

python3 - "$work/results/latest.json" <<'PY' || fail "latest.json is incomplete (see above)"
import json, sys
r = json.load(open(sys.argv[1]))
numbers = {
    "machine": ["nproc"],
    "throughput": ["events"]
                  + [f"{b}_{k}" for b in ("memory", "rocksdb")
                     for k in ("p1", "p2", "p1w2", "p1_cpu_ns_per_event", "p2_cpu_ns_per_event",
                               "p1w2_cpu_ns_per_event", "p2_over_p1_cpu_per_event", "p1w2_over_p1_cpu_per_event",
                               "p2_waiting_share", "p2_blocked_or_unscheduled_share", "p1w2_waiting_share",
                               "p1w2_blocked_or_unscheduled_share")]
                  + [f"scaling_{b}_{l}_over_p1" for b in ("memory", "rocksdb") for l in ("p2", "p1w2")],
    "cost": ["baseline_eps", "engine_rocksdb_p1_over_baseline", "engine_memory_p1_over_baseline"],
    "overlap": ["events"] + [f"{k}_{p}" for p in (1, 6, 30, 300)
                             for k in ("eps", "ns_per_event", "steady_ns_per_event", "cpu_steady_ns_per_event")]
               + ["cost_300_over_1", "cpu_cost_300_over_1", "whole_run_cost_300_over_1", "baseline_steady_ns_per_event_1",
                  "baseline_steady_ns_per_event_300", "baseline_cost_300_over_1", "many_users", "many_users_events",
                  "many_users_steady_ns_per_event_1", "many_users_steady_ns_per_event_300",
                  "many_users_cost_300_over_1"]
               + [f"busy_{op}_{work}_ns_per_event_{p}" for p in (1, 300) for op in ("session", "page")
                  for work in ("records", "timers")],
    "latency": ["rate", "windows", "p50_ms", "p99_ms", "eos_checkpoint_interval_ms", "eos_windows", "eos_p50_ms",
                "eos_p99_ms"],
    "recovery": ["restore_ms", "restart_to_workers_ms"],
    "memory": ["users_x1_peak_rss_kb", "users_x100_peak_rss_kb"],
    "startup": ["whole_run_ms"],
    "decode": ["json_event_ns", "json_tree_ns", "json_parse_ns", "avro_event_ns", "json_result_ns", "avro_result_ns"],
}
# A steady cost is a difference of two timings: on a smoke run's small
# inputs, on a loaded machine, noise can make it negative and their ratio
# null, so only their presence is checked.
def difference(k): return "steady" in k or k in ("cost_300_over_1", "cpu_cost_300_over_1", "baseline_cost_300_over_1",
                                                  "many_users_cost_300_over_1")
# The operators' busy times are steady costs too, but medians of numbers:
# numbers they must be (negative only by noise).
bad = [f"overlap.{k}" for k in numbers["overlap"]
       if k.startswith("busy_") and not isinstance(r["overlap"].get(k), (int, float))]
bad += [f"{sec}.{k}" for sec, keys in numbers.items() for k in keys if not k.startswith("busy_")
        if (k not in r.get(sec, {}) if difference(k) else
            not isinstance(r.get(sec, {}).get(k), (int, float)) or r[sec][k] < 0)]
for k in ("cpu_model", "kernel", "date"):
    if not r["machine"].get(k): bad.append("machine." + k)
for users in ("u1000", "u10000"):
    ck = r.get("checkpoint", {}).get(users, {})
    for k in ("count", "duration_ms_median", "duration_ms_max", "size_bytes"):
        if not isinstance(ck.get(k), (int, float)): bad.append(f"checkpoint.{users}.{k}")
# The catalog workload: --quick runs 100 and 2,000 pages. Its checkpoint
# duration is a median over the checkpoints taken before the end, which a
# smoke run's few events may not last until: present, not always a number.
for pages in ("p100", "p2000"):
    cat = r.get("catalog", {}).get(pages, {})
    for k in ("eps", "results_per_event", "largest_checkpoint_bytes", "final_metadata_bytes", "peak_rss_kb"):
        if not isinstance(cat.get(k), (int, float)) or cat[k] <= 0: bad.append(f"catalog.{pages}.{k}")
    if "checkpoint_ms_median" not in cat: bad.append(f"catalog.{pages}.checkpoint_ms_median")
kafka = r.get("kafka", {})
if kafka.get("available") is not True:
    bad.append("kafka.available (sluice gen --brokers / run --bounded are in this tree)")
elif not all(isinstance(kafka.get(k), (int, float)) and kafka[k] > 0 for k in ("events", "eps", "wall_eps")) \
        or kafka.get("format") not in ("json", "avro"):
    bad.append("kafka.events/eps/wall_eps/format")
elif kafka.get("verified") is not True:
    bad.append("kafka.verified (the Kafka run's committed results do not pass sluice verify)")
if r.get("cost", {}).get("output_equal") is not True:
    bad.append("cost.output_equal (the COST baseline's results differ from the engine's)")
if len(r.get("targets", {})) != 9 or not all(isinstance(v, bool) for v in r["targets"].values()):
    bad.append("targets")
if r["latency"]["windows"] < 1 or r["checkpoint"]["u1000"]["count"] < 1:
    bad.append("latency.windows or checkpoint count is 0")
if bad:
    print("missing or invalid: " + ", ".join(bad), file=sys.stderr)
    sys.exit(1)
PY

# bench/count.sh: counts per event at two overlaps, then what grew.
"$SLUICE_SOURCE_DIR/bench/count.sh" --events 20000 --top 3 --build "$SLUICE_BUILD_DIR" >"$work/count.txt" \
    2>"$work/count.log" || { cat "$work/count.log" "$work/count.txt" >&2; fail "bench/count.sh exited $?"; }
python3 - "$work/count.txt" <<'PY' || { cat "$work/count.txt" >&2; fail "bench/count.sh printed no counts"; }
import re, sys
text = open(sys.argv[1]).read()
rows = re.findall(r"^ +(\d+) panes: +(\d+) instructions, +([\d.]+) L1 data misses, +([\d.]+) L2 data misses$",
                  text, re.M)
assert [int(r[0]) for r in rows] == [1, 300], rows
assert all(int(r[1]) > 100 for r in rows), rows   # a job's worker runs hundreds of instructions per event
assert all(float(r[2]) >= float(r[3]) > 0 for r in rows), rows   # what misses the L2 missed the L1 first
grew = re.findall(r"^ *[+-]\d+\.\d +[+-]\d+\.\d\d +[+-]\d+\.\d\d +[\d.]+ -> +[\d.]+  \S+$", text, re.M)
assert len(grew) == 3, text
PY
echo "bench smoke: OK"
