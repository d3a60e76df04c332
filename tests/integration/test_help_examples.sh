#!/bin/bash
# Every example in `prodfuzz --help` and `prodfuzz CMD --help`, for every
# subcommand `prodfuzz help` lists (a command that lands later is covered
# without touching this test), runs as pasted and exits 0.
#
# The convention the examples are written to (keep new examples to it):
#   - they run in a fresh folder holding what a user of the README has:
#     key.bin (a 32-byte key, mode 0600), rows.jsonl (two JSON documents)
#     and corpus/service_orders/ (the checkout's seed corpus), as in the
#     checkout; build/ and harnesses/ are the checkout's (read only: the
#     built example service is build/svc/service_orders);
#   - a database is `postgresql:///shop`: the throwaway PostgreSQL of
#     tests/lib/pg.sh, with tests/fixtures/sample_schema.sql loaded into a
#     database named shop (tables users, orders, order_items, ...);
#   - scratch files go under /tmp/; the test runs each example with /tmp/
#     replaced by a private folder, so parallel runs do not collide;
#   - the lines of one command's examples run in order, in one shell with
#     `set -e` (a later line may use a file an earlier one wrote).
# An example that needs more adds it to setup() below. One that cannot run
# here says why in CANNOT_RUN (reported as a skip with that reason). A
# command still marked "(planned)" in `prodfuzz help` has no real example
# yet (its owner replaces it with the command): a skip with the reason too.
declare -A CANNOT_RUN=()
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/pg.sh"
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
: "${PGHOST:?integration tests need tests/run.sh to start PostgreSQL}"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
W=$(mktemp -d /tmp/pf-help-examples.XXXXXX)
trap 'rm -rf "$W"' EXIT

pg_fixture_db shop "$ROOT/tests/fixtures/sample_schema.sql" "$W/fixture.log"
unset PGDATABASE
mkdir -p "$W/bin"
ln -s "$P" "$W/bin/prodfuzz"
export PATH="$W/bin:$PATH"

# setup DIR: the files every example may assume
setup() {
    mkdir -p "$1/tmp" "$1/corpus"
    (umask 077; head -c 32 /dev/urandom >"$1/key.bin")
    printf '%s\n' '{"id":1,"email":"ann@example.com","age":42}' \
        '{"id":2,"email":"bob@example.org","age":17}' >"$1/rows.jsonl"
    cp -r "$ROOT/corpus/service_orders" "$1/corpus/"
    ln -s "$ROOT/build" "$1/build"
    ln -s "$ROOT/harnesses" "$1/harnesses"
}

# examples HELPFILE: the indented lines under "Example:" / "Examples:"
examples() {
    awk '/^Examples?:$/ { on = 1; next } on && /^  / { print substr($0, 3); next } on { on = 0 }' "$1"
}

# run_examples LABEL CMD...: the examples of `CMD --help`, run as pasted
run_examples() {
    local label=$1 d; shift
    d=$W/$(echo "$label" | tr ' ' _)
    setup "$d"
    "$P" "$@" --help >"$d/help.txt" 2>&1
    examples "$d/help.txt" | sed "s#/tmp/#$d/tmp/#g" >"$d/example.sh"
    if [ ! -s "$d/example.sh" ]; then
        t_fail "$label --help has an example" "$(cat "$d/help.txt")"; return
    fi
    t_grep "$label --help: the example uses prodfuzz" "(^|[ ;&|])prodfuzz( |$)" "$d/example.sh"
    (cd "$d" && timeout 120 bash -e example.sh) >"$d/out" 2>&1
    st=$?
    if [ "$st" -eq 0 ]; then
        t_pass "$label --help: the example runs as pasted"
    else
        t_fail "$label --help: the example runs as pasted" "exit $st" \
            "$(sed 's/^/    /' "$d/example.sh")" "$(tail -5 "$d/out")"
    fi
}

run_examples "prodfuzz"
"$P" help >"$W/list" 2>&1
cmds=$(awk '/^Subcommands:/ { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }' "$W/list" | grep -vx help)
if [ "$(echo "$cmds" | wc -w)" -ge 5 ]; then t_pass "prodfuzz help lists the subcommands"
else t_fail "prodfuzz help lists the subcommands" "$(cat "$W/list")"; fi
for c in $cmds; do
    if grep -Eq "^  $c .*\(planned\)$" "$W/list"; then
        t_skip "$c --help: the example runs as pasted" "planned: the command and its example are being written by their owner"
        continue
    fi
    if [ -n "${CANNOT_RUN[$c]:-}" ]; then
        t_skip "$c --help: the example runs as pasted" "${CANNOT_RUN[$c]}"
        continue
    fi
    run_examples "$c" "$c"
done
t_done
