#!/bin/bash
# 40_mutate: the mutation engine's cost.
#  1. exec/s of the same libFuzzer harness (the example service, no bug
#     switched on, same seeds, dictionary and -max_len) without and with
#     the prodfuzz custom mutator, in pairs measured back to back in this
#     run (three seeds at -max_len 1 MiB, the default of the .options
#     files; one at 64 KiB). Target: the median ratio >= 0.5. Each side
#     is counted by the wall clock and per CPU second (user + sys of the
#     run): on a shared machine the second is the steadier figure.
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
    # exec/s by the wall clock and per CPU second (user + sys): on a shared
    # machine another process holding a core stretches the wall clock of
    # whichever side it overlaps, not its CPU time
    rate() { # BIN MAXLEN SEED -> "wall cpu" exec/s
        rm -rf "$W/c"; mkdir "$W/c"; cp "$SEEDS"/* "$W/c/"
        "$1" -max_len="$2" -dict=fuzz/json.dict -max_total_time="$SECS" -seed="$3" \
            -artifact_prefix="$W/" "$W/c" >"$W/run.log" 2>&1
        # this subshell's reaped children: the run (and the copy before it)
        # (times itself must not run in a pipeline's subshell, which has none)
        local cpu
        times >"$W/times"
        cpu=$(sed -n 2p "$W/times" | sed 's/[ms]/ /g' | awk '{print $1 * 60 + $2 + $3 * 60 + $4}')
        grep -o 'Done [0-9]* runs in [0-9]* second' "$W/run.log" |
            awk -v c="$cpu" '{printf "%.0f %.0f\n", $2 / $5, (c > 0 ? $2 / c : 0)}'
    }
    # one pair per seed, plain then prodfuzz back to back, so load changes
    # on the machine hit both sides of a pair alike; the median of the
    # pairs' ratios is the figure, by the wall clock and per CPU second
    pairs() { # MAXLEN CLASSES SEEDS...
        local max=$1 cls=$2; shift 2
        local ratios= cratios= line= p pw pc q qw qc
        for seed in "$@"; do
            p=$(rate "$PLAIN_BIN" "$max" "$seed"); read -r pw pc <<<"$p"
            q=$(PRODFUZZ_CLASSES=$cls rate "$PF_BIN" "$max" "$seed"); read -r qw qc <<<"$q"
            if [ -z "$pw" ] || [ -z "$qw" ] || [ "$pw" -le 0 ] || [ "${pc:-0}" -le 0 ]; then
                echo "$(basename "$SEEDS"), -max_len=$max, seed $seed: no figure"; continue
            fi
            r=$(awk -v a="$qw" -v b="$pw" 'BEGIN {printf "%.2f", a / b}')
            rc=$(awk -v a="$qc" -v b="$pc" 'BEGIN {printf "%.2f", a / b}')
            ratios="$ratios $r" cratios="$cratios $rc"
            line="$line${line:+; }seed $seed: plain $pw, prodfuzz $qw exec/s ($r; per CPU second $pc, $qc: $rc)"
        done
        [ -n "$ratios" ] || return
        med=$(printf '%s\n' $ratios | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
        cmed=$(printf '%s\n' $cratios | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
        echo "$(basename "$SEEDS"), -max_len=$max, classes $cls, ${SECS}s runs, load $(cut -d' ' -f1 /proc/loadavg): $line"
        echo "  median ratio prodfuzz/plain: $med by the wall clock, $cmed per CPU second (target >= 0.5)"
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
