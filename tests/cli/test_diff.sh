#!/bin/bash
# diff: `prodfuzz diff` between two builds of a real parser
# (tests/fixtures/diff/orders.c as ASan workers: version 2 rejects a null
# e-mail on purpose and overflows a stack buffer on a long name by
# mistake) finds exactly those two divergences, grouped by kind and path,
# with reproducers that replay to the same results; --allow turns exit 1
# into 0 only for what it lists; the same value printed another way
# (key order, whitespace, 7.0) is no divergence unless --exact-output;
# python commands with reordered keys agree and a changed value is an
# output divergence at its path; identical builds exit 0; a crash in both
# builds is listed as such, not as a divergence; a divergence that does
# not repeat when its reproducer runs again is marked so.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PF=${PF_BIN:-$ROOT/build/asan/bin/prodfuzz}
W=$(mktemp -d /tmp/pf-diff.XXXXXX)
trap 'rm -rf "$W"' EXIT
FX="$ROOT/tests/fixtures"
cd "$W" || exit 3

t_exit "help has a working example" 0 "$PF" diff --help
ex=$(sed -n '/^Example:/,$p' "$T_OUT" | tail -n +2 | sed 's/^  //')
t_exit "the help example runs and finds no divergence" 0 env PATH="$(dirname "$PF"):$PATH" bash -c "$ex"
t_grep "it says so" 'no divergence' "$T_OUT"

printf '%s\n' '{"id":1,"name":"Ann Lee","email":"ann@example.com"}' \
    '{"id":2,"name":"Bo","email":"bo@example.org"}' \
    '{"id":3,"name":"Cy Park","email":"cy@example.net"}' >orders.jsonl
t_exit "no old target is a usage error" 2 "$PF" diff --new-cmd cat orders.jsonl
t_grep "and says what to give" 'no old target' "$T_ERR"
t_exit "two old targets are a usage error" 2 "$PF" diff --old ./x --old-cmd cat --new-cmd cat orders.jsonl
t_exit "no input is a usage error" 2 "$PF" diff --old-cmd cat --new-cmd cat
t_exit "--old-lib without --symbol is a usage error" 2 "$PF" diff --old-lib x.so --new-cmd cat orders.jsonl
t_exit "a bad --timeout is a usage error" 2 "$PF" diff --old-cmd cat --new-cmd cat --timeout soon orders.jsonl
t_exit "a missing allow file is an input error" 2 "$PF" diff --old-cmd cat --new-cmd cat --allow nope.txt orders.jsonl
printf 'output $.a\naccept-reject $.email\n' >typo.txt
t_exit "an allow file with an unknown kind is an input error" 2 "$PF" diff --old-cmd cat --new-cmd cat --allow typo.txt orders.jsonl
t_grep "naming the file and line" 'typo.txt:2: .accept-reject. matches no divergence kind' "$T_ERR"
t_exit "a missing binary is an environment error" 3 "$PF" diff --old "$W/nope" --new-cmd cat orders.jsonl
t_exit "a binary without the worker is an environment error" 3 "$PF" diff --old-cmd cat --new /bin/true orders.jsonl

for v in 1 2 3; do
    clang -g -O1 -fsanitize=address,undefined -DVERSION=$v -o v$v "$FX/diff/orders.c" \
        "$ROOT/build/lib/libprodfuzz_runner.a" -lcjson -lm 2>/dev/null
done
t_exit "identical builds: exit 0" 0 "$PF" diff --old ./v1 --new ./v1 orders.jsonl --mutants 20
t_grep "and no divergence" 'no divergence$' "$T_OUT"
t_grep "both builds saw every input" '^old +243 +120 +123 ' "$T_OUT"
t_exit "the same value printed differently (keys, spaces, 7.0): exit 0" 0 "$PF" diff --old ./v1 --new ./v3 orders.jsonl --mutants 20
t_grep "no divergence" 'no divergence$' "$T_OUT"
t_exit "--exact-output counts the spelling" 1 "$PF" diff --old ./v1 --new ./v3 orders.jsonl --mutants 0 --exact-output --repro-dir ex
t_grep "as an output divergence of the documents" '^output +\$ +3 ' "$T_OUT"

