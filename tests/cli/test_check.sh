#!/bin/bash
# check: `prodfuzz check` classifies each input of a real target (an ASan
# worker built from tests/fixtures/run/buggy.c, the black-box script
# tests/fixtures/run/app.py, a TSan worker with --threads), writes one
# reproducer per finding that replays as printed, deduplicates by
# signature, shards deterministically, exits 1 on failures and 0 when all
# inputs are ok or rejected.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PF=${PF_BIN:-$ROOT/build/asan/bin/prodfuzz}
W=$(mktemp -d /tmp/pf-check.XXXXXX)
trap 'rm -rf "$W"' EXIT
FX="$ROOT/tests/fixtures/run"
cd "$W" || exit 3

t_exit "help has a working example" 0 "$PF" check --help
ex=$(sed -n '/^Example:/,$p' "$T_OUT" | tail -n +2 | sed 's/^  //')
t_exit "the help example runs and finds nothing wrong with json.tool" 0 env PATH="$(dirname "$PF"):$PATH" bash -c "$ex"
t_exit "no target is a usage error" 2 "$PF" check
t_exit "no input is a usage error" 2 "$PF" check --cmd cat
t_exit "a bad --shard is a usage error" 2 "$PF" check --cmd cat --shard 3/2 "$FX/app.py"
t_exit "a bad --mem is a usage error" 2 "$PF" check --cmd cat --mem lots "$FX/app.py"
t_exit "a missing binary is an environment error" 3 "$PF" check "$W/nope" "$FX/app.py"
t_exit "a binary without the worker is an environment error" 3 "$PF" check /bin/true "$FX/app.py"
t_grep "and it says how to link one" 'not linked with the prodfuzz worker' "$T_ERR"

clang -g -O1 -fsanitize=address,undefined -o w "$FX/buggy.c" "$ROOT/build/lib/libprodfuzz_runner.a" 2>/dev/null
printf 'ok\nreject\ncrash 1\ncrash 22\n{"a":1,"b":"xy"}\nhang\nexit\noom\n' >docs.jsonl
t_exit "a worker with failures exits 1" 1 "$PF" check ./w docs.jsonl --mutants 2 --timeout 1s --mem 256M
t_grep "the table has a production row" '^production +8 +2 +1 +2 +1 +1 +1 +0' "$T_OUT"
t_grep "mutant rows are by class" '^null +2 ' "$T_OUT"
t_grep "the crash is titled from the ASan report" '^crash: heap-buffer-overflow READ 1 in LLVMFuzzerTestOneInput' "$T_OUT"
t_grep "two crashing inputs are one finding" 'crash: .*\(2 inputs, class production\)' "$T_OUT"
t_grep "the memory limit is ASan's for a sanitized worker" 'memory limit by asan' "$T_OUT"
replay=$(sed -n 's/^  replay: *//p' "$T_OUT" | head -1)
t_exit "the crash reproducer replays as printed" 1 bash -c "$replay"
t_grep "with the same report" 'heap-buffer-overflow' "$T_ERR"
t_eq "one reproducer per finding" "$(ls prodfuzz-repro | wc -l)" 4
t_eq "reproducers hold the exact bytes" "$(cat prodfuzz-repro/silent-exit-*)" "exit"

t_exit "--json gives the same outcome counts" 1 "$PF" check ./w docs.jsonl --mutants 0 --timeout 1s --json --repro-dir r2
t_exit "the JSON summary parses" 0 python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
assert s['inputs'] == 8, s
o = s['outcomes']
assert (o['ok'], o['rejected'], o['crash'], o['timeout'], o['oom'], o['silent-exit']) == (2, 1, 2, 1, 1, 1), o
assert len(s['findings']) == 4 and all(f['reproducer'].startswith('r2/') for f in s['findings'])
" "$T_OUT"

t_exit "--report writes the reports" 1 "$PF" check ./w docs.jsonl --mutants 1 --timeout 1s --report rep
t_grep "reproducers go under the report folder" 'replay: .*rep/reproducers/crash-' "$T_OUT"
t_exit "report.json has the findings and the outcome x class table" 0 python3 -c "
import json, os, sys
d = sys.argv[1]
for f in ('report.json', 'report.md', 'report.sarif', 'report.html', 'junit.xml'):
    assert os.path.getsize(os.path.join(d, f)) > 0, f
r = json.load(open(os.path.join(d, 'report.json')))
assert r['tool'] == 'check', r['tool']
fs = sorted(f['outcome'] for f in r['findings'])
assert fs == ['crash', 'oom', 'silent-exit', 'timeout'], fs
crash = [f for f in r['findings'] if f['outcome'] == 'crash'][0]
assert crash['count'] == 2, crash
assert os.path.exists(crash['reproducer']), crash
t = r['targets'][0]
assert t['outcomes']['crash'] == 2 and t['inputs'] == 8 + 12, t
" rep

