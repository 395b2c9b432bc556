#!/usr/bin/env python3
"""Garbage for test_kafka_avro.sh: records an Avro job must dead-letter, and the check of the DLQ topic.

    kafka_avro_garbage.py make SLUICE_BIN EVENTS.jsonl OUTDIR
        writes OUTDIR/bad-N (one Kafka message each) and OUTDIR/bad.json (kind per file)
    kafka_avro_garbage.py check OUTDIR DLQ_LINES PLACED METRICS
        DLQ_LINES: kcat -f '%p %o %h\\n' of clickstream-events.dlq; PLACED: "FILE PARTITION OFFSET"
        per produced bad record; METRICS: the job's final Prometheus text (metrics.final_path)
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dead_letters_input import bad_avro, encode_avro  # noqa: E402  (the same bad records as the file test)

SOURCE = "clickstream-events"


def make(sluice, events_path, outdir):
    with open(events_path, encoding="utf-8") as f:
        template = json.loads(f.readline())
    good = encode_avro(sluice, [json.dumps(template, separators=(",", ":"))])[0]
    # Kafka has its own size limit; oversized records are covered by the file test.
    bad = [b for b in bad_avro(sluice, template, good) if b[1] != "oversized"]
    bad.append((b"this is not JSON and not Avro", "wrong_magic", "wrong magic byte 0x74"))
    kinds = []
    for i, (payload, kind, phrase) in enumerate(bad):
        with open(f"{outdir}/bad-{i}", "wb") as f:
            f.write(payload)
        kinds.append({"file": f"bad-{i}", "kind": kind, "phrase": phrase})
    json.dump(kinds, open(f"{outdir}/bad.json", "w"))


def headers_of(line):
    """kcat's %h is name=value pairs joined by ','; every name starts with 'sluice.'."""
    part, off, rest = line.rstrip("\n").split(" ", 2)
    pairs = re.split(r",(?=sluice\.)", rest)
    return int(part), int(off), dict(p.split("=", 1) for p in pairs)


def check(outdir, dlq_lines, placed_path, metrics_path):
    expected = {e["file"]: e for e in json.load(open(f"{outdir}/bad.json"))}
    placed = {}
    for line in open(placed_path):
        name, p, o = line.split()
        if (p, o) in placed:
            print(f"kcat put {name} and {placed[(p, o)]} at the same offset {p}/{o}", file=sys.stderr)
            return 1
        placed[(p, o)] = os.path.basename(name)
    problems, seen = [], set()
    lines = [l for l in open(dlq_lines, encoding="utf-8", errors="replace") if l.strip()]
    now = time.time() * 1000
    kinds = {}
    for line in lines:
        _, _, h = headers_of(line)
        where = (h.get("sluice.dlq.partition"), h.get("sluice.dlq.offset"))
        name = placed.get(where)
        if name is None:
            problems.append(f"a dead letter for {where}, where no bad record was produced: {h}")
            continue
        if where in seen:
            problems.append(f"{name} ({where}) is on the DLQ more than once")
        seen.add(where)
        want = expected[name]
        if h.get("sluice.dlq.kind") != want["kind"] or want["phrase"] not in h.get("sluice.dlq.reason", ""):
            problems.append(f"{name}: kind {h.get('sluice.dlq.kind')} reason {h.get('sluice.dlq.reason')!r}; "
                            f"expected {want['kind']} with {want['phrase']!r}")
        if h.get("sluice.dlq.source") != SOURCE or not (now - 600_000 < int(h.get("sluice.dlq.time", 0)) <= now):
            problems.append(f"{name}: source {h.get('sluice.dlq.source')} time {h.get('sluice.dlq.time')}")
        if "sluice.epoch" not in h:
            problems.append(f"{name}: no sluice.epoch header (not written in a checkpoint transaction)")
        kinds[want["kind"]] = kinds.get(want["kind"], 0) + 1
    for where, name in placed.items():
        if where not in seen:
            problems.append(f"{name} ({where}) never reached the DLQ")
    metric = {}
    for m in re.finditer(r'^sluice_dead_letters_total\{reason="(\w+)"\} (\d+)', open(metrics_path).read(), re.M):
        metric[m.group(1)] = metric.get(m.group(1), 0) + int(m.group(2))
    if {k: v for k, v in metric.items() if v} != kinds:
        problems.append(f"sluice_dead_letters_total {metric} does not match the DLQ {kinds}")
    for p in problems:
        print("DLQ MISMATCH:", p, file=sys.stderr)
    print(f"{len(lines)} dead letters on the topic, {len(placed)} bad records produced, by kind {kinds}, "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(*sys.argv[2:5])
    else:
        sys.exit(check(*sys.argv[2:6]))
