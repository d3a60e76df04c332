#!/bin/bash
# experiment_mutator.sh: time to find each planted bug, plain libFuzzer
# with a dictionary against libFuzzer with the prodfuzz mutator, on two
# targets:
#   service_orders  the example service (harnesses/service_orders.c), one
#                   bug switched on per run with PF_BUG=name
#   app_invoices    the second target, not tuned on (harnesses/app_invoices.c:
#                   cJSON parse, validation, processing, re-serialization),
#                   one bug per build (-DBUG=N), seeds corpus/app_invoices,
#                   the prodfuzz side with corpus/app_invoices.shape.json
# Same seeds, dictionary (fuzz/json.dict), -max_len, time cap and machine;
# the two sides of each run start together so machine load hits both
# alike. Then the exec/s and the coverage reached by the bug-free builds,
# plain and prodfuzz, in pairs run back to back.
#
#   tools/experiment_mutator.sh [--target service_orders|app_invoices|both]
#       [--runs N] [--cap SECONDS] [--bugs "a b"] [--shape PROFILE]
#       [--rate-seconds S] [--out FILE]
#
# --shape gives the prodfuzz side of service_orders a shape profile
# (app_invoices always uses its own). Defaults: both targets, 5 runs,
# 60 s cap, 20 s per exec/s side. Needs clang, libFuzzer, cJSON and
# `make all` (build/lib/libprodfuzz_libfuzzer.a). Prints per target a
# Markdown table: per bug, the median time to the crash (a run that did
# not find it counts as the cap; ">cap" when the median run missed) and
# how many runs found it; the median over all runs of a side; the exec/s
# ratio and the coverage of the bug-free builds. Takes about targets x bugs x runs x cap seconds at most.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 3
RUNS=5 CAP=60 OUT= SHAPE= BUGS= TARGET=both RATE=20
MAXLEN=1048576
while [ $# -gt 0 ]; do
    case $1 in
    --target) TARGET=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --cap) CAP=$2; shift 2 ;;
    --bugs) BUGS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --shape) SHAPE=$(realpath "$2"); shift 2 ;;
    --rate-seconds) RATE=$2; shift 2 ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "experiment_mutator: unknown option $1" >&2; exit 2 ;;
    esac
done
case $TARGET in
service_orders|app_invoices) TARGETS=$TARGET ;;
both) TARGETS="service_orders app_invoices" ;;
*) echo "experiment_mutator: --target: service_orders, app_invoices or both" >&2; exit 2 ;;
esac
LIB=build/lib/libprodfuzz_libfuzzer.a
[ -f "$LIB" ] || { echo "experiment_mutator: $LIB missing: run 'make'" >&2; exit 3; }
PFLIBS=$(PKG_CONFIG_PATH=$ROOT/build/lib/pkgconfig pkg-config --libs prodfuzz-libfuzzer) || exit 3
W=$(mktemp -d /tmp/pf-experiment.XXXXXX)
trap 'rm -rf "$W"' EXIT
CC="clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address"

# Private builds: a rebuild during the experiment must not change them.
# build TARGET TAG CFLAGS: $W/bin/TARGET-TAG (plain) and TARGET-TAG-pf
build() {
    mkdir -p "$W/bin"
    $CC $3 "harnesses/$1.c" -lcjson -o "$W/bin/$1-$2" &&
        $CC $3 "harnesses/$1.c" -lcjson $PFLIBS -o "$W/bin/$1-$2-pf" ||
        { echo "experiment_mutator: cannot build $1 ($3)" >&2; exit 3; }
}

# bug names per target; app_invoices maps them to -DBUG=N
app_bug_no() {
    case $1 in ctrl) echo 1 ;; empty) echo 2 ;; len16) echo 3 ;; deep) echo 4 ;;
    note4k) echo 5 ;; city64) echo 6 ;; *) echo 0 ;; esac
}

