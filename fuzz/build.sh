#!/bin/bash -eu
# fuzz/build.sh: prodfuzz's harnesses under the OSS-Fuzz build contract, so
# ClusterFuzz (through OSS-Fuzz) or ClusterFuzzLite (.clusterfuzzlite/, in
# CI) can run them unchanged when nightly fuzzing outgrows one machine.
#
# The contract (what OSS-Fuzz's and ClusterFuzzLite's builders set):
#   $CC $CFLAGS compile every fuzzed source (the flags carry the sanitizer
#   and coverage instrumentation), $CXX $CXXFLAGS ... $LIB_FUZZING_ENGINE
#   links every target (libFuzzer, or AFL++'s driver), and $OUT receives
#   per target: NAME, NAME_seed_corpus.zip, NAME.dict, NAME.options and,
#   prodfuzz's own addition, NAME.shape.json (the shape profile of its
#   seed corpus; the mutator reads PRODFUZZ_SHAPE). $WORK holds
#   intermediate files; $SRC the sources.
#
# What is built:
#   - cJSON and libpq (+ src/common, src/port) from source with $CC $CFLAGS,
#     statically linked (the runner has no -dev packages). The sources come
#     from $SRC/cjson and $SRC/postgresql (the Dockerfile puts them there),
#     else from tools/third_party.sh's download of Debian's source packages.
#   - the third-party harnesses (harnesses/third_party/fuzz_*.c) and
#     prodfuzz's own parser harnesses (harnesses/fuzz_*.c);
#   - with the libFuzzer engine, the prodfuzz mutator linked into every
#     target (fuzz/pf_libfuzzer.c and the library). It is compiled with
#     $CFLAGS minus the coverage flags: it is engine, not target, and its
#     own branches must not count as the target's coverage. Under AFL++ the
#     mutator is afl-fuzz's plug-in (prodfuzz_afl.so), not part of targets.
#
# Knobs (not part of the contract): PF_OSSFUZZ_LIBPQ=0 skips libpq and its
# harnesses (a quicker build); PF_JOBS (default nproc).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${CC:?} ${CXX:?} ${OUT:?} ${WORK:?} ${LIB_FUZZING_ENGINE:?}"
CFLAGS=${CFLAGS:-}
CXXFLAGS=${CXXFLAGS:-}
SRC=${SRC:-$(dirname "$ROOT")}
FUZZING_ENGINE=${FUZZING_ENGINE:-libfuzzer}
JOBS=${PF_JOBS:-$(nproc)}
W=$WORK/prodfuzz
mkdir -p "$OUT" "$W/obj" "$W/include/cjson" "$W/lib"

say() { echo "fuzz/build.sh: $*" >&2; }

# --- third-party sources -----------------------------------------------------
first_dir() { for d in "$@"; do [ -d "$d" ] && { echo "$d"; return 0; }; done; return 1; }
cjson_src=$(first_dir "$SRC/cjson" $(ls -d "$ROOT"/build/third_party/src/cjson/cjson-*/ 2>/dev/null)) || {
    "$ROOT/tools/third_party.sh" fetch || exit 3
    cjson_src=$(ls -d "$ROOT"/build/third_party/src/cjson/cjson-*/ | head -1)
}
pg_src=
if [ "${PF_OSSFUZZ_LIBPQ:-1}" != 0 ]; then
    pg_src=$(first_dir "$SRC/postgresql" $(ls -d "$ROOT"/build/third_party/src/postgresql-15/postgresql-15-*/ 2>/dev/null)) || {
        "$ROOT/tools/third_party.sh" fetch || exit 3
        pg_src=$(ls -d "$ROOT"/build/third_party/src/postgresql-15/postgresql-15-*/ | head -1)
    }
fi

# --- cJSON ------------------------------------------------------------------
say "cJSON from ${cjson_src%/}"
# shellcheck disable=SC2086
$CC $CFLAGS -c "$cjson_src/cJSON.c" -o "$W/obj/cJSON.o"
rm -f "$W/lib/libcjson.a" && ar rcs "$W/lib/libcjson.a" "$W/obj/cJSON.o"
cp "$cjson_src/cJSON.h" "$W/include/cjson/"

# --- libpq (client library only), cached by flags in $WORK ---------------------
PGLIBS=()
if [ -n "$pg_src" ]; then
    stamp="$CC $CFLAGS $pg_src"
    pg=$W/pg
    if [ "$(cat "$pg/.stamp" 2>/dev/null)" != "$stamp" ]; then
        say "libpq from ${pg_src%/} (configure, then src/port, src/common, libpq)"
        rm -rf "$pg" && mkdir -p "$pg"
        (cd "$pg" && CC=$CC CFLAGS="$CFLAGS" "$pg_src/configure" --without-readline --without-icu \
            --without-zlib --without-openssl --without-gssapi --without-ldap --without-lz4 \
            --without-zstd --without-libxml --without-libxslt --without-llvm --without-systemd \
            --without-pam --without-selinux --without-perl --without-python --without-tcl \
            --disable-nls >"$W/pg-configure.log" 2>&1) ||
            { tail -20 "$W/pg-configure.log" >&2; exit 1; }
        { make -C "$pg/src/backend" generated-headers &&
          make -C "$pg/src/port" -j"$JOBS" libpgport_shlib.a &&
          make -C "$pg/src/common" -j"$JOBS" libpgcommon_shlib.a &&
          make -C "$pg/src/interfaces/libpq" -j"$JOBS" all-static-lib; } >"$W/pg-make.log" 2>&1 ||
            { tail -20 "$W/pg-make.log" >&2; exit 1; }
        echo "$stamp" >"$pg/.stamp"
    fi
    mkdir -p "$W/include/libpq"
    cp "$pg_src/src/interfaces/libpq/libpq-fe.h" "$pg/src/include/pg_config_ext.h" \
       "$pg_src/src/include/postgres_ext.h" "$W/include/libpq/"
    PGLIBS=("$pg/src/interfaces/libpq/libpq.a" "$pg/src/common/libpgcommon_shlib.a"
            "$pg/src/port/libpgport_shlib.a")
