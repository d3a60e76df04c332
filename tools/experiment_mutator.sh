#!/bin/bash
# experiment_mutator.sh: time to find each deliberate bug of the example
# service (harnesses/service_orders.c), plain libFuzzer against libFuzzer
# with the prodfuzz mutator. Same seeds (corpus/service_orders), same
# dictionary (fuzz/json.dict), same -max_len, same time cap, same machine;
# the two sides of each run start together, so machine load hits both
# alike. One bug is switched on per run (PF_BUG=name).
#
#   tools/experiment_mutator.sh [--runs N] [--cap SECONDS] [--bugs "a b"]
#                               [--shape PROFILE] [--out FILE]
#
# --shape gives the prodfuzz side a shape profile (PRODFUZZ_SHAPE).
#
# Needs `make service` (build/svc/service_orders{,_pf}). Prints a Markdown
# table: per bug, the median time to the crash (a run that did not find it
# counts as the cap, and a median that is a miss is shown as ">cap") and
# how many runs found it. Takes about bugs x runs x cap seconds at most.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 3
RUNS=5 CAP=60 OUT= SHAPE= BUGS="oversize null deep legacy number unicode"
MAXLEN=1048576
while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --cap) CAP=$2; shift 2 ;;
    --bugs) BUGS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --shape) SHAPE=$(realpath "$2"); shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "experiment_mutator: unknown option $1" >&2; exit 2 ;;
    esac
done
PLAIN=build/svc/service_orders PF=build/svc/service_orders_pf
for b in "$PLAIN" "$PF"; do
    [ -x "$b" ] || { echo "experiment_mutator: $b missing: run 'make service'" >&2; exit 3; }
done
W=$(mktemp -d /tmp/pf-experiment.XXXXXX)
trap 'rm -rf "$W"' EXIT
# private copies: a rebuild during the experiment must not change them
cp "$PLAIN" "$W/service_orders" && cp "$PF" "$W/service_orders_pf" || exit 3
PLAIN=$W/service_orders PF=$W/service_orders_pf

# one_run SIDE BIN BUG SEED: prints "<seconds> <found 0|1>"
one_run() {
    local side=$1 bin=$2 bug=$3 seed=$4 d="$W/$1-$3-$4"
    mkdir -p "$d/corpus"
    cp corpus/service_orders/* "$d/corpus/"
    local t0 t1 st
    t0=$(date +%s.%N)
    local shape=
    [ "$side" = prodfuzz ] && shape=$SHAPE
    PRODFUZZ_SHAPE=$shape PF_BUG=$bug timeout $((CAP + 60)) "$bin" -max_len=$MAXLEN -dict=fuzz/json.dict \
        -max_total_time="$CAP" -seed="$seed" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$d/" -print_final_stats=0 "$d/corpus" >"$d/log" 2>&1
    st=$?
    t1=$(date +%s.%N)
    local found=0
    ls "$d"/crash-* >/dev/null 2>&1 && found=1
    echo "$(echo "$t1 - $t0" | bc) $found $st" >"$d/result"
    if [ $found = 1 ]; then
        grep -m1 -oE 'AddressSanitizer: [a-z-]+|deadly signal' "$d/log" >"$d/what" || true
    fi
}

median() { # values on stdin, one per line
    sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}

echo "# prodfuzz mutator experiment: $RUNS runs per side, cap ${CAP}s, -max_len=$MAXLEN, $(date -u +%FT%TZ)" >&2
rows=()
for bug in $BUGS; do
    for r in $(seq 1 "$RUNS"); do
        seed=$((r * 7919))
        one_run plain "$PLAIN" "$bug" "$seed" &
        one_run prodfuzz "$PF" "$bug" "$seed" &
        wait
        echo "  $bug run $r: plain $(cat "$W/plain-$bug-$seed/result") | prodfuzz $(cat "$W/prodfuzz-$bug-$seed/result") $(cat "$W/prodfuzz-$bug-$seed/what" 2>/dev/null)" >&2
    done
    row="| $bug |"
    for side in plain prodfuzz; do
        found=0 times=()
        for r in $(seq 1 "$RUNS"); do
            read -r t f _ <"$W/$side-$bug-$((r * 7919))/result"
            if [ "$f" = 1 ]; then found=$((found + 1)); times+=("$t"); else times+=("miss"); fi
        done
        med=$(printf '%s\n' "${times[@]}" | sed "s/^miss$/1e9/" | median)
        if awk -v m="$med" -v c="$CAP" 'BEGIN {exit !(m >= 1e9)}'; then
            med=">$CAP"
        else
            med=$(printf '%.1f' "$med")
        fi
        row="$row $med | $found/$RUNS |"
    done
    rows+=("$row")
done
{
    echo "| bug | plain libFuzzer median (s) | plain found | libFuzzer + prodfuzz median (s) | prodfuzz found |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Both sides: \`PF_BUG=<bug> <binary> -max_len=$MAXLEN -dict=fuzz/json.dict -max_total_time=$CAP -seed=<7919*run> -timeout=10 -rss_limit_mb=2048 <copy of corpus/service_orders>\`;"
    echo "plain binary build/svc/service_orders, prodfuzz binary build/svc/service_orders_pf (same source, linked with pkg-config prodfuzz-libfuzzer, default PRODFUZZ_* settings, shape profile: ${SHAPE:-none})."
    echo "Time is wall clock from start to exit on the crash; a run that missed counts as the cap."
} | tee ${OUT:+"$OUT"}
