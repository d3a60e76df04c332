#!/bin/bash
# afl_mutator: build/lib/prodfuzz_afl.so works as AFL_CUSTOM_MUTATOR_LIBRARY
# in a real afl-fuzz run on the example service (no bug switched on): the
# queue grows, its file names carry afl_custom_describe's "class@path",
# nothing crashes, and a bad PRODFUZZ_CLASSES stops afl-fuzz with the
# prodfuzz error instead of fuzzing without the mutator.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SO="$ROOT/build/lib/prodfuzz_afl.so"
if ! command -v afl-fuzz >/dev/null || ! command -v afl-clang-fast >/dev/null; then
    t_skip afl_mutator "afl-fuzz or afl-clang-fast not installed"; exit 0
fi
[ -f "$SO" ] || { t_skip afl_mutator "build/lib/prodfuzz_afl.so not built (make)"; exit 0; }
W=$(mktemp -d /tmp/pf-aflmut.XXXXXX)
trap 'rm -rf "$W"' EXIT
# afl-fuzz must not inherit the test runner's sanitizer settings
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
t_exit "the example service builds with afl-clang-fast" 0 \
    env AFL_QUIET=1 afl-clang-fast -O1 -fsanitize=fuzzer \
    "$ROOT/harnesses/service_orders.c" -lcjson -o "$W/svc"
mkdir -p "$W/in"
cp "$ROOT"/corpus/service_orders/* "$W/in/"
nseeds=$(ls "$W/in" | wc -l)
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
       AFL_NO_AFFINITY=1 AFL_SKIP_BIN_CHECK=1
AFL_CUSTOM_MUTATOR_LIBRARY="$SO" timeout 120 afl-fuzz -V "${PF_AFL_SECONDS:-8}" \
    -i "$W/in" -o "$W/out" -- "$W/svc" >"$W/log" 2>&1
st=$?
t_eq "afl-fuzz with the prodfuzz mutator runs to its time limit" "$st" 0
[ "$st" -eq 0 ] || tail -20 "$W/log"
q="$W/out/default/queue"
n=$(ls "$q" 2>/dev/null | wc -l)
if [ "$n" -gt "$nseeds" ]; then t_pass "the queue grew ($nseeds seeds, $n entries)"
else t_fail "the queue grew" "$n entries for $nseeds seeds"; fi
named=$(ls "$q" | grep -cE ',(null|missing|type|oversize|number|deep|legacy|unicode|dupkey|truncate|format|crossover)@[A-Za-z0-9._-]+')
if [ "$named" -gt 0 ]; then t_pass "queue names carry class@path from afl_custom_describe ($named)"
else t_fail "queue names carry class@path from afl_custom_describe" "$(ls "$q" | head -5)"; fi
t_eq "no crash in the service without a deliberate bug" \
    "$(ls "$W/out/default/crashes" 2>/dev/null | grep -vc README)" 0

PRODFUZZ_CLASSES=bogus AFL_CUSTOM_MUTATOR_LIBRARY="$SO" timeout 60 afl-fuzz -V 2 \
    -i "$W/in" -o "$W/out2" -- "$W/svc" >"$W/bad" 2>&1
st=$?
t_eq "a bad PRODFUZZ_CLASSES stops afl-fuzz with exit 2" "$st" 2
t_grep "and says why" "prodfuzz: error: PRODFUZZ_CLASSES: unknown mutation class 'bogus'" "$W/bad"
t_done