printf '{"a":1}\n{"a":[1,2.5,"x"]}\n{"b":{"c":null}}\n' >good.jsonl
t_exit "a clean target exits 0" 0 "$PF" check ./w good.jsonl --mutants 3 --classes null,deep
t_grep "and says so" 'no failures' "$T_OUT"

t_exit "a black-box command: failures exit 1" 1 "$PF" check --cmd "python3 $FX/app.py @@" docs.jsonl --mutants 0 --timeout 2s --mem 512M --repro-dir bb
t_grep "each class of the script is seen" '^production +8 +2 +1 +2 +1 +1 +1 +0' "$T_OUT"
t_grep "the command's memory limit is RLIMIT_AS" 'memory limit by rlimit' "$T_OUT"
replay=$(grep -A5 '^crash:' "$T_OUT" | sed -n 's/^  replay: *//p' | head -1)
t_exit "the black-box crash replays as printed (killed by SIGSEGV)" 139 bash -c "$replay"
t_exit "stdin mode works too" 1 "$PF" check --cmd "python3 $FX/app.py" docs.jsonl --mutants 0 --timeout 2s --repro-dir bb2
t_grep "with the same classes" '^production +8 +2 +1 +2 +1 +1 +1 +0' "$T_OUT"
replay=$(grep -A5 '^silent-exit:' "$T_OUT" | sed -n 's/^  replay: *//p' | head -1)
t_exit "a stdin reproducer replays with <" 3 bash -c "$replay"

printf '{"a":1}\n{"bad":1}\n' >rt.jsonl
t_exit "--roundtrip finds output that does not parse back" 1 "$PF" check --cmd "python3 $FX/app.py @@" rt.jsonl --mutants 0 --roundtrip --repro-dir rt
t_grep "as a roundtrip failure" '^roundtrip: ' "$T_OUT"
t_eq "its reproducer is the changed document" "$(cat rt/roundtrip-*)" '{"bad":1}'

# every failure is explained: how its reproducer differs from production
cat >nullb.py <<'PY'
import json, os, sys
d = json.loads(open(sys.argv[1]).read())
if isinstance(d, dict) and "b" in d and d["b"] is None:
    os.abort()
print(json.dumps(d))
PY
printf '{"a":1,"b":"xy"}\n{"a":2,"b":"zw"}\n{"a":3,"b":"uv"}\n' >prod.jsonl
t_exit "a null the code cannot take is a finding" 1 "$PF" check --cmd "python3 nullb.py @@" prod.jsonl \
    --mutants 4 --classes null --timeout 10s --repro-dir ex --report exr
t_grep "its explain line is printed" '^  explain: +\$\.b is null; never null in 3 sampled documents' "$T_OUT"
"$PF" check --cmd "python3 nullb.py @@" prod.jsonl --mutants 4 --classes null --timeout 10s \
    --repro-dir ex2 --json >ex.json
t_exit "--json has the explanation, class and path" 0 python3 -c "
import json, sys
f = json.load(open(sys.argv[1]))['findings'][0]
assert f['explain'][0].startswith('\$.b is null'), f
assert f['explain_class'] == 'null' and f['explain_path'] == '\$.b', f
" ex.json
t_exit "and so does report.json" 0 python3 -c "
import json, sys
f = json.load(open(sys.argv[1]))['findings'][0]
assert f['explain'][0].startswith('\$.b is null'), f
assert f['class'] == 'null' and f['path'] == '\$.b', f
" exr/report.json
t_grep "and report.md" 'b is null; never null' exr/report.md

# JSON output is valid UTF-8 whatever bytes an input holds: production keys
# from a cp1252 client hold byte 0x94 and unicode mutants put invalid
# UTF-8 into values; the paths, explain lines and origins that quote them
# carry U+FFFD instead. Read as bytes: Python's stdin under C.UTF-8 would
# let invalid bytes through as surrogate escapes.
printf '{"id":1,"caf\x94":"latte"}\n{"id":2,"caf\x94":"mocha"}\n{"id":3,"caf\x94":"flat white"}\n' >cp.jsonl
t_exit "a unicode mutant that crashes the cp1252 parser is a finding" 1 "$PF" check \
    --cmd "python3 $FX/cp1252_app.py @@" cp.jsonl --mutants 5 --classes unicode --json \
    --repro-dir u8 --report u8r
t_exit "check --json is valid UTF-8 JSON, quoting the key with U+FFFD" 0 python3 -c "
import json, sys
s = json.loads(sys.stdin.buffer.read())
f = [f for f in s['findings'] if f['outcome'] == 'crash']
assert f and f[0]['class'] == 'unicode', s['findings']
assert f[0]['origin'].startswith('unicode:\$.caf\ufffd <- cp.jsonl:'), f[0]
assert f[0]['explain'] and f[0]['explain'][0].startswith('\$.caf\ufffd '), f[0]['explain']
try:
    open(f[0]['reproducer'], 'rb').read().decode('utf-8')
    raise SystemExit('the reproducer should hold invalid UTF-8')
except UnicodeDecodeError:
    pass
