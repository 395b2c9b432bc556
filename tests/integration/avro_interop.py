"""avro_interop.py -- Apache Avro's Python library on the other end of sluice's wire format.

Used by test_avro_python_interop.sh:
  check  SCHEMA.avsc ID in.jsonl sluice.hex   decode sluice's records, compare with the JSON input
  write  SCHEMA.avsc ID in.jsonl > py.hex      write JSON lines as wire records (hex lines)
  same   expected.jsonl got.jsonl              the two files hold the same records
The JSON form is sluice's: timestamps are ms integers, bytes are Latin-1 strings.
"""
import datetime
import io
import json
import struct
import sys

import avro.io
import avro.schema

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def field_kinds(schema):
    """Field name -> 'ts' (timestamp-millis) or 'bytes' for the fields needing conversion."""
    kinds = {}
    for f in schema.fields:
        types = f.type.schemas if isinstance(f.type, avro.schema.UnionSchema) else [f.type]
        for t in types:
            if t.get_prop("logicalType") == "timestamp-millis":
                kinds[f.name] = "ts"
            elif t.type == "bytes":
                kinds[f.name] = "bytes"
    return kinds


def to_python(rec, kinds):
    out = dict(rec)
    for name, kind in kinds.items():
        if out.get(name) is None:
            continue
        if kind == "ts":
            out[name] = EPOCH + datetime.timedelta(milliseconds=out[name])
        else:
            out[name] = out[name].encode("latin-1")
    return out


def from_python(rec, kinds):
    out = dict(rec)
    for name, kind in kinds.items():
        if out.get(name) is None:
            continue
        if kind == "ts":
            out[name] = (out[name] - EPOCH) // datetime.timedelta(milliseconds=1)
        else:
            out[name] = out[name].decode("latin-1")
    return out


def load_schema(path):
    with open(path) as f:
        return avro.schema.parse(f.read())


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def check(schema_path, schema_id, jsonl, hexfile):
    schema = load_schema(schema_path)
    kinds = field_kinds(schema)
    want = read_jsonl(jsonl)
    with open(hexfile) as f:
        wire = [bytes.fromhex(line.strip()) for line in f if line.strip()]
    assert len(wire) == len(want), f"{len(wire)} wire records for {len(want)} JSON lines"
    reader = avro.io.DatumReader(schema, schema)
    for i, (data, expected) in enumerate(zip(wire, want)):
        magic, sid = struct.unpack(">bI", data[:5])
        assert magic == 0 and sid == schema_id, f"record {i}: header {data[:5].hex()}"
        body = io.BytesIO(data[5:])
        got = from_python(reader.read(avro.io.BinaryDecoder(body)), kinds)
        assert body.tell() == len(data) - 5, f"record {i}: {len(data) - 5 - body.tell()} bytes left over"
        for k, v in expected.items():
            assert got[k] == v, f"record {i}: field {k}: python read {got[k]!r}, sluice was given {v!r}"
    print(f"python decoded {len(wire)} sluice {schema.name} records")


def write(schema_path, schema_id, jsonl):
    schema = load_schema(schema_path)
    kinds = field_kinds(schema)
    writer = avro.io.DatumWriter(schema)
    for rec in read_jsonl(jsonl):
        buf = io.BytesIO()
        buf.write(struct.pack(">bI", 0, schema_id))
        writer.write(to_python(rec, kinds), avro.io.BinaryEncoder(buf))
        print(buf.getvalue().hex())


def same(expected, got):
    a, b = read_jsonl(expected), read_jsonl(got)
    assert len(a) == len(b), f"{len(b)} records decoded, {len(a)} expected"
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"record {i}: expected {x}, sluice printed {y}"
    print(f"sluice decoded {len(b)} python records identically")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "check":
        check(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif cmd == "write":
        write(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "same":
        same(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown command {cmd}")
