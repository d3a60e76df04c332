#!/bin/bash
# seed_tests: `prodfuzz seed-tests` records a production snapshot (the
# app_invoices seed corpus and its mutants) run through real parsers as
# regression fixtures, one per outcome and path signature, and writes a
# runner that passes against the same parser and fails, naming the
# fixture, against a changed one:
#   - a python3 command (tests/fixtures/seed/invoices.py) and run_tests.sh:
#     passes; fails when a release rejects null notes or adds an output
#     key; passes when only the JSON spelling changes; passes again after
#     --update; the help example;
#   - app_invoices.c as an ASan worker and the generated seed_test.c built
#     by seed_test.mk with -Wall -Wextra -Werror: passes on the same code,
#     fails on the -DBUG=1 build;
#   - a harness-kit target (tests/fixtures/seed/doc_kit.c) whose output is
#     the kit's serialized text: a changed serializer fails on output;
#   - --add keeps reproducers (a file, a nightly state folder);
#   - a folder that is not empty is refused, earlier tests need --update,
#     a failed --update leaves the old tests intact;
#   - no string value of the inputs appears outside fixtures/.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PF=${PF_BIN:-$ROOT/build/asan/bin/prodfuzz}
RUNNER_LIB="$ROOT/build/lib/libprodfuzz_runner.a"
[ -f "$RUNNER_LIB" ] || { t_skip seed_tests "build/lib/libprodfuzz_runner.a not built (make)"; exit 0; }
W=$(mktemp -d /tmp/pf-seed.XXXXXX)
trap 'rm -rf "$W"' EXIT
FX="$ROOT/tests/fixtures/seed"
INV="$ROOT/corpus/app_invoices"
SHAPE="$ROOT/corpus/app_invoices.shape.json"
cd "$W" || exit 3
cp "$FX/invoices.py" .
unset INVOICE_CHANGE
CL=null,missing,type,truncate # a python3 start per input: a short list

# ---- help, usage -------------------------------------------------------
t_exit "help has a working example" 0 "$PF" seed-tests --help
mkdir ex && (cd ex && printf '%s\n' '{"id":1,"email":"ann@example.com","age":42}' \
    '{"id":2,"email":"bob@example.org","age":17}' >rows.jsonl)
ex=$(sed -n '/^Example:/,$p' "$T_OUT" | tail -n +2 | sed 's/^  //' | sed "s#/tmp/#$W/ex/#g")
t_exit "the help example runs as pasted" 0 env PATH="$(dirname "$PF"):$PATH" bash -ec "cd ex && $ex"
t_grep "and its runner passes" '^[1-9][0-9]* passed, 0 failed$' "$T_OUT"
t_exit "no --out is a usage error" 2 "$PF" seed-tests --cmd cat "$INV"
t_exit "no target is a usage error" 2 "$PF" seed-tests --out o1 "$INV"
t_exit "no input is a usage error" 2 "$PF" seed-tests --cmd cat --out o1
t_exit "inputs without a target are a usage error" 2 "$PF" seed-tests "$INV" "$SHAPE" --out o1
t_grep "that says where the target goes" 'not an executable file: give INPUT... TARGET' "$T_ERR"
t_exit "a missing input is an input error" 2 "$PF" seed-tests --cmd cat --out o1 nope.jsonl
t_eq "and nothing was written" "$(ls -d o1 2>/dev/null)" ""

# ---- a python3 command and the shell runner ------------------------------
t_exit "seed-tests records a python3 parser" 0 "$PF" seed-tests "$INV" \
    --cmd 'python3 invoices.py @@' --out st --shape "$SHAPE" --mutants 2 --classes "$CL" --timeout 10s
cp "$T_OUT" st.out
t_grep "it says how to run them" '^run them: sh st/run_tests.sh$' st.out
t_exit "fixtures.json: fewer fixtures than inputs, one per signature, every file there" 0 python3 -c "
import json, os, sys
m = json.load(open('st/fixtures.json'))
fx = m['fixtures']
n = len(fx)
assert m['inputs'] == 24 + 4 * 2, m['inputs']
assert 1 < n < m['inputs'], (n, m['inputs'])
docs = [(f['outcome'], f['path_signature']) for f in fx if f['class'] == 'production']
assert len(docs) == len(set(docs)) and 1 < len(docs) < 24, docs
muts = [(f['outcome'], f['class'], f['path']) for f in fx if f['class'] != 'production']
assert len(muts) == len(set(muts)), muts
assert sum(f['inputs_with_this_signature'] for f in fx) == m['inputs'], 'every input is covered once'
outs = set()
for f in fx:
    p = os.path.join('st/fixtures', f['file'])
    assert os.path.getsize(p) == f['bytes'], f
    assert f['file'].startswith(f['outcome'] + '-'), f
    assert f['class'] in f['file'], f
    if f['path']:
        assert f['path'].replace('[*]', '[]') in f['file'], f
    outs.add(f['outcome'])
    if f['output']:
        assert os.path.exists(os.path.join('st/fixtures', f['output']['file'])), f
