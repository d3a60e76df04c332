#!/bin/bash
# mutate: `prodfuzz mutate` writes COUNT mutants named CLASS-PATH-HASH with
# a manifest, deterministically per seed, within --max-size, restricted by
# --classes, relative to a --shape profile, and says clearly what is wrong
# with bad options and inputs.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PF=${PF_BIN:-$ROOT/build/asan/bin/prodfuzz}
W=$(mktemp -d /tmp/pf-mutate.XXXXXX)
trap 'rm -rf "$W"' EXIT
SEEDS="$ROOT/corpus/service_orders"

t_exit "help has a working example" 0 "$PF" mutate --help
t_grep "help shows an example" '^  prodfuzz mutate corpus/service_orders' "$T_OUT"
t_exit "--out is required" 2 "$PF" mutate "$SEEDS"
t_grep "and it says so" 'out DIR is required' "$T_ERR"
t_exit "an unknown class is a usage error" 2 "$PF" mutate "$SEEDS" --classes null,bogus --out "$W/x"
t_grep "naming the known classes" "unknown mutation class 'bogus'.*oversize" "$T_ERR"
t_exit "a missing input is an input error" 2 "$PF" mutate "$W/nope" --out "$W/x"
printf 'not a profile' >"$W/bad-shape.json"
t_exit "a bad shape profile is an input error" 2 "$PF" mutate "$SEEDS" --shape "$W/bad-shape.json" --out "$W/x"
t_eq "nothing is left behind by failed runs" "$(ls "$W" | grep -c '^x')" 0

t_exit "writes mutants" 0 "$PF" mutate "$SEEDS" --count 60 --seed 5 --out "$W/a"
n=$(ls "$W/a" | wc -l)
dups=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['duplicates'])" "$W/a/.prodfuzz/manifest.json")
t_eq "count mutants less duplicates" "$((n + dups))" 60
t_eq "file names are CLASS-PATH-HASH" \
    "$(ls "$W/a" | grep -cvE '^(null|missing|type|oversize|number|deep|legacy|unicode|dupkey|truncate|format|empty)(-[A-Za-z0-9._]+)?-[0-9a-f]{10}$')" 0
t_exit "the manifest is JSON and lists every file with class and path" 0 python3 -c "
import json, os, sys
m = json.load(open(sys.argv[1] + '/.prodfuzz/manifest.json'))
files = {x['file'] for x in m['mutants']}
assert files == set(os.listdir(sys.argv[1])) - {'.prodfuzz'}, 'files differ'
for x in m['mutants']:
    assert x['file'].startswith(x['class']), x
    assert x['path'].startswith('\$'), x
    assert os.path.getsize(os.path.join(sys.argv[1], x['file'])) == x['bytes']
" "$W/a"
"$PF" mutate "$SEEDS" --count 60 --seed 5 --out "$W/b" >/dev/null 2>&1
t_eq "the same seed gives the same mutants" "$(cd "$W/a" && cat $(ls) | sha1sum)" "$(cd "$W/b" && cat $(ls) | sha1sum)"
"$PF" mutate "$SEEDS" --count 60 --seed 6 --out "$W/b" >/dev/null 2>&1
t_eq "another seed gives others, and the folder is replaced" \
    "$(comm -12 <(ls "$W/a") <(ls "$W/b") | wc -l)" 0

t_exit "--classes and --max-size" 0 "$PF" mutate "$SEEDS" --count 40 --classes deep,oversize --max-size 2k --out "$W/c" --json
t_grep "json summary" '"written": [0-9]+, "duplicates": [0-9]+, "classes": \{' "$T_OUT"
t_eq "only the classes asked for" "$(ls "$W/c" | grep -cvE '^(deep|oversize)-')" 0
t_eq "no mutant is over --max-size" "$(find "$W/c" -type f -size +2048c ! -path '*/.prodfuzz/*' | wc -l)" 0