t_exit "old vs new: divergences exit 1" 1 "$PF" diff --old ./v1 --new ./v2 orders.jsonl --mutants 20 --classes null,oversize --json --repro-dir r
cp "$T_OUT" d.json
t_exit "exactly the two known divergences, grouped by kind and path" 0 python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((g['kind'], g['path'], g['class'], g['old']['outcome'], g['new']['outcome']) for g in d['divergences'])
assert got == [('accept->reject', '\$.email', 'null', 'ok', 'rejected'),
               ('new-crash', '\$.name', 'oversize', 'ok', 'crash')], got
assert d['in_both'] == [], d['in_both']
assert d['divergent_inputs'] == sum(g['count'] for g in d['divergences']) == d['not_allowed']
assert d['old']['outcomes']['crash'] == 0 and d['new']['outcomes']['crash'] > 0, d['new']
crash = [g for g in d['divergences'] if g['kind'] == 'new-crash'][0]
assert 'stack-buffer-overflow' in crash['new']['title'], crash
assert any('\$.name' in e and 'bytes' in e for e in crash['explain']), crash['explain']
rej = [g for g in d['divergences'] if g['kind'] == 'accept->reject'][0]
assert any('\$.email is null' in e for e in rej['explain']), rej['explain']
assert json.load(open(rej['reproducer']))['email'] is None
import os
for g in d['divergences']:
    assert os.path.getsize(g['reproducer']) == g['reproducer_bytes'], g
" d.json
rej=$(python3 -c "import json,sys; print([g for g in json.load(open(sys.argv[1]))['divergences'] if g['kind']=='accept->reject'][0]['reproducer'])" d.json)
crash=$(python3 -c "import json,sys; print([g for g in json.load(open(sys.argv[1]))['divergences'] if g['kind']=='new-crash'][0]['reproducer'])" d.json)
replay() { python3 -c "import json,sys; print([g for g in json.load(open(sys.argv[1]))['divergences'] if g['kind']==sys.argv[2]][0][sys.argv[3]])" d.json "$1" "$2"; }
t_exit "the reject reproducer replays as accepted by old" 0 bash -c "$(replay accept-\>reject replay_old)"
t_exit "and as rejected by new" 1 bash -c "$(replay accept-\>reject replay_new)"
t_exit "the crash reproducer replays clean on old" 0 bash -c "$(replay new-crash replay_old)"
t_exit "and crashes new" 1 bash -c "$(replay new-crash replay_new)"
t_grep "with the same report" 'stack-buffer-overflow' "$T_ERR"
t_exit "diff on the reproducers alone gives the same kinds" 1 "$PF" diff --old ./v1 --new ./v2 "$rej" "$crash" --mutants 0 --json --repro-dir r2
t_exit "accept->reject and new-crash again" 0 python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(g['kind'] for g in d['divergences']) == ['accept->reject', 'new-crash'], d['divergences']
" "$T_OUT"

t_exit "the terminal shows the table and each group" 1 "$PF" diff --old ./v1 --new ./v2 orders.jsonl --mutants 20 --classes null,oversize --repro-dir r3
t_grep "a row per group" '^accept->reject +\$\.email +[0-9]+ +no +ok -> rejected' "$T_OUT"
t_grep "the crash group" '^new-crash +\$\.name +[0-9]+ +no +ok -> crash' "$T_OUT"
t_grep "its explain line" '^  explain: +\$\.email is null' "$T_OUT"
t_grep "replay lines for both builds" '^  replay new: \./v2 r3/new-crash-' "$T_OUT"

printf '# the new parser refuses a null e-mail on purpose\naccept->reject $.email\n' >allow1.txt
t_exit "--allow of one kind and path: the other still fails" 1 "$PF" diff --old ./v1 --new ./v2 orders.jsonl --mutants 20 --classes null,oversize --allow allow1.txt --repro-dir r4
t_grep "the allowed group says so" '^accept->reject +\$\.email +[0-9]+ +line 2 ' "$T_OUT"
t_grep "the other does not" '^new-crash +\$\.name +[0-9]+ +no ' "$T_OUT"
printf 'accept->reject $.email\nnew-crash $.name\n' >allow2.txt
t_exit "--allow listing both: exit 0" 0 "$PF" diff --old ./v1 --new ./v2 orders.jsonl --mutants 20 --classes null,oversize --allow allow2.txt --repro-dir r5
t_grep "still reported" '0 not allowed' "$T_OUT"
printf 'accept->reject $.name\nnew-* $.name\n' >allow3.txt
t_exit "--allow with the wrong path for one kind: exit 1" 1 "$PF" diff --old ./v1 --new ./v2 orders.jsonl --mutants 20 --classes null,oversize --allow allow3.txt --repro-dir r6
t_grep "and a rule that matched nothing is named" 'allow3.txt:1: allows nothing' "$T_ERR"

