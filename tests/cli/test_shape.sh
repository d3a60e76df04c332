#!/bin/bash
# prodfuzz shape: exit codes, the anonymized-input rule (--raw-ok), invalid
# documents, --show, exact --merge, --diff drift and thresholds, and a
# --dict that libFuzzer itself accepts.
. "$(dirname "$0")/../lib/assert.sh"
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX="$ROOT/tests/fixtures/shape/orders.jsonl"
W=$(mktemp -d /tmp/pf-shape-cli.XXXXXX)
trap 'rm -rf "$W"' EXIT

t_exit "shape --help exits 0" 0 "$P" shape --help
t_grep "shape --help has examples" "prodfuzz shape --raw-ok" "$T_OUT"
# the help's examples work when pasted
ex=$(sed -n 's/^  \(printf .*\|prodfuzz shape .*\)$/\1/p' "$T_OUT" | sed "s#/tmp/#$W/#g; s#^prodfuzz #$P #")
if (cd "$W" && eval "$ex") >"$W/ex.out" 2>&1; then t_pass "shape --help examples run"
else t_fail "shape --help examples run" "$(tail -5 "$W/ex.out")"; fi

# ---- refusing raw input -----------------------------------------------------
t_exit "a JSONL file without --raw-ok is refused" 2 "$P" shape "$FIX" -o "$W/x.json"
t_grep "the refusal says what to do" "not an anonymized corpus.*--raw-ok" "$T_ERR"
[ ! -e "$W/x.json" ] && t_pass "nothing written on refusal" || t_fail "nothing written on refusal"
t_exit "stdin without --raw-ok is refused" 2 "$P" shape - </dev/null
t_grep "stdin refusal names --raw-ok" "standard input.*--raw-ok" "$T_ERR"
mkdir -p "$W/plain" "$W/anon/.prodfuzz" "$W/anon2/.prodfuzz" "$W/sampled/.prodfuzz"
echo '{"a": 1}' >"$W/plain/doc1"
cp "$W/plain/doc1" "$W/anon/"; cp "$W/plain/doc1" "$W/anon2/"; cp "$W/plain/doc1" "$W/sampled/"
echo '{"tool": "prodfuzz anonymize", "anonymized": true}' >"$W/anon/.prodfuzz/manifest.json"
echo '{"tool": "prodfuzz anonymize", "key_fingerprint": "ab12", "policy_digest": "cd34"}' >"$W/anon2/.prodfuzz/manifest.json"
echo '{"tool": "prodfuzz sample", "anonymized": false}' >"$W/sampled/.prodfuzz/manifest.json"
t_exit "a folder without a manifest is refused" 2 "$P" shape "$W/plain" -o "$W/x.json"
t_grep "the folder refusal names the manifest" "manifest.json" "$T_ERR"
t_exit "a manifest with anonymized false is refused" 2 "$P" shape "$W/sampled" -o "$W/x.json"
t_exit "a manifest with anonymized true is accepted" 0 "$P" shape "$W/anon" -o "$W/anon.json"
t_exit "a manifest with a key fingerprint is accepted" 0 "$P" shape "$W/anon2" -o "$W/anon2.json"
t_grep "the corpus document was profiled" '"documents": 1,' "$W/anon2.json"
t_exit "--raw-ok accepts a plain folder" 0 "$P" shape --raw-ok "$W/plain" -o "$W/plain.json"
# corpora anonymized with different keys do not join: never profiled together
umask 077; head -c 32 /dev/urandom >"$W/k1"; head -c 32 /dev/urandom >"$W/k2"; umask 022
"$P" anonymize --key-file "$W/k1" "$FIX" -o "$W/c1/" 2>/dev/null
"$P" anonymize --key-file "$W/k1" "$FIX" -o "$W/c1b/" 2>/dev/null
"$P" anonymize --key-file "$W/k2" "$FIX" -o "$W/c2/" 2>/dev/null
t_grep "the manifest records the transform version" '"transform_version":5' "$W/c1/.prodfuzz/manifest.json"
t_exit "corpora made with one key are profiled together" 0 "$P" shape "$W/c1" "$W/c1b" -o "$W/c11.json"
t_exit "corpora made with different keys are refused together" 2 "$P" shape "$W/c1" "$W/c2" -o "$W/c12.json"
t_grep "the refusal says why" "different keys or transform versions" "$T_ERR"
[ ! -e "$W/c12.json" ] && t_pass "no profile of mixed keys is written" || t_fail "no profile of mixed keys is written"
sed 's/"transform_version":5/"transform_version":1/' "$W/c1b/.prodfuzz/manifest.json" >"$W/m" && cat "$W/m" >"$W/c1b/.prodfuzz/manifest.json"
t_exit "corpora of another transform version are refused together" 2 "$P" shape "$W/c1" "$W/c1b" -o "$W/c12.json"
# ---- only what sampling wrote: documents the manifest lists -------------------
n1=$(ls "$W/c1" | wc -l)
printf '{"id": -6, "total": 1e308}' >"$W/c1/$(printf '{"id": -6, "total": 1e308}' | sha1sum | cut -c1-40)"
printf '{"id": 0}' >"$W/c1/crash-0123"
t_exit "a corpus holding unlisted documents is refused" 2 "$P" shape "$W/c1" -o "$W/un.json"
t_grep "the refusal names how many and the option" "holds 2 documents its manifest does not list.*--include-unlisted" "$T_ERR"
t_grep "the refusal says how to run libFuzzer" "working folder first" "$T_ERR"
[ ! -e "$W/un.json" ] && t_pass "no profile is written on that refusal" || t_fail "no profile is written on that refusal"
t_exit "--raw-ok does not let unlisted documents in" 2 "$P" shape --raw-ok "$W/c1" -o "$W/un.json"
t_exit "--include-unlisted profiles them" 0 "$P" shape --include-unlisted "$W/c1" -o "$W/un.json"
t_grep "the profile counts every document" "\"documents\": $((n1 + 2))," "$W/un.json"
t_grep "the profile records the unlisted documents" '"unlisted_documents": 2,' "$W/un.json"
t_exit "--show of it exits 0" 0 "$P" shape --show "$W/un.json"
t_grep "--show says it is not production data alone" "not production data alone: 2 of the documents" "$T_OUT"
t_exit "--show --json of it exits 0" 0 "$P" shape --show --json "$W/un.json"
t_grep "--show --json has the count" '"unlisted_documents": 2,' "$T_OUT"
t_exit "a merge keeps the count" 0 "$P" shape --merge "$W/un.json" "$W/c11.json" -o "$W/unm.json"
t_grep "merged unlisted count" '"unlisted_documents": 2,' "$W/unm.json"
rm -f "$W/c1/crash-0123" "$W/c1/$(printf '{"id": -6, "total": 1e308}' | sha1sum | cut -c1-40)"
f=$(ls "$W/c1" | head -1); cp "$W/c1/$f" "$W/saved"; printf '{"id": 461}' >"$W/c1/$f"
t_exit "a listed document whose content changed is refused" 2 "$P" shape "$W/c1" -o "$W/ch.json"
t_grep "the changed document is named" "c1/$f changed after sampling" "$T_ERR"
t_exit "--include-unlisted counts it as unlisted" 0 "$P" shape --include-unlisted "$W/c1" -o "$W/ch.json"
t_grep "the changed document is counted" '"unlisted_documents": 1,' "$W/ch.json"
cp "$W/saved" "$W/c1/$f"
rm "$W/c1/$(ls "$W/c1" | tail -1)"
t_exit "a corpus with a listed document missing is profiled" 0 "$P" shape "$W/c1" -o "$W/miss.json"
t_grep "the missing document is said" "1 document its manifest lists is missing" "$T_ERR"
t_exit "a hand-made folder without a manifest works with --raw-ok" 0 "$P" shape --raw-ok "$W/plain" -o "$W/plain2.json"
t_eq "it says nothing guarantees production data, on one line" "$(grep -c 'nothing guarantees its documents are production data' "$T_ERR")" 1
t_exit "a missing input exits 2" 2 "$P" shape --raw-ok "$W/nope.jsonl"
t_grep "a missing input is named" "nope.jsonl" "$T_ERR"
t_exit "no input is a usage error" 2 "$P" shape --raw-ok
t_exit "an unknown option exits 2" 2 "$P" shape --frob
t_exit "a bad --rare-cutoff exits 2" 2 "$P" shape --raw-ok --rare-cutoff 2 "$FIX"

