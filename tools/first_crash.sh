#!/bin/bash
# first_crash.sh: how long from a fresh clone to a first explained crash in
# a user's own small parser, following only the README.
#
#   tools/first_crash.sh [REPO] [JOBS]
#
# REPO is what to clone (default: this checkout; any git URL or path), JOBS
# the make parallelism (default 2). In a temporary folder it runs, timing
# each step:
#   1. git clone REPO
#   2. make -jJOBS                  (the plain build; make deps is assumed
#                                    done: it needs root and the network)
#   3. the README's setup line      (export PATH=... PKG_CONFIG_PATH=...)
#   4. the README's kit example     (harness init, build, fuzz until the
#                                    first finding)
#   5. the README's explain block   (prodfuzz explain on that finding)
# and prints one line per step and the total. The blocks are taken from the
# clone's README.md as printed (tests/lib/readme_blocks.py), so what is
# timed is what a user pastes. Exit 0 when the run ends in an explanation,
# 1 otherwise. Nothing outside the temporary folder is touched; it is
# removed at the end unless PF_KEEP=1.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPO=${1:-$ROOT}
JOBS=${2:-2}
T=$(mktemp -d /tmp/pf-first-crash.XXXXXX)
[ "${PF_KEEP:-0}" = 1 ] || trap 'rm -rf "$T"' EXIT
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS MAKEFLAGS
now() { date +%s.%N; }
T0=$(now)
last=$T0
step() { # step NAME: the time since the previous step
    local t
    t=$(now)
    printf '%-36s %7.1f s\n' "$1" "$(awk -v a="$t" -v b="$last" 'BEGIN { print a - b }')"
    last=$t
}
fail() { echo "first_crash: $*" >&2; tail -20 "$T/log" >&2; exit 1; }

git clone -q "$REPO" "$T/prodfuzz" >"$T/log" 2>&1 || fail "git clone failed"
step "1. git clone"
make -C "$T/prodfuzz" -j"$JOBS" >"$T/log" 2>&1 || fail "make failed"
step "2. make -j$JOBS"

python3 "$T/prodfuzz/tests/lib/readme_blocks.py" "$T/prodfuzz/README.md" "$T/blocks" >"$T/blocks.tsv"
setup=$(grep -h '^export PATH=' "$T"/blocks/*.sh | head -1)
[ -n "$setup" ] || fail "the README has no 'export PATH=' setup line"
# the kit example: the sh block between the kit-example markers
kit_line=$(grep -n '^<!-- kit-example -->$' "$T/prodfuzz/README.md" | cut -d: -f1)
kit=$(awk -F'\t' -v l="$kit_line" '$2 == "sh" && $3 > l { print $1; exit }' "$T/blocks.tsv")
# the first sh block that runs prodfuzz explain after it
explain=$(awk -F'\t' -v k="$kit" '$2 == "sh" && $1 > k { print $1 }' "$T/blocks.tsv" |
          while read -r n; do grep -q 'prodfuzz explain' "$T/blocks/$n.sh" && { echo "$n"; break; }; done)
[ -n "$kit" ] && [ -n "$explain" ] || fail "kit example or explain block not found in the README"

cd "$T/prodfuzz" || exit 1
eval "$setup"
mkdir -p "$T/try" && cd "$T/try" || exit 1
step "3. setup line"
bash -c "set -e; . '$T/blocks/$kit.sh'" >"$T/log" 2>&1
st=$?
[ "$st" -eq 1 ] || [ "$st" -eq 77 ] || fail "the kit example ended with exit $st, not a finding"
step "4. harness init, build, fuzz"
cd "$T/try/orders-fuzz" || exit 1
bash -c "set -e; . '$T/blocks/$explain.sh'" >"$T/explain.out" 2>&1 || { cp "$T/explain.out" "$T/log"; fail "explain failed"; }
step "5. explain"
grep -q '^nearest production document' "$T/explain.out" || { cp "$T/explain.out" "$T/log"; fail "no explanation"; }
printf '%-36s %7.1f s\n' "total: clone to explained crash" "$(awk -v a="$(now)" -v b="$T0" 'BEGIN { print a - b }')"
echo "the finding: $(grep -m1 '^SUMMARY' "$T/log")"
echo "the explanation's first line: $(head -1 "$T/explain.out")"
