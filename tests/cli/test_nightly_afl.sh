#!/bin/bash
# nightly_afl: `prodfuzz nightly --engine afl` runs real afl-fuzz on the
# example service's AFL++ build with the prodfuzz mutator library, a main
# and a secondary (--jobs 2) with the CI settings, and its crash becomes a
# finding signed on the libFuzzer build: the same finding, with the same
# id, that libFuzzer's night reports for the same bug.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
SVC=$ROOT/build/svc/service_orders_pf
SO=$ROOT/build/lib/prodfuzz_afl.so
if ! command -v afl-fuzz >/dev/null || ! command -v afl-clang-fast >/dev/null; then
    t_skip nightly_afl "afl-fuzz or afl-clang-fast not installed"; exit 0
fi
if ! [ -x "$SVC" ] || ! [ -f "$SO" ] || ! command -v python3 >/dev/null; then
    t_skip nightly_afl "make service / make all not built, or python3 missing"; exit 0
fi
W=$(mktemp -d /tmp/pf-nightly-afl.XXXXXX)
trap 'rm -rf "$W"' EXIT
t_exit "the example service builds with afl-clang-fast" 0 \
    env AFL_QUIET=1 afl-clang-fast -O1 -g -fsanitize=fuzzer \
    "$ROOT/harnesses/service_orders.c" -lcjson -o "$W/svc_afl"
"$P" nightly --target "$SVC" --afl-target "$W/svc_afl" --env PF_BUG=null \
    --corpus "$ROOT/corpus/service_orders" --engine afl --jobs 2 \
    --afl-mutator "$SO" --budget "${PF_AFL_SECONDS:-8}s" --minimize 2s \
    --state "$W/state" --out "$W/out" >"$W/stdout" 2>"$W/stderr"
st=$?
t_eq "the AFL++ night finds the null-email bug (exit 1)" $st 1
[ $st -eq 1 ] || tail -5 "$W/stderr"
t_exit "both AFL++ instances ran (main and a secondary)" 0 \
    test -s "$W/out/logs/service_orders_pf-afl/afl0.log" -a -s "$W/out/logs/service_orders_pf-afl/afl1.log"
t_grep "afl-fuzz ran to its time limit" "We're done here" "$W/out/logs/service_orders_pf-afl/afl0.log"
python3 - "$W/state/findings.json" >"$W/kinds" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["findings"]:
    print(f["kind"], f["signature"].split("|")[1])
PY
t_grep "the AFL++ crash is signed on the libFuzzer build: SEGV in email_domain" \
    "^SEGV email_domain " "$W/kinds"
t_eq "one bug, one finding" "$(wc -l <"$W/kinds")" 1
python3 -c "
import json; d=json.load(open('$W/out/report.json'))
t=d['targets'][0]; assert t['inputs'] > 0, t" 2>"$W/py"
t_eq "the report counts AFL++'s executions" $? 0
t_done