# ---- building -------------------------------------------------------------
t_exit "profile the orders fixture" 0 "$P" shape --raw-ok "$FIX" -o "$W/orders.json" --dict "$W/orders.dict"
t_grep "200 documents" '"documents": 200,' "$W/orders.json"
t_grep "null count of the e-mail" '"\$\.customer\.email": \{"count": 200.*' "$W/orders.json"
t_grep "rare legacy string total with its example" '"kind": "type", "what": "string", "count": 1, "example": "12.50"' "$W/orders.json"
t_grep "id-keyed map folded with a note" 'seen_by: 200 documents had a map keyed by ids' "$W/orders.json"
t_grep "the number keeps its text" '"max": 505874924095815700' "$W/orders.json"
ls "$W" | grep -q '\.tmp' && t_fail "no temporary files left" "$(ls "$W")" || t_pass "no temporary files left"
cat "$FIX" | "$P" shape --raw-ok - >"$W/stdin.json" 2>"$W/err"
t_eq "stdin gives the same profile as the file" "$(cmp -s "$W/stdin.json" "$W/orders.json"; echo $?)" 0
{ head -3 "$FIX"; echo '{"broken": '; echo 'not json'; tail -2 "$FIX"; } >"$W/mixed.jsonl"
t_exit "invalid lines are counted, not fatal" 0 "$P" shape --raw-ok "$W/mixed.jsonl" -o "$W/mixed.json"
t_grep "invalid count" '"invalid": 2,' "$W/mixed.json"
t_grep "invalid lines are located" 'mixed.jsonl:4: ' "$W/mixed.json"
t_grep "a warning names the invalid count" "2 invalid documents" "$T_ERR"
printf '{"a":1}\n{"a":"%s"}\n{"a":2}\n' "$(printf 'x%.0s' $(seq 1 100))" >"$W/long.jsonl"
t_exit "a line past --max-doc-size is invalid, not fatal" 0 "$P" shape --raw-ok --max-doc-size 64 "$W/long.jsonl" -o "$W/long.json"
t_grep "the long line is located" '"invalid_at": \[".*long.jsonl: line 2 \(byte offset 8\): longer than --max-doc-size' "$W/long.json"
t_grep "the other lines are profiled" '"documents": 2,' "$W/long.json"
mkdir -p "$W/big/.prodfuzz"; cp "$W/anon/.prodfuzz/manifest.json" "$W/big/.prodfuzz/"
echo '{"a": 1}' >"$W/big/small"; head -c 200 /dev/zero | tr '\0' ' ' >"$W/big/large"
t_exit "a corpus file past --max-doc-size is invalid, not fatal" 0 "$P" shape --max-doc-size 64 "$W/big" -o "$W/big.json"
t_grep "the large file is located" '"invalid_at": \[".*big/large: larger than the limit of 64 bytes"' "$W/big.json"
printf 'nope\n{\n' >"$W/bad.jsonl"
t_exit "input with no valid document exits 2" 2 "$P" shape --raw-ok "$W/bad.jsonl" -o "$W/bad.json"
python3 -c 'print("["*20000 + "]"*20000)' >"$W/deep.json"
t_exit "nesting past the limit is reported, not a crash" 2 "$P" shape --raw-ok "$W/deep.json" -o "$W/deep.out"
t_exit "nesting past the limit is counted in a mix" 0 "$P" shape --raw-ok "$W/deep.json" "$W/anon" -o "$W/deep.out"
t_grep "too_deep counted" '"too_deep": 1,' "$W/deep.out"

