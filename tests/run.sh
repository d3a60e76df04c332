#!/bin/bash
# run.sh: the whole test suite behind `make test`.
#
# Runs, in order: cmocka unit tests, shell CLI tests (tests/cli/),
# integration tests against a throwaway PostgreSQL (tests/integration/, one
# server for the run, stopped on exit), and a libFuzzer smoke run of every
# harness. Everything runs on the ASan+UBSan+LSan build. Ends with exactly
# "N passed, N failed" (skips counted on the line before) and exits
# non-zero on any failure.
#
#   tests/run.sh [--tap] [FILTER]   only tests whose file name contains FILTER
#
# Binaries: only the unit-test and harness binaries the Makefile builds
# (`make test-list`) run; one missing or older than its sources (a stale
# build) is a failure by name, and a leftover binary of a deleted test is
# not run at all.
#
# Time limits (timeout(1), the test's whole process group): a test that
# runs over is killed and fails by name. Defaults per kind, in seconds:
#   PF_TIMEOUT_UNIT=300 PF_TIMEOUT_CLI=600 PF_TIMEOUT_INTEGRATION=900
#   PF_TIMEOUT_FUZZ=PF_SMOKE_SECONDS+120; PF_TEST_TIMEOUT overrides all.
#
# TAP: --tap or PF_TAP=1 prints TAP (numbered results, everything else as
# "#" comments, the plan at the end) for prove and CI systems:
#   prove -e 'bash' tests/run.sh   or   tests/run.sh --tap | tee out.tap
set -u
unset MAKEFLAGS MFLAGS MAKELEVEL
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 3
TAP=${PF_TAP:-0}
[ "$TAP" = 1 ] || TAP=0
FILTER=
for a in "$@"; do
    case "$a" in
    --tap) TAP=1 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: error: unknown option '$a' (try --help)" >&2; exit 2 ;;
    *) FILTER=$a ;;
    esac
done
export PF_ROOT="$ROOT"
export PF_BIN="$ROOT/build/asan/bin/prodfuzz"
export PF_DATA="${PF_DATA:-$ROOT/../shared/data}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0"
export NO_COLOR=1
SMOKE=${PF_SMOKE_SECONDS:-5}
limit() { # KIND: the time limit in seconds
    if [ -n "${PF_TEST_TIMEOUT:-}" ]; then echo "$PF_TEST_TIMEOUT"; return; fi
    case "$1" in
    unit) echo "${PF_TIMEOUT_UNIT:-300}" ;;
    cli) echo "${PF_TIMEOUT_CLI:-600}" ;;
    integration) echo "${PF_TIMEOUT_INTEGRATION:-900}" ;;
    fuzz) echo "${PF_TIMEOUT_FUZZ:-$((SMOKE + 120))}" ;;
    esac
}
LOG=$(mktemp -d /tmp/prodfuzz-test.XXXXXX)
trap 'rm -rf "$LOG"' EXIT
pass=0 fail=0 skip=0 n=0
: >"$LOG/failed"
: >"$LOG/times"

say() { # a line of the runner's own: a comment in TAP
    if [ "$TAP" = 1 ]; then printf '# %s\n' "$*"; else printf '%s\n' "$*"; fi
}
section() { echo; say "== $1"; }

# result ok|notok|skip NAME: count one result; printed in TAP mode (in the
# plain mode the test's own output already shows it) unless PRINT=1.
result() {
    local st=$1 name=$2
    case "$st" in
    ok) pass=$((pass + 1)) ;;
    notok) fail=$((fail + 1)); echo "$name" >>"$LOG/failed" ;;
    skip) skip=$((skip + 1)) ;;
    esac
    n=$((n + 1))
    if [ "$TAP" = 1 ]; then
        case "$st" in
        ok) echo "ok $n - $name" ;;
        notok) echo "not ok $n - $name" ;;
        skip) echo "ok $n - $name # SKIP" ;;
        esac
    elif [ "${PRINT:-0}" = 1 ]; then
        case "$st" in
        ok) echo "ok - $name" ;;
        notok) echo "not ok - $name" ;;
        skip) echo "skip - $name" ;;
        esac
    fi
}

# show FILE: a test's output, as comments in TAP mode
show() {
    if [ "$TAP" = 1 ]; then sed 's/^/# /' "$1"; else cat "$1"; fi
}