assert outs == {'ok', 'rejected'}, outs
assert any(f['output'] and f['output']['json'] for f in fx)
"
t_grep "a rejected mutant is named by class and path" '^  rejected-[a-z]+-\$\.[a-z_.]+' st.out
t_exit "the shell runner passes against the same parser" 0 sh st/run_tests.sh
t_grep "and ends with the count" "^$(python3 -c "import json; print(len(json.load(open('st/fixtures.json'))['fixtures']))") passed, 0 failed$" "$T_OUT"
t_exit "it fails when a release rejects null notes" 1 env INVOICE_CHANGE=strict sh st/run_tests.sh
t_grep "naming the fixture and the change" '^not ok - ok-production-[0-9a-f]+\.json: outcome rejected \(exit 1\), recorded ok$' "$T_OUT"
t_grep "and ends with the count" '^[0-9]+ passed, [1-9][0-9]* failed$' "$T_OUT"
t_exit "it fails when the output gains a key" 1 env INVOICE_CHANGE=extra sh st/run_tests.sh
t_grep "saying the output changed" '^not ok - ok-production-[0-9a-f]+\.json: output changed' "$T_OUT"
t_exit "the same JSON value spelt otherwise passes (compared by cJSON)" 0 env INVOICE_CHANGE=reorder sh st/run_tests.sh
t_exit "SEED_CMD runs the fixtures against another command" 1 env SEED_CMD='python3 -c "import sys; sys.exit(0)" @@' sh st/run_tests.sh
t_exit "--same-output compares JSON values" 0 sh -c "printf '{\"a\": [1, 2.0]}' >a.out; printf '{\"a\":[1,2]}\n' >b.out; '$PF' seed-tests --same-output a.out b.out"
t_exit "--same-output tells different values apart" 1 sh -c "printf '{\"a\":[2,1]}' >c.out; '$PF' seed-tests --same-output a.out c.out"

# ---- no raw value outside fixtures/ --------------------------------------
python3 - "$INV" >values.txt <<'EOF'
import json, os, sys
vals = set()
def walk(v):
    if isinstance(v, dict):
        for x in v.values(): walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
    elif isinstance(v, str) and len(v) >= 6:
        vals.add(v)
for n in os.listdir(sys.argv[1]):
    walk(json.load(open(os.path.join(sys.argv[1], n))))
for v in sorted(vals): print(v)
EOF
t_exit "the corpus has values to look for" 0 test "$(wc -l <values.txt)" -gt 20
leaks=$(find st -path st/fixtures -prune -o -type f -print | xargs cat st.out "$T_ERR" | grep -F -c -f values.txt)
t_eq "no input value appears outside fixtures/ (manifest, runner, output)" "$leaks" 0
t_exit "but the fixtures hold them" 0 sh -c "cat st/fixtures/* | grep -F -q -f values.txt"

# ---- refusals, --update, atomicity ---------------------------------------
t_exit "earlier tests are not overwritten without --update" 2 "$PF" seed-tests "$INV" \
    --cmd 'python3 invoices.py @@' --out st --mutants 0
t_grep "it says to use --update" 'already holds seed tests: --update' "$T_ERR"
mkdir mine && echo keep >mine/notes.txt
t_exit "a folder with other files is refused" 2 "$PF" seed-tests "$INV" \
    --cmd 'python3 invoices.py @@' --out mine --mutants 0 --update
t_grep "with a clear message" 'mine exists and holds files that are not seed tests' "$T_ERR"
t_eq "and left alone" "$(ls mine)" "notes.txt"
mkdir empty
t_exit "an empty folder is taken" 0 "$PF" seed-tests "$INV" --cmd 'python3 invoices.py @@' \
    --out empty --mutants 0