# ---- show -----------------------------------------------------------------
t_exit "--show exits 0" 0 "$P" shape --show "$W/orders.json"
t_grep "--show gives the null share" 'types: null 5.0% string 95.0%' "$T_OUT"
t_grep "--show lists rare variants" 'rare value "legacy_hold" in 1 docs' "$T_OUT"
t_grep "--show gives missing = parent count - count" '^\$\.coupon_code  in 1 docs \(0\.5%\), missing in 199 of 200 docs with \$$' "$T_OUT"
t_exit "--show --json exits 0" 0 "$P" shape --show --json "$W/orders.json"
python3 -m json.tool "$T_OUT" >/dev/null && t_pass "--show --json is JSON" || t_fail "--show --json is JSON"
t_exit "--show of a non-profile exits 2" 2 "$P" shape --show "$FIX"
t_grep "--show names the bad file" "orders.jsonl: " "$T_ERR"

# ---- merge ----------------------------------------------------------------
head -120 "$FIX" >"$W/a.jsonl"; tail -n +121 "$FIX" >"$W/b.jsonl"
"$P" shape --raw-ok "$W/a.jsonl" -o "$W/a.json" 2>/dev/null
"$P" shape --raw-ok "$W/b.jsonl" -o "$W/b.json" 2>/dev/null
t_exit "--merge exits 0" 0 "$P" shape --merge "$W/a.json" "$W/b.json" -o "$W/ab.json"
t_eq "merge(a, b) is byte-identical to profile(a + b)" "$(cmp "$W/ab.json" "$W/orders.json" 2>&1)" ""
"$P" shape --raw-ok --enum-cap 8 "$W/b.jsonl" -o "$W/b8.json" 2>/dev/null
t_exit "--merge of profiles with other settings exits 2" 2 "$P" shape --merge "$W/a.json" "$W/b8.json" -o "$W/x.json"
t_grep "the refusal names the settings" "settings differ" "$T_ERR"