# run KIND NAME CMD...: CMD under its time limit, output in $LOG/NAME.out,
# status in $st, a timeout already counted as a failure ($timed_out=1)
run() {
    local kind=$1 name=$2 lim t0 t1; shift 2
    lim=$(limit "$kind")
    t0=$(date +%s%N)
    timeout -k 10 "$lim" "$@" </dev/null >"$LOG/$name.out" 2>&1; st=$?
    t1=$(date +%s%N)
    printf '%s %s %s\n' "$(( (t1 - t0) / 1000000 ))" "$name" "$kind" >>"$LOG/times"
    timed_out=0
    if [ "$st" -eq 124 ] || [ "$st" -eq 137 ]; then
        timed_out=1
        echo "$name: timed out after ${lim}s (time limit of a $kind test)" >>"$LOG/$name.out"
    fi
}

# results of a shell test printing "ok - x" / "not ok - x" / "skip - x"
count_tap() { # NAME
    local name=$1 f=$LOG/$1.out line got=0
    show "$f"
    while IFS= read -r line; do
        case "$line" in
        "ok - "*) result ok "$name: ${line#ok - }"; got=1 ;;
        "not ok - "*) result notok "$name: ${line#not ok - }"; got=1 ;;
        "skip - "*) result skip "$name: ${line#skip - }"; got=1 ;;
        esac
    done <"$f"
    finish "$name" "$got" "$(grep -c '^not ok - ' "$f")"
}

