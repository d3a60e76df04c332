#!/bin/bash
# explain: `prodfuzz explain` heads its answer with the cause that was
# put there. Mutants of every class made by `prodfuzz mutate` from a small
# fixture corpus and its profile are explained with the class (and, for
# most, the path) that made them; the example service's bugs, reproduced
# by hand as in test_demo_report.sh, are each explained by their field and
# class (the invalid-UTF-8 name as unicode, not by unrelated nulls); bad
# input files exit 2; --help's example runs as pasted.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PF=${PF_BIN:-$ROOT/build/asan/bin/prodfuzz}
W=$(mktemp -d /tmp/pf-explain.XXXXXX)
trap 'rm -rf "$W"' EXIT

# ---- the fixture corpus: 200 orders, one file each, and its profile ------
mkdir "$W/corp"
i=0
while IFS= read -r line; do
    i=$((i + 1))
    printf '%s' "$line" >"$W/corp/doc$(printf %03d $i).json"
done <"$ROOT/tests/fixtures/shape/orders.jsonl"
"$PF" shape --raw-ok "$W/corp" -o "$W/shape.json" 2>/dev/null
X=(--shape "$W/shape.json" --corpus "$W/corp")

# the path in a first line, spelled as prodfuzz mutate names it
mut_path() { sed -E 's/^[a-z]+: (\$[^ :;]*).*/\1/; s/^\$\.?//' | tr -c 'A-Za-z0-9._{}*\n' '_'; }
path_ok() { # WANT GOT: equal, a folded map {*} standing for any one key
    local re
    re=$(printf '%s' "$2" | sed 's/[.[\]]/\\&/g; s/{\*}/\\.[^.]+/g; s/_\*_/___/g')
    [[ "$1" =~ ^${re}$ ]] || [ "$1" = "$2" ]
}

