#!/usr/bin/env bash
# Records sluice writes decode with Apache Avro's Python library against avro/*.avsc,
# and records the Python library writes decode in sluice (including an older
# schema version resolved through avro.registry_file). See docs/avro.md.
set -euo pipefail
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}"
here=$SLUICE_SOURCE_DIR/tests/integration
avsc=$SLUICE_SOURCE_DIR/avro

# Debian's python3-avro lives in /usr/bin/python3's dist-packages; a python3
# earlier on PATH (pyenv, venv) may not see it.
py=""
for cand in ${SLUICE_PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import avro.io, avro.schema" 2>/dev/null; then
    py=$cand; break
  fi
done
if [ -z "$py" ]; then
  if [ "${SLUICE_REQUIRE_PYAVRO:-0}" = 1 ]; then
    echo "FAIL: SLUICE_REQUIRE_PYAVRO=1 but no python3 can 'import avro' (install python3-avro: scripts/setup.sh)" >&2
    exit 1
  fi
  echo "test_avro_python_interop: skipped because no python3 can 'import avro' (install python3-avro via scripts/setup.sh; set SLUICE_REQUIRE_PYAVRO=1 to make this a failure)"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/ClickstreamEvent.jsonl" <<'JSON'
{"event_id":"0b9f3c1e-1","user_id":"user-17","session_id":"s-1","event_type":"VIEW","page":"/home","product_id":null,"timestamp":1767225600000,"ip":"10.0.0.1","user_agent":"Mozilla/5.0","referrer":null,"session_duration":0}
{"event_id":"0b9f3c1e-2","user_id":"user-17","session_id":"s-1","event_type":"CLICK","page":"/products/42","product_id":"p-42","timestamp":1767225601234,"ip":"10.0.0.1","user_agent":"Mozilla/5.0","referrer":"https://search.example/?q=caf\u00e9","session_duration":1234}
{"event_id":"0b9f3c1e-3","user_id":"user-9","session_id":"s-2","event_type":"ADD_TO_CART","page":"/cart","product_id":"p-7","timestamp":1767225999999,"ip":"::1","user_agent":"curl/8 \u65e5\u672c","referrer":null,"session_duration":9000000000}
{"event_id":"0b9f3c1e-4","user_id":"user-9","session_id":"s-2","event_type":"PURCHASE","page":"/checkout","product_id":"p-7","timestamp":1767226000000,"ip":"::1","user_agent":"","referrer":"/cart","session_duration":1}
{"event_id":"0b9f3c1e-5","user_id":"user-3","session_id":"s-3","event_type":"SEARCH","page":"/search","product_id":null,"timestamp":1767226000001,"ip":"192.168.1.1","user_agent":"x","referrer":null,"session_duration":0}
JSON
cat > "$tmp/PageAnalytics.jsonl" <<'JSON'
{"window_start":1767225600000,"window_end":1767225900000,"page":"/home","view_count":120,"unique_users":77,"click_count":30,"cart_count":9,"conversion_count":2,"engagement_rate":0.25,"bounce_rate":0.1,"avg_session_duration":61234.5}
{"window_start":1767225610000,"window_end":1767225910000,"page":"/cart","view_count":0,"unique_users":0,"click_count":0,"cart_count":0,"conversion_count":0,"engagement_rate":0.0,"bounce_rate":0.3333333333333333,"avg_session_duration":0.0}
JSON
cat > "$tmp/TopPages.jsonl" <<'JSON'
{"window_start":1767225600000,"window_end":1767225900000,"pages":[{"page":"/home","view_count":120,"rank":1,"trending":true},{"page":"/cart","view_count":7,"rank":2,"trending":false}]}
{"window_start":1767225610000,"window_end":1767225910000,"pages":[]}
JSON
cat > "$tmp/DeadLetter.jsonl" <<'JSON'
{"payload":"{\"event_id\":\u00ff","reason":"not valid JSON: end of file expected at column 13","source":"clicks","partition":2,"offset":9001,"time":1767225600000,"key":"s-9"}
{"payload":"","reason":"wrong magic byte 0x7b","source":"events.jsonl","partition":-1,"offset":0,"time":1767225600001,"key":null}
JSON

id=0
for schema in ClickstreamEvent PageAnalytics TopPages DeadLetter; do
  id=$((id + 1))   # ids of avro/registry.json
  # sluice -> python
  "$SLUICE_BIN" avro encode --schema $schema < "$tmp/$schema.jsonl" > "$tmp/$schema.sluice.hex"
  "$py" "$here/avro_interop.py" check "$avsc/$schema.avsc" $id "$tmp/$schema.jsonl" "$tmp/$schema.sluice.hex"
  # python -> sluice
  "$py" "$here/avro_interop.py" write "$avsc/$schema.avsc" $id "$tmp/$schema.jsonl" > "$tmp/$schema.py.hex"
  "$SLUICE_BIN" avro decode --schema $schema < "$tmp/$schema.py.hex" > "$tmp/$schema.decoded.jsonl"
  "$py" "$here/avro_interop.py" same "$tmp/$schema.jsonl" "$tmp/$schema.decoded.jsonl"
  # byte-identical encodings: both sides implement the same spec
  cmp "$tmp/$schema.sluice.hex" "$tmp/$schema.py.hex"
done

# Evolution across implementations: Python writes with an older ClickstreamEvent
# (no referrer, no session_duration) registered as id 11 in a local registry file;
# sluice resolves it to the current schema and fills the defaults.
"$py" - "$avsc/ClickstreamEvent.avsc" "$tmp/ClickstreamEvent-v0.avsc" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["fields"] = [f for f in s["fields"] if f["name"] not in ("referrer", "session_duration")]
json.dump(s, open(sys.argv[2], "w"))
PY
printf '{"1": "ClickstreamEvent.avsc", "11": "ClickstreamEvent-v0.avsc"}\n' > "$tmp/registry.json"
"$py" - "$tmp/ClickstreamEvent.jsonl" "$tmp/v0.jsonl" "$tmp/v0.expected.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
with open(sys.argv[2], "w") as old, open(sys.argv[3], "w") as want:
    for r in recs:
        o = {k: v for k, v in r.items() if k not in ("referrer", "session_duration")}
        old.write(json.dumps(o) + "\n")
        want.write(json.dumps(dict(o, referrer=None, session_duration=0)) + "\n")
PY
"$py" "$here/avro_interop.py" write "$tmp/ClickstreamEvent-v0.avsc" 11 "$tmp/v0.jsonl" > "$tmp/v0.hex"
"$SLUICE_BIN" avro decode --schema ClickstreamEvent --set avro.registry_file="$tmp/registry.json" \
  < "$tmp/v0.hex" > "$tmp/v0.decoded.jsonl"
"$py" "$here/avro_interop.py" same "$tmp/v0.expected.jsonl" "$tmp/v0.decoded.jsonl"

# Without the registry file, id 11 is unknown: a precise reason, exit 1.
if "$SLUICE_BIN" avro decode --schema ClickstreamEvent < "$tmp/v0.hex" > /dev/null 2> "$tmp/err"; then
  echo "FAIL: decoding unknown schema id 11 succeeded" >&2; exit 1
fi
grep -q "unknown schema id 11 (not in the registry" "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
echo "PASS: python interop (4 schemas both ways, evolution via avro.registry_file)"
