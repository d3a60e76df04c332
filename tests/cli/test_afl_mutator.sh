#!/bin/bash
# afl_mutator: build/lib/prodfuzz_afl.so works as AFL_CUSTOM_MUTATOR_LIBRARY
# in a real afl-fuzz run on the example service (no bug switched on): the
# queue grows, its file names carry afl_custom_describe's "class@path",
# nothing crashes, and a bad PRODFUZZ_CLASSES stops afl-fuzz with the
# prodfuzz error instead of fuzzing without the mutator. Then `oversize`
# under AFL++ as under libFuzzer: on the second target built the way the
# docs say (AFL_USE_ASAN=1, persistent mode, no AFL_SKIP_BIN_CHECK), the
# strcpy of billing.city into a 64-byte buffer (app_invoices BUG=6) is
# found within seconds, and the crash file names oversize@billing.city.
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
# no AFL_SKIP_BIN_CHECK: it also skips the detection of persistent mode,
# and every execution then forks (20 times slower with ASan)
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
       AFL_NO_AFFINITY=1
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

t_exit "app_invoices BUG=6 builds with afl-clang-fast and ASan" 0 \
    env AFL_QUIET=1 AFL_USE_ASAN=1 afl-clang-fast -O1 -fsanitize=fuzzer -DBUG=6 \
    "$ROOT/harnesses/app_invoices.c" -lcjson -o "$W/app6"
PRODFUZZ_SHAPE="$ROOT/corpus/app_invoices.shape.json" AFL_CUSTOM_MUTATOR_LIBRARY="$SO" \
    AFL_BENCH_UNTIL_CRASH=1 timeout 120 afl-fuzz -V 30 -i "$ROOT/corpus/app_invoices" \
    -o "$W/out3" -- "$W/app6" >"$W/log3" 2>&1
t_grep "afl-fuzz runs the target in persistent mode" 'ersistent mode binary detected' "$W/log3"
c=$(ls "$W/out3/default/crashes" 2>/dev/null | grep -v README | head -1)
if [ -n "$c" ]; then t_pass "AFL++ with the plug-in finds the long billing.city within 30 s ($c)"
else t_fail "AFL++ with the plug-in finds the long billing.city within 30 s" "$(tail -5 "$W/log3")"; fi
t_eq "the first crash was made by oversize on billing.city" \
    "$(ls "$W/out3/default/crashes" 2>/dev/null | grep '^id:000000,' | grep -c 'oversize@billing.city')" 1
t_done