" <"$T_OUT"
t_exit "and so is report.json" 0 python3 -c "
import json, sys
r = json.loads(open(sys.argv[1], 'rb').read())
assert any('\$.caf\ufffd' in l for f in r['findings'] for l in f['explain']), r['findings']
" u8r/report.json

# a line server: started once, one answer line per input, restarted after
# a failure (tests/fixtures/run/line_app.py counts its starts)
LA="$FX/line_app.py"
printf 'ok\nreject\ncrash 1\ncrash 22\n{"a":1,"b":"xy"}\nhang\nexit\noom\nraise\nok again\n' >ldocs.jsonl
export LINE_APP_STARTS=$W/starts
t_exit "a line server with failures exits 1" 1 "$PF" check --cmd "python3 $LA" --lines \
    ldocs.jsonl --mutants 0 --timeout 2s --mem 512M --repro-dir lr
t_grep "every outcome class of the line server is seen" '^production +10 +3 +1 +3 +1 +1 +1 +0' "$T_OUT"
t_eq "it was started once, and again after each of its six failures" "$(wc -l <"$W/starts")" 7
replay=$(grep -A4 '^crash: SEGV' "$T_OUT" | sed -n 's/^  replay: *//p' | head -1)
t_exit "its crash reproducer replays as printed (killed by SIGSEGV)" 139 bash -c "$replay"
for i in $(seq 1 200); do printf '{"n":%d}\n' "$i"; done >many.jsonl
rm -f "$W/starts"
t_exit "200 documents through one line server" 0 "$PF" check --cmd "python3 $LA" \
    --lines many.jsonl --mutants 0
t_eq "one start for all of them" "$(wc -l <"$W/starts")" 1
unset LINE_APP_STARTS
printf '{"a":1}\n{"bad":1}\n' >lrt.jsonl
t_exit "--roundtrip reads the value after ok" 1 "$PF" check --cmd "python3 $LA" --lines lrt.jsonl \
    --mutants 0 --roundtrip --repro-dir lrt
t_grep "as a roundtrip failure" '^roundtrip: ' "$T_OUT"
# Python's json gives up past about 1,000 levels (RecursionError, not the
# ValueError line_app.py catches): the deep mutants end the server
t_exit "mutants through a line server: the deep ones end it (exit 1)" 1 "$PF" check --cmd "python3 $LA" \
    --lines good.jsonl --mutants 3 --classes deep,null --json --repro-dir lm
t_exit "as a crash of class deep, explained by the depth; the null mutants are ok" 0 python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
f = [f for f in d['findings'] if f['class'] == 'deep']
assert f and f[0]['outcome'] == 'crash' and f[0]['signature'] == 'exit-1', d['findings']
assert 'deep' in f[0]['explain'][0], f[0]['explain']
assert d['classes']['null'] == {'ok': 3}, d['classes']
" "$T_OUT"
printf '{"a":\n1}' >nl.json
t_exit "a document with a newline byte is not run" 0 "$PF" check --cmd "python3 $LA" --lines nl.json --mutants 0
t_grep "and the summary says so" '^1 input not run: a line server takes one line per input' "$T_OUT"
t_exit "--lines needs --cmd" 2 "$PF" check ./w --lines good.jsonl
t_exit "--lines takes no @@" 2 "$PF" check --cmd "python3 $LA @@" --lines good.jsonl

# sharding: the shards are disjoint and cover the run
"$PF" check --cmd cat good.jsonl --mutants 5 --seed 7 --json >all.json
"$PF" check --cmd cat good.jsonl --mutants 5 --seed 7 --json --shard 1/2 >s1.json
"$PF" check --cmd cat good.jsonl --mutants 5 --seed 7 --json --shard 2/2 >s2.json
t_exit "two shards add up to the whole run" 0 python3 -c "
import json, sys
a, b, c = (json.load(open(f)) for f in sys.argv[1:4])
assert b['inputs'] + c['inputs'] == a['inputs'], (a['inputs'], b['inputs'], c['inputs'])
assert b['inputs'] > 0 and c['inputs'] > 0
" all.json s1.json s2.json
"$PF" check --cmd cat good.jsonl --mutants 5 --seed 7 --json --shard 1/2 >s1b.json
t_eq "a shard is the same every time" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["classes"])' s1.json)" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["classes"])' s1b.json)"

# --threads: a race on shared state, caught by TSan
if clang -g -O1 -fsanitize=thread -o t "$FX/buggy.c" "$ROOT/build/lib/libprodfuzz_runner.a" 2>/dev/null &&
   printf ok | ./t >/dev/null 2>&1; then
    printf "race\nrace again\nrace 3\n" >race.jsonl
    t_exit "one thread: no race" 0 "$PF" check ./t race.jsonl --mutants 0 --timeout 10s
    t_exit "--threads 4: the race is a finding" 1 "$PF" check ./t race.jsonl --mutants 0 --threads 4 --timeout 10s --repro-dir races
    t_grep "reported as TSan's data race" '^crash: .*data.race' "$T_OUT"
else
    t_skip "--threads catches a race under TSan" "TSan cannot run on this machine"
fi
t_done
