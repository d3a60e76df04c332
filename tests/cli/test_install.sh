#!/bin/bash
# make install PREFIX=... gives a command, a library, headers and a
# pkg-config file that a C program can be built against.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t_exit "make install into a fresh prefix" 0 make -s -C "$ROOT" install PREFIX="$tmp/usr"
for f in bin/prodfuzz lib/libprodfuzz.a lib/libprodfuzz_libfuzzer.a lib/prodfuzz_afl.so lib/pkgconfig/prodfuzz.pc lib/pkgconfig/prodfuzz-libfuzzer.pc include/prodfuzz/pf_json.h include/prodfuzz/pf_mutate.h; do
    if [ -e "$tmp/usr/$f" ]; then t_pass "installed $f"; else t_fail "installed $f"; fi
done
for f in pf_anon_int.h pf_pg_int.h pf_mutate_impl.h; do
    if [ -e "$tmp/usr/include/prodfuzz/$f" ]; then t_fail "private header $f not installed"; else t_pass "private header $f not installed"; fi
done
t_exit "installed command runs" 0 "$tmp/usr/bin/prodfuzz" --version
cat >"$tmp/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "pf_json.h"
int main(void)
{
    const char *doc = "{\"id\":505874924095815700}";
    pf_json j = PF_JSON_INIT;
    pf_err e = PF_ERR_INIT;
    if (pf_json_parse(&j, doc, strlen(doc), &e) < 0)
        return 1;
    printf("%s %.*s\n", pf_jkind_name(pf_json_kind(&j, 2)),
           j.tok[2].end - j.tok[2].start, doc + j.tok[2].start);
    pf_json_free(&j);
    return 0;
}
C
flags=$(PKG_CONFIG_PATH="$tmp/usr/lib/pkgconfig" pkg-config --cflags --libs prodfuzz)
t_exit "a program builds against pkg-config prodfuzz" 0 cc -std=c11 -o "$tmp/prog" "$tmp/prog.c" $flags
t_exit "and runs" 0 "$tmp/prog"
t_grep "numbers stay as written" "^int 505874924095815700$" "$T_OUT"
for pc in prodfuzz prodfuzz-libfuzzer; do
    libs=$(PKG_CONFIG_PATH="$tmp/usr/lib/pkgconfig" pkg-config --libs "$pc")
    dup=$(printf '%s\n' $libs | sort | uniq -d | tr '\n' ' ')
    t_eq "$pc.pc lists each library once" "$dup" ""
done
t_exit "make uninstall from the same prefix" 0 make -s -C "$ROOT" uninstall PREFIX="$tmp/usr"
left=$(find "$tmp/usr" -type f | sed "s|^$tmp/usr/||" | tr '\n' ' ')
t_eq "  removes every file make install wrote" "$left" ""
# DESTDIR staging, as packagers use it: the .pc file still says PREFIX
t_exit "make install DESTDIR=... PREFIX=/opt/pf" 0 make -s -C "$ROOT" install DESTDIR="$tmp/stage" PREFIX=/opt/pf
t_grep "  stages under DESTDIR with prefix=PREFIX in the .pc file" "^prefix=/opt/pf$" "$tmp/stage/opt/pf/lib/pkgconfig/prodfuzz.pc"
t_done
