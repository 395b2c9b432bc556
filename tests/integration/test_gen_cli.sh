#!/usr/bin/env bash
# test_gen_cli.sh -- `sluice gen`: byte-identical output per seed, options, errors, exit codes.
set -euo pipefail
bin=${SLUICE_BIN:?SLUICE_BIN must point to the sluice binary}
work=$(mktemp -d "${SLUICE_BUILD_DIR:-/tmp}/test_gen_cli.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_exit CODE STDERR_SUBSTRING ARGS... : the command fails as told, printing nothing on stdout.
expect_exit() {
    local want=$1 msg=$2 rc=0
    shift 2
    "$bin" gen "$@" >"$work/out" 2>"$work/err" || rc=$?
    [[ $rc == "$want" ]] || fail "sluice gen $* exited $rc, expected $want"
    grep -qF -- "$msg" "$work/err" || fail "sluice gen $*: stderr lacks '$msg': $(cat "$work/err")"
    [[ ! -s $work/out ]] || fail "sluice gen $* wrote to stdout on error"
}

# One million events twice with the same seed: identical files, one event per line.
"$bin" gen --events 1000000 --seed 1 --out "$work/a.jsonl" 2>"$work/a.err"
"$bin" gen --events 1000000 --seed 1 >"$work/b.jsonl" 2>/dev/null
cmp "$work/a.jsonl" "$work/b.jsonl" || fail "same seed gave different output"
lines=$(wc -l <"$work/a.jsonl")
[[ $lines == 1000000 ]] || fail "expected 1000000 lines, got $lines"
if [[ -s $work/a.err ]]; then   # progress was shown, so a summary must close it
    tail -n1 "$work/a.err" | grep -q "sluice gen: done: 1,000,000 events" || fail "no final summary: $(cat "$work/a.err")"
fi
grep -q '"event_type":"PURCHASE"' "$work/a.jsonl" || fail "no PURCHASE events in a million"

# A short run is silent on stderr and starts with a well-formed event.
"$bin" gen --events 1000 --seed 2 >"$work/c.jsonl" 2>"$work/c.err"
[[ ! -s $work/c.err ]] || fail "a short run printed on stderr: $(cat "$work/c.err")"
head -n1 "$work/c.jsonl" | grep -Eq '^\{"event_id":"[0-9a-f-]{36}","user_id":"user-[0-9]+","session_id":"[^"]+","event_type":"(VIEW|SEARCH)","page":"/[^"]*","product_id":(null|"[^"]+"),"timestamp":[0-9]+,"ip":"[0-9.]+","user_agent":"[^"]+","referrer":(null|"https://[^"]+"),"session_duration":0\}$' \
    || fail "unexpected first line: $(head -n1 "$work/c.jsonl")"
"$bin" gen --events 1000 --seed 3 >"$work/d.jsonl"
! cmp -s "$work/c.jsonl" "$work/d.jsonl" || fail "different seeds gave the same output"
[[ $(head -n 1000 "$work/a.jsonl" | md5sum) == $("$bin" gen --events 1000 --seed 1 | md5sum) ]] \
    || fail "a shorter run is not a prefix of a longer one"

# Catalog options: exactly --pages distinct pages on a long enough run, users within --users.
"$bin" gen --events 50000 --users 40 --pages 12 --products 30 >"$work/e.jsonl"
pages=$(grep -o '"page":"[^"]*"' "$work/e.jsonl" | sort -u | wc -l)
[[ $pages == 12 ]] || fail "--pages 12 gave $pages distinct pages"
users=$(grep -o '"user_id":"[^"]*"' "$work/e.jsonl" | sort -u | wc -l)
(( users <= 40 && users > 30 )) || fail "--users 40 gave $users distinct users"
products=$(grep -o '"product_id":"[^"]*"' "$work/e.jsonl" | sort -u | wc -l)
(( products <= 30 && products > 0 )) || fail "--products 30 gave $products distinct products"
"$bin" gen --events 10 --start-ms 1700000000000 | grep -q '"timestamp":17000' || fail "--start-ms ignored"

# Out-of-order delivery: some events arrive after later-stamped ones, none by more than D.
"$bin" gen --events 100000 --out-of-order-ms 5000 --out-of-order-share=0.3 >"$work/f.jsonl"
grep -o '"timestamp":[0-9]*' "$work/f.jsonl" | cut -d: -f2 | awk '
    { if (NR > 1 && $1 < max) { late++; if (max - $1 > 5000) { print "too late by " max - $1; bad = 1 } }
      if ($1 > max) max = $1 }
    END { if (late < 1000) { print "only " late+0 " events out of order"; bad = 1 }; exit bad }' \
    || fail "out-of-order delivery is wrong"
"$bin" gen --events 100000 >"$work/g.jsonl"
cmp -s <(sort "$work/f.jsonl") <(sort "$work/g.jsonl") || fail "out-of-order run holds other events than the ordered one"

# --rate throttles in wall-clock time.
start=$(date +%s%N)
"$bin" gen --events 300 --rate 1000 >/dev/null
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
(( elapsed_ms >= 250 )) || fail "--rate 1000 wrote 300 events in ${elapsed_ms} ms"

# Help and errors.
"$bin" gen --help >"$work/help" || fail "--help did not exit 0"
grep -q "Usage: sluice gen" "$work/help" || fail "--help lacks usage"
grep -q -- "--out-of-order-ms" "$work/help" || fail "--help lacks --out-of-order-ms"
expect_exit 2 "unknown option '--bogus'" --bogus
expect_exit 2 "--events: 'ten' is not a whole number" --events ten
expect_exit 2 "--users: '-5' is not a whole number" --users -5
expect_exit 2 "--rate: 'fast' is not a non-negative number" --rate fast
expect_exit 2 "--seed needs a value" --seed
expect_exit 2 "generator.pages: 3 is out of range" --pages 3
expect_exit 2 "generator.search_share: 0.9 is out of range" --search-share 0.9
expect_exit 2 "cannot create output file '$work/no/such/dir/x.jsonl'" --out "$work/no/such/dir/x.jsonl"
echo "test_gen_cli: all checks passed"
