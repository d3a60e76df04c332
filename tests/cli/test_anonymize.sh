#!/bin/bash
# prodfuzz anonymize: exit codes, key files, policies, bad lines,
# determinism, atomic outputs, corpus manifests, the leak check, and
# twitter.json statuses with no original string surviving.
. "$(dirname "$0")/../lib/assert.sh"
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
W=$(mktemp -d /tmp/pf-anon-cli.XXXXXX)
trap 'rm -rf "$W"' EXIT

printf '0123456789abcdef0123456789abcdef\n' > "$W/key"; chmod 600 "$W/key"
printf 'another key, quite different....\n' > "$W/key2"; chmod 600 "$W/key2"
cat > "$W/in.jsonl" <<'J'
{"id":"u-123456","email":"ann.smith@example.com","name":"Ann Smith","status":"active","n":42}
{"id":"u-654321","email":"bob.jones@example.org","name":"Bob Jones","status":"closed","n":-7.25}
J

t_exit "help exits 0" 0 "$P" anonymize --help
t_grep "help has an example" "Example" "$T_OUT"

t_exit "anonymize with a key file exits 0" 0 "$P" anonymize --key-file "$W/key" "$W/in.jsonl" -o "$W/a.jsonl"
t_nogrep "output holds no original e-mail" "ann\.smith|bob\.jones|example" "$W/a.jsonl"
t_nogrep "output holds no original name" "Ann|Smith|Jones" "$W/a.jsonl"
t_eq "output has one line per input line" "$(wc -l < "$W/a.jsonl")" 2
t_grep "summary on stderr" "2 documents" "$T_ERR"
"$P" anonymize --key-file "$W/key" "$W/in.jsonl" -o "$W/b.jsonl" 2>/dev/null
t_eq "same key: byte-identical across runs" "$(sha1sum < "$W/a.jsonl")" "$(sha1sum < "$W/b.jsonl")"
PRODFUZZ_KEY_FILE="$W/key" "$P" anonymize < "$W/in.jsonl" > "$W/c.jsonl" 2>/dev/null
t_eq "PRODFUZZ_KEY_FILE and stdin/stdout give the same bytes" "$(sha1sum < "$W/a.jsonl")" "$(sha1sum < "$W/c.jsonl")"
"$P" anonymize --key-file "$W/key2" "$W/in.jsonl" -o "$W/d.jsonl" 2>/dev/null
if cmp -s "$W/a.jsonl" "$W/d.jsonl"; then t_fail "another key gives another output"; else t_pass "another key gives another output"; fi
t_eq "same byte length under another key" "$(wc -c < "$W/a.jsonl")" "$(wc -c < "$W/d.jsonl")"

t_exit "no key: random key, exit 0" 0 "$P" anonymize "$W/in.jsonl"
t_grep "no key: a warning with the fingerprint" "warning: .*random key.*fingerprint [0-9a-f]{16}" "$T_ERR"

chmod 644 "$W/key2"
t_exit "key file readable by others is refused with exit 2" 2 "$P" anonymize --key-file "$W/key2" "$W/in.jsonl"
t_grep "the refusal says how to fix it" "chmod 600" "$T_ERR"
t_nogrep "the refusal does not quote the key" "another key" "$T_ERR"
t_exit "missing key file exits 2" 2 "$P" anonymize --key-file "$W/nope" "$W/in.jsonl"

printf '{"format":"prodfuzz-policy","version":1,"rules":[{"path":"$.status","action":"keep"},{"path":"$.x","action":"scrmble"}]}' > "$W/bad.json"
t_exit "bad policy exits 2" 2 "$P" anonymize --key-file "$W/key" --policy "$W/bad.json" "$W/in.jsonl"
t_grep "bad policy error points at the rule" "rule 2 \(path \"\\\$\.x\"\): unknown action 'scrmble'" "$T_ERR"
printf '{"format":"prodfuzz-policy","version":1,"rules":[{"path":"$.status","action":"keep"}]}' > "$W/keep.json"
t_exit "keep policy exits 0" 0 "$P" anonymize --key-file "$W/key" --policy "$W/keep.json" "$W/in.jsonl" -o "$W/k.jsonl"
t_grep "kept path is byte-identical" '"status":"active"' "$W/k.jsonl"
t_grep "kept path is byte-identical (2)" '"status":"closed"' "$W/k.jsonl"

