#!/bin/bash
# third_party.sh: cJSON and libpq built from Debian's own source packages
# with coverage instrumentation, for the third-party harnesses.
#
# Debian's shared libraries carry no coverage instrumentation: a harness
# that links -lcjson fuzzes blind inside cJSON. So this script fetches the
# source packages the system's own apt sources point at (the same suite,
# a deb-src line in a private apt configuration under build/third_party/apt:
# the system's sources, lists and cache are never touched), lets
# dpkg-source apply Debian's patches, and builds static libraries:
#
#   build/third_party/fuzz/   -fsanitize=fuzzer-no-link,address,undefined
#                             (cJSON and libpq: the harnesses link these;
#                             also upstream cJSON without Debian's patches)
#   build/third_party/cov/    cJSON with clang source-based coverage and
#                             no sanitizer (the bench replays corpora on it)
#
# Each variant holds include/ and lib/ and a stamp; a second run with the
# stamp present does nothing. Nothing here is ever committed.
#
#   tools/third_party.sh fetch            the source packages only
#   tools/third_party.sh cjson [fuzz|cov|upstream] (fetches when needed;
#                         upstream: cJSON as released, without Debian's
#                         patches, for the issue-800 harness)
#   tools/third_party.sh libpq            the fuzz variant
#   tools/third_party.sh all              cjson fuzz + cov, libpq
#
# Exit status: 0 built (or already there), 1 a build failed, 2 usage,
# 3 no network, no Debian apt source to derive a deb-src line from, or
# dpkg-source missing (make fuzz then skips the third-party harnesses).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TP=${PF_THIRD_PARTY:-$ROOT/build/third_party}
APTD=$TP/apt
SRCD=$TP/src
CC=${CC:-clang}
JOBS=${PF_JOBS:-2}

say() { echo "prodfuzz: third_party: $*" >&2; }
die() { echo "prodfuzz: error: third_party: $*" >&2; exit "${2:-3}"; }

# The system's suite ("bookworm"), from os-release.
codename() {
    local c
    c=$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}")
    [ -n "$c" ] || c=$(sed -n 's/^Suites: *\([a-z]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
    echo "$c"
}

# One "deb-src [signed-by=K] URI SUITE COMPONENTS" line per binary source
# of the system whose suite belongs to the system's release (SUITE,
# SUITE-updates, SUITE-security): derived at run time, so no host name is
# written into the repository.
derive_sources() {
    local code=$1 f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v code="$code" '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && enabled != "no" && uris != "") {
                    n = split(uris, u, " "); m = split(suites, s, " ")
                    for (i = 1; i <= n; i++) for (j = 1; j <= m; j++)
                        if (s[j] == code || index(s[j], code "-") == 1)
                            printf "deb-src %s%s %s %s\n", (key != "" ? "[signed-by=" key "] " : ""), u[i], s[j], comps
                }
                types = uris = suites = comps = key = enabled = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            { k = $1; sub(/:$/, "", k); $1 = ""; sub(/^ +/, ""); v = $0 }
            k == "Types" { types = v } k == "URIs" { uris = v }
            k == "Suites" { suites = v } k == "Components" { comps = v }
            k == "Signed-By" { key = v } k == "Enabled" { enabled = v }
            END { flush() }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk -v code="$code" '
            $1 == "deb" {
                opts = ""; i = 2
                if ($2 ~ /^\[/) { while ($i !~ /\]$/) { opts = opts $i " "; i++ } opts = opts $i " "; i++ }
                uri = $i; suite = $(i + 1); comps = ""
                for (j = i + 2; j <= NF; j++) comps = comps " " $j
                if (suite == code || index(suite, code "-") == 1)
                    print "deb-src " opts uri " " suite comps
            }' "$f"
    done
}