# unchanged bytes: a 64-bit id elsewhere in the document survives exactly
printf '{"id":505874924095815700,"name":"Ada","tags":["a","b"],"n":{"x":1.50}}' >"$W/doc.json"
"$PF" mutate "$W/doc.json" --count 50 --classes null,type,oversize,deep,unicode,dupkey,format \
    --out "$W/d" >/dev/null 2>&1
others=$(ls "$W/d" | grep -v -- '-id-' | grep -vE '^[a-z]+-[0-9a-f]{10}$') # root mutants replace all
kept=$(cd "$W/d" && grep -l '505874924095815700' $others | wc -l)
t_eq "the untouched id keeps all its digits" "$kept" "$(echo "$others" | wc -l)"

if "$PF" shape "$SEEDS" --raw-ok -o "$W/shape.json" >/dev/null 2>&1; then
    t_exit "--shape loads a profile" 0 "$PF" mutate "$SEEDS" --shape "$W/shape.json" \
        --count 20 --classes oversize --out "$W/e"
else
    t_skip "--shape loads a profile" "prodfuzz shape not available"
fi

# round 2 classes on the second target's invoices, with their profile
INV="$ROOT/corpus/app_invoices" IPROF="$ROOT/corpus/app_invoices.shape.json"
t_exit "--classes empty writes empty mutants" 0 "$PF" mutate "$INV" --shape "$IPROF" \
    --count 80 --seed 3 --classes empty --out "$W/f"
t_eq "only empty mutants" "$(ls "$W/f" | grep -vc '^empty-')" 0
t_eq "an invoice whose lines are empty (production always had some)" \
    "$(cd "$W/f" && grep -l '"lines":\[\]' empty-lines-* 2>/dev/null | wc -l | awk '$1 > 0 {print "yes"}')" yes
t_eq "a field emptied to whitespace only" \
    "$(cd "$W/f" && grep -lE '":" +"' * | wc -l | awk '$1 > 0 {print "yes"}')" yes
t_exit "--classes unicode" 0 "$PF" mutate "$INV" --count 80 --seed 3 --classes unicode --out "$W/g"
ctl=$(cd "$W/g" && for f in *; do LC_ALL=C grep -c $'[\x01-\x08\x0b\x0c\x0e-\x1f]\|\t\|\r' "$f" >/dev/null && echo "$f"; done | wc -l)
esc=$(cd "$W/g" && grep -lE '\\u00[01][0-9a-fA-F]' * | wc -l)
t_eq "unicode mutants carry raw control characters" "$([ "$ctl" -gt 0 ] && echo yes)" yes
t_eq "and \\u0001-\\u001f escapes" "$([ "$esc" -gt 0 ] && echo yes)" yes
# a run says how many mutants were asked, how many were written and why
# any were not (issue 14: `mutate --count 1000` wrote 989 and did not say why)
t_exit "the summary names asked and written" 0 "$PF" mutate "$SEEDS" --count 60 --seed 5 --out "$W/h"
files=$(ls "$W/h" | wc -l)
t_grep "wrote N of 60" "^wrote $files of 60 mutants to " "$T_OUT"
dups=$((60 - files))
if [ "$dups" -gt 0 ]; then
    t_grep "and says the rest were duplicates" "^$dups not written: identical to an earlier mutant" "$T_OUT"
else
    t_nogrep "no duplicate line when there were none" 'not written' "$T_OUT"