# ---- diff -----------------------------------------------------------------
t_exit "--diff of a profile with itself exits 0" 0 "$P" shape --diff "$W/orders.json" "$W/orders.json"
t_grep "--diff says no drift" "no drift beyond thresholds" "$T_OUT"
{ head -50 "$FIX"; echo '{"id": 5, "total": 1000000.125, "status": "paid", "customer": null, "note": "'"$(printf 'x%.0s' $(seq 1 300))"'", "refund": true}'; } >"$W/drift.jsonl"
"$P" shape --raw-ok "$W/drift.jsonl" -o "$W/drift.json" 2>/dev/null
t_exit "--diff exits 1 on drift" 1 "$P" shape --diff "$W/orders.json" "$W/drift.json"
t_grep "new path reported" "drift path +\\\$\.refund: new path" "$T_OUT"
t_grep "new null reported" "drift null +\\\$\.customer: null, never null before" "$T_OUT"
t_grep "length past the old max reported" "string length 300 past the old max 99" "$T_OUT"
t_grep "number range reported" "range 10.00..1000000.125 outside the old 10.00..99.53" "$T_OUT"
t_exit "--diff --json exits 1 on drift" 1 "$P" shape --diff --json "$W/orders.json" "$W/drift.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["drift"] is True and d["counted"] >= 4' "$T_OUT" \
    && t_pass "--diff --json is JSON with the verdict" || t_fail "--diff --json is JSON with the verdict" "$(head -c 300 "$T_OUT")"
t_exit "lengths and ranges count whatever --min-share says" 1 "$P" shape --diff --min-share 0.5 "$W/orders.json" "$W/drift.json"
t_grep "a new path in 1 of 51 documents is only a note under --min-share" "^note  path +\\$\.refund" "$T_OUT"
t_exit "drift under --min-share is tolerated" 0 "$P" shape --diff --min-share 0.5 --ignore length,number "$W/orders.json" "$W/drift.json"
t_exit "ignored classes and --max-drift tolerate drift" 0 "$P" shape --diff --ignore path,null,length,number,removed --max-drift 0 "$W/orders.json" "$W/drift.json"
t_exit "--max-drift raises the tolerance" 0 "$P" shape --diff --max-drift 50 "$W/orders.json" "$W/drift.json"
t_exit "--diff with one profile is a usage error" 2 "$P" shape --diff "$W/orders.json"
t_exit "--ignore of an unknown class exits 2" 2 "$P" shape --diff --ignore frob "$W/orders.json" "$W/drift.json"
t_exit "--diff again for the wording" 1 "$P" shape --diff "$W/orders.json" "$W/drift.json"
t_grep "a range change says what its document count counted" \
    'range 10\.00\.\.1000000\.125 outside the old 10\.00\.\.99\.53 \([0-9]+ of 51 new documents hold a number here; how many of them went past is not counted\)' "$T_OUT"
t_grep "a new path says it was present in that many documents" 'new path \(present in 1 of 51 new documents\)' "$T_OUT"
t_grep "a new null says how many documents had it" 'null, never null before \(null in 1 of 51 new documents\)' "$T_OUT"

