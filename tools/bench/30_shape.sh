#!/bin/bash
# 30_shape: profiling throughput of `prodfuzz shape` on twitter-shaped JSONL
# (the statuses of nativejson/twitter.json, one per line, repeated), against
# references measured in the same run on the same file: `cat` to /dev/null
# and the bare tokenizer (pf_jsonl + pf_json_parse per line, no profile).
# Then peak RSS for 20 MB vs 200 MB of input, which should not grow with
# the input (bounded sketches). Target: at least 50 MB/s on one core.
set -u
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
P=${PF_BIN_RELEASE:-$ROOT/build/bin/prodfuzz}
DATA=${PF_DATA:-$ROOT/../shared/data}
TW="$DATA/nativejson/twitter.json"
if [ ! -x "$P" ] || [ ! -f "$TW" ] || ! command -v python3 >/dev/null; then
    echo "skip: needs $P (make), $TW and python3"; exit 0
fi
W=$(mktemp -d /tmp/pf-bench-shape.XXXXXX)
trap 'rm -rf "$W"' EXIT

python3 -c 'import json,sys; [print(json.dumps(s, ensure_ascii=False, separators=(",", ":"))) for s in json.load(open(sys.argv[1]))["statuses"]]' "$TW" >"$W/one.jsonl"
make_file() { # OUT MB
    : >"$1"
    while [ "$(stat -c %s "$1")" -lt $(($2 * 1000000)) ]; do cat "$W/one.jsonl" >>"$1"; done
}
make_file "$W/s.jsonl" 20
make_file "$W/s10.jsonl" 20
for i in 2 3 4 5 6 7 8 9 10; do cat "$W/s.jsonl" >>"$W/s10.jsonl"; done

# the bare tokenizer, linked with the same library
cat >"$W/tok.c" <<'C'
#include <stdio.h>
#include "pf_json.h"
#include "pf_jsonl.h"
int main(int argc, char **argv)
{
    pf_jsonl r; pf_err e = PF_ERR_INIT; pf_json j = PF_JSON_INIT;
    if (argc < 2 || pf_jsonl_open(&r, argv[1], 0, &e) < 0) return 2;
    const char *d; size_t n; long ok = 0; int rc;
    while ((rc = pf_jsonl_next(&r, &d, &n, &e)) != 0)
        if (rc > 0 && pf_json_parse(&j, d, n, &e) == 0) ok++;
    printf("%ld\n", ok);
    pf_json_free(&j); pf_jsonl_close(&r);
    return 0;
}
C
TOK=""
if clang -O2 -I"$ROOT/src" -o "$W/tok" "$W/tok.c" "$ROOT/build/lib/libprodfuzz.a" -lcjson -lpq -lcrypto -lm 2>"$W/cc.err"; then
    TOK="$W/tok"
fi

secs() { # CMD... -> best of 3 wall seconds
    local best="" t
    for _ in 1 2 3; do
        t=$(python3 -c 'import time,subprocess,sys; s=time.monotonic(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print("%.4f" % (time.monotonic()-s))' "$@")
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; fi
    done
    echo "$best"
}
mbps() { python3 -c "print('%.1f' % ($1 / 1e6 / max($2, 1e-6)))"; }

size=$(stat -c %s "$W/s10.jsonl")
cat_s=$(secs cat "$W/s10.jsonl")
shape_s=$(secs "$P" shape --raw-ok --quiet "$W/s10.jsonl" -o "$W/p.json")
echo "input: $(python3 -c "print('%.0f' % ($size/1e6))") MB twitter-shaped JSONL ($(wc -l <"$W/s10.jsonl") documents)"
echo "cat > /dev/null:        $(mbps "$size" "$cat_s") MB/s"
if [ -n "$TOK" ]; then
    tok_s=$(secs "$TOK" "$W/s10.jsonl")
    echo "bare tokenizer:         $(mbps "$size" "$tok_s") MB/s"
fi
shape_mb=$(mbps "$size" "$shape_s")
echo "prodfuzz shape:         $shape_mb MB/s (target >= 50 MB/s on one core)"
[ -n "$TOK" ] && echo "shape / tokenizer:      $(python3 -c "print('%.2f' % ($tok_s / $shape_s))")"

if [ -x /usr/bin/time ]; then
    r20=$(/usr/bin/time -f %M "$P" shape --raw-ok --quiet "$W/s.jsonl" -o "$W/p20.json" 2>&1 >/dev/null | tail -1)
    r200=$(/usr/bin/time -f %M "$P" shape --raw-ok --quiet "$W/s10.jsonl" -o "$W/p200.json" 2>&1 >/dev/null | tail -1)
    echo "peak RSS, 20 MB input:  $r20 KB"
    echo "peak RSS, 200 MB input: $r200 KB (ratio $(python3 -c "print('%.2f' % ($r200 / $r20))"); independent of input size when ~1)"
else
    echo "peak RSS: /usr/bin/time not installed, skipped"
fi