# results of a cmocka binary (each name once: cmocka lists failures twice)
count_cmocka() { # NAME
    local name=$1 f=$LOG/$1.out st_ tn got=0
    show "$f"
    while read -r st_ tn; do
        result "$st_" "$name: $tn"; got=1
    done < <(awk '
        /^\[       OK \] /      { k = "ok" }
        /^\[  FAILED  \] /      { k = "notok" }
        /^\[  SKIPPED \] /      { k = "skip" }
        /^\[  (FAILED|SKIPPED|PASSED)  ?\] [0-9]+ test\(s\)/ { next }
        k != "" { t = substr($0, 14); if (!seen[t]++) print k, t; k = "" }' "$f")
    finish "$name" "$got" "$(grep '^\[  FAILED  \]' "$f" | grep -vc 'test(s)')"
}

# finish NAME GOT NFAILED: the checks every test gets besides its own
finish() {
    local name=$1 got=$2 nf=$3
    if [ "$timed_out" = 1 ]; then
        PRINT=1 result notok "$name: timed out after $(limit "$kind")s"
    elif [ "$st" -ne 0 ] && [ "$nf" -eq 0 ]; then
        PRINT=1 result notok "$name: exited $st (crash or sanitizer report?)"
    elif [ "$got" = 0 ]; then
        PRINT=1 result notok "$name: reported no result"
    fi
}

match() { [ -z "$FILTER" ] || [[ "$1" == *"$FILTER"* ]]; }

[ "$TAP" = 1 ] && echo "TAP version 13"

# the binaries this build makes; older than their sources = stale
if ! make -s --no-print-directory test-list >"$LOG/list" 2>"$LOG/list.err"; then
    say "run.sh: error: cannot ask the Makefile for the test binaries:"
    show "$LOG/list.err"
    exit 3
fi
bins=()
while IFS= read -r b; do
    if [ "$b" = build/asan/bin/prodfuzz ]; then
        # used by the CLI and integration tests, checked when any of them runs
        ls tests/cli/*.sh tests/integration/*.sh 2>/dev/null | sed 's|.*/||; s|\.sh$||' |
            while read -r t; do match "$t" && echo y; done | grep -q y && bins+=("$b")
        continue
    fi
    match "$(basename "$b")" && bins+=("$b")
done <"$LOG/list"
stale=" "
if [ ${#bins[@]} -gt 0 ] && ! make -q PF_DEPS_CHECKED=1 "${bins[@]}" >/dev/null 2>&1; then
    for b in "${bins[@]}"; do
        make -q PF_DEPS_CHECKED=1 "$b" >/dev/null 2>&1 || stale="$stale$b "
    done
fi
# ok BIN: runnable, or counted as a failure (missing or stale)
usable() {
    local b=$1 name
    name=$(basename "$b")
    if [ ! -x "$b" ]; then
        PRINT=1 result notok "$name: not built (run make asan fuzz, or make test)"; return 1
    fi
    if [[ "$stale" == *" $b "* ]]; then
        PRINT=1 result notok "$name: stale binary, older than its sources (run make asan fuzz, or make test)"; return 1
    fi
}

section "unit tests (cmocka, ASan+UBSan+LSan)"
kind=unit
for t in "${bins[@]}"; do
    [[ "$t" == */asan/tests/* ]] || continue
    usable "$t" || continue
    name=$(basename "$t")
    run unit "$name" "$t"
    count_cmocka "$name"
done

section "CLI tests"
kind=cli
# the command they run (PF_BIN): missing or stale is a failure by name
for b in "${bins[@]}"; do
    [ "$b" = build/asan/bin/prodfuzz ] || continue
    usable "$b" || say "(the CLI and integration tests below run that binary)"
done
for t in tests/cli/*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    match "$name" || continue
    run cli "$name" bash "$t"
    count_tap "$name"
done

section "integration tests (throwaway PostgreSQL)"
kind=integration
ints=()
for t in tests/integration/*.sh; do
    [ -f "$t" ] || continue
    match "$(basename "$t" .sh)" && ints+=("$t")
done
if [ ${#ints[@]} -gt 0 ]; then
    . tests/lib/pg.sh
    if pg_start >"$LOG/pg.out" 2>&1; then
        for t in "${ints[@]}"; do
            name=$(basename "$t" .sh)
            run integration "$name" bash "$t"
            count_tap "$name"
        done
        pg_stop
    else
        show "$LOG/pg.out"
        PRINT=1 result notok "integration: could not start PostgreSQL"
    fi
fi

section "fuzz smoke (libFuzzer, a few seconds per harness)"
kind=fuzz
for h in "${bins[@]}"; do
    [[ "$h" == */fuzz/fuzz_* ]] || continue
    usable "$h" || continue
    name=$(basename "$h")
    work=$(mktemp -d "$LOG/$name.XXXX")
    [ -d "corpus/$name" ] && cp -r "corpus/$name/." "$work/"
    opts=()
    [ -f "fuzz/$name.options" ] && mapfile -t opts < <(sed -n 's/^\([a-z_]*\) *= *\(.*\)$/-\1=\2/p' "fuzz/$name.options")
    dict=()
    [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
    # a harness's shape profile ships beside it (fuzz/NAME.shape.json)
    shape=
    [ -f "fuzz/$name.shape.json" ] && shape="$ROOT/fuzz/$name.shape.json"
    run fuzz "$name" env PRODFUZZ_SHAPE="$shape" "$h" "${opts[@]}" "${dict[@]}" -max_total_time="$SMOKE" -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$work/" "$work"
    runs=$(grep -o 'Done [0-9]* runs' "$LOG/$name.out" | grep -o '[0-9]*')
    if [ "$timed_out" = 1 ]; then
        tail -30 "$LOG/$name.out" | { [ "$TAP" = 1 ] && sed 's/^/# /' || cat; }
        PRINT=1 result notok "$name: timed out after $(limit fuzz)s"
    elif [ "$st" -eq 0 ] && [ -n "$runs" ]; then
        PRINT=1 result ok "$name: $runs runs without a finding"
    else
        tail -30 "$LOG/$name.out" | { [ "$TAP" = 1 ] && sed 's/^/# /' || cat; }
        PRINT=1 result notok "$name: fuzz smoke found a problem (exit $st)"
    fi
done

section "time"
say "$(awk '{ t[$3] += $1; a += $1 } END { printf "%.0fs in tests:", a / 1000;
    for (k in t) printf " %s %.0fs", k, t[k] / 1000 }' "$LOG/times")"
sort -rn "$LOG/times" | head -5 | while read -r ms nm _; do
    say "$(printf '%6.1fs  %s' "$(echo "$ms" | awk '{print $1/1000}')" "$nm")"
done
if [ -s "$LOG/failed" ]; then
    section "failures"
    while IFS= read -r l; do say "$l"; done <"$LOG/failed"
fi
echo
[ "$TAP" = 1 ] && echo "1..$n"
# the last line is exactly "N passed, N failed", the form runners know;
# skips are counted on the line before it
[ "$skip" -gt 0 ] && say "$skip skipped (see the skip lines above)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