APTOPTS=()
apt_setup() {
    local code
    code=$(codename)
    [ -n "$code" ] || die "cannot tell the system's Debian release (no /etc/os-release)"
    mkdir -p "$APTD/lists/partial" "$APTD/cache/archives/partial" "$APTD/sources.list.d" \
             "$APTD/preferences.d"
    derive_sources "$code" | sort -u >"$APTD/sources.list.tmp"
    [ -s "$APTD/sources.list.tmp" ] ||
        die "no apt source for $code to derive a deb-src line from (see /etc/apt/sources.list.d)"
    mv "$APTD/sources.list.tmp" "$APTD/sources.list"
    APTOPTS=(-o "Dir::Etc::SourceList=$APTD/sources.list"
             -o "Dir::Etc::SourceParts=$APTD/sources.list.d"
             -o "Dir::Etc::PreferencesParts=$APTD/preferences.d"
             -o "Dir::State::Lists=$APTD/lists"
             -o "Dir::Cache=$APTD/cache"
             -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
             -o "APT::Sandbox::User=root"
             -o "Acquire::Retries=1" -o "Acquire::http::Timeout=20")
}

# apt-get source PKG into $SRCD, once. Prints the unpacked directory.
# The version of the installed binary package BIN comes first (the source
# of the very library the system has), then whatever apt thinks newest.
fetch_one() {
    local pkg=$1 bin=$2 dir ver want
    dir=$(find "$SRCD/$pkg" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -1)
    if [ -n "$dir" ] && [ -f "$SRCD/$pkg/.fetched" ]; then echo "$dir"; return 0; fi
    command -v dpkg-source >/dev/null ||
        die "dpkg-source is missing (Debian package dpkg-dev; make deps installs it)"
    [ ${#APTOPTS[@]} -gt 0 ] || apt_setup
    if [ ! -f "$APTD/lists/.updated" ]; then
        say "apt-get update (private lists under $APTD)"
        if ! apt-get "${APTOPTS[@]}" update -qq >"$APTD/update.log" 2>&1 ||
           grep -q '^\(W\|E\): Failed to fetch' "$APTD/update.log"; then
            sed 's/^/  /' "$APTD/update.log" >&2
            die "cannot reach the Debian apt source (no network?): the third-party harnesses need it once"
        fi
        touch "$APTD/lists/.updated"
    fi
    rm -rf "$SRCD/$pkg" && mkdir -p "$SRCD/$pkg"
    ver=$(dpkg-query -W -f='${Version}' "$bin" 2>/dev/null)
    : >"$SRCD/$pkg.log"
    for want in ${ver:+"$pkg=$ver"} "$pkg"; do
        say "apt-get source $want"
        (cd "$SRCD/$pkg" && apt-get "${APTOPTS[@]}" source -qq "$want") >>"$SRCD/$pkg.log" 2>&1 && break
        rm -rf "${SRCD:?}/$pkg" && mkdir -p "$SRCD/$pkg"
        want=
    done
    if [ -z "$want" ]; then
        sed 's/^/  /' "$SRCD/$pkg.log" | tail -20 >&2
        die "apt-get source $pkg failed (no network, or no deb-src for it)"
    fi
    touch "$SRCD/$pkg/.fetched"
    find "$SRCD/$pkg" -mindepth 1 -maxdepth 1 -type d | head -1
}

flags_of() {
    case $1 in
    fuzz) echo "-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined" ;;
    cov) echo "-O1 -g -fprofile-instr-generate -fcoverage-mapping" ;;
    *) die "unknown variant '$1' (fuzz or cov)" 2 ;;
    esac
}

build_cjson() {
    local v=$1 out=$TP/$1 src flags
    [ -f "$out/.cjson" ] && return 0
    src=$(fetch_one cjson libcjson1) || exit $?
    flags=$(flags_of "$v")
    mkdir -p "$out/include/cjson" "$out/lib" "$out/obj"
    say "building cJSON ($v) from $(basename "$src")"
    # shellcheck disable=SC2086
    $CC $flags -std=c89 -c "$src/cJSON.c" -o "$out/obj/cJSON.o" || die "cJSON ($v) did not build" 1
    rm -f "$out/lib/libcjson.a" && ar rcs "$out/lib/libcjson.a" "$out/obj/cJSON.o" || exit 3
    cp "$src/cJSON.h" "$out/include/cjson/cJSON.h"
    basename "$src" >"$out/.cjson"
}

