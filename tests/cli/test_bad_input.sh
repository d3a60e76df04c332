#!/bin/bash
# Bad input to the commands that read outside files: a clear error, the
# right exit code, never a crash, and never a half-written output file.
. "$(dirname "$0")/../lib/assert.sh"
P=${PF_BIN:?}
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
umask 077
head -c 32 /dev/urandom >"$tmp/key"
export PRODFUZZ_KEY_FILE="$tmp/key"
umask 022
printf '{"id":"u-1","name":"Ann Smith"}\n' >"$tmp/ok.jsonl"

# a directory where a file was expected
t_exit "anonymize: a directory as input exits 2" 2 "$P" anonymize "$tmp"
t_grep "  and says it is a directory" "is a directory" "$T_ERR"
mkdir "$tmp/home" && echo precious >"$tmp/home/thesis.tex"
t_exit "anonymize: -o onto a folder that is not a corpus exits 2" 2 "$P" anonymize "$tmp/ok.jsonl" -o "$tmp/home/"
t_grep "  and says why" "not a prodfuzz corpus" "$T_ERR"
t_eq "  the folder is untouched" "$(ls "$tmp/home")/$(cat "$tmp/home/thesis.tex")" "thesis.tex/precious"
t_exit "anonymize: -o onto an earlier corpus replaces it" 0 "$P" anonymize "$tmp/ok.jsonl" -o "$tmp/c/"
t_exit "  (twice)" 0 "$P" anonymize "$tmp/ok.jsonl" -o "$tmp/c/"
t_exit "shape: a regular file as the profile's folder exits 2" 2 "$P" shape --raw-ok "$tmp/ok.jsonl" -o "$tmp/ok.jsonl/x.json"

# a file that does not exist, a file that cannot be read
t_exit "anonymize: a missing file exits 2" 2 "$P" anonymize "$tmp/nope.jsonl"
t_grep "  and names it" "nope.jsonl" "$T_ERR"
printf '{"a":1}\n' >"$tmp/secret.jsonl"
chmod 000 "$tmp/secret.jsonl"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    # as nobody, with a copy of the binary anyone can run (the checkout
    # may sit in a 0700 folder)
    cp "$P" "$tmp/prodfuzz" && chmod 755 "$tmp/prodfuzz"
    t_exit "anonymize: an unreadable file exits 2 (as nobody)" 2 \
        runuser -u nobody -- env PRODFUZZ_KEY_FILE= "$tmp/prodfuzz" anonymize "$tmp/secret.jsonl"
    t_grep "  with the reason" "ermission denied" "$T_ERR"
    rm -f "$tmp/prodfuzz"
elif [ "$(id -u)" != 0 ]; then
    t_exit "anonymize: an unreadable file exits 2" 2 "$P" anonymize "$tmp/secret.jsonl"
    t_grep "  with the reason" "ermission denied" "$T_ERR"
else
    t_skip "anonymize: an unreadable file" "no user to drop root to"
fi

# invalid UTF-8 inside strings is data, not an error: kept shape, no crash
printf '{"a":"b\xff\xfec","k\xc3":"\xe2\x82"}\n' >"$tmp/utf8.jsonl"
t_exit "anonymize: invalid UTF-8 in strings is handled" 0 "$P" anonymize "$tmp/utf8.jsonl" -o "$tmp/utf8.out"
t_eq "  output keeps the byte length" "$(wc -c <"$tmp/utf8.out")" "$(wc -c <"$tmp/utf8.jsonl")"
t_exit "shape: invalid UTF-8 in strings is profiled" 0 "$P" shape --raw-ok "$tmp/utf8.jsonl" -o "$tmp/utf8.shape"

# a line over --max-doc-size, and a 100 MB line
python3 - "$tmp/long.jsonl" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('{"a":1}\n{"big":"' + "x" * (100 << 20) + '"}\n{"b":2}\n')
PY
t_exit "anonymize: a 100 MB line over --max-doc-size 1M exits 2" 2 "$P" anonymize --max-doc-size 1M "$tmp/long.jsonl" -o "$tmp/long.out"
t_grep "  with its line number and offset" "line 2 \(byte offset 8\)" "$T_ERR"
t_grep "  and the limit" "max-doc-size" "$T_ERR"
if [ -e "$tmp/long.out" ] || ls "$tmp" | grep -q '\.tmp-'; then t_fail "  no output or temporary file left"; else t_pass "  no output or temporary file left"; fi
t_exit "anonymize --skip-bad: goes past the long line" 0 "$P" anonymize --skip-bad --max-doc-size 1M "$tmp/long.jsonl" -o "$tmp/long.out"
t_eq "  and keeps the other two" "$(wc -l <"$tmp/long.out")" "2"
t_exit "shape: the 100 MB line within the default limit is profiled" 0 "$P" shape --raw-ok "$tmp/long.jsonl" -o "$tmp/long.shape"
if python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); assert p["documents"]==3 and p["paths"]["$.big"]["string"]["max_len"]==100<<20' "$tmp/long.shape"; then
    t_pass "  with its exact length"; else t_fail "  with its exact length" "$(head -c 300 "$tmp/long.shape")"; fi
rm -f "$tmp/long.jsonl" "$tmp/long.out" "$tmp/long.shape"

# a full disk, simulated with a file size limit: EFBIG, exit 3, old file intact
python3 -c '
import json
for i in range(3000): print(json.dumps({"id": "u-%06d" % i, "name": "Person Number %d" % i}))' >"$tmp/many.jsonl"
echo "previous" >"$tmp/out.jsonl"
t_exit "anonymize: output past RLIMIT_FSIZE exits 3" 3 bash -c "ulimit -f 50; exec \"$P\" anonymize \"$tmp/many.jsonl\" -o \"$tmp/out.jsonl\""
t_grep "  and says why" "EFBIG|too large" "$T_ERR"
t_eq "  the previous output is intact" "$(cat "$tmp/out.jsonl")" "previous"
if ls -a "$tmp" | grep -q 'tmp-'; then t_fail "  no temporary file left" "$(ls -a "$tmp")"; else t_pass "  no temporary file left"; fi
echo "previous" >"$tmp/shape.json"
t_exit "shape: profile past RLIMIT_FSIZE exits 3" 3 bash -c "ulimit -f 1; exec \"$P\" shape --raw-ok \"$tmp/many.jsonl\" -o \"$tmp/shape.json\""
t_eq "  the previous profile is intact" "$(cat "$tmp/shape.json")" "previous"
t_done