# ---- one mutant class at a time ------------------------------------------
for cls in null missing type oversize number deep legacy unicode dupkey truncate format; do
    "$PF" mutate "$W/corp" --shape "$W/shape.json" --classes "$cls" --count 12 --seed 3 \
        --out "$W/mut-$cls" >/dev/null 2>&1
    total=0 cls_ok=0 path_ok=0
    # one run for the folder: the profile and corpus load once
    "$PF" explain "${X[@]}" --top 1 "$W/mut-$cls" 2>/dev/null |
        awk '/^== / { f = substr($0, 4); getline; print f "\t" $0 }' >"$W/first-$cls"
    while IFS=$'\t' read -r f first; do
        total=$((total + 1))
        [ "${first%%:*}" = "$cls" ] || continue
        cls_ok=$((cls_ok + 1))
        b=$(basename "$f"); rest=${b#*-}; want=${rest%-*}
        [ "$want" = "$rest" ] && want=""
        got=$(printf '%s\n' "$first" | mut_path)
        path_ok "$want" "$got" && path_ok=$((path_ok + 1))
    done <"$W/first-$cls"
    if [ "$total" -ge 10 ] && [ $((cls_ok * 10)) -ge $((total * 8)) ]; then
        t_pass "mutants of class $cls are explained as $cls first ($cls_ok of $total)"
    else
        t_fail "mutants of class $cls are explained as $cls first" "$cls_ok of $total"
    fi
    if [ $((path_ok * 2)) -ge "$total" ]; then
        t_pass "and at the path that was mutated ($path_ok of $total)"
    else
        t_fail "and at the path that was mutated ($cls)" "$path_ok of $total"
    fi
done

# exact first lines of known causes
head -1 "$ROOT/tests/fixtures/shape/orders.jsonl" | sed 's/"items":\[[^]]*\]/"items":[]/' >"$W/empty-items"
t_exit "an empty list is explained" 0 "$PF" explain "${X[@]}" "$W/empty-items"
t_grep "as empty, with production's shortest" '^empty: \$\.items is an empty array; production.s shortest is 1$' "$T_OUT"
head -1 "$ROOT/tests/fixtures/shape/orders.jsonl" | sed 's/"status":"[^"]*"/"status":null/' >"$W/null-status"
t_exit "a null status is explained" 0 "$PF" explain "${X[@]}" "$W/null-status"
t_grep "first, with production's count" '^null: \$\.status is null; never null in 200 sampled documents$' <(head -1 "$T_OUT")
head -1 "$ROOT/tests/fixtures/shape/orders.jsonl" | sed 's/"email":"[^"]*"/"email":null/' >"$W/null-email"
t_exit "a null email, as in 10 of 200 production documents" 0 "$PF" explain "${X[@]}" "$W/null-email"
t_grep "is no difference from production" '^no difference from production found$' "$T_OUT"
t_grep "and the nearest production document is named" '^nearest production document: doc[0-9]+\.json \(' "$T_OUT"
t_nogrep "the field it shares with that document is not listed" 'billing|\$\.note' "$T_OUT"

# ---- the example service's bugs, by hand (as tests/cli/test_demo_report.sh)
"$PF" shape --raw-ok "$ROOT/corpus/service_orders" -o "$W/svc.json" 2>/dev/null
mkdir "$W/crashes"
if command -v python3 >/dev/null; then
    python3 - "$ROOT/corpus/service_orders" "$W/crashes" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
seed = json.load(open(os.path.join(src, sorted(os.listdir(src))[0])))
def put(name, doc, raw=None):
    data = raw if raw is not None else json.dumps(doc).encode()
    open(os.path.join(out, 'crash-' + name), 'wb').write(data)
d = json.loads(json.dumps(seed)); d['customer']['name'] = 'A' * 1100
put('oversize1', d)
put('oversize2', None, json.dumps(d).encode().replace(b'AAAA', b'A\x05\xffA', 3))
d = json.loads(json.dumps(seed)); d['items'][0]['qty'] = 2000000000; d['items'][0]['price'] = 8.43
put('number1', d)
d = json.loads(json.dumps(seed)); d['customer']['email'] = None
put('null1', d)
put('unicode1', None, json.dumps(seed).encode().replace(b'"name": "' + seed['customer']['name'].encode() + b'"', b'"name": "\xff"'))
PY
    t_exit "the demo's reproducers are explained, a folder at once" 0 \
        "$PF" explain --shape "$W/svc.json" --corpus "$ROOT/corpus/service_orders" "$W/crashes"
    for c in "oversize1 oversize customer\\.name" "oversize2 oversize customer\\.name" \
             "number1 number items\\[\\*\\]\\.qty" "null1 null customer\\.email" \
             "unicode1 unicode customer\\.name"; do
        set -- $c
        grep -A1 "^== .*/crash-$1\$" "$T_OUT" | tail -1 >"$W/first"
        t_grep "crash-$1 is explained as $2 of $3 first" "^$2: \\\$\\.$3 " "$W/first"
    done
    grep -A4 "/crash-unicode1\$" "$T_OUT" >"$W/u"
    t_nogrep "the invalid-UTF-8 name is not explained by null fields" '^null:' "$W/u"
else
    t_skip "demo reproducers" "python3 missing"
fi

# ---- output forms, errors, help ------------------------------------------
t_exit "--json prints one object" 0 "$PF" explain --json "${X[@]}" "$W/null-status"
t_grep "with the class, path and score of each item" '^\{"explanations":\[\{"file":"[^"]*null-status","explanation":\{"items":\[\{"path":"\$\.status","class":"null","score":[0-9.]+,"text":' "$T_OUT"
printf '{"a": [1, 2' >"$W/cut"
t_exit "without profile or corpus a cut document is explained" 0 "$PF" explain "$W/cut"
t_grep "as truncated, at the value it stops in" '^truncate: \$\.a\[\*\]: the document stops inside this value' "$T_OUT"
t_exit "a missing reproducer is an input error" 2 "$PF" explain "$W/nope"
t_grep "that says which file" 'error: .*nope' "$T_ERR"
t_exit "a bad profile is an input error" 2 "$PF" explain --shape "$W/cut" "$W/null-status"
t_exit "no reproducer is a usage error" 2 "$PF" explain
t_exit "help exits 0" 0 "$PF" explain --help
t_grep "help shows an example" '^  prodfuzz explain --corpus corpus/service_orders /tmp/crash-1$' "$T_OUT"
mkdir -p "$W/ex/tmp"
awk '/^Examples?:$/ { on = 1; next } on && /^  / { print substr($0, 3); next } on { on = 0 }' "$T_OUT" |
    sed "s#/tmp/#$W/ex/tmp/#g; s#^prodfuzz #$PF #" >"$W/ex.sh"
(cd "$ROOT" && bash -e "$W/ex.sh") >"$W/ex.txt" 2>&1
t_eq "the example runs as pasted" $? 0
t_grep "and explains the invalid UTF-8 name" '^unicode: \$\.customer\.name holds invalid UTF-8' "$W/ex.txt"
t_done
