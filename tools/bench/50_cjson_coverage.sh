#!/bin/bash
# 50_cjson_coverage: coverage of cJSON reached in the same time by plain
# libFuzzer and by libFuzzer with the prodfuzz mutator, on the instrumented
# cJSON_ParseWithLength harness (harnesses/third_party/fuzz_cjson_parse_length.c,
# Debian's cJSON 1.7.15 built from its source package).
#
#   plain     libFuzzer's own mutations, AFL++'s json.dict (Debian package
#             afl++-doc), -max_len=1048576
#   prodfuzz  the same harness linked with the prodfuzz mutator, the
#             harness's shape profile (PRODFUZZ_SHAPE) and dictionary, as
#             shipped in fuzz/, -max_len=1048576
#
# Both start from corpus/fuzz_cjson_parse_length and run PF_BENCH_SECONDS
# (default 15) each, PF_BENCH_RUNS times (default 3, seeds 1..N), alternating
# so machine load hits both alike. Every resulting corpus is replayed on one
# build for each measure, so the figures compare:
#   edges     libFuzzer's "cov:" on replay with a build without the mutator
#             (SanitizerCoverage edges of harness + cJSON)
#   lines, branches   clang source-based coverage of cJSON.c (llvm-cov) on a
#             build of cJSON from the same source with -fprofile-instr-generate
# Medians per configuration, the ratio prodfuzz/plain, and the cJSON
# functions whose lines only one side reached (union over the runs).
set -u
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SECS=${PF_BENCH_SECONDS:-15}
RUNS=${PF_BENCH_RUNS:-3}
DICT=${PF_AFL_JSON_DICT:-/usr/share/doc/afl++-doc/afl/dictionaries/json.dict}
H=fuzz_cjson_parse_length
W=$(mktemp -d /tmp/pf-bench-cjcov.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$ROOT" || exit 3

if ! tools/third_party.sh cjson fuzz >"$W/tp.log" 2>&1 || ! tools/third_party.sh cjson cov >>"$W/tp.log" 2>&1; then
    echo "skipped: no instrumented cJSON (tools/third_party.sh needs Debian's source packages)"
    exit 0
fi
if ! [ -f "$DICT" ]; then
    echo "skipped: AFL++'s json.dict is missing ($DICT; Debian package afl++-doc)"
    exit 0
fi
make -s build/fuzz/$H >"$W/make.log" 2>&1 || { cat "$W/make.log"; exit 3; }
TPF=build/third_party/fuzz TPC=build/third_party/cov
CF="-O1 -g -fno-omit-frame-pointer -I$TPF/include"
# plain: the same harness and cJSON, no mutator; also the edge-replay build
clang $CF -fsanitize=fuzzer,address,undefined harnesses/third_party/$H.c \
    $TPF/lib/libcjson.a -o "$W/plain" || exit 3
# the line/branch replay build: cJSON with source-based coverage
clang -O1 -g -I$TPC/include -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
    harnesses/third_party/$H.c $TPC/lib/libcjson.a -o "$W/cov" || exit 3
CJSON_C=$(ls -d build/third_party/src/cjson/cjson-*/ | head -1)cJSON.c

fuzz() { # CONFIG SEED
    local c=$W/corpus-$1-$2
    rm -rf "$c" && mkdir -p "$c" && cp corpus/$H/* "$c/"
    if [ "$1" = plain ]; then
        "$W/plain" -dict="$DICT" -max_len=1048576 -seed="$2" -max_total_time="$SECS" \
            -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$W/art-" "$c" >"$W/log-$1-$2" 2>&1
    else
        PRODFUZZ_SHAPE=fuzz/$H.shape.json build/fuzz/$H -dict=fuzz/$H.dict -max_len=1048576 \
            -seed="$2" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$W/art-" "$c" >"$W/log-$1-$2" 2>&1
    fi
}

measure() { # CONFIG SEED -> "edges lines branches"
    local c=$W/corpus-$1-$2 e
    e=$("$W/plain" -runs=0 -max_len=1048576 "$c" 2>&1 | grep -o 'INITED cov: [0-9]*' | grep -o '[0-9]*$')
    LLVM_PROFILE_FILE="$W/p-$1-$2.profraw" "$W/cov" -runs=0 -max_len=1048576 "$c" >/dev/null 2>&1
    llvm-profdata merge -sparse "$W/p-$1-$2.profraw" -o "$W/p-$1-$2.profdata" 2>/dev/null
    llvm-cov export -format=lcov -instr-profile="$W/p-$1-$2.profdata" "$W/cov" "$CJSON_C" \
        >"$W/lcov-$1-$2" 2>/dev/null
    awk -F'[:,]' -v e="${e:-0}" '/^DA:/ { if ($3 > 0) l++ } /^BRDA:/ { if ($5 != "-" && $5 > 0) b++ }
        END { printf "%d %d %d\n", e, l, b }' "$W/lcov-$1-$2"
}

median() { sort -n | awk '{a[NR] = $1} END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "cJSON_ParseWithLength (Debian cJSON $(cat $TPF/.cjson 2>/dev/null)), $RUNS runs of ${SECS}s each per configuration"
for s in $(seq 1 "$RUNS"); do
    for cfg in plain prodfuzz; do
        fuzz "$cfg" "$s"
        m=$(measure "$cfg" "$s")
        echo "$cfg $m" >>"$W/figures"
        n=$(ls "$W/corpus-$cfg-$s" | wc -l)
        printf '  run %d %-8s edges %5s  cJSON.c lines %4s  branches %4s  (corpus %d files)\n' \
            "$s" "$cfg" $m "$n"
    done
done
printf '%-9s %10s %14s %17s\n' "median" "edges" "cJSON.c lines" "cJSON.c branches"
for cfg in plain prodfuzz; do
    for k in 2 3 4; do
        awk -v c="$cfg" -v k="$k" '$1 == c { print $k }' "$W/figures" | median >"$W/med-$cfg-$k"
    done
    printf '%-9s %10s %14s %17s\n' "$cfg" "$(cat "$W/med-$cfg-2")" "$(cat "$W/med-$cfg-3")" "$(cat "$W/med-$cfg-4")"
done
for k in 2 3 4; do
    p=$(cat "$W/med-plain-$k") q=$(cat "$W/med-prodfuzz-$k")
    r=$(awk -v p="$p" -v q="$q" 'BEGIN { if (p > 0) printf "%.2f", q / p; else print "n/a" }')
    case $k in 2) what=edges ;; 3) what=lines ;; 4) what=branches ;; esac
    echo "ratio prodfuzz/plain, $what: $r"
done

# which cJSON functions each side reached lines in that the other never did
lines_of() { # CONFIG -> "func line" per covered line, union over runs
    # function start lines and covered lines, merged in line order: each
    # covered line belongs to the last function that started before it
    # (static functions are named "cJSON.c:parse_string": keep the last part)
    cat "$W"/lcov-"$1"-* | awk -F'[:,]' '/^FN:/ { print $2, 0, $NF } /^DA:/ && $3 > 0 { print $2, 1, "-" }' |
        sort -k1,1n -k2,2n -u | awk '$2 == 0 { fn = $3; next } { print fn, $1 }' | sort -u
}
lines_of plain >"$W/L-plain"
lines_of prodfuzz >"$W/L-prodfuzz"
only() { comm -23 "$W/L-$1" "$W/L-$2" | sort -k2,2n |
    awk '{ l[$1] = l[$1] (l[$1] == "" ? "" : ",") $2 } END { for (f in l) printf "%s:%s ", f, l[f] }'; }
echo "cJSON.c lines only prodfuzz reached (function:lines): $(only prodfuzz plain)"
echo "cJSON.c lines only plain reached (function:lines): $(only plain prodfuzz)"
exit 0