before=$(cat st/fixtures.json)
t_exit "an --update that cannot write fails" 3 bash -c "ulimit -f 1; exec '$PF' seed-tests '$INV' \
    --cmd 'python3 invoices.py @@' --out st --mutants 0 --update"
t_eq "and leaves the old tests intact" "$(cat st/fixtures.json)" "$before"
t_eq "and no temporary folder" "$(ls -a | grep -c seed-tmp)" 0
t_exit "the old tests still pass" 0 sh st/run_tests.sh
t_exit "--update re-records after the behaviour change" 0 env INVOICE_CHANGE=strict "$PF" seed-tests \
    "$INV" --cmd 'python3 invoices.py @@' --out st --shape "$SHAPE" --mutants 2 --classes "$CL" --timeout 10s --update
t_exit "now the changed parser passes" 0 env INVOICE_CHANGE=strict sh st/run_tests.sh
t_exit "and the old one fails" 1 sh st/run_tests.sh
t_grep "on the null notes it accepts" '^not ok - rejected-production-[0-9a-f]+\.json: outcome ok \(exit 0\), recorded rejected$' "$T_OUT"

# ---- app_invoices as a worker and the C runner ---------------------------
CC="clang -g -O1 -fsanitize=address,undefined"
$CC -o inv0 "$ROOT/harnesses/app_invoices.c" "$RUNNER_LIB" -lcjson
t_exit "seed-tests records app_invoices (INPUT... TARGET)" 0 "$PF" seed-tests "$INV" ./inv0 \
    --out ct --shape "$SHAPE" --mutants 5
t_grep "it says how to build the C test" "^run them: make -f ct/seed_test.mk SEED_TEST_LINK=" "$T_OUT"
t_exit "fewer fixtures than inputs" 0 python3 -c "
import json; m = json.load(open('ct/fixtures.json'))
assert 1 < len(m['fixtures']) < m['inputs'], (len(m['fixtures']), m['inputs'])
assert m['target']['engine'] == 'worker'"
MK=(make -s -f ct/seed_test.mk SEED_TEST_CC=clang SEED_TEST_LINK="$ROOT/harnesses/app_invoices.c -lcjson")
t_exit "seed_test.c builds with -Wall -Wextra -Werror and passes on the same code" 0 \
    "${MK[@]}" SEED_TEST_CFLAGS="-std=c11 -Wall -Wextra -Werror" SEED_TEST_BIN="$W/bin-ct0"
t_grep "every fixture" "^$(python3 -c "import json; print(len(json.load(open('ct/fixtures.json'))['fixtures']))") passed, 0 failed$" "$T_OUT"
# control characters in one of the five exported fields are a small share
# of unicode mutants (the class spreads over every string and kind of odd
# text), so the control-character check records unicode mutants only
t_exit "seed-tests records unicode mutants of app_invoices" 0 "$PF" seed-tests "$INV" ./inv0 \
    --out cu --shape "$SHAPE" --mutants 80 --classes unicode
MKU=(make -s -f cu/seed_test.mk SEED_TEST_CC=clang SEED_TEST_LINK="$ROOT/harnesses/app_invoices.c -lcjson")
t_exit "it fails on the build with the control-character bug (BUG=1)" 2 \
    "${MKU[@]}" SEED_TEST_CFLAGS="-DBUG=1" SEED_TEST_BIN="$W/bin-ct1"
t_grep "naming the fixture, the outcome and the report" '^not ok - ok-unicode-\$\.[a-z_.]+-[0-9a-f]+\.(json|bin): outcome crash, recorded ok$' "$T_OUT"
t_grep "with the sanitizer's line" 'runtime error: index 5 out of bounds' "$T_OUT"
t_grep "and the count" '^[0-9]+ passed, [1-9][0-9]* failed$' "$T_OUT"
$CC -DBUG=1 -o inv1 "$ROOT/harnesses/app_invoices.c" "$RUNNER_LIB" -lcjson
t_exit "recording the buggy build keeps the crash as a fixture" 0 "$PF" seed-tests "$INV" \
    --target ./inv1 --out ct1 --shape "$SHAPE" --mutants 80 --classes unicode
t_grep "named by kind, class and path" '^  crash-index-out-of-bounds-unicode-\$\.' "$T_OUT"
t_grep "and it warns that the runner expects it" 'fixtures? records? a failure' "$T_ERR"
t_exit "the C runner agrees with prodfuzz on the crash" 0 make -s -f ct1/seed_test.mk \
    SEED_TEST_CC=clang SEED_TEST_LINK="$ROOT/harnesses/app_invoices.c -lcjson" \
    SEED_TEST_CFLAGS="-DBUG=1" SEED_TEST_BIN="$W/bin-ct1b"

