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
# per core: one anonymizing thread (--jobs 1), CPU seconds
T_NV=$(secs "$BIN" anonymize --jobs 1 --no-verify --key-file "$W/key" "$W/in.jsonl" -o "$W/out.jsonl")
T_V=$(secs "$BIN" anonymize --jobs 1 --key-file "$W/key" "$W/in.jsonl" -o "$W/out.jsonl")
# wall clock with the default threads (the online CPUs), leak check on
T0=$(date +%s.%N); "$BIN" anonymize --key-file "$W/key" "$W/in.jsonl" -o "$W/outj.jsonl" 2>/dev/null; T1=$(date +%s.%N)
T_J=$(python3 -c "print(max($T1-$T0,1e-6))")
SAME_J=$(cmp -s "$W/out.jsonl" "$W/outj.jsonl" && echo "byte-identical to --jobs 1" || echo "DIFFERS from --jobs 1")
# a cold run: every status made unique (the id digits differ per copy), so
# the value cache helps only with values repeated inside the data itself
python3 - "$W/in.jsonl" "$W/uniq.jsonl" <<'PY'
import sys, re
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as o:
    for i, l in enumerate(f):
        o.write(re.sub(r'"text": "', '"text": "%07d ' % i, l, count=1))
PY
UB=$(stat -c %s "$W/uniq.jsonl")
T_U=$(secs "$BIN" anonymize --jobs 1 --key-file "$W/key" "$W/uniq.jsonl" -o "$W/out2.jsonl")
# cold: every copy of the statuses anonymized beforehand under its own key,
# so values repeat only as much as inside one copy of the data (20 MB)
python3 -c 'import json,sys
for s in json.load(open(sys.argv[1]))["statuses"]: print(json.dumps(s, ensure_ascii=False))' "$TW" > "$W/one.jsonl"
: > "$W/cold.jsonl"
for i in $(seq 1 40); do
    printf 'cold copy key %020d\n' "$i" > "$W/k$i"; chmod 600 "$W/k$i"
    "$BIN" anonymize --no-verify --key-file "$W/k$i" "$W/one.jsonl" >> "$W/cold.jsonl" 2>/dev/null
done
CB=$(stat -c %s "$W/cold.jsonl")
T_C=$(secs "$BIN" anonymize --jobs 1 --key-file "$W/key" "$W/cold.jsonl" -o "$W/out3.jsonl")
echo "(MB/s per CPU second: user+system time of each command, anonymize with --jobs 1; the last line is wall clock on all threads)"
echo "input: $MB MB of twitter statuses, one per line (nativejson twitter.json repeated)"
printf 'reference cat > /dev/null (wall time)     %8s MB/s\n' "$(mbps "$T_CAT")"
printf 'reference python3 json.loads+dumps        %8s MB/s\n' "$(mbps "$T_PY")"
[ -n "$REF" ] && printf 'reference pf_json tokenizer alone         %8s MB/s\n' "$(mbps "$T_REF")"
printf 'prodfuzz anonymize --no-verify            %8s MB/s\n' "$(mbps "$T_NV")"
printf 'prodfuzz anonymize (verify, default)      %8s MB/s\n' "$(mbps "$T_V")"
printf 'prodfuzz anonymize, unique tweet texts    %8s MB/s\n' "$(python3 -c "print('%.1f' % ($UB/1e6/$T_U))")"
printf 'prodfuzz anonymize, cold (40 distinct copies) %5s MB/s\n' "$(python3 -c "print('%.1f' % ($CB/1e6/$T_C))")"
printf 'prodfuzz anonymize, default --jobs (%s threads), wall clock %5s MB/s (%s)\n' "$(nproc)" "$(mbps "$T_J")" "$SAME_J"
python3 -c "
v=$MB/$T_V; nv=$MB/$T_NV
print('ratio anonymize/python3-json: %.2fx   anonymize/pf_json-tokenizer: %.2fx   anonymize/cat: %.3fx' % ($T_PY/$T_V, $T_REF/$T_V, $T_CAT/$T_V))
print('target 100 MB/s per core (single-threaded): %.0f%% (verify on), %.0f%% (verify off)' % (v, nv))"
/usr/bin/time -f '%M' -o "$W/rss" "$BIN" anonymize --key-file "$W/key" "$W/in.jsonl" -o "$W/out.jsonl" 2>/dev/null
echo "peak RSS of prodfuzz anonymize: $(( $(tail -1 "$W/rss") / 1024 )) MiB"
"$BIN" anonymize --json --key-file "$W/key" "$W/in.jsonl" -o "$W/out.jsonl" 2>/dev/null |
  python3 -c 'import json,sys; o=json.load(sys.stdin); h=o["cache_hits"]; m=o["cache_misses"]; print("value cache: %d hits, %d misses (%.1f%% hits); %d HMAC and %d AES calls for %d documents" % (h, m, 100.0*h/max(1,h+m), o["hmac_calls"], o["aes_calls"], o["documents"]))'

# Why one reused HMAC context: HMAC-SHA-256 of a 16-byte value three ways.
cat > "$W/mac.c" <<'C'
#include <stdio.h>
#include <time.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(void)
{
    static const unsigned char key[32] = "0123456789abcdef0123456789abcdef", v[16] = "user-0012345678";
    unsigned char out[32];
    size_t ol;
    const int N = 200000;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0), OSSL_PARAM_construct_end()};
    double t0 = now();
    for (int i = 0; i < N; i++) { /* a fresh context per value */
        EVP_MAC_CTX *c = EVP_MAC_CTX_new(mac);
        EVP_MAC_init(c, key, sizeof key, p); EVP_MAC_update(c, v, sizeof v); EVP_MAC_final(c, out, &ol, 32);
        EVP_MAC_CTX_free(c);
    }
    double t1 = now();
    EVP_MAC_CTX *tpl = EVP_MAC_CTX_new(mac);
    EVP_MAC_init(tpl, key, sizeof key, p);
    for (int i = 0; i < N; i++) { /* duplicate a keyed template */
        EVP_MAC_CTX *c = EVP_MAC_CTX_dup(tpl);
        EVP_MAC_update(c, v, sizeof v); EVP_MAC_final(c, out, &ol, 32);
        EVP_MAC_CTX_free(c);
    }
    double t2 = now();
    for (int i = 0; i < N; i++) { /* prodfuzz: one context, re-initialised with a NULL key */
        EVP_MAC_init(tpl, NULL, 0, NULL); EVP_MAC_update(tpl, v, sizeof v); EVP_MAC_final(tpl, out, &ol, 32);
    }
    double t3 = now();
    printf("HMAC-SHA-256 per value: fresh context %.0f ns, dup of keyed template %.0f ns, reused context %.0f ns (%.1fx faster than fresh)\n",
           (t1 - t0) / N * 1e9, (t2 - t1) / N * 1e9, (t3 - t2) / N * 1e9, (t1 - t0) / (t3 - t2));
    return 0;
}
C
if clang -O2 -o "$W/mac" "$W/mac.c" -lcrypto 2>/dev/null; then "$W/mac"; fi
