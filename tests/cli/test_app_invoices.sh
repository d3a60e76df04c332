#!/bin/bash
# app_invoices: the second measurement target (harnesses/app_invoices.c)
# is clean without a planted bug (its seeds and a short prodfuzz run give
# no crash), and the prodfuzz mutator with the target's shape profile finds
# its planted bugs within seconds: an empty "lines" array where production
# always had elements (BUG=2, class empty), a raw control character
# written back into the export line (BUG=1, unicode's control characters)
# and a 64 KiB address into a 16-bit length (BUG=3, oversize's width
# boundaries). Each crash file replays to the bug's own function.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
LIB="$ROOT/build/lib/libprodfuzz_libfuzzer.a"
[ -f "$LIB" ] || { t_skip app_invoices "build/lib/libprodfuzz_libfuzzer.a not built (make)"; exit 0; }
W=$(mktemp -d /tmp/pf-appinv.XXXXXX)
trap 'rm -rf "$W"' EXIT
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
PFLIBS=$(PKG_CONFIG_PATH="$ROOT/build/lib/pkgconfig" pkg-config --libs prodfuzz-libfuzzer)
CC="clang -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fsanitize=fuzzer,address"
SRC="$ROOT/harnesses/app_invoices.c"
export PRODFUZZ_SHAPE="$ROOT/corpus/app_invoices.shape.json"

t_exit "the bug-free build compiles with -Wall -Wextra -Werror" 0 \
    $CC -DBUG=0 "$SRC" -lcjson $PFLIBS -o "$W/app0"
mkdir -p "$W/c0"
cp "$ROOT"/corpus/app_invoices/* "$W/c0/"
t_exit "the seeds pass through it without a crash" 0 "$W/app0" -runs=0 "$W/c0"
"$W/app0" -max_len=1048576 -max_total_time=5 -seed=1 -artifact_prefix="$W/a0-" \
    "$W/c0" >"$W/run0" 2>&1
t_eq "five seconds of prodfuzz fuzzing find nothing in the bug-free build" "$?" 0
t_eq "and leave no crash file" "$(ls "$W" | grep -c '^a0-')" 0

# hunt BUG NAME FUNCTION: the mutator finds the bug, the crash replays to it
hunt() {
    local n=$1 name=$2 fn=$3 d="$W/b$1"
    mkdir -p "$d/c"
    cp "$ROOT"/corpus/app_invoices/* "$d/c/"
    if ! $CC -DBUG="$n" "$SRC" -lcjson $PFLIBS -o "$d/app" 2>"$d/cc"; then
        t_fail "BUG=$n builds" "$(head -5 "$d/cc")"; return
    fi
    "$d/app" -max_len=1048576 -max_total_time=30 -seed=7 -artifact_prefix="$d/" \
        "$d/c" >"$d/log" 2>&1
    local crash
    crash=$(ls "$d"/crash-* 2>/dev/null | head -1)
    if [ -n "$crash" ]; then t_pass "prodfuzz finds BUG=$n ($name) within 30 s"
    else t_fail "prodfuzz finds BUG=$n ($name) within 30 s" "$(tail -5 "$d/log")"; return; fi
    "$d/app" "$crash" >"$d/replay" 2>&1
    t_grep "its reproducer replays to an AddressSanitizer report" "ERROR: AddressSanitizer" "$d/replay"
    t_grep "in $fn, the planted bug" "#[0-9]+ 0x[0-9a-f]+ in $fn " "$d/replay"
}
hunt 2 empty line_total
hunt 1 ctrl ledger_import
hunt 3 len16 archive
t_done