# ---- a harness-kit target: outputs of in-process targets -----------------
printf '{"a":1}\n{"a":[1,2]}\n[1]\n{"b":null,"c":"x"}\n' >docs.jsonl
$CC -I"$ROOT/harnesses/kit" -o kit0 "$FX/doc_kit.c" "$RUNNER_LIB" -lcjson
t_exit "seed-tests records the kit's serialized output" 0 "$PF" seed-tests docs.jsonl \
    --target ./kit0 --out kt --mutants 0
t_grep "a rejection is recorded" '^  rejected-production-' "$T_OUT"
t_exit "the kit's text is the recorded output" 0 grep -qx '{"a":\[1,2\]}' kt/fixtures/ok-production-db3e.json.out
KMK=(make -s -f kt/seed_test.mk SEED_TEST_CC=clang SEED_TEST_LINK="-I$ROOT/harnesses/kit $FX/doc_kit.c -lcjson")
t_exit "the C runner passes on the same serializer" 0 "${KMK[@]}" SEED_TEST_BIN="$W/bin-kt0"
t_exit "and fails on a changed one" 2 "${KMK[@]}" SEED_TEST_CFLAGS=-DCHANGED SEED_TEST_BIN="$W/bin-kt1"
t_grep "saying the output changed" '^not ok - ok-production-db3e\.json: output changed' "$T_OUT"
t_grep "but not the rejection" '^ok - rejected-production-' "$T_OUT"

# ---- --add: reproducers that must stay fixed ------------------------------
crash=$(ls ct1/fixtures | grep '^crash-' | head -1)
cp "ct1/fixtures/$crash" repro1
mkdir -p state/findings/abc123def456
cp repro1 state/findings/abc123def456/reproducer
echo '{"findings":[]}' >state/findings.json
t_exit "--add a reproducer and a nightly state folder" 0 "$PF" seed-tests "$INV" --target ./inv0 \
    --out ra --mutants 0 --add repro1 --add state
t_exit "each reproducer is a fixture of its own, even with the same bytes" 0 python3 -c "
import json; m = json.load(open('ra/fixtures.json'))
r = [f for f in m['fixtures'] if f['class'] == 'reproducer']
assert len(r) == 2, r
assert all(f['outcome'] == 'ok' for f in r), r
assert sorted(f['origin'] for f in r) == ['repro1', 'state/findings/abc123def456/reproducer'], r"
t_exit "a fixed bug stays fixed: the runner passes on the fixed build" 0 make -s -f ra/seed_test.mk \
    SEED_TEST_CC=clang SEED_TEST_LINK="$ROOT/harnesses/app_invoices.c -lcjson" SEED_TEST_BIN="$W/bin-ra0"
t_exit "and fails when the bug comes back" 2 make -s -f ra/seed_test.mk \
    SEED_TEST_CC=clang SEED_TEST_LINK="$ROOT/harnesses/app_invoices.c -lcjson" \
    SEED_TEST_CFLAGS=-DBUG=1 SEED_TEST_BIN="$W/bin-ra1"
t_grep "naming the reproducer" '^not ok - ok-reproducer-[0-9a-f]+\.json: outcome crash, recorded ok$' "$T_OUT"

# ---- every outcome class: the runners classify as prodfuzz does ----------
RUN="$ROOT/tests/fixtures/run"
printf 'ok\nreject\ncrash 1\nsegv\nhang\nexit\noom\n{"a":1}\n{"bad":1}\n' >classes.jsonl
$CC -o bw "$RUN/buggy.c" "$RUNNER_LIB"
t_exit "seed-tests records a worker with a bug per outcome class" 0 "$PF" seed-tests classes.jsonl \
    --target ./bw --out cw --mutants 0 --timeout 1s --mem 256M
t_grep "a warning says the runner expects the failures" '5 fixtures record a failure' "$T_ERR"
t_exit "one fixture per class and kind" 0 python3 -c "
import json; m = json.load(open('cw/fixtures.json'))
got = sorted((f['outcome'], f['kind'] or '') for f in m['fixtures'])
assert got == [('crash', 'SEGV'), ('crash', 'heap-buffer-overflow'), ('ok', ''), ('ok', ''), ('ok', ''),
               ('oom', 'allocation-size-too-big'), ('rejected', ''), ('silent-exit', 'silent-exit'),
               ('timeout', 'timeout')], got