printf '{"a":"fine value"}\n{"a": broken\n{"a":"also fine"}\n' > "$W/badline.jsonl"
echo "previous content" > "$W/out.jsonl"
t_exit "bad JSONL line exits 2" 2 "$P" anonymize --key-file "$W/key" "$W/badline.jsonl" -o "$W/out.jsonl"
t_grep "bad line error names the line number" "line 2" "$T_ERR"
t_eq "failed run leaves the previous output untouched" "$(cat "$W/out.jsonl")" "previous content"
t_eq "failed run leaves no temporary file" "$(ls "$W" | grep -c '^\.\?out\.jsonl.\+')" 0
t_exit "--skip-bad skips and exits 0" 0 "$P" anonymize --key-file "$W/key" --skip-bad --json "$W/badline.jsonl" -o "$W/out.jsonl"
t_eq "--skip-bad writes the good lines" "$(wc -l < "$W/out.jsonl")" 2
if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["skipped"]==1 and o["documents"]==2 and o["leaks"]==0 and len(o["key_fingerprint"])==16' "$T_OUT"; then
    t_pass "--json summary counts skipped lines"
else t_fail "--json summary counts skipped lines" "$(cat "$T_OUT")"; fi
t_exit "--json without -o is a usage error" 2 "$P" anonymize --json --key-file "$W/key" "$W/in.jsonl"

t_exit "corpus folder output exits 0" 0 "$P" anonymize --key-file "$W/key" "$W/in.jsonl" -o "$W/corpus/"
t_eq "corpus has one file per document" "$(ls "$W/corpus" | wc -l)" 2
M="$W/corpus/.prodfuzz/manifest.json"
if python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert len(m["policy_digest"])==64 and len(m["key_fingerprint"])==16 and m["documents"]==2 and m["key_random"] is False' "$M"; then
    t_pass "manifest has policy digest and key fingerprint"
