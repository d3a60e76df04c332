#!/bin/bash
# 50_nightly: the supervision overhead of `prodfuzz nightly`: executions
# per second of a nightly run on the example service (no bug switched on,
# prodfuzz mutator, production limits) against plain libFuzzer running the
# same binary with the same mutator, flags and seeds, in pairs measured
# back to back in this run. Target: the median ratio >= 0.9.
set -u
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
P=${PF_BIN_RELEASE:-$ROOT/build/bin/prodfuzz}
SECS=${PF_BENCH_SECONDS:-10}
W=$(mktemp -d /tmp/pf-bench-nightly.XXXXXX)
trap "rm -rf \"$W\"" EXIT
cd "$ROOT" || exit 3
make -s service >"$W/make.log" 2>&1 || { echo "nightly: could not build the example service"; exit 0; }
SVC=build/svc/service_orders_pf
# the flags nightly gives libFuzzer for the default limits (docs/nightly.md)
FLAGS="-max_len=1048576 -timeout=2 -malloc_limit_mb=512 -rss_limit_mb=688 -reload=1"
export ASAN_OPTIONS="max_allocation_size_mb=512:quarantine_size_mb=16:malloc_context_size=20:detect_leaks=1:symbolize=1:allocator_may_return_null=0:handle_abort=1:detect_stack_use_after_return=0"
plain() {
    rm -rf "$W/c"; mkdir "$W/c"
    $SVC $FLAGS -max_total_time="$SECS" -artifact_prefix="$W/" "$W/c" corpus/service_orders >"$W/plain.log" 2>&1
    grep -o 'Done [0-9]* runs in [0-9]* second' "$W/plain.log" | awk '{printf "%.0f", $2 / $5}'
}
nightly() {
    rm -rf "$W/state" "$W/out"
    "$P" --quiet nightly --target $SVC --corpus corpus/service_orders --budget "${SECS}s" \
        --state "$W/state" --out "$W/out" --json 2>"$W/nightly.err" |
        python3 -c 'import json,sys; print("%.0f" % json.load(sys.stdin)["targets"][0]["execs_per_s"])'
}
ratios= line=
for i in 1 2 3; do
    a=$(plain); b=$(nightly)
    if [ -z "$a" ] || [ -z "$b" ] || [ "$a" -le 0 ]; then echo "pair $i: no figure"; continue; fi
    r=$(awk -v a="$b" -v b="$a" 'BEGIN {printf "%.2f", a / b}')
    ratios="$ratios $r"
    line="$line${line:+; }plain $a, nightly $b exec/s ($r)"
done
[ -n "$ratios" ] || exit 0
med=$(printf '%s\n' $ratios | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "service_orders_pf, ${SECS}s runs: $line"
echo "  median ratio nightly/plain libFuzzer: $med (target >= 0.9)"
