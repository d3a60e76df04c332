#!/bin/bash
# nightly_coverage: `prodfuzz nightly --coverage BIN` measures source-based
# line coverage (a build with -fprofile-instr-generate -fcoverage-mapping,
# llvm-profdata, llvm-cov) of the production seeds alone and of the seeds
# plus the state corpus, and says how many lines only the mutants the
# nights kept reached.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
SVC=$ROOT/build/svc/service_orders_pf
if ! [ -x "$SVC" ] || ! command -v llvm-cov >/dev/null || ! command -v llvm-profdata >/dev/null; then
    t_skip nightly_coverage "build/svc/service_orders_pf (make service) or llvm-cov missing"; exit 0
fi
W=$(mktemp -d /tmp/pf-nightly-cov.XXXXXX)
trap 'rm -rf "$W"' EXIT
t_exit "the example service builds with source-based coverage" 0 \
    clang -O1 -g -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
    "$ROOT/harnesses/service_orders.c" -lcjson -o "$W/svc_cov"
"$P" nightly --target "$SVC" --coverage "$W/svc_cov" --corpus "$ROOT/corpus/service_orders" \
    --budget "${PF_NIGHT_SECONDS:-5}s" --state "$W/state" --out "$W/out" >"$W/out.txt" 2>"$W/err.txt"
t_eq "the night runs (no bug switched on: exit 0)" $? 0
line=$(grep -o 'line coverage .*' "$W/err.txt")
t_grep "it reports line coverage" 'line coverage [0-9.]+% \([0-9]+ of [0-9]+ lines\)' "$W/err.txt"
all=$(echo "$line" | sed -n 's/.*(\([0-9]*\) of \([0-9]*\) lines).*/\1/p')
seeds=$(echo "$line" | sed -n 's/.*seeds alone: \([0-9]*\)).*/\1/p')
if [ -n "$all" ] && [ -n "$seeds" ] && [ "$all" -gt "$seeds" ]; then
    t_pass "the mutants the night kept reach lines the seeds do not ($seeds -> $all)"
else
    t_fail "the mutants the night kept reach lines the seeds do not" "$line"
fi
"$P" nightly --target "$SVC" --coverage "$SVC" --corpus "$ROOT/corpus/service_orders" \
    --budget 2s --state "$W/state2" --out "$W/out2" >/dev/null 2>"$W/err2.txt"
t_grep "a build without coverage is named as such" "wrote no coverage profile" "$W/err2.txt"
t_done