# Upstream cJSON exactly as released (the .orig tarball, without Debian's
# patches): Debian fixed the ParseWithLength over-read of upstream issue
# 800 in 1.7.15-1+deb12u3 (CVE-2023-53154), so the harness that shows the
# library's own bug links this build. Fuzz flags only.
build_cjson_upstream() {
    local out=$TP/fuzz src orig u
    [ -f "$out/.cjson_upstream" ] && return 0
    src=$(fetch_one cjson libcjson1) || exit $?
    orig=$(ls "$SRCD"/cjson/cjson_*.orig.tar.* 2>/dev/null | head -1)
    [ -n "$orig" ] || die "no upstream tarball beside the cjson source package"
    u=$TP/upstream && rm -rf "$u" && mkdir -p "$u" "$out/lib" "$out/obj" || exit 3
    tar -xf "$orig" -C "$u" || die "cannot unpack $orig"
    say "building upstream cJSON (fuzz) from $(basename "$orig")"
    # shellcheck disable=SC2086
    $CC $(flags_of fuzz) -std=c89 -c "$u"/*/cJSON.c -o "$out/obj/cJSON_upstream.o" ||
        die "upstream cJSON did not build" 1
    rm -f "$out/lib/libcjson_upstream.a" &&
        ar rcs "$out/lib/libcjson_upstream.a" "$out/obj/cJSON_upstream.o" || exit 3
    basename "$orig" >"$out/.cjson_upstream"
}

build_libpq() {
    local out=$TP/fuzz src flags t0 pg
    [ -f "$out/.libpq" ] && return 0
    src=$(fetch_one postgresql-15 libpq5) || exit $?
    flags=$(flags_of fuzz)
    t0=$(date +%s)
    pg=$TP/pgbuild
    rm -rf "$pg" && mkdir -p "$pg" "$out/include/libpq" "$out/lib"
    say "configuring PostgreSQL $(basename "$src") (client library only)"
    # configure's test programs are plain; the fuzzing flags go in through
    # COPT, which PostgreSQL's makefiles append to CFLAGS
    (cd "$pg" && CC=$CC CFLAGS="-O1 -g" "$src/configure" --without-readline --without-icu \
        --without-zlib --without-openssl --without-gssapi --without-ldap --without-lz4 \
        --without-zstd --without-libxml --without-libxslt --without-llvm \
        --without-systemd --without-pam --without-selinux --without-perl \
        --without-python --without-tcl --disable-nls) >"$TP/pg-configure.log" 2>&1 ||
        { tail -20 "$TP/pg-configure.log" >&2; die "PostgreSQL's configure failed (log: $TP/pg-configure.log)" 1; }
    say "building libpq, src/common, src/port (fuzz flags)"
    { make -C "$pg/src/backend" generated-headers &&
      make -C "$pg/src/port" -j"$JOBS" COPT="$flags" libpgport_shlib.a &&
      make -C "$pg/src/common" -j"$JOBS" COPT="$flags" libpgcommon_shlib.a &&
      make -C "$pg/src/interfaces/libpq" -j"$JOBS" COPT="$flags" all-static-lib; } \
        >"$TP/pg-make.log" 2>&1 ||
        { tail -20 "$TP/pg-make.log" >&2; die "libpq did not build (log: $TP/pg-make.log)" 1; }
    cp "$pg/src/interfaces/libpq/libpq.a" "$pg/src/common/libpgcommon_shlib.a" \
       "$pg/src/port/libpgport_shlib.a" "$out/lib/"
    cp "$src/src/interfaces/libpq/libpq-fe.h" "$pg/src/include/pg_config_ext.h" \
       "$src/src/include/postgres_ext.h" "$out/include/libpq/"
    echo "$(basename "$src") $(($(date +%s) - t0))s" >"$out/.libpq"
    say "libpq built in $(($(date +%s) - t0)) s"
}

case ${1:-} in
fetch) apt_setup; fetch_one cjson libcjson1 >/dev/null && fetch_one postgresql-15 libpq5 >/dev/null ;;
cjson) if [ "${2:-}" = upstream ]; then build_cjson_upstream; else build_cjson "${2:-fuzz}"; fi ;;
libpq) build_libpq ;;
all) build_cjson fuzz && build_cjson cov && build_cjson_upstream && build_libpq ;;
*) echo "usage: tools/third_party.sh fetch|cjson [fuzz|cov|upstream]|libpq|all" >&2; exit 2 ;;
esac