outs = {f['file']: f['output'] for f in m['fixtures'] if f['output']}
assert len(outs) == 2 and all(o['json'] for o in outs.values()), outs"
t_exit "the C runner agrees on every class" 0 make -s -f cw/seed_test.mk SEED_TEST_CC=clang \
    SEED_TEST_LINK="$RUN/buggy.c" SEED_TEST_BIN="$W/bin-cw"
t_grep "all of them" '^9 passed, 0 failed$' "$T_OUT"
for mode in "@@" ""; do
    rm -rf cs
    t_exit "seed-tests records a script with a bug per class (${mode:-stdin})" 0 "$PF" seed-tests \
        classes.jsonl --cmd "python3 $RUN/app.py $mode" --out cs --mutants 0 --timeout 1s --mem 512M
    t_exit "the shell runner agrees on every class (${mode:-stdin})" 0 sh cs/run_tests.sh
    t_grep "all of them" '^8 passed, 0 failed$' "$T_OUT"
    t_nogrep "and the shell's own notes stay out" 'Segmentation' "$T_ERR"
done
printf 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n' >kill9.py
t_exit "a command killed at once is recorded as a silent exit" 0 "$PF" seed-tests classes.jsonl \
    --cmd 'python3 kill9.py @@' --out ck --mutants 0 --timeout 5s
t_grep "named so" '^  silent-exit-killed-production-' "$T_OUT"
t_exit "and the shell runner agrees (a kill before the deadline is no timeout)" 0 sh ck/run_tests.sh
t_exit "the classes are the expected ones" 0 python3 -c "
import json; m = json.load(open('cs/fixtures.json'))
got = sorted(f['outcome'] for f in m['fixtures'])
assert got == ['crash', 'ok', 'ok', 'ok', 'oom', 'rejected', 'silent-exit', 'timeout'], got"

t_exit "--json gives a summary" 0 "$PF" seed-tests docs.jsonl --target ./kit0 --out kj --mutants 0 --json
t_exit "the JSON summary parses" 0 python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
assert s['inputs'] == 4 and s['fixtures'] == 4 and s['outcomes'] == {'ok': 3, 'rejected': 1}, s
" "$T_OUT"
# ---- the README's example, once the README has it -------------------------
# (between <!-- seed-example --> markers, run in the folder the kit example
# between <!-- kit-example --> markers made and left the shell in
# (orders-fuzz/), as a reader would)
readme_block() {
    sed -n "/^<!-- $1 -->\$/,/^<!-- \/$1 -->\$/p" "$ROOT/README.md" | sed '1d;$d' |
        sed '1{/^```sh$/d}' | sed '${/^```$/d}'
}
if ! grep -q '^<!-- seed-example -->$' "$ROOT/README.md"; then
    t_skip "the README's seed-tests example runs as pasted" "README.md has no seed-example block yet"
elif ! [ -f "$ROOT/build/lib/libprodfuzz_libfuzzer.a" ] || ! [ -x "$ROOT/build/bin/prodfuzz" ]; then
    t_skip "the README's seed-tests example runs as pasted" "build/lib/libprodfuzz_libfuzzer.a not built (make)"
else
    mkdir -p readme/bin
    ln -s "$ROOT/build/bin/prodfuzz" readme/bin/prodfuzz
    readme_block kit-example | grep -v -- '-max_total_time' >readme/kit.sh
    readme_block seed-example >readme/seed.sh
    (cd readme && export PATH="$W/readme/bin:$PATH" PKG_CONFIG_PATH="$ROOT/build/lib/pkgconfig" &&
        unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS && bash -e kit.sh >kit.out 2>&1 &&
        cd orders-fuzz && timeout 300 bash -e ../seed.sh) >readme/out 2>&1
    st=$?
    if [ "$st" -eq 0 ]; then t_pass "the README's seed-tests example runs as pasted"
    else t_fail "the README's seed-tests example runs as pasted" "exit $st" "$(tail -5 readme/out)"; fi
    t_grep "its runner passes on the parser as it was" '^[1-9][0-9]* passed, 0 failed$' readme/out
    t_grep "and catches the change" '^not ok - ok-[a-z]+-\$\.currency-[0-9a-f]+\.json: outcome rejected, recorded ok$' readme/out
fi

t_done
