#!/bin/bash
# 50_diff: what `prodfuzz diff` costs against running `prodfuzz check`
# twice on the same inputs (release build). The target is
# tools/bench/check_target.c built with -DBENCH_OUTPUT (cJSON parse and
# serialize of service_orders documents, the text handed to the worker's
# reply), as a reused worker, old and new the same binary, so every input
# is run twice and both outputs are compared as JSON values. Reference:
# check's run loop on the same inputs with the same worker, twice.
# Ratio diff / (2 x check), of the run loops (the "seconds" of --json);
# about 1 means diff adds little beyond the second run. Five
# alternating rounds, medians.
set -u
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PF=${PF_BIN_RELEASE:-$ROOT/build/bin/prodfuzz}
N=${PF_BENCH_DIFF_INPUTS:-20000}
W=$(mktemp -d /tmp/pf-bench-diff.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$ROOT" || exit 3
. tools/bench/common.inc
if ! clang -O2 -DBENCH_OUTPUT -o "$W/worker" tools/bench/check_target.c \
        build/lib/libprodfuzz_runner.a -lcjson 2>"$W/cc.log"; then
    echo "skip: cannot build the bench target"; cat "$W/cc.log"; exit 0
fi
bench_docs "$N" "$W/docs.jsonl"

med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
secs() { python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])'; }

chk= dif=
for round in 1 2 3 4 5; do
    c=$("$PF" check "$W/worker" "$W/docs.jsonl" --mutants 0 --json --repro-dir "$W/r" 2>/dev/null | secs)
    d=$("$PF" diff --old "$W/worker" --new "$W/worker" "$W/docs.jsonl" --mutants 0 --json \
        --repro-dir "$W/r" 2>/dev/null | secs)
    chk="$chk $c"; dif="$dif $d"
done
c=$(med $chk); d=$(med $dif)
echo "in-process, $N documents with output: check ${c}s, diff (both builds, outputs compared) ${d}s"
echo "  ratio diff/(2 x check): $(awk -v a="$d" -v b="$c" 'BEGIN {printf "%.2f", a / (2 * b)}') (about 1: no cost beyond the second run)"
