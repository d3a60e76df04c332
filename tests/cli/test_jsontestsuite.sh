#!/bin/bash
# jsontestsuite: JSON conformance through `prodfuzz check`. Three readers
# (tests/fixtures/run/json_readers.c: prodfuzz's pf_json validator, its
# JSONL reader, and cJSON) are built as check targets with the runner
# library and ASan, and `prodfuzz check --outcomes` runs each over the 318
# JSONTestSuite parsing cases in ../shared/data (skipped cleanly when the
# folder is absent). The outcomes must follow the rule (y_ accepted, n_
# rejected, i_ either, nothing crashes) except where
# tests/fixtures/jsontestsuite/expected.txt records otherwise, and must
# match that list exactly: any change in what a reader accepts fails.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PF=${PF_BIN:-$ROOT/build/asan/bin/prodfuzz}
SUITE=${PF_DATA:-$ROOT/../shared/data}/JSONTestSuite/test_parsing
EXPECT=$ROOT/tests/fixtures/jsontestsuite/expected.txt
if ! [ -d "$SUITE" ]; then
    t_skip jsontestsuite "$SUITE absent (../shared/data)"; exit 0
fi
if ! [ -f "$ROOT/build/lib/libprodfuzz_runner.a" ] || ! [ -f "$ROOT/build/asan/lib/libprodfuzz.a" ] ||
   ! command -v python3 >/dev/null; then
    t_skip jsontestsuite "the runner and ASan libraries (make all asan) or python3 missing"; exit 0
fi
W=$(mktemp -d /tmp/pf-jts.XXXXXX)
trap 'rm -rf "$W"' EXIT
ncases=$(ls "$SUITE" | wc -l)

for reader in pf_json jsonl cjson; do
    def=READER_$(echo "$reader" | tr a-z A-Z)
    if ! clang -g -O1 -fsanitize=address,undefined -I"$ROOT/src" -D"$def" \
        "$ROOT/tests/fixtures/run/json_readers.c" "$ROOT/build/lib/libprodfuzz_runner.a" \
        "$ROOT/build/asan/lib/libprodfuzz.a" -lcjson -lpq -lcrypto -lm -lpthread \
        -o "$W/$reader" 2>"$W/$reader.cc"; then
        t_fail "$reader: the check target builds" "$(head -5 "$W/$reader.cc")"
        continue
    fi
    "$PF" check "$W/$reader" "$SUITE" --mutants 0 --timeout 10s \
        --outcomes "$W/$reader.outcomes" --repro-dir "$W/repro-$reader" >"$W/$reader.out" 2>&1
    st=$?
    [ "$st" -le 1 ] && t_pass "$reader: check ran over the suite (exit $st)" \
        || t_fail "$reader: check ran over the suite" "exit $st: $(tail -3 "$W/$reader.out")"
    t_eq "$reader: every case has an outcome" "$(wc -l <"$W/$reader.outcomes")" "$ncases"
    python3 - "$reader" "$W/$reader.outcomes" "$EXPECT" >"$W/$reader.diff" <<'PY'
import json, os, sys
reader, outcomes, expect = sys.argv[1:4]
want = {}
for line in open(expect):
    line = line.strip()
    if line and not line.startswith("#"):
        r, case, o = line.split()
        if r == reader:
            want[case] = o
bad = []
for line in open(outcomes):
    d = json.loads(line)
    case, got = os.path.basename(d["input"]), d["outcome"]
    if got not in ("ok", "rejected"):
        bad.append("%s: %s (%s) -- no case may crash" % (case, got, d.get("signature")))
        continue
    rule = "ok" if case.startswith("y_") else "rejected" if case.startswith("n_") else None
    listed = want.pop(case, None)
    if listed is not None and listed != got:
        bad.append("%s: %s, the list says %s" % (case, got, listed))
    elif listed is None and rule is not None and got != rule:
        bad.append("%s: %s, not in the list (the rule says %s)" % (case, got, rule))
    elif listed is None and rule is None:
        bad.append("%s: %s, an i_ case not in the list" % (case, got))
for case, o in sorted(want.items()):
    bad.append("%s: listed as %s but not in the suite's outcomes" % (case, o))
if bad:
    print("\n".join(bad))
PY
    if [ -s "$W/$reader.diff" ]; then
        t_fail "$reader: outcomes match tests/fixtures/jsontestsuite/expected.txt" "$(head -20 "$W/$reader.diff")"
    else
        t_pass "$reader: outcomes match tests/fixtures/jsontestsuite/expected.txt"
    fi
done
# the list is not empty where it matters: cJSON's known leniency is in it
t_grep "the list records cJSON accepting trailing text" '^cjson n_structure_array_trailing_garbage\.json ok$' "$EXPECT"
t_grep "and prodfuzz's validator following the rule with no exception" '^pf_json i_' "$EXPECT"
t_nogrep "pf_json has no y_ or n_ exception" '^pf_json [yn]_' "$EXPECT"
t_done
