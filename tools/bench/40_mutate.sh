#!/bin/bash
# 40_mutate: the mutation engine's cost.
#  1. exec/s of the same libFuzzer harness (the example service, no bug
#     switched on, same seeds, dictionary and -max_len) without and with
#     the prodfuzz custom mutator, measured one after the other in this
#     run. Target: with >= 0.5 x without. Shown for -max_len 1 MiB (the
#     default of the .options files) and 64 KiB.
#  2. mutations/s of the engine alone on twitter-shaped documents (the
#     statuses of nativejson/twitter.json), against the bare tokenizer on
#     the same documents (every mutation starts with one parse).
set -u
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA=${PF_DATA:-$ROOT/../shared/data}
SECS=${PF_BENCH_SECONDS:-10}
W=$(mktemp -d /tmp/pf-bench-mutate.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$ROOT" || exit 3

if make -s service >"$W/make.log" 2>&1; then
    rate() { # BIN MAXLEN -> exec/s
        rm -rf "$W/c"; mkdir "$W/c"; cp corpus/service_orders/* "$W/c/"
        "$1" -max_len="$2" -dict=fuzz/json.dict -max_total_time="$SECS" -seed=1 \
            -artifact_prefix="$W/" "$W/c" >"$W/run.log" 2>&1
        grep -o 'Done [0-9]* runs in [0-9]* second' "$W/run.log" |
            awk '{printf "%.0f", $2 / $5}'
    }
    # the size-growing classes are what costs: also shown without them
    for cfg in "1048576 all" "65536 all" "1048576 null,missing,type,number,legacy,unicode,dupkey,truncate,format"; do
        set -- $cfg
        plain=$(rate build/svc/service_orders "$1")
        pf=$(PRODFUZZ_CLASSES=$2 rate build/svc/service_orders_pf "$1")
        if [ -n "$plain" ] && [ -n "$pf" ] && [ "$plain" -gt 0 ]; then
            echo "service_orders, -max_len=$1, classes $2, ${SECS}s each: plain libFuzzer $plain exec/s," \
                 "with prodfuzz mutator $pf exec/s, ratio $(awk -v a="$pf" -v b="$plain" 'BEGIN {printf "%.2f", a / b}') (target >= 0.5)"
        else
            echo "service_orders, -max_len=$1: no figure"
        fi
    done
else
    echo "skip exec/s: make service failed"; tail -5 "$W/make.log"
fi

TW="$DATA/nativejson/twitter.json"
if [ ! -f "$TW" ]; then
    echo "skip mutations/s: $TW absent"; exit 0
fi
if ! clang -std=c11 -D_GNU_SOURCE -O2 -Isrc -o "$W/speed" tools/bench/mutate_speed.c \
    build/lib/libprodfuzz.a -lcjson -lpq -lcrypto -lm 2>"$W/cc.err"; then
    echo "skip mutations/s: cannot build mutate_speed"; head -5 "$W/cc.err"; exit 0
fi
ref=$("$W/speed" --statuses --parse-only --seconds 3 "$TW")
echo "bare tokenizer, twitter statuses:       $ref"
for max in 1048576 65536; do
    out=$("$W/speed" --statuses --seconds 3 --max-size $max "$TW")
    echo "engine, twitter statuses, max $max: $out"
    echo "  mutations per parse: $(awk -v a="$(echo "$out" | grep -o '[0-9.]*/s' | head -1 | tr -d /s)" \
        -v b="$(echo "$ref" | grep -o '[0-9.]*/s' | head -1 | tr -d /s)" 'BEGIN {printf "%.2f", a / b}')"
done
