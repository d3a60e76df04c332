#!/bin/bash
# 20_anonymize: `prodfuzz anonymize` throughput on twitter-shaped JSONL
# (nativejson twitter.json, one status per line, repeated to 100 MB) on the
# release build, against references measured in the same run: reading the
# file (cat > /dev/null) and parsing + printing it with python3's json.
# Prints MB/s and ratios; never fails on speed.
set -u
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PF_BIN_RELEASE:-$ROOT/build/bin/prodfuzz}
DATA=${PF_DATA:-$ROOT/../shared/data}
TW="$DATA/nativejson/twitter.json"
SIZE_MB=${PF_BENCH_MB:-100}
if [ ! -f "$TW" ]; then echo "skip: $TW is absent"; exit 0; fi
if [ ! -x "$BIN" ]; then echo "skip: $BIN is not built (make)"; exit 0; fi
W=$(mktemp -d /tmp/pf-bench-anon.XXXXXX)
trap 'rm -rf "$W"' EXIT
python3 - "$TW" "$W/in.jsonl" "$SIZE_MB" <<'PY'
import json, sys
lines = [json.dumps(s, ensure_ascii=False) for s in json.load(open(sys.argv[1]))["statuses"]]
block = ("\n".join(lines) + "\n").encode()
want = int(sys.argv[3]) * 1000 * 1000
with open(sys.argv[2], "wb") as f:
    n = 0
    while n < want:
        f.write(block); n += len(block)
PY
printf '0123456789abcdef0123456789abcdef\n' > "$W/key"; chmod 600 "$W/key"
BYTES=$(stat -c %s "$W/in.jsonl")
MB=$(python3 -c "print($BYTES/1e6)")
# CPU seconds (user + system) of a command: "per core" figures that other
# processes on a shared machine disturb less than wall-clock time does.
secs() { /usr/bin/time -f '%U %S' -o "$W/time" "$@" >/dev/null 2>&1; python3 -c "u,s=open('$W/time').read().split()[-2:]; print(max(float(u)+float(s),1e-3))"; }
mbps() { python3 -c "print('%.1f' % ($MB/$1))"; }
# the pf_json tokenizer alone (JSONL reader + validating parse, no output):
# the floor under anything that works on spans of the original text
cat > "$W/ref.c" <<'C'
#include <stdio.h>
#include "pf_json.h"
#include "pf_jsonl.h"
int main(int argc, char **argv)
{
    pf_jsonl r;
    pf_err e = PF_ERR_INIT;
    pf_json j = PF_JSON_INIT;
    const char *d;
    size_t n;
    if (argc < 2 || pf_jsonl_open(&r, argv[1], 0, &e) < 0)
        return 3;
    while (pf_jsonl_next(&r, &d, &n, &e) == 1)
        if (pf_json_parse(&j, d, n, &e) < 0)
            return 2;
    return 0;
}
C
REF=""
if clang -O2 -I"$ROOT/src" -o "$W/ref" "$W/ref.c" "$ROOT/build/lib/libprodfuzz.a" -lcjson -lpq -lcrypto -lm 2>/dev/null; then
    REF="$W/ref"
fi
cat "$W/in.jsonl" > /dev/null
T0=$(date +%s.%N); cat "$W/in.jsonl" >/dev/null; T1=$(date +%s.%N); T_CAT=$(python3 -c "print(max($T1-$T0,1e-6))")
T_PY=$(secs python3 -c 'import json,sys
w=sys.stdout.write
for l in open(sys.argv[1], encoding="utf-8"): w(json.dumps(json.loads(l), ensure_ascii=False)); w("\n")' "$W/in.jsonl")
T_REF=1
[ -n "$REF" ] && T_REF=$(secs "$REF" "$W/in.jsonl")
T_NV=$(secs "$BIN" anonymize --no-verify --key-file "$W/key" "$W/in.jsonl" -o "$W/out.jsonl")
T_V=$(secs "$BIN" anonymize --key-file "$W/key" "$W/in.jsonl" -o "$W/out.jsonl")
# a cold run: every status made unique (the id digits differ per copy), so
# the value cache helps only with values repeated inside the data itself
python3 - "$W/in.jsonl" "$W/uniq.jsonl" <<'PY'
import sys, re
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as o:
    for i, l in enumerate(f):
        o.write(re.sub(r'"text": "', '"text": "%07d ' % i, l, count=1))
PY
UB=$(stat -c %s "$W/uniq.jsonl")
T_U=$(secs "$BIN" anonymize --key-file "$W/key" "$W/uniq.jsonl" -o "$W/out2.jsonl")
echo "(MB/s per CPU second: user+system time of each command)"
echo "input: $MB MB of twitter statuses, one per line (nativejson twitter.json repeated)"
printf 'reference cat > /dev/null (wall time)     %8s MB/s\n' "$(mbps "$T_CAT")"
printf 'reference python3 json.loads+dumps        %8s MB/s\n' "$(mbps "$T_PY")"
[ -n "$REF" ] && printf 'reference pf_json tokenizer alone         %8s MB/s\n' "$(mbps "$T_REF")"
printf 'prodfuzz anonymize --no-verify            %8s MB/s\n' "$(mbps "$T_NV")"
printf 'prodfuzz anonymize (verify, default)      %8s MB/s\n' "$(mbps "$T_V")"
printf 'prodfuzz anonymize, unique tweet texts    %8s MB/s\n' "$(python3 -c "print('%.1f' % ($UB/1e6/$T_U))")"
python3 -c "
v=$MB/$T_V; nv=$MB/$T_NV
print('ratio anonymize/python3-json: %.2fx   anonymize/pf_json-tokenizer: %.2fx   anonymize/cat: %.3fx' % ($T_PY/$T_V, $T_REF/$T_V, $T_CAT/$T_V))
print('target 100 MB/s per core (single-threaded): %.0f%% (verify on), %.0f%% (verify off)' % (v, nv))"
"$BIN" anonymize --json --key-file "$W/key" "$W/in.jsonl" -o "$W/out.jsonl" 2>/dev/null |
  python3 -c 'import json,sys; o=json.load(sys.stdin); h=o["cache_hits"]; m=o["cache_misses"]; print("value cache: %d hits, %d misses (%.1f%% hits); %d HMAC calls for %d documents" % (h, m, 100.0*h/max(1,h+m), o["hmac_calls"], o["documents"]))'
