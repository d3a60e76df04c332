#!/bin/bash
# The build: only `make deps` installs, every compile waits for one
# dependency check, pg_config is not run when the Makefile is read, header
# dependencies come from the compiler, -Werror only in the test builds,
# CPPFLAGS/LDFLAGS honoured. Dry runs (make -n -W FILE: "what if FILE
# changed") against the current build, so nothing is rebuilt.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset MAKEFLAGS MFLAGS MAKELEVEL

# a missing package: the check fails with exit 3 and the apt-get line, and
# nothing compiles (with -j2 too), also as root (building never installs)
t_exit "a missing package stops make -j2 all" 2 \
    env PF_DEPS_EXTRA=pf-no-such-package make -j2 -C "$ROOT" B="$tmp/b" all
t_grep "  in the dependency check, exit 3" "deps-check\] Error 3" "$T_ERR"
t_grep "  naming the exact apt-get line" "apt-get install -y pf-no-such-package" "$T_ERR"
t_nogrep "  without installing anything" "installing" "$T_ERR"
t_eq "  before any compile started" "$(find "$tmp/b" -name '*.o' 2>/dev/null | wc -l)" "0"

# pg_config is asked only when a compile needs it, never at Makefile read
mkdir "$tmp/path"
printf '#!/bin/sh\ntouch "%s/pg_config.ran"\necho /usr/include/postgresql\n' "$tmp" >"$tmp/path/pg_config"
chmod +x "$tmp/path/pg_config"
PATH="$tmp/path:$PATH" make -s -C "$ROOT" test-list >/dev/null
if [ -e "$tmp/pg_config.ran" ]; then t_fail "reading the Makefile does not run pg_config"
else t_pass "reading the Makefile does not run pg_config"; fi

# header dependencies from the compiler: one header, only its includers
if make -q --no-print-directory -C "$ROOT" PF_DEPS_CHECKED=1 all; then
    make -n -C "$ROOT" -W src/pf_fpe.h all >"$tmp/n" 2>&1
    t_grep "a changed header recompiles a file that includes it" "-o build/obj/pf_fpe.o" "$tmp/n"
    t_nogrep "  and not the files that do not" "-o build/obj/pf_json.o" "$tmp/n"
    make -n -C "$ROOT" -W src/pf_version.h all >"$tmp/n" 2>&1
    t_grep "the version header remakes the .pc files" "> build/lib/pkgconfig/prodfuzz.pc" "$tmp/n"
    make -n -C "$ROOT" -W src/pf_json.c build/lib/prodfuzz_afl.so >"$tmp/n" 2>&1
    t_grep "prodfuzz_afl.so links the PIC objects" "-shared -o build/lib/prodfuzz_afl.so .*build/obj/pf_json.o" "$tmp/n"
    t_nogrep "  instead of compiling src/ again" "-shared .* src/" "$tmp/n"
else
    t_fail "the release build is up to date (make test builds it first)"
fi

# -Werror only in the test builds; CPPFLAGS and LDFLAGS reach the compiler
make -n -C "$ROOT" -W src/pf_json.c build/obj/pf_json.o >"$tmp/n" 2>&1
t_nogrep "a release object builds without -Werror" "-Werror" "$tmp/n"
make -n -C "$ROOT" -W src/pf_json.c WERROR=-Werror build/obj/pf_json.o >"$tmp/n" 2>&1
t_grep "  make test's build of it uses -Werror" "-Werror" "$tmp/n"
make -n -C "$ROOT" -W src/pf_json.c build/asan/obj/pf_json.o >"$tmp/n" 2>&1
t_grep "  the sanitizer build always does" "-Werror" "$tmp/n"
make -n -C "$ROOT" -W src/pf_json.c CPPFLAGS=-DPF_PROBE=1 LDFLAGS=-Wl,-O1 build/bin/prodfuzz >"$tmp/n" 2>&1
t_grep "CPPFLAGS reach the compile" "-DPF_PROBE=1 .*-c src/pf_json.c" "$tmp/n"
t_grep "LDFLAGS reach the link" "-Wl,-O1 .*-o build/bin/prodfuzz" "$tmp/n"

# every header is public (PUBLIC_HDR, installed) or private by name
pub=$(make -s --no-print-directory -C "$ROOT" -f Makefile -f <(printf 'pf-pub:\n\t@echo $(PUBLIC_HDR)\n') pf-pub)
unclassified=""
for h in "$ROOT"/src/*.h; do
    h=src/${h##*/}
    case "$h" in *_int.h|*_impl.h) continue ;; esac
    [[ " $pub " == *" $h "* ]] || unclassified="$unclassified $h"
done
t_eq "every src/*.h is in PUBLIC_HDR or named *_int.h/*_impl.h" "$unclassified" ""
for h in $pub; do [ -f "$ROOT/$h" ] || unclassified="$unclassified $h"; done
t_eq "  and every PUBLIC_HDR file exists" "$unclassified" ""
t_done
