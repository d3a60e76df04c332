#!/bin/bash
# check_batch: `prodfuzz check` sends a reused worker its inputs a window
# ahead (pipelined, pf_runner_submit/collect) and still gives every
# outcome to its own input: a crash at input 37 of 100 is the 37th's with
# its own report and the 38th to 100th run; a hang mid-way is that
# input's timeout; an oom is that input's; a crash that needs an earlier
# input's state is marked so; and the outcomes file is the same as with
# --fresh-process, one process per input.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PF=${PF_BIN:-$ROOT/build/asan/bin/prodfuzz}
W=$(mktemp -d /tmp/pf-check-batch.XXXXXX)
trap 'rm -rf "$W"' EXIT
FX="$ROOT/tests/fixtures/run"
cd "$W" || exit 3

clang -g -O1 -fsanitize=address,undefined -o w "$FX/buggy.c" "$ROOT/build/lib/libprodfuzz_runner.a" 2>/dev/null

# 100 inputs that each write a line to stderr; the 37th crashes
for i in $(seq 1 100); do
    if [ "$i" = 37 ]; then echo "crash 37"; else echo "log $i"; fi
done >hundred.jsonl
t_exit "a crash among 100 inputs exits 1" 1 "$PF" check ./w hundred.jsonl --mutants 0 --timeout 5s --outcomes o.jsonl --json
t_exit "the crash is the 37th input's, with its own report; the others ran" 0 python3 -c "
import json, sys
rows = [json.loads(l) for l in open('o.jsonl')]
assert len(rows) == 100, len(rows)
for i, r in enumerate(rows, 1):
    assert r['input'] == 'hundred.jsonl:%d' % i, r
    want = 'crash' if i == 37 else 'ok'
    assert r['outcome'] == want, (i, r)
assert rows[36]['signature'].startswith('heap-buffer-overflow|LLVMFuzzerTestOneInput'), rows[36]
s = json.load(open(sys.argv[1]))
assert s['outcomes']['ok'] == 99 and s['outcomes']['crash'] == 1, s['outcomes']
assert s['findings'][0]['origin'] == 'hundred.jsonl:37', s['findings']
" "$T_OUT"
t_eq "its reproducer holds the 37th input" "$(cat prodfuzz-repro/crash-*)" "crash 37"

printf 'ok\nok\nlog a\nok\nhang\nok\nlog b\nok\n' >hang.jsonl
t_exit "a hang mid-way exits 1" 1 "$PF" check ./w hang.jsonl --mutants 0 --timeout 1s --outcomes oh.jsonl
t_eq "it is the 5th input's timeout only" \
    "$(python3 -c "import json; print(' '.join(json.loads(l)['outcome'] for l in open('oh.jsonl')))")" \
    "ok ok ok ok timeout ok ok ok"

printf 'ok\nlog a\noom\nok\nreject\n' >oom.jsonl
t_exit "an oom mid-way exits 1" 1 "$PF" check ./w oom.jsonl --mutants 0 --mem 256M --timeout 20s --outcomes oo.jsonl
t_eq "it is the 3rd input's oom only" \
    "$(python3 -c "import json; print(' '.join(json.loads(l)['outcome'] for l in open('oo.jsonl')))")" \
    "ok ok oom ok rejected"

# 'latent' crashes only in a worker that ran 'log' before; the 'log' line
# before it makes its stderr ambiguous, so it is run again alone, where it
# does not crash: the crash is kept, and said to need the earlier inputs
printf 'ok\nlog a\nlatent\nok\n' >latent.jsonl
t_exit "a crash that needs an earlier input exits 1" 1 "$PF" check ./w latent.jsonl --mutants 0 --outcomes ol.jsonl --repro-dir rl
t_grep "its finding says state kept between inputs is part of the cause" '^  note: .*not alone: state kept between inputs' "$T_OUT"
t_eq "its outcome line is marked, the others not" \
    "$(python3 -c "import json; print(' '.join('%s:%s' % (json.loads(l)['outcome'], json.loads(l).get('state_dependent', False)) for l in open('ol.jsonl')))")" \
    "ok:False ok:False crash:True ok:False"
t_exit "with --fresh-process it does not crash at all" 0 "$PF" check ./w latent.jsonl --mutants 0 --fresh-process --repro-dir rl2

# the fixtures of test_check.sh and their mutants: one process per input
# and the pipelined reused worker agree on every input
printf 'ok\nreject\ncrash 1\ncrash 22\n{"a":1,"b":"xy"}\nhang\nexit\noom\n' >docs.jsonl
t_exit "pipelined: failures exit 1" 1 "$PF" check ./w docs.jsonl --mutants 2 --timeout 1s --mem 256M --outcomes batched.jsonl --repro-dir r1 --json
n=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['inputs'])" "$T_OUT")
t_exit "--fresh-process: failures exit 1" 1 "$PF" check ./w docs.jsonl --mutants 2 --timeout 1s --mem 256M --outcomes fresh.jsonl --repro-dir r2 --fresh-process
t_eq "the outcomes files are the same, input for input" "$(cmp batched.jsonl fresh.jsonl && echo same)" same
t_eq "and hold every input" "$(wc -l <batched.jsonl)" "$n"
t_grep "a timeout's signature is where it hung, in both" '"timeout\|LLVMFuzzerTestOneInput buggy.c' fresh.jsonl
t_done