# one_run TARGET SIDE BUG SEED: writes "<seconds> <found 0|1> <status>"
one_run() {
    local t=$1 side=$2 bug=$3 seed=$4 d="$W/$1-$2-$3-$4" bin env=() shape=
    mkdir -p "$d/corpus"
    cp "corpus/$t"/* "$d/corpus/"
    if [ "$t" = app_invoices ]; then
        bin=$W/bin/$t-$bug
        shape=$ROOT/corpus/app_invoices.shape.json
    else
        bin=$W/bin/$t-clean
        env=(PF_BUG="$bug")
        shape=$SHAPE
    fi
    [ "$side" = prodfuzz ] && bin=$bin-pf || shape=
    local t0 st found=0
    t0=$(date +%s.%N)
    # every line of libFuzzer's output stamped with the time it came out
    env "${env[@]}" PRODFUZZ_SHAPE="$shape" timeout $((CAP + 60)) "$bin" \
        -max_len=$MAXLEN -dict=fuzz/json.dict -max_total_time="$CAP" \
        -seed="$seed" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$d/" \
        -print_final_stats=0 "$d/corpus" 2>&1 |
        perl -MTime::HiRes=time -ne '$|=1; printf "%.4f %s", time, $_' >"$d/log"
    st=${PIPESTATUS[0]}
    ls "$d"/crash-* >/dev/null 2>&1 && found=1
    # the time from start to the crash report, and from the end of the
    # seeds' loading (libFuzzer's INITED line) to it
    awk -v t0="$t0" -v f=$found -v st=$st '
        /INITED/ && !i {i = $1}
        /==ERROR|deadly signal/ && !c {c = $1}
        END {if (!c) {c = $1}; if (!i) {i = t0};
             printf "%.3f %d %d %.3f\n", c - t0, f, st, c - i}' "$d/log" >"$d/result"
}

median() { # values on stdin, one per line
    sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}
show() { # a median in seconds, or >cap
    if awk -v m="$1" -v c="$CAP" 'BEGIN {exit !(m > c)}'; then echo ">$CAP"; else printf '%.2f' "$1"; fi
}

rate() { # BIN SHAPE TARGET SEED -> "exec/s cov ft" of a bug-free run
    local d="$W/rate" shape=$2
    rm -rf "$d"; mkdir -p "$d/c"; cp "corpus/$3"/* "$d/c/"
    PRODFUZZ_SHAPE=$shape "$1" -max_len=$MAXLEN -dict=fuzz/json.dict \
        -max_total_time="$RATE" -seed="$4" -artifact_prefix="$d/" "$d/c" >"$d/log" 2>&1
    # libFuzzer's last status line: edges covered (cov) and features (ft)
    awk '/Done [0-9]+ runs in [0-9]+ second/ {r = $2 / $5}
         /cov: [0-9]+ ft: [0-9]+/ {for (k = 1; k < NF; k++) {
             if ($k == "cov:") c = $(k + 1); if ($k == "ft:") f = $(k + 1)}}
         END {if (r) printf "%.0f %d %d", r, c, f}' "$d/log"
}

echo "# prodfuzz mutator experiment: $TARGETS; $RUNS runs per side, cap ${CAP}s, -max_len=$MAXLEN, $(date -u +%FT%TZ)" >&2
{
for t in $TARGETS; do
    if [ "$t" = app_invoices ]; then
        bugs=${BUGS:-"ctrl empty len16 deep note4k city64"}
        build "$t" clean "-DBUG=0"
        for b in $bugs; do build "$t" "$b" "-DBUG=$(app_bug_no "$b")"; done
        prof=$ROOT/corpus/app_invoices.shape.json
    else
        bugs=${BUGS:-"oversize null deep legacy number unicode"}
        build "$t" clean ""
        prof=$SHAPE
    fi
    rows=() all_plain=() all_pf=() slower=0
    for bug in $bugs; do
        for r in $(seq 1 "$RUNS"); do
            seed=$((r * 7919))
            one_run "$t" plain "$bug" "$seed" &
            one_run "$t" prodfuzz "$bug" "$seed" &
            wait
            echo "  $t $bug run $r: plain $(cat "$W/$t-plain-$bug-$seed/result") | prodfuzz $(cat "$W/$t-prodfuzz-$bug-$seed/result")" >&2
        done
        row="| $bug |"
        meds=()
        for side in plain prodfuzz; do
            found=0 times=() fuzz=()
            for r in $(seq 1 "$RUNS"); do
                read -r s f _ z <"$W/$t-$side-$bug-$((r * 7919))/result"
                if [ "$f" = 1 ]; then found=$((found + 1)); times+=("$s"); fuzz+=("$z")
                else times+=(1e9); fuzz+=(1e9); fi
            done
            [ $side = plain ] && all_plain+=("${fuzz[@]}") || all_pf+=("${fuzz[@]}")
            med=$(printf '%s\n' "${times[@]}" | median)
            fmed=$(printf '%s\n' "${fuzz[@]}" | median)
            meds+=("$fmed")
            row="$row $(show "$med") | $(show "$fmed") | $found/$RUNS |"
        done
        awk -v a="${meds[1]}" -v b="${meds[0]}" 'BEGIN {exit !(a > b)}' && slower=$((slower + 1))
        rows+=("$row")
    done
    # exec/s of the bug-free builds: three pairs, plain then prodfuzz
    ratios= line= covline=
    for seed in 1 2 3; do
        read -r p pc pf <<<"$(rate "$W/bin/$t-clean" "" "$t" "$seed")"
        read -r q qc qf <<<"$(rate "$W/bin/$t-clean-pf" "$prof" "$t" "$seed")"
        [ -n "$p" ] && [ -n "$q" ] && [ "$p" -gt 0 ] || continue
        r=$(awk -v a="$q" -v b="$p" 'BEGIN {printf "%.2f", a / b}')
        ratios="$ratios $r"
        line="$line${line:+; }seed $seed: $p / $q ($r)"
        covline="$covline${covline:+; }seed $seed: $pc / $qc edges, $pf / $qf features"
    done
    echo "## $t"
    echo
    echo "| bug | plain+dict: wall (s) | fuzzing (s) | found | prodfuzz: wall (s) | fuzzing (s) | found |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo "| **all runs** | | $(show "$(printf '%s\n' "${all_plain[@]}" | median)") | | | $(show "$(printf '%s\n' "${all_pf[@]}" | median)") | |"
    echo
    echo "Medians of $RUNS runs. Wall: from the start of the process to the crash report; fuzzing: from libFuzzer's INITED line (seeds loaded) to it. Bugs where the prodfuzz fuzzing median is slower than plain+dict's: $slower."
    if [ -n "$ratios" ]; then
        echo "exec/s, bug-free build, ${RATE}s per side, plain / prodfuzz: $line;" \
             "median ratio $(printf '%s\n' $ratios | median)."
        echo
        echo "Coverage at the end of the same runs (libFuzzer's cov: edges, ft: features), plain / prodfuzz: $covline."
    fi
    echo
done
echo "Both sides: \`<binary> -max_len=$MAXLEN -dict=fuzz/json.dict -max_total_time=$CAP -seed=<7919 x run> -timeout=10 -rss_limit_mb=2048 <fresh copy of corpus/TARGET>\`,"
echo "built with \`$CC\` (prodfuzz side linked with pkg-config prodfuzz-libfuzzer, default PRODFUZZ_* settings; profile: app_invoices corpus/app_invoices.shape.json, service_orders ${SHAPE:-none})."
echo "A run that missed counts as the cap."
} | tee ${OUT:+"$OUT"}
