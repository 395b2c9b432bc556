#!/usr/bin/env python3
"""Bad input for test_dead_letters.sh: every kind of record that cannot become
an event, interleaved with valid events, in JSON lines and in length-prefixed
Avro; plus what the dead-letter output must hold for each.

    dead_letters_input.py make SLUICE_BIN VALID.jsonl OUTDIR
        writes OUTDIR/mixed.jsonl, OUTDIR/mixed.avro and OUTDIR/expected-{json,avro}.json
    dead_letters_input.py check EXPECTED.json DLQ_FILE SOURCE
        compares a dead-letter file with the expectation (exit 1 with the differences)
"""
import json
import subprocess
import sys
import time

DAY_MS = 86_400_000


def encode_avro(sluice, json_lines):
    """Length-framed Confluent records of ClickstreamEvent JSON lines, via `sluice avro encode`."""
    out = subprocess.run([sluice, "avro", "encode", "--schema", "ClickstreamEvent", "--framing", "length"],
                         input="".join(line + "\n" for line in json_lines).encode(),
                         stdout=subprocess.PIPE, check=True).stdout
    records, pos = [], 0
    while pos < len(out):
        n = int.from_bytes(out[pos:pos + 4], "big")
        records.append(out[pos + 4:pos + 4 + n])
        pos += 4 + n
    assert len(records) == len(json_lines), "sluice avro encode dropped records"
    return records


def changed(event, **fields):
    e = dict(event)
    for k, v in fields.items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return json.dumps(e, separators=(",", ":"))


def bad_json(template):
    """(payload bytes, kind, a phrase the reason must contain)"""
    future = int(time.time() * 1000) + 10 * DAY_MS
    return [
        (b'{"event_id":"x",', "not_json", "not valid JSON"),
        (b'{"event_id":"\xff\xfe"}', "not_json", "not valid JSON"),
        (b"[1,2,3]", "wrong_type", "expected a JSON object"),
        (changed(template, page=None).encode(), "missing_field", "missing required field 'page'"),
        (changed(template, timestamp="yesterday").encode(), "wrong_type", "field 'timestamp' is a string"),
        (changed(template, event_type="BUY").encode(), "bad_event_type", "event_type 'BUY'"),
        (changed(template, timestamp=946_684_799_999).encode(), "bad_timestamp", "before the minimum"),
        (changed(template, timestamp=future).encode(), "bad_timestamp", "in the future"),
        (changed(template, user_id="").encode(), "invalid_value", "field 'user_id' is empty"),
        (b'{"pad":"' + b"x" * (1_200_000) + b'"}', "oversized", "exceeds source.max_record_bytes"),
    ]


def bad_avro(sluice, template, good_record):
    future = int(time.time() * 1000) + 10 * DAY_MS
    early, ahead, empty = encode_avro(sluice, [changed(template, timestamp=946_684_799_999),
                                               changed(template, timestamp=future),
                                               changed(template, user_id="")])
    unknown = b"\x00\x00\x00\x00\x63" + good_record[5:]
    return [
        (json.dumps(template).encode(), "wrong_magic", "wrong magic byte 0x7b"),
        (unknown, "unknown_schema", "unknown schema id 99"),
        (good_record[:3], "corrupt_avro", "truncated Confluent header"),
        (good_record[:-4], "corrupt_avro", "truncated Avro body"),
        (good_record + b"\x00", "corrupt_avro", "left over"),
        (early, "bad_timestamp", "before the minimum"),
        (ahead, "bad_timestamp", "in the future"),
        (empty, "invalid_value", "field 'user_id' is empty"),
        (b"\x00" * 1_100_000, "oversized", "exceeds source.max_record_bytes"),
    ]


def interleave(valid, bad, frame, tail=b""):
    """Every len(valid)/(len(bad)+1) valid records, one bad one. Returns file bytes and expectations."""
    step = max(1, len(valid) // (len(bad) + 1))
    out, expected, b = bytearray(), [], 0
    for i, rec in enumerate(valid):
        if i and i % step == 0 and b < len(bad):
            payload, kind, phrase = bad[b]
            expected.append({"offset": len(out), "kind": kind, "phrase": phrase,
                             "payload_hex": payload[:4096].hex()})
            out += frame(payload)
            b += 1
        out += frame(rec)
    if tail:
        expected.append({"offset": len(out), "kind": "corrupt_avro", "phrase": "truncated length-prefixed record",
                         "payload_hex": tail[4:].hex()})
        out += tail
    assert b == len(bad), "not enough valid records to interleave every bad one"
    return bytes(out), expected


def make(sluice, valid_path, outdir):
    lines = [l.rstrip("\n") for l in open(valid_path, encoding="utf-8") if l.strip()]
    template = json.loads(lines[0])
    nl = lambda p: p + b"\n"
    data, expected = interleave([l.encode() for l in lines], bad_json(template), nl)
    open(f"{outdir}/mixed.jsonl", "wb").write(data)
    json.dump(expected, open(f"{outdir}/expected-json.json", "w"))

    records = encode_avro(sluice, lines)
    framed = lambda p: len(p).to_bytes(4, "big") + p
    cut = (1000).to_bytes(4, "big") + records[0][:20]          # the file ends inside this one
    data, expected = interleave(records, bad_avro(sluice, template, records[0]), framed, cut)
    open(f"{outdir}/mixed.avro", "wb").write(data)
    json.dump(expected, open(f"{outdir}/expected-avro.json", "w"))


def payload_of(d):
    if "payload_hex" in d:
        return bytes.fromhex(d["payload_hex"])
    return d["payload"].encode("utf-8")


def check(expected_path, dlq_path, source):
    expected = json.load(open(expected_path))
    got = [json.loads(l) for l in open(dlq_path, encoding="utf-8")]
    problems = []
    if len(got) != len(expected):
        problems.append(f"{len(got)} dead letters, expected {len(expected)}")
    for want, d in zip(expected, got):
        where = f"offset {want['offset']} ({want['kind']})"
        if d.get("type") != "dead_letter" or d.get("offset") != want["offset"]:
            problems.append(f"{where}: dead letter at offset {d.get('offset')}: {d.get('reason')}")
            continue
        if d["kind"] != want["kind"] or want["phrase"] not in d["reason"]:
            problems.append(f"{where}: kind {d['kind']}, reason {d['reason']!r}; expected {want['phrase']!r}")
        if payload_of(d) != bytes.fromhex(want["payload_hex"]):
            problems.append(f"{where}: payload differs from the input record")
        if d["source"] != source or d["partition"] != -1 or not d["time"] > 1_700_000_000_000:
            problems.append(f"{where}: source/partition/time {d['source']}/{d['partition']}/{d['time']}")
    for p in problems:
        print("DLQ MISMATCH:", p, file=sys.stderr)
    print(f"{len(got)} dead letters checked against {len(expected)} expected, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(*sys.argv[2:5])
    else:
        sys.exit(check(*sys.argv[2:5]))