# ---- ranges of anonymized numbers -------------------------------------------
# A scrambled number's range is the scrambled values' range; --show says so,
# and with the policy says which paths kept production's real range.
printf '{"format": "prodfuzz-policy", "version": 1, "default": "scramble", "rules": [{"path": "$.total", "action": "keep"}]}\n' >"$W/keep-total.json"
(umask 077; head -c 32 /dev/urandom >"$W/k-anon")
"$P" anonymize --key-file "$W/k-anon" --policy "$W/keep-total.json" "$FIX" -o "$W/anon-orders/" 2>/dev/null
t_exit "an anonymized corpus is profiled" 0 "$P" shape "$W/anon-orders" -o "$W/anon-orders.json"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["anonymized"] is True' "$W/anon-orders.json" \
    && t_pass "the profile of an anonymized corpus says anonymized" || t_fail "the profile of an anonymized corpus says anonymized"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["anonymized"] is False' "$W/orders.json" \
    && t_pass "the profile of raw input says not anonymized" || t_fail "the profile of raw input says not anonymized"
t_exit "--show of an anonymized profile exits 0" 0 "$P" shape --show "$W/anon-orders.json"
t_grep "--show says a scrambled number's range is not production's" "^anonymized corpus: a number path the policy does not keep shows" "$T_OUT"
t_grep "--show marks each number range of an anonymized profile" '^  numbers: .*\(anonymized: the scrambled values. range unless the policy keeps this path' "$T_OUT"
t_exit "--show --policy exits 0" 0 "$P" shape --show "$W/anon-orders.json" --policy "$W/keep-total.json"
t_grep "--show --policy marks a kept path's real range" '^  numbers: 10\.00 \.\. 99\.53, .*\(kept by the policy: production.s real range\)' "$T_OUT"
t_grep "--show --policy marks a scrambled path" '^  numbers: .*\(the scrambled values. range, not production.s: the policy.s action here is scramble\)' "$T_OUT"
t_exit "--show --json --policy exits 0" 0 "$P" shape --show --json "$W/anon-orders.json" --policy "$W/keep-total.json"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); r = {p["path"]: p.get("number_range") for p in d["paths"]}
assert d["anonymized"] is True and r["$.total"] == "kept" and r["$.id"] == "scrambled", r' "$T_OUT" \
    && t_pass "--show --json gives each number path's range source" || t_fail "--show --json gives each number path's range source" "$(head -c 400 "$T_OUT")"
t_exit "--show of a raw profile exits 0" 0 "$P" shape --show "$W/orders.json"
t_nogrep "--show of raw input has no anonymization note" "anonymized|scrambled" "$T_OUT"
t_exit "--merge keeps the anonymized mark" 0 "$P" shape --merge "$W/anon-orders.json" "$W/anon-orders.json" -o "$W/anon2x.json"
t_grep "the merged profile says anonymized" '"anonymized": true' "$W/anon2x.json"
t_exit "--policy without --show is a usage error" 2 "$P" shape --diff "$W/orders.json" "$W/drift.json" --policy "$W/keep-total.json"

# ---- dictionary -----------------------------------------------------------
t_grep "dictionary holds quoted keys" '^"\\"customer\\""$' "$W/orders.dict"
t_grep "dictionary holds enum values" '^"\\"legacy_hold\\""$' "$W/orders.dict"
printf '{"k\\u0001\\u00e9\\"x\\\\": "\\u0000", "s": "a"}\n{"s": "b"}\n' >"$W/odd.jsonl"
"$P" shape --raw-ok "$W/odd.jsonl" -o "$W/odd.json" --dict "$W/odd.dict" 2>/dev/null
t_grep "non-printable bytes escaped as \\xNN" '\\x01\\xC3\\xA9' "$W/odd.dict"
FZ="$ROOT/build/fuzz/fuzz_jsonl"
if [ -x "$FZ" ]; then
    mkdir -p "$W/fz"
    for d in orders odd; do
        "$FZ" -dict="$W/$d.dict" -runs=10 "$W/fz" >"$W/fz.out" 2>&1; st=$?
        if [ "$st" -eq 0 ] && ! grep -q "ParseDictionaryFile" "$W/fz.out" && grep -q "Dictionary: [1-9][0-9]* entries" "$W/fz.out"; then
            t_pass "libFuzzer accepts the $d dictionary"
        else
            t_fail "libFuzzer accepts the $d dictionary" "exit $st: $(grep -i dict "$W/fz.out" | head -3)"
        fi
    done
else
    t_skip "libFuzzer accepts the dictionary" "build/fuzz/fuzz_jsonl not built"
fi
t_done
