#!/usr/bin/env bash
# sluice against a Schema Registry: registration (RecordNameStrategy subject),
# fetch by id with caching, unknown ids, basic auth. The registry is a small
# Python stand-in (tests/integration/schema_registry_standin.py) on 127.0.0.1,
# because no Schema Registry server is packaged for Debian. See docs/avro.md.
set -euo pipefail
: "${SLUICE_BIN:?}" "${SLUICE_SOURCE_DIR:?}"
here=$SLUICE_SOURCE_DIR/tests/integration
py=python3
command -v $py >/dev/null || py=/usr/bin/python3

tmp=$(mktemp -d)
standin_pid=""
cleanup() { [ -n "$standin_pid" ] && kill "$standin_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Id 7 is an older ClickstreamEvent without referrer and session_duration.
"$py" - "$SLUICE_SOURCE_DIR/avro/ClickstreamEvent.avsc" "$tmp/v0.avsc" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["fields"] = [f for f in s["fields"] if f["name"] not in ("referrer", "session_duration")]
json.dump(s, open(sys.argv[2], "w"))
PY
"$py" "$here/schema_registry_standin.py" "$tmp/port" "sluice:s3cret" "7=$tmp/v0.avsc" &
standin_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || fail "the registry stand-in did not start"
url="http://127.0.0.1:$(cat "$tmp/port")"
stat() { curl -s "$url/_stats" | "$py" -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"; }
reg=(--set "avro.schema_registry=$url" --set "avro.basic_auth=sluice:s3cret")

# 1. Encoding registers the schema under io.sluice.clickstream.ClickstreamEvent, once.
cat > "$tmp/events.jsonl" <<'JSON'
{"event_id":"e-1","user_id":"u-1","session_id":"s-1","event_type":"VIEW","page":"/home","product_id":null,"timestamp":1767225600000,"ip":"10.0.0.1","user_agent":"ua","referrer":null,"session_duration":0}
{"event_id":"e-2","user_id":"u-2","session_id":"s-2","event_type":"CLICK","page":"/p/1","product_id":"p-1","timestamp":1767225601000,"ip":"10.0.0.2","user_agent":"ua","referrer":null,"session_duration":0}
{"event_id":"e-3","user_id":"u-3","session_id":"s-3","event_type":"SEARCH","page":"/search","product_id":null,"timestamp":1767225602000,"ip":"10.0.0.3","user_agent":"ua","referrer":null,"session_duration":0}
JSON
"$SLUICE_BIN" avro encode --schema ClickstreamEvent "${reg[@]}" < "$tmp/events.jsonl" > "$tmp/events.hex"
[ "$(stat 'POST /subjects/io.sluice.clickstream.ClickstreamEvent/versions')" = 1 ] || fail "expected one registration"
# The stand-in hands out ids from 100: every record carries id 100 (0x64).
[ "$(cut -c1-10 "$tmp/events.hex" | sort -u)" = "0000000064" ] || fail "records do not carry id 100: $(cut -c1-10 "$tmp/events.hex")"

# 2. Decoding (in the writer's schema) fetches id 100 once for three records:
# the client caches by id.
"$SLUICE_BIN" avro decode "${reg[@]}" < "$tmp/events.hex" > "$tmp/decoded.jsonl"
cmp <("$py" -c 'import json,sys; [print(json.dumps(json.loads(l), separators=(",",":"))) for l in open(sys.argv[1])]' "$tmp/events.jsonl") "$tmp/decoded.jsonl" \
  || fail "decoded events differ from the input"
[ "$(stat 'GET /schemas/ids/100')" = 1 ] || fail "id 100 fetched $(stat 'GET /schemas/ids/100') times, expected 1"

# 3. Records written with the older id 7: fetched once, resolved, defaults filled.
# With referrer null and session_duration 0 the current encoding ends in 00 00,
# so dropping those two bytes gives exactly the v0 encoding of the same event.
sed -e 's/^0000000064/0000000007/' -e 's/0000$//' "$tmp/events.hex" > "$tmp/v0.hex"
"$SLUICE_BIN" avro decode --schema ClickstreamEvent "${reg[@]}" < "$tmp/v0.hex" > "$tmp/v0.decoded.jsonl"
cmp "$tmp/decoded.jsonl" "$tmp/v0.decoded.jsonl" || fail "v0 records did not resolve to the same events"
[ "$(stat 'GET /schemas/ids/7')" = 1 ] || fail "id 7 fetched $(stat 'GET /schemas/ids/7') times, expected 1"

# 4. An id the registry does not know: precise reason, exit 1.
sed -e 's/^0000000064/0000000063/' "$tmp/events.hex" | head -1 > "$tmp/unknown.hex"
rc=0; "$SLUICE_BIN" avro decode "${reg[@]}" < "$tmp/unknown.hex" > /dev/null 2> "$tmp/err" || rc=$?
[ $rc = 1 ] || fail "unknown id: exit $rc, expected 1"
grep -q "unknown schema id 99 (not in the registry: Schema Registry $url)" "$tmp/err" || fail "$(cat "$tmp/err")"

# 5. Basic auth is sent and checked: a wrong password is refused with a hint.
rc=0; "$SLUICE_BIN" avro encode --schema PageAnalytics --set "avro.schema_registry=$url" \
  --set avro.basic_auth=sluice:wrong < /dev/null 2> "$tmp/err" || rc=$?
[ $rc = 1 ] || fail "wrong password: exit $rc, expected 1"
grep -q "answered HTTP 401: Unauthorized (check avro.basic_auth)" "$tmp/err" || fail "$(cat "$tmp/err")"
[ "$(stat 'POST /subjects/io.sluice.clickstream.PageAnalytics/versions')" = 1 ] || fail "no request with the wrong password"

# 6. No registry listening: a clear message, no hang.
kill "$standin_pid"; wait "$standin_pid" 2>/dev/null || true; standin_pid=""
rc=0; "$SLUICE_BIN" avro decode "${reg[@]}" < "$tmp/events.hex" > /dev/null 2> "$tmp/err" || rc=$?
[ $rc = 1 ] || fail "registry down: exit $rc, expected 1"
grep -q "is the registry running?" "$tmp/err" || fail "$(cat "$tmp/err")"
echo "PASS: schema registry (register once, fetch once per id, evolution, unknown id, basic auth, registry down)"