t_exit "--report writes the shared reports" 1 "$PF" diff --old ./v1 --new ./v2 orders.jsonl --mutants 20 --classes null,oversize --allow allow1.txt --report rep
t_exit "report.json: diff, two targets, divergences (the allowed one suppressed)" 0 python3 -c "
import json, os, sys
d = sys.argv[1]
for f in ('report.json', 'report.md', 'report.sarif', 'report.html', 'junit.xml'):
    assert os.path.getsize(os.path.join(d, f)) > 0, f
r = json.load(open(os.path.join(d, 'report.json')))
assert r['tool'] == 'diff', r['tool']
assert [t['name'] for t in r['targets']] == ['./v1', './v2'], r['targets']
fs = {f['kind']: f for f in r['findings']}
assert set(fs) == {'accept->reject', 'new-crash'}, fs
assert all(f['outcome'] == 'divergence' for f in fs.values())
assert fs['accept->reject']['status'] == 'suppressed' and fs['new-crash']['status'] == 'new', fs
assert os.path.exists(fs['new-crash']['reproducer'])
assert fs['new-crash']['top_file'].endswith('orders.c') and 'stack' in fs['new-crash'], fs['new-crash']
assert fs['new-crash']['reproducer'].startswith(os.path.join(d, 'reproducers'))
" rep
t_grep "JUnit fails the divergence and skips the allowed one" 'skipped="1"' rep/junit.xml

# the old build crashed where the new one is fixed
t_exit "new fixes old's crash: fixed-crash" 1 "$PF" diff --old ./v2 --new ./v1 orders.jsonl --mutants 20 --classes oversize --json --repro-dir r7
t_exit "only fixed-crash at \$.name" 0 python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert [(g['kind'], g['path']) for g in d['divergences']] == [('fixed-crash', '\$.name')], d['divergences']
" "$T_OUT"

# a crash both builds share is a finding in both, not a divergence
clang -g -O1 -fsanitize=address,undefined -o w "$FX/run/buggy.c" "$ROOT/build/lib/libprodfuzz_runner.a" 2>/dev/null
printf 'ok\ncrash 1\nreject\n' >bugs.jsonl
t_exit "a crash in both builds: exit 0" 0 "$PF" diff --old ./w --new ./w bugs.jsonl --mutants 0 --repro-dir r8
t_grep "listed as in both" '^in both: heap-buffer-overflow READ 1 in LLVMFuzzerTestOneInput' "$T_OUT"
t_grep "and counted" 'no divergence; 1 finding in both builds' "$T_OUT"

# a divergence that came from state the new build kept does not repeat
printf '{"a":1}\n{"a":22}\n' >two.jsonl
t_exit "every other input rejected by new: a divergence" 1 "$PF" diff --old-cmd cat \
    --new-cmd 'if [ -e flag ]; then rm flag; echo no >&2; exit 1; fi; touch flag; cat' two.jsonl --mutants 0 --repro-dir r10
t_grep "that did not repeat when run again, and says so" '^  repeats: +no ' "$T_OUT"
t_exit "a divergence that repeats says nothing of it" 1 "$PF" diff --old-cmd cat --new-cmd 'echo no >&2; exit 1' two.jsonl --mutants 0 --repro-dir r11
t_nogrep "(no repeats line)" 'repeats:' "$T_OUT"

# libraries: one .so with two entry points, a side each
cat >lib.c <<'C'
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <string.h>
int parse_v1(const uint8_t *d, size_t n) { (void)d; return n == 0; }
int parse_v2(const uint8_t *d, size_t n) { return n == 0 || memmem(d, n, "null", 4) != NULL; }
C
clang -shared -fPIC -O1 -o libp.so lib.c
t_exit "--old-lib/--new-lib with a symbol each: accept->reject on nulls" 1 "$PF" diff --old-lib ./libp.so --old-symbol parse_v1 \
    --new-lib ./libp.so --new-symbol parse_v2 orders.jsonl --mutants 10 --classes null --json --repro-dir r12
