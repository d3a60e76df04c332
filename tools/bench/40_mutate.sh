#!/bin/bash
# 40_mutate: the mutation engine's cost.
#  1. exec/s of the same libFuzzer harness (the example service, no bug
#     switched on, same seeds, dictionary and -max_len) without and with
#     the prodfuzz custom mutator, in pairs measured back to back in this
#     run (three seeds at -max_len 1 MiB, the default of the .options
#     files; one at 64 KiB). Target: the median ratio >= 0.5.
#     The same on the second target, harnesses/app_invoices.c (cJSON tree
#     built, validated and re-serialized on every input; bug-free build,
#     its seeds and, on the prodfuzz side, its shape profile).
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
    SEEDS=corpus/service_orders
    rate() { # BIN MAXLEN SEED -> exec/s
        rm -rf "$W/c"; mkdir "$W/c"; cp "$SEEDS"/* "$W/c/"
        "$1" -max_len="$2" -dict=fuzz/json.dict -max_total_time="$SECS" -seed="$3" \
            -artifact_prefix="$W/" "$W/c" >"$W/run.log" 2>&1
        grep -o 'Done [0-9]* runs in [0-9]* second' "$W/run.log" |
            awk '{printf "%.0f", $2 / $5}'
    }
    # one pair per seed, plain then prodfuzz back to back, so load changes
    # on the machine hit both sides of a pair alike; the median of the
    # pairs' ratios is the figure
    pairs() { # MAXLEN CLASSES SEEDS...
        local max=$1 cls=$2; shift 2
        local ratios= line=
        for seed in "$@"; do
            plain=$(rate "$PLAIN_BIN" "$max" "$seed")
            pf=$(PRODFUZZ_CLASSES=$cls rate "$PF_BIN" "$max" "$seed")
            if [ -z "$plain" ] || [ -z "$pf" ] || [ "$plain" -le 0 ]; then
                echo "$(basename "$SEEDS"), -max_len=$max, seed $seed: no figure"; continue
            fi
            r=$(awk -v a="$pf" -v b="$plain" 'BEGIN {printf "%.2f", a / b}')
            ratios="$ratios $r"
            line="$line${line:+; }seed $seed: plain $plain, prodfuzz $pf exec/s ($r)"
        done
        [ -n "$ratios" ] || return
        med=$(printf '%s\n' $ratios | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
        echo "$(basename "$SEEDS"), -max_len=$max, classes $cls, ${SECS}s runs: $line"
        echo "  median ratio prodfuzz/plain: $med (target >= 0.5)"
    }
    PLAIN_BIN=build/svc/service_orders PF_BIN=build/svc/service_orders_pf
    pairs 1048576 all 1 2 3
    pairs 65536 all 1
    # the size-growing classes are what costs: also shown without them
    pairs 1048576 null,missing,type,number,legacy,unicode,dupkey,truncate,format,empty 1
    # the second target, not tuned on
    CC="clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address"
    if $CC harnesses/app_invoices.c -lcjson -o "$W/app" &&
        $CC harnesses/app_invoices.c -lcjson \
            $(PKG_CONFIG_PATH=build/lib/pkgconfig pkg-config --libs prodfuzz-libfuzzer) \
            -o "$W/app_pf"; then
        SEEDS=corpus/app_invoices PLAIN_BIN=$W/app PF_BIN=$W/app_pf
        PRODFUZZ_SHAPE=$ROOT/corpus/app_invoices.shape.json pairs 1048576 all 1 2 3
    else
        echo "skip app_invoices: cannot build it"
    fi
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
