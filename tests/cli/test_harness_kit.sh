#!/bin/bash
# harness_kit: the README's "Fuzzing your own code" example, extracted
# exactly as printed between its kit-example markers, pasted into a shell
# in an empty folder: `prodfuzz harness init` writes the target on the
# kit, the printed build line's compiler command builds it with the
# prodfuzz mutator, and the run ends within seconds in the kit's finding
# (the announced item_count sizes one allocation past the 512 MiB heap
# cap, or the serializer's output does not parse back). Also: the kit's
# heap cap and round trip on targets made for them, and bad options.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PF_BIN:-$ROOT/build/bin/prodfuzz}
if ! [ -f "$ROOT/build/lib/libprodfuzz_libfuzzer.a" ] || ! [ -x "$BIN" ]; then
    t_skip harness_kit "build/lib/libprodfuzz_libfuzzer.a or prodfuzz not built (make)"; exit 0
fi
W=$(mktemp -d /tmp/pf-kit.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/bin" "$W/run"
ln -s "$BIN" "$W/bin/prodfuzz"
export PATH="$W/bin:$PATH" PKG_CONFIG_PATH="$ROOT/build/lib/pkgconfig"
# the sanitizer settings of a user's shell, not the test runner's
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

sed -n '/^<!-- kit-example -->$/,/^<!-- \/kit-example -->$/p' "$ROOT/README.md" |
    sed '1d;$d' | sed '1{/^```sh$/d}' | sed '${/^```$/d}' >"$W/example.sh"
n=$(wc -l <"$W/example.sh")
if [ "$n" -lt 10 ]; then
    t_fail "the README has the kit example between its markers" "got $n lines"; exit 0
fi
t_pass "the README has the kit example between its markers ($n lines)"
(cd "$W/run" && timeout 240 bash "$W/example.sh") >"$W/out" 2>&1
st=$?
t_grep "harness init printed the build line" 'clang -g -O1 -fsanitize=fuzzer,address,undefined orders_fuzz.c order.c' "$W/out"
t_grep "the generated file uses the kit" '#include <prodfuzz_harness.h>' "$W/run/orders-fuzz/orders_fuzz.c"
if [ -x "$W/run/orders-fuzz/orders_fuzz" ]; then t_pass "the example target built"
else t_fail "the example target built" "$(tail -20 "$W/out")"; exit 0; fi
t_grep "the shape profile was made from the example corpus" '"format": *"prodfuzz-shape"' "$W/run/orders-fuzz/shape.json"
if [ "$st" -eq 1 ] || [ "$st" -eq 77 ]; then t_pass "the run ends in a finding (exit $st)"
else t_fail "the run ends in a finding" "exit $st: $(tail -20 "$W/out")"; fi
t_grep "the finding is the heap cap or the round trip" \
    'SUMMARY: (AddressSanitizer: allocation-size-too-big|prodfuzz-kit: (out-of-memory|roundtrip))' "$W/out"
t_nogrep "no timeout on the way (the cap stops a huge calloc before it is zeroed)" 'prodfuzz-kit: timeout' "$W/out"
t_grep "the stack is printed with the finding" '#[0-9]+ .* in (parse_order|order_to_json|pf_kit_roundtrip) ' "$W/out"

# --- the kit's limits and round trip on targets made to trip them -------
cd "$W" || exit 1
cat >big.h <<'C'
#include <stddef.h>
int parse_big(const char *s, size_t n);
C
cat >big.c <<'C'
#include <stdlib.h>
#include <string.h>
#include "big.h"
/* a 2 GiB allocation when the input starts with "big" (kept in a
 * volatile global so the compiler cannot drop the malloc/free pair) */
char *volatile big_sink;
int parse_big(const char *s, size_t n)
{
    if (n >= 3 && !memcmp(s, "big", 3)) {
        big_sink = malloc((size_t)2 << 30);
        free(big_sink);
    }
    return 0;
}
C
t_exit "harness init without --type writes a target" 0 prodfuzz harness init big --parse parse_big --include big.h
clang -g -O1 -fsanitize=fuzzer,address big_fuzz.c big.c $(pkg-config --cflags --libs prodfuzz-libfuzzer) -o big_fuzz 2>"$W/cc.err"
t_eq "it builds" "$?" 0
printf 'big' >big.in
./big_fuzz big.in >big.out 2>&1
t_grep "one 2 GiB malloc is a finding under the 512 MiB heap cap" 'SUMMARY: AddressSanitizer: allocation-size-too-big' big.out
t_grep "with the stack of the allocation" 'in parse_big .*big\.c' big.out
ASAN_OPTIONS=max_allocation_size_mb=4096 PRODFUZZ_HEAP_MB=4096 ./big_fuzz -malloc_limit_mb=4096 big.in >big4.out 2>&1
t_eq "a 4 GiB cap (ASAN_OPTIONS, PRODFUZZ_HEAP_MB, libFuzzer's -malloc_limit_mb) lets it pass" "$?" 0
# many small allocations that together pass the cap: the kit's own count
cat >many.c <<'C'
#include <stdlib.h>
#include <string.h>
#include "big.h"
/* 64 MiB blocks kept until the input is done: 640 MiB live for "big" */
int parse_big(const char *s, size_t n)
{
    static char *keep[10];
    if (n >= 3 && !memcmp(s, "big", 3)) {
        for (int i = 0; i < 10; i++)
            keep[i] = malloc((size_t)64 << 20);
        for (int i = 0; i < 10; i++)
            free(keep[i]);
    }
    return 0;
}
C
clang -g -O1 -fsanitize=fuzzer,address big_fuzz.c many.c $(pkg-config --cflags --libs prodfuzz-libfuzzer) -o many_fuzz 2>"$W/cc.err"
./many_fuzz big.in >many.out 2>&1
t_grep "allocations that together grow the live heap past the cap are a finding" \
    'ERROR: prodfuzz-kit: out-of-memory: this input grew the live heap past the heap cap' many.out
t_grep "with the stack of the allocation that crossed it" 'in parse_big .*many\.c' many.out

cat >rt.h <<'C'
#include <stddef.h>
struct num { double v; };
int parse_num(const char *s, struct num *n);
char *num_to_text(const struct num *n);
int num_equal(const struct num *a, const struct num *b);
C
cat >rt.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include "rt.h"
int parse_num(const char *s, struct num *n)
{
    char *end;
    n->v = strtod(s, &end);
    return end == s || *end ? -1 : 0;
}
/* loses digits: 0.125 prints as 0.12 */
char *num_to_text(const struct num *n)
{
    char *s = malloc(64);
    if (s) snprintf(s, 64, "%.2f", n->v);
    return s;
}
int num_equal(const struct num *a, const struct num *b) { return a->v == b->v; }
C
t_exit "harness init with a round trip" 0 prodfuzz harness init rt --parse parse_num --signature str \
    --type 'struct num' --serialize num_to_text --equal num_equal --include rt.h --json
t_grep "--json gives the file and the build line" '"file":"rt_fuzz.c".*"build":"clang ' "$T_OUT"
t_grep "the round trip is on in the file" '#define PF_KIT_SERIALIZE num_to_text' rt_fuzz.c
clang -g -O1 -fsanitize=fuzzer,address rt_fuzz.c rt.c $(pkg-config --cflags --libs prodfuzz-libfuzzer) -o rt_fuzz 2>"$W/cc.err"
t_eq "the round-trip target builds" "$?" 0
printf '0.125' >rt.in
./rt_fuzz rt.in >rt.out 2>&1
t_grep "a serializer that loses digits is a roundtrip finding (0.125 comes back 0.12)" 'ERROR: prodfuzz-kit: roundtrip: the value parsed back' rt.out
printf '0.5' >rt2.in
./rt_fuzz rt2.in >rt2.out 2>&1
t_eq "a value that survives the round trip is not" "$?" 0

# the same binary under `prodfuzz check`: the worker linked from
# libprodfuzz_libfuzzer.a serves it, and the kit reports a rejection
mkdir -p chk && printf '0.5' >chk/ok && printf 'abc' >chk/bad
prodfuzz check ./rt_fuzz chk --mutants 0 --repro-dir "$W/rep" --json >chk.json 2>chk.err
t_eq "prodfuzz check drives the kit target (exit 0: nothing failed)" "$?" 0
t_grep "the kit's parse result reaches the worker: one ok, one rejected" '"ok":1,"rejected":1' chk.json
t_exit "an existing file is not replaced without --force" 2 prodfuzz harness init rt --parse parse_num
t_exit "a function name that is not a C identifier is refused" 2 prodfuzz harness init x --parse 'a;b' -o x.c
t_exit "--serialize without --type is refused" 2 prodfuzz harness init y --parse p --serialize s -o y.c
t_exit "an unknown action is refused" 2 prodfuzz harness frob z
t_done