fi
printf '{"a":"x","b":[1]}' >"$W/small.json"
t_exit "a small document gives duplicates" 0 "$PF" mutate "$W/small.json" --count 40 --classes empty --out "$W/i"
t_grep "and the text says how many and why" '^wrote [0-9]+ of 40 mutants .*' "$T_OUT"
t_grep "(duplicates collapsed)" '^[0-9]+ not written: identical to an earlier mutant \(same class, path and bytes\)' "$T_OUT"
t_exit "--json counts asked, written and duplicates" 0 "$PF" mutate "$W/small.json" --count 40 --classes empty --out "$W/i" --json
t_exit "asked = written + duplicates, written = files, in --json and the manifest" 0 python3 -c "
import json, os, sys
s = json.load(open(sys.argv[1]))
d = sys.argv[2]
files = set(os.listdir(d)) - {'.prodfuzz'}
m = json.load(open(d + '/.prodfuzz/manifest.json'))
assert s['asked'] == 40, s
assert s['duplicates'] > 0, s
assert s['written'] + s['duplicates'] == s['asked'], s
assert s['not_written'] == {'duplicates': s['duplicates']}, s
assert s['written'] == len(files), (s, len(files))
assert sum(s['classes'].values()) == s['written'], s
assert m['asked'] == 40 and m['written'] == s['written'], m
assert m['duplicates'] == s['duplicates'] and m['files'] == s['written'], m
assert len(m['mutants']) == s['written'], m
" "$T_OUT" "$W/i"
printf '1' >"$W/scalar.json"
t_exit "a class that cannot apply gives byte-level mutants" 0 "$PF" mutate "$W/scalar.json" --count 10 --classes missing --out "$W/j"
t_grep "and says that none of the classes applied" '^10 byte-level: none of the selected classes applied to the input' "$T_OUT"
"$PF" mutate "$W/scalar.json" --count 10 --classes missing --out "$W/j" --json >"$W/j.json" 2>/dev/null
t_eq "--json counts them as no_class_applied" \
    "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['byte_level'])" "$W/j.json")" \
    "{'input_not_json': 0, 'no_class_applied': 10}"
printf 'plain text, not JSON\n' >"$W/text.txt"
t_exit "an input that is not JSON gives byte-level mutants" 0 "$PF" mutate "$W/text.txt" --count 5 --out "$W/k"
t_grep "and says the input is not JSON" '^[0-9]+ byte-level: their input is not JSON' "$T_OUT"
printf '{"name":"a fairly long document for a tiny limit"}' >"$W/long.json"
t_exit "an input over --max-size is shrunk" 0 "$PF" mutate "$W/long.json" --count 5 --max-size 20 --out "$W/l"
t_grep "and it says so" '^[0-9]+ shrunk: their input was over --max-size 20' "$T_OUT"

# the manifest is pf_corpus's: command, version, counts; the files are
# listed by name in "mutants", not as SHA-1 names (they are not SHA-1 named)
t_exit "the manifest is a prodfuzz corpus manifest listing the mutants by name" 0 python3 -c "
import json, os, sys
d = sys.argv[1]
m = json.load(open(d + '/.prodfuzz/manifest.json'))
assert m['tool'] == 'prodfuzz' and m['command'] == 'mutate', m
assert m['manifest_version'] == 1 and m['anonymized'] is False, m
assert 'documents_sha1' not in m, 'a SHA-1 listing of files that are not SHA-1 named'
files = sorted(set(os.listdir(d)) - {'.prodfuzz'})
assert sorted(x['file'] for x in m['mutants']) == files, 'mutants differ from the files'
assert m['files'] == len(files), m['files']
assert m['bytes'] == sum(os.path.getsize(os.path.join(d, f)) for f in files), m['bytes']
" "$W/h"
# a sampled corpus holding a fuzzer's input is not silently replaced
printf '{"a":1}\n{"a":2}\n' | "$PF" anonymize -o "$W/anon/" 2>/dev/null
echo '{"a":-6}' >"$W/anon/crash-1"
t_exit "mutate refuses to replace a corpus holding unlisted files" 2 "$PF" mutate "$SEEDS" --count 5 --out "$W/anon"
t_grep "the refusal names --force" "holds 1 file its manifest does not list.*--force" "$T_ERR"
t_exit "mutate --force replaces it" 0 "$PF" mutate "$SEEDS" --count 5 --force --out "$W/anon"
t_done
