#!/bin/bash
# ossfuzz_build: fuzz/build.sh under the variables OSS-Fuzz and
# ClusterFuzzLite set. libFuzzer + ASan (CC=clang, CFLAGS with
# -fsanitize=address -fsanitize=fuzzer-no-link, LIB_FUZZING_ENGINE=
# -fsanitize=fuzzer): every harness lands in $OUT with its seed corpus zip,
# dictionary, .options ([libfuzzer] section) and shape profile, links no
# shared library the runner lacks, and runs a few seconds from its seed
# corpus without a finding. AFL++ (CC=afl-clang-fast, LIB_FUZZING_ENGINE=
# AFL++'s libAFLDriver.a; libpq left out to keep the test short): the
# cJSON harnesses build and run their seeds through AFL++'s driver.
# $WORK stays under build/ossfuzz/ so a second run reuses the libpq build.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! ls -d "$ROOT"/build/third_party/src/cjson/cjson-*/ >/dev/null 2>&1; then
    t_skip ossfuzz_build "no cJSON source (make fuzz downloads it; needs Debian's source packages)"
    exit 0
fi
T=$ROOT/build/ossfuzz
mkdir -p "$T/work-lf" "$T/work-afl"
rm -rf "$T/out-lf" "$T/out-afl" "$T/run"
mkdir -p "$T/out-lf" "$T/out-afl" "$T/run"
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
FLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope"

# --- libFuzzer, ASan ----------------------------------------------------------
env CC=clang CXX=clang++ CFLAGS="$FLAGS -fsanitize=fuzzer-no-link" \
    CXXFLAGS="$FLAGS -fsanitize=fuzzer-no-link" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
    SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64 \
    OUT="$T/out-lf" WORK="$T/work-lf" SRC="$T/src" \
    bash "$ROOT/fuzz/build.sh" >"$T/lf.log" 2>&1
st=$?
t_eq "fuzz/build.sh succeeds with the libFuzzer/ASan variables" "$st" 0
[ "$st" -eq 0 ] || { tail -30 "$T/lf.log" | sed 's/^/#   /'; exit 0; }

names=()
for h in "$ROOT"/harnesses/third_party/fuzz_*.c "$ROOT"/harnesses/fuzz_*.c; do
    names+=("$(basename "$h" .c)")
done
for n in "${names[@]}"; do
    O=$T/out-lf
    if ! [ -x "$O/$n" ]; then t_fail "$n: the target is in \$OUT"; continue; fi
    t_pass "$n: the target is in \$OUT"
    if [ -d "$ROOT/corpus/$n" ]; then
        got=$(unzip -Z1 "$O/${n}_seed_corpus.zip" 2>/dev/null | sort | tr '\n' ' ')
        want=$(ls "$ROOT/corpus/$n" | sort | tr '\n' ' ')
        t_eq "$n: NAME_seed_corpus.zip holds its seed corpus" "$got" "$want"
    fi
    [ -f "$ROOT/fuzz/$n.dict" ] && { cmp -s "$ROOT/fuzz/$n.dict" "$O/$n.dict" &&
        t_pass "$n: NAME.dict beside it" || t_fail "$n: NAME.dict beside it"; }
    [ -f "$ROOT/fuzz/$n.options" ] && t_grep "$n: NAME.options has a [libfuzzer] section" '^\[libfuzzer\]' "$O/$n.options"
    [ -f "$ROOT/fuzz/$n.shape.json" ] && t_grep "$n: its shape profile beside it" '"prodfuzz-shape"' "$O/$n.shape.json"
    extra=$(ldd "$O/$n" | awk '{print $1}' | grep -vE '^(linux-vdso|/lib64/ld-linux|libc\.|libm\.|libstdc\+\+|libgcc_s|libpthread|libdl|librt)' | tr '\n' ' ')
    t_eq "$n: no shared library beyond libc and the C++ runtime" "$extra" ""
    # a few seconds from the seed corpus, as ClusterFuzz starts it
    c=$T/run/$n && mkdir -p "$c"
    [ -f "$O/${n}_seed_corpus.zip" ] && (cd "$c" && unzip -q -o "$O/${n}_seed_corpus.zip")
    opts=()
    [ -f "$O/$n.options" ] && mapfile -t opts < <(sed -n 's/^\([a-z_]*\) *= *\(.*\)$/-\1=\2/p' "$O/$n.options")
    dict=()
    [ -f "$O/$n.dict" ] && dict=(-dict="$O/$n.dict")
    shape=
    [ -f "$O/$n.shape.json" ] && shape=$O/$n.shape.json
    PRODFUZZ_SHAPE=$shape timeout 60 "$O/$n" "${opts[@]}" "${dict[@]}" -max_total_time=2 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$c/" "$c" >"$c.log" 2>&1
    st=$?
    runs=$(grep -o 'Done [0-9]* runs' "$c.log" | grep -o '[0-9]*')
    if [ "$st" -eq 0 ] && [ -n "$runs" ]; then t_pass "$n: runs from its seed corpus ($runs runs)"
    else t_fail "$n: runs from its seed corpus" "exit $st: $(tail -5 "$c.log")"; fi
done
# the prodfuzz mutator is linked into the third-party targets
PRODFUZZ_DEBUG=1 "$T/out-lf/fuzz_cjson_parse" -runs=200 "$T/run/fuzz_cjson_parse" >"$T/dbg.log" 2>&1
t_grep "the prodfuzz mutator runs inside the OSS-Fuzz build" 'prodfuzz: mutator on' "$T/dbg.log"

# --- AFL++ ------------------------------------------------------------------------
DRIVER=$(ls /usr/lib/afl/libAFLDriver.a 2>/dev/null)
if ! command -v afl-clang-fast >/dev/null || [ -z "$DRIVER" ]; then
    t_skip "ossfuzz_build AFL++" "afl-clang-fast or libAFLDriver.a missing"; exit 0
fi
env CC=afl-clang-fast CXX=afl-clang-fast++ CFLAGS="$FLAGS" CXXFLAGS="$FLAGS" \
    LIB_FUZZING_ENGINE="$DRIVER" SANITIZER=address FUZZING_ENGINE=afl ARCHITECTURE=x86_64 \
    OUT="$T/out-afl" WORK="$T/work-afl" SRC="$T/src" PF_OSSFUZZ_LIBPQ=0 AFL_QUIET=1 \
    bash "$ROOT/fuzz/build.sh" >"$T/afl.log" 2>&1
st=$?
t_eq "fuzz/build.sh succeeds with the AFL++ variables" "$st" 0
for n in fuzz_cjson_parse fuzz_cjson_parse_length fuzz_cjson_roundtrip; do
    if ! [ -x "$T/out-afl/$n" ]; then t_fail "AFL++: $n is in \$OUT"; continue; fi
    t_pass "AFL++: $n is in \$OUT"
    bad=0
    for f in "$ROOT"/corpus/"$n"/*; do
        timeout 30 "$T/out-afl/$n" <"$f" >/dev/null 2>&1 || bad=$((bad + 1))
    done
    t_eq "AFL++: $n runs every seed through AFL++'s driver" "$bad" 0
done
t_grep "AFL++: the targets are AFL++-instrumented" '__afl_area_ptr|__afl_manual_init|AFL' \
    <(nm "$T/out-afl/fuzz_cjson_parse" 2>/dev/null | grep -i afl | head -5)
t_done