t_exit "grouped by the paths the null mutants changed" 0 python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
g = d['divergences']
assert g and all(x['kind'] == 'accept->reject' and x['class'] == 'null' for x in g), g
assert {x['path'] for x in g} <= {'\$', '\$.id', '\$.name', '\$.email'}, g
assert d['old']['engine'] == 'lib' and d['new']['target'] == 'parse_v2', d['new']
assert 'prodfuzz check --mutants 0 --lib ./libp.so --symbol parse_v2 ' in g[0]['replay_new'], g[0]
" "$T_OUT"
t_exit "--symbol for both: the same entry point, no divergence" 0 "$PF" diff --old-lib ./libp.so --new-lib ./libp.so --symbol parse_v2 orders.jsonl --mutants 5 --classes null

# black-box commands
cat >app_a.py <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
if not isinstance(doc, dict) or "id" not in doc:
    sys.exit("no id")
print(json.dumps(doc))
EOF
cat >app_b.py <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
if not isinstance(doc, dict) or "id" not in doc:
    sys.exit("no id")
print(json.dumps(dict(reversed(list(doc.items()))), indent=2))
EOF
cat >app_c.py <<'EOF'
import json, sys
doc = json.load(sys.stdin)
if not isinstance(doc, dict) or "id" not in doc:
    sys.exit("no id")
if "total" in doc:
    doc["total"] = round(doc["total"])
print(json.dumps(doc))
EOF
printf '%s\n' '{"id":1,"total":12.5,"tags":["a"]}' '{"id":2,"total":3,"tags":[]}' '{"total":1}' >docs.jsonl
t_exit "commands printing JSON in another key order: exit 0" 0 "$PF" diff --old-cmd "python3 app_a.py @@" --new-cmd "python3 app_b.py @@" docs.jsonl --mutants 2 --classes null,type --timeout 10s
t_grep "no divergence" 'no divergence$' "$T_OUT"
t_grep "rejections counted on both sides" '^new +7 +[0-9]+ +[1-9]' "$T_OUT"
t_exit "a changed value is an output divergence" 1 "$PF" diff --old-cmd "python3 app_a.py @@" --new-cmd "python3 app_c.py" docs.jsonl --mutants 0 --timeout 10s --json --repro-dir r9
t_exit "at the first differing output path, for the one document it changes" 0 python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
g = d['divergences']
assert [(x['kind'], x['path'], x['count'], x['class']) for x in g] == [('output', '\$.total', 1, 'production')], g
assert g[0]['origin'].endswith('docs.jsonl:1'), g[0]
assert g[0]['replay_new'].startswith('python3 app_c.py < '), g[0]
" "$T_OUT"
# diff --json is valid UTF-8 JSON whatever bytes the inputs hold: keys from
# a cp1252 client (byte 0x94), and unicode mutants that only the new build
# aborts on; the divergence's path and explain lines carry U+FFFD instead
printf '{"id":1,"caf\x94":"latte"}\n{"id":2,"caf\x94":"mocha"}\n{"id":3,"caf\x94":"flat white"}\n' >cp.jsonl
t_exit "a unicode mutant the new build aborts on is a divergence" 1 "$PF" diff \
    --old-cmd "python3 $FX/run/cp1252_app.py --lenient @@" --new-cmd "python3 $FX/run/cp1252_app.py @@" \
    cp.jsonl --mutants 5 --classes unicode --json --repro-dir u8
t_exit "diff --json is valid UTF-8 JSON (read as bytes), the key quoted with U+FFFD" 0 python3 -c "
import json, sys
d = json.loads(sys.stdin.buffer.read())
g = [g for g in d['divergences'] if g['kind'] == 'new-crash']
assert g and g[0]['path'] == '\$.caf\ufffd' and g[0]['class'] == 'unicode', d['divergences']
assert g[0]['explain'][0].startswith('\$.caf\ufffd '), g[0]['explain']
" <"$T_OUT"
t_done