else t_fail "manifest has policy digest and key fingerprint" "$(cat "$M")"; fi
t_nogrep "manifest never holds the key" "0123456789abcdef0123" "$M"
for f in "$W"/corpus/*; do
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$f" || t_fail "corpus file is valid JSON" "$f"
done
t_pass "corpus files are valid JSON"
t_exit "anonymize rewrites its own earlier corpus" 0 "$P" anonymize --key-file "$W/key" "$W/in.jsonl" -o "$W/corpus/"
# a file the manifest does not list (libFuzzer writes new inputs into the
# first folder it is given): replacing the folder would delete it
printf '{"email":"x"}' >"$W/corpus/$(printf '{"email":"x"}' | sha1sum | cut -c1-40)"
t_exit "anonymize refuses to replace a corpus holding unlisted files" 2 "$P" anonymize --key-file "$W/key" "$W/in.jsonl" -o "$W/corpus/"
t_grep "the refusal names how many and --force" "holds 1 file its manifest does not list.*--force" "$T_ERR"
t_eq "the unlisted file is kept" "$(ls "$W/corpus" | wc -l)" 3
t_exit "anonymize --force replaces it" 0 "$P" anonymize --force --key-file "$W/key" "$W/in.jsonl" -o "$W/corpus/"
t_eq "after --force only its documents remain" "$(ls "$W/corpus" | wc -l)" 2

printf '{"format":"prodfuzz-policy","version":1,"keys":"keep"}' > "$W/leaky.json"
printf '{"contacts":{"alice.wonder@example.com":{"n":1}}}\n' > "$W/leak.jsonl"
t_exit "leak check exits 1 on a leaky policy" 1 "$P" anonymize --key-file "$W/key" --policy "$W/leaky.json" "$W/leak.jsonl" -o "$W/leak.out"
t_grep "leak report names the row" "leak.jsonl:1" "$T_ERR"
t_grep "leak report names the path" '\$\.contacts\{\*\}' "$T_ERR"
t_nogrep "leak report never shows the value" "alice|wonder" "$T_ERR"
if [ -e "$W/leak.out" ]; then t_fail "leaky output is not written"; else t_pass "leaky output is not written"; fi
t_exit "--no-verify skips the leak check" 0 "$P" anonymize --no-verify --key-file "$W/key" --policy "$W/leaky.json" "$W/leak.jsonl"

# twitter.json: one status per line, no original 6+ character string survives
TW="${PF_DATA:-}/nativejson/twitter.json"
if [ -f "$TW" ]; then
    python3 -c 'import json,sys
for s in json.load(open(sys.argv[1]))["statuses"]: print(json.dumps(s, ensure_ascii=False))' "$TW" > "$W/tw.jsonl"
    t_exit "twitter statuses anonymize with exit 0" 0 "$P" anonymize --key-file "$W/key" "$W/tw.jsonl" -o "$W/tw.out"
    "$P" anonymize --key-file "$W/key" "$W/tw.jsonl" -o "$W/tw.out2" 2>/dev/null
    t_eq "twitter: byte-identical across two runs" "$(sha1sum < "$W/tw.out")" "$(sha1sum < "$W/tw.out2")"
    if python3 - "$W/tw.jsonl" "$W/tw.out" <<'PY'
import json, re, sys
tok = re.compile(r'[0-9A-Za-z\u0080-\U0010ffff]+')
def toks(s):
    for t in tok.findall(s):
        if len(t) >= 6 and len(set(t)) > 1 and (any(not c.isdigit() for c in t) or len(t) >= 10):
            yield t
def leaves(v, path="$"):
    if isinstance(v, dict):
        for k, x in v.items(): yield from leaves(x, path + "." + k)
    elif isinstance(v, list):
        for x in v: yield from leaves(x, path + "[*]")
    elif isinstance(v, str): yield path, v
    elif isinstance(v, (int, float)) and not isinstance(v, bool): yield path, json.dumps(v)
def shape(v):
    if isinstance(v, dict): return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list): return [shape(x) for x in v]
    return type(v).__name__
orig = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
out = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(orig) == len(out), "line count"
seen = set()
for o in orig:
    for _, v in leaves(o): seen.update(toks(v))
bad = 0
for i, (o, a) in enumerate(zip(orig, out)):
    assert shape(o) == shape(a), "structure and types kept, line %d" % (i + 1)
    for (p, v), (p2, w) in zip(leaves(o), leaves(a)):
        assert p == p2
        if isinstance(v, str) and len(v.encode()) != len(w.encode()) and not re.match(r'^\d+\.\d+\.\d+\.\d+$|:', v):
            print("length changed at", p); bad += 1
        for t in toks(w):
            if t in seen:
                print("line %d %s: an original token survives" % (i + 1, p)); bad += 1
print("checked", len(seen), "original tokens")
sys.exit(1 if bad else 0)
PY
    then t_pass "twitter: no original 6+ char string survives, structure and lengths kept"
    else t_fail "twitter: no original 6+ char string survives, structure and lengths kept"; fi
else
    t_skip "twitter statuses" "no $TW"
fi

# --jobs: the same bytes and the same leak results on any number of
# threads (several thousand lines, so that they span many batches)
python3 - "$W/many.jsonl" "$W/leaky2.jsonl" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(6000):
        f.write('{"id":%d,"email":"user%d@mail%d.example.com","name":"Иван Петров %d","status":"%s",'
                '"at":"2022-01-%02dT10:%02d:00Z","tags":["sku-%d",%d.5]}\n'
                % (i, i, i % 7, i, ["active", "closed"][i % 2], i % 28 + 1, i % 60, i % 97, i))
        if i % 1000 == 999:
            f.write('{"not json\n')
with open(sys.argv[2], "w") as f:
    for i in range(3000):
        f.write('{"user":{"login":"margarethamilton%06d"}}\n' % i)
        f.write('{"sessions":{"margarethamilton%06d":{"n":1}}}\n' % i)
PY
t_exit "--jobs 1 exits 0" 0 "$P" anonymize --jobs 1 --skip-bad --key-file "$W/key" "$W/many.jsonl" -o "$W/j1.jsonl"
t_grep "--jobs 1: bad lines skipped and counted" "6000 documents.* 6 skipped" "$T_ERR"
t_exit "--jobs 3 exits 0" 0 "$P" anonymize --jobs 3 --skip-bad --key-file "$W/key" "$W/many.jsonl" -o "$W/j3.jsonl"
t_grep "--jobs 3: bad lines skipped and counted" "6000 documents.* 6 skipped" "$T_ERR"
t_eq "--jobs 1 and --jobs 3: byte-identical output" "$(sha1sum < "$W/j1.jsonl")" "$(sha1sum < "$W/j3.jsonl")"
t_nogrep "--jobs 3: no original e-mail survives" "user[0-9]+@mail" "$W/j3.jsonl"
t_exit "--jobs 2 stops at the first bad line with exit 2" 2 "$P" anonymize --jobs 2 --key-file "$W/key" "$W/many.jsonl" -o "$W/j2.jsonl"
t_grep "the bad line is named" "many.jsonl line 1001:" "$T_ERR"
if [ -e "$W/j2.jsonl" ]; then t_fail "--jobs 2: nothing written after a bad line"; else t_pass "--jobs 2: nothing written after a bad line"; fi
t_exit "--jobs 1: leaks exit 1" 1 "$P" anonymize --jobs 1 --key-file "$W/key" --policy "$W/leaky.json" "$W/leaky2.jsonl" -o "$W/l1.jsonl"
cp "$T_ERR" "$W/l1.err"
t_exit "--jobs 2: leaks exit 1" 1 "$P" anonymize --jobs 2 --key-file "$W/key" --policy "$W/leaky.json" "$W/leaky2.jsonl" -o "$W/l2.jsonl"
t_grep "--jobs 2: every reused value is counted" "3000 value\(s\) survive" "$T_ERR"
t_eq "--jobs 1 and --jobs 2: the same leak report" "$(grep -v 'documents, ' "$W/l1.err" | sha1sum)" "$(grep -v 'documents, ' "$T_ERR" | sha1sum)"
t_grep "the report names rows and paths" "leaky2.jsonl:2, path [$][.]sessions[{][*][}] [(]key[)]" "$T_ERR"
# a bad line the reader refuses (a NUL byte) after a line that is not
# JSON but still on the workers: the first error is the one reported
python3 -c '
import sys
with open(sys.argv[1], "wb") as f:
    for i in range(3000):
        if i == 2400: f.write(b"{\"broken\": 1\n")
        elif i == 2500: f.write(b"{\"a\":\"x\x00y\"}\n")
        else: f.write(b"{\"a\":\"user%d@example.com\"}\n" % i)
' "$W/twobad.jsonl"
t_exit "--jobs 2: two bad lines exit 2" 2 "$P" anonymize --jobs 2 --key-file "$W/key" "$W/twobad.jsonl" -o "$W/tb.jsonl"
t_grep "--jobs 2: the first bad line is the one reported" "twobad.jsonl line 2401:" "$T_ERR"
t_exit "--jobs 0 is refused with exit 2" 2 "$P" anonymize --jobs 0 --key-file "$W/key" "$W/in.jsonl"
t_exit "--jobs x is refused with exit 2" 2 "$P" anonymize --jobs x --key-file "$W/key" "$W/in.jsonl"
t_exit "help documents --jobs" 0 "$P" anonymize --help
t_grep "help documents --jobs" "--jobs N" "$T_OUT"
t_done