fi
CRYPTO=$(ls /usr/lib/*/libcrypto.a 2>/dev/null | head -1)
CRYPTO=${CRYPTO:--lcrypto}

# --- prodfuzz's library and the mutator -----------------------------------------
# the library's own flags minus coverage instrumentation (engine, not target)
MUTFLAGS=$(echo " $CFLAGS " | sed -e 's/ -fsanitize=fuzzer-no-link / /g' \
    -e 's/ -fsanitize-coverage=[^ ]* / /g' -e 's/-fsanitize=\([a-z,]*\)fuzzer-no-link,*/-fsanitize=\1/g')
INC=(-I"$ROOT/src" -I"$W/include" -I"$W/include/libpq")
LIBOBJ=() MUTOBJ=()
for f in "$ROOT"/src/*.c; do
    n=$(basename "$f" .c)
    case $n in pf_pg*) [ -n "$pg_src" ] || continue ;; esac
    # shellcheck disable=SC2086
    $CC $CFLAGS -std=c11 -D_GNU_SOURCE "${INC[@]}" -c "$f" -o "$W/obj/$n.o"
    LIBOBJ+=("$W/obj/$n.o")
    [ "$FUZZING_ENGINE" = libfuzzer ] || continue
    # shellcheck disable=SC2086
    $CC $MUTFLAGS -std=c11 -D_GNU_SOURCE "${INC[@]}" -c "$f" -o "$W/obj/mut_$n.o"
    MUTOBJ+=("$W/obj/mut_$n.o")
done
rm -f "$W/lib/libprodfuzz.a" "$W/lib/libprodfuzz_mutator.a"
ar rcs "$W/lib/libprodfuzz.a" "${LIBOBJ[@]}"
# third-party targets get the uninstrumented mutator; prodfuzz's own
# targets are the library, so theirs is the instrumented one they link
MUTATOR=() OWNMUTATOR=()
if [ "$FUZZING_ENGINE" = libfuzzer ]; then
    # shellcheck disable=SC2086
    $CC $MUTFLAGS -std=c11 -D_GNU_SOURCE -I"$ROOT/src" -c "$ROOT/fuzz/pf_libfuzzer.c" -o "$W/obj/pf_libfuzzer.o"
    ar rcs "$W/lib/libprodfuzz_mutator.a" "$W/obj/pf_libfuzzer.o" "${MUTOBJ[@]}"
    MUTATOR=(-Wl,-u,LLVMFuzzerCustomMutator -Wl,-u,LLVMFuzzerCustomCrossOver "$W/lib/libprodfuzz_mutator.a")
    OWNMUTATOR=("$W/obj/pf_libfuzzer.o")
fi

# --- targets --------------------------------------------------------------------
ship() { # NAME: seed corpus, dictionary, options, shape profile beside the target
    local name=$1 d
    if [ -d "$ROOT/corpus/$name" ]; then
        rm -f "$OUT/${name}_seed_corpus.zip"
        (cd "$ROOT/corpus/$name" && zip -q -j "$OUT/${name}_seed_corpus.zip" ./*)
    fi
    [ -f "$ROOT/fuzz/$name.dict" ] && cp "$ROOT/fuzz/$name.dict" "$OUT/"
    if [ -f "$ROOT/fuzz/$name.options" ]; then
        # ClusterFuzz reads the [libfuzzer] section; older files have none
        { grep -q '^\[libfuzzer\]' "$ROOT/fuzz/$name.options" || echo '[libfuzzer]'
          cat "$ROOT/fuzz/$name.options"; } >"$OUT/$name.options"
    fi
    d=$ROOT/fuzz/$name.shape.json
    [ -f "$d" ] && cp "$d" "$OUT/"
    return 0
}

build_target() { # NAME SOURCE LINK-ARGUMENTS...
    local name=$1 src=$2
    shift 2
    say "$name"
    # shellcheck disable=SC2086
    $CC $CFLAGS -std=c11 -D_GNU_SOURCE "${INC[@]}" -c "$src" -o "$W/obj/h_$name.o"
    # shellcheck disable=SC2086
    $CXX $CXXFLAGS "$W/obj/h_$name.o" "$@" "$W/lib/libcjson.a" \
        $LIB_FUZZING_ENGINE -lm -lpthread -ldl -o "$OUT/$name"
    ship "$name"
}

built=()
for h in "$ROOT"/harnesses/third_party/fuzz_*.c; do
    name=$(basename "$h" .c)
    case $name in
    fuzz_libpq_*) [ -n "$pg_src" ] || continue
                  build_target "$name" "$h" "${MUTATOR[@]}" "${PGLIBS[@]}" ;;
    *) build_target "$name" "$h" "${MUTATOR[@]}" ;;
    esac
    built+=("$name")
done
for h in "$ROOT"/harnesses/fuzz_*.c; do
    name=$(basename "$h" .c)
    if [ -z "$pg_src" ] && grep -q 'pf_pg\|libpq' "$h"; then continue; fi
    build_target "$name" "$h" "${OWNMUTATOR[@]}" "$W/lib/libprodfuzz.a" "${PGLIBS[@]}" "$CRYPTO"
    built+=("$name")
done
say "built ${#built[@]} targets into $OUT: ${built[*]}"
