#!/bin/bash
# run.sh: the whole test suite behind `make test`.
#
# Runs, in order: cmocka unit tests (build/asan/tests/), shell CLI tests
# (tests/cli/), integration tests against a throwaway PostgreSQL
# (tests/integration/, one server for the run, stopped on exit), and a
# libFuzzer smoke run of every harness (build/fuzz/). Everything runs on
# the ASan+UBSan+LSan build. Ends with exactly "N passed, N failed"
# (skips counted on the line before)
# and exits non-zero on any failure.
#
#   tests/run.sh [FILTER]   only tests whose file name contains FILTER
set -u
unset MAKEFLAGS MFLAGS MAKELEVEL
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 3
FILTER=${1:-}
export PF_ROOT="$ROOT"
export PF_BIN="$ROOT/build/asan/bin/prodfuzz"
export PF_DATA="${PF_DATA:-$ROOT/../shared/data}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0"
export NO_COLOR=1
LOG=$(mktemp -d /tmp/prodfuzz-test.XXXXXX)
pass=0 fail=0 skip=0
failed_names=()

count_tap() { # FILE NAME STATUS
    local f=$1 name=$2 st=$3 p f_ s
    p=$(grep -c '^ok - ' "$f"); f_=$(grep -c '^not ok - ' "$f"); s=$(grep -c '^skip - ' "$f")
    pass=$((pass + p)); fail=$((fail + f_)); skip=$((skip + s))
    grep '^not ok - ' "$f" | sed 's/^not ok - //' | while read -r l; do echo "$name: $l"; done >>"$LOG/failed"
    if [ "$st" -ne 0 ] && [ "$f_" -eq 0 ]; then
        fail=$((fail + 1)); echo "$name: exited $st" >>"$LOG/failed"
    fi
}

count_cmocka() { # FILE NAME STATUS
    local f=$1 name=$2 st=$3 p f_ s
    p=$(grep -c '^\[       OK \]' "$f")
    f_=$(grep '^\[  FAILED  \]' "$f" | grep -vc 'test(s)')
    s=$(grep -c '^\[  SKIPPED \]' "$f")
    pass=$((pass + p)); fail=$((fail + f_)); skip=$((skip + s))
    grep '^\[  FAILED  \]' "$f" | grep -v 'test(s)' | sed "s/^/$name: /" >>"$LOG/failed"
    if [ "$st" -ne 0 ] && [ "$f_" -eq 0 ]; then
        fail=$((fail + 1)); echo "$name: exited $st (crash or sanitizer report?)" >>"$LOG/failed"
    fi
}

section() { printf '\n== %s\n' "$1"; }
: >"$LOG/failed"

section "unit tests (cmocka, ASan+UBSan+LSan)"
for t in build/asan/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    [ -n "$FILTER" ] && [[ "$name" != *"$FILTER"* ]] && continue
    "$t" >"$LOG/$name.out" 2>&1; st=$?
    cat "$LOG/$name.out"
    count_cmocka "$LOG/$name.out" "$name" "$st"
done

section "CLI tests"
for t in tests/cli/*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    [ -n "$FILTER" ] && [[ "$name" != *"$FILTER"* ]] && continue
    bash "$t" >"$LOG/$name.out" 2>&1; st=$?
    cat "$LOG/$name.out"
    count_tap "$LOG/$name.out" "$name" "$st"
done

section "integration tests (throwaway PostgreSQL)"
ints=()
for t in tests/integration/*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    [ -n "$FILTER" ] && [[ "$name" != *"$FILTER"* ]] && continue
    ints+=("$t")
done
if [ ${#ints[@]} -gt 0 ]; then
    . tests/lib/pg.sh
    if pg_start; then
        for t in "${ints[@]}"; do
            name=$(basename "$t" .sh)
            bash "$t" >"$LOG/$name.out" 2>&1; st=$?
            cat "$LOG/$name.out"
            count_tap "$LOG/$name.out" "$name" "$st"
        done
        pg_stop
    else
        fail=$((fail + 1)); echo "integration: could not start PostgreSQL" >>"$LOG/failed"
    fi
fi

section "fuzz smoke (libFuzzer, a few seconds per harness)"
for h in build/fuzz/fuzz_*; do
    [ -x "$h" ] || continue
    name=$(basename "$h")
    [ -n "$FILTER" ] && [[ "$name" != *"$FILTER"* ]] && continue
    work=$(mktemp -d "$LOG/$name.XXXX")
    [ -d "corpus/$name" ] && cp -r "corpus/$name/." "$work/"
    opts=()
    [ -f "fuzz/$name.options" ] && mapfile -t opts < <(sed -n 's/^\([a-z_]*\) *= *\(.*\)$/-\1=\2/p' "fuzz/$name.options")
    dict=()
    [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
    "$h" "${opts[@]}" "${dict[@]}" -max_total_time="${PF_SMOKE_SECONDS:-5}" -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$work/" "$work" >"$LOG/$name.out" 2>&1; st=$?
    runs=$(grep -o 'Done [0-9]* runs' "$LOG/$name.out" | grep -o '[0-9]*')
    if [ "$st" -eq 0 ] && [ -n "$runs" ]; then
        echo "ok - $name: $runs runs without a finding"; pass=$((pass + 1))
    else
        echo "not ok - $name: exit $st"; tail -30 "$LOG/$name.out"
        fail=$((fail + 1)); echo "$name: fuzz smoke found a problem (exit $st)" >>"$LOG/failed"
    fi
done

if [ -s "$LOG/failed" ]; then
    section "failures"
    cat "$LOG/failed"
fi
rm -rf "$LOG"
echo
# the last line is exactly "N passed, N failed", the form runners know;
# skips are counted on the line before it
[ "$skip" -gt 0 ] && echo "$skip skipped (see the skip lines above)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
