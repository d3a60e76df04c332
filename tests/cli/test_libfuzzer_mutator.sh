#!/bin/bash
# libfuzzer_mutator: a libFuzzer target linked the way the docs say
# (clang -fsanitize=fuzzer,address target.c $(pkg-config --libs
# prodfuzz-libfuzzer)) really runs the prodfuzz custom mutator: it names
# its classes on stderr with PRODFUZZ_DEBUG=1, and it finds within seconds
# a bug that needs 300 levels of nesting inside a valid document, which
# libFuzzer's byte mutations practically never build. A bad setting (an
# unknown class, a corrupt profile) stops the target at start-up with exit
# 2 unless PRODFUZZ_ON_ERROR=continue asks for the old warn-and-continue.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! [ -f "$ROOT/build/lib/libprodfuzz_libfuzzer.a" ]; then
    t_skip libfuzzer_mutator "build/lib/libprodfuzz_libfuzzer.a not built (make)"; exit 0
fi
W=$(mktemp -d /tmp/pf-lfmut.XXXXXX)
trap 'rm -rf "$W"' EXIT
cat >"$W/target.c" <<'C'
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
/* crashes on a valid-looking document nested 300 levels deep */
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 2 || d[0] != '{' || d[n - 1] != '}')
        return 0;
    int depth = 0, max = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '[' || d[i] == '{') depth++;
        if (d[i] == ']' || d[i] == '}') depth--;
        if (depth > max) max = depth;
        if (depth < 0) return 0;
    }
    if (depth == 0 && max >= 300)
        abort();
    return 0;
}
C
mkdir -p "$W/corpus"
printf '{"order":{"id":"o-1","items":[{"qty":2}]},"note":"x"}' >"$W/corpus/seed"
LIBS=$(PKG_CONFIG_PATH="$ROOT/build/lib/pkgconfig" pkg-config --libs prodfuzz-libfuzzer)
t_exit "target links with pkg-config --libs prodfuzz-libfuzzer" 0 \
    clang -fsanitize=fuzzer,address "$W/target.c" $LIBS -o "$W/target"
t_exit "the archive defines the custom mutator and crossover, not Initialize" 0 \
    bash -c "nm '$W/target' | grep -q ' T LLVMFuzzerCustomMutator' &&
             nm '$W/target' | grep -q ' T LLVMFuzzerCustomCrossOver' &&
             ! nm '$W/target' | grep -q ' T LLVMFuzzerInitialize'"

PRODFUZZ_DEBUG=1 PRODFUZZ_CLASSES=deep,oversize "$W/target" -max_len=1048576 \
    -max_total_time=30 -seed=1 -artifact_prefix="$W/" "$W/corpus" \
    >"$W/run.out" 2>&1
st=$?
t_grep "the mutator announces itself" 'prodfuzz: mutator on' "$W/run.out"
t_grep "the mutator names the class of its mutants" \
    'prodfuzz: mutator: first deep mutant \(deep:\$' "$W/run.out"
t_eq "the 300-level bug is found (libFuzzer exits 77 on the crash)" "$st" 77
crash=$(ls "$W"/crash-* 2>/dev/null | head -1)
if [ -n "$crash" ] && [ "$(tr -cd '[{' <"$crash" | wc -c)" -ge 300 ]; then
    t_pass "the reproducer nests at least 300 levels"
else
    t_fail "the reproducer nests at least 300 levels" "crash file: ${crash:-none}"
fi

# a bad setting stops the run at start-up, before libFuzzer fuzzes
PRODFUZZ_CLASSES=bogus "$W/target" -runs=200 -seed=1 "$W/corpus" >"$W/bad.out" 2>&1
st=$?
t_eq "a bad PRODFUZZ_CLASSES stops the run with exit 2" "$st" 2
t_grep "and says why" \
    "prodfuzz: error: PRODFUZZ_CLASSES: unknown mutation class 'bogus'" "$W/bad.out"
t_nogrep "before libFuzzer ran anything" 'INITED|Done [0-9]+ runs' "$W/bad.out"
printf '{"format": "prodfuzz-shape", "version": 1, "paths": {' >"$W/corrupt.json"
PRODFUZZ_SHAPE="$W/corrupt.json" "$W/target" -runs=200 -seed=1 "$W/corpus" >"$W/bad2.out" 2>&1
st=$?
t_eq "a corrupt PRODFUZZ_SHAPE stops the run with exit 2" "$st" 2
t_grep "naming the setting" "prodfuzz: error: PRODFUZZ_SHAPE: " "$W/bad2.out"
# on the seed alone: the corpus the shaped run grew holds documents
# nested hundreds of levels, a few byte edits from the 300-level crash
mkdir -p "$W/seed-only"
cp "$W/corpus/seed" "$W/seed-only/"
PRODFUZZ_ON_ERROR=continue PRODFUZZ_CLASSES=bogus "$W/target" -runs=200 -seed=1 \
    "$W/seed-only" >"$W/cont.out" 2>&1
st=$?
t_eq "PRODFUZZ_ON_ERROR=continue asks for the old behaviour: the run goes on" "$st" 0
t_grep "reporting the bad setting once" \
    "prodfuzz: error: PRODFUZZ_CLASSES: .*libFuzzer mutates alone" "$W/cont.out"
t_grep "and libFuzzer fuzzes alone" 'Done 200 runs' "$W/cont.out"
PRODFUZZ_ON_ERROR=maybe "$W/target" -runs=10 "$W/corpus" >"$W/oe.out" 2>&1
t_eq "a bad PRODFUZZ_ON_ERROR is itself a bad setting" "$?" 2
t_done
