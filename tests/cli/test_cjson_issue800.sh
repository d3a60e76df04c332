#!/bin/bash
# cjson_issue800: the prodfuzz mutator, linked into the instrumented
# cJSON_ParseWithLength harness, finds upstream cJSON issue 800 (a read
# past the end of truncated input such as {"a":"b",) within seconds, and
# the report names the harness, the error kind (heap-buffer-overflow READ)
# and the frame in cJSON's own source (cJSON.c). The harness is built by
# `make fuzz` on cJSON 1.7.15 as released (build/fuzz/cjson_issue800);
# Debian's patched build (fuzz_cjson_parse_length, the same source) must
# not fail on the reproducer.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
H=$ROOT/build/fuzz/cjson_issue800
if ! [ -x "$H" ]; then
    t_skip cjson_issue800 "build/fuzz/cjson_issue800 not built (make fuzz; it needs Debian's cjson source package)"
    exit 0
fi
W=$(mktemp -d /tmp/pf-cj800.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/corpus" "$W/crash"
cp "$ROOT"/corpus/fuzz_cjson_parse_length/* "$W/corpus/"
# the run stops at the first finding; 60 s is a ceiling, not the budget
# (it takes 2 to 5 s on 2 shared cores)
PRODFUZZ_DEBUG=1 PRODFUZZ_SHAPE="$ROOT/fuzz/fuzz_cjson_parse_length.shape.json" \
ASAN_OPTIONS="detect_leaks=0" \
    "$H" -seed=1 -max_len=1048576 -max_total_time=60 -timeout=10 \
    -artifact_prefix="$W/crash/" "$W/corpus" >"$W/log" 2>&1
st=$?
t_eq "the harness exits with libFuzzer's crash status" "$st" 1
t_grep "the prodfuzz mutator ran with the harness's shape profile" \
    'prodfuzz: mutator on .*with a shape profile' "$W/log"
t_grep "the error kind is heap-buffer-overflow" \
    'ERROR: AddressSanitizer: heap-buffer-overflow' "$W/log"
t_grep "the access is a READ" '^READ of size [0-9]+' "$W/log"
# the first frame is in cJSON's own source, the harness is on the stack
first=$(grep -m1 -E '^    #0 ' "$W/log")
if [[ "$first" =~ in\ (parse_[a-z_]+|buffer_[a-z_]+|[a-z_]+)\ .*cJSON\.c:[0-9]+ ]]; then
    t_pass "the top frame is in cJSON.c (${BASH_REMATCH[1]})"
else
    t_fail "the top frame is in cJSON.c" "got: $first"
fi
t_grep "cJSON_ParseWithLength is on the stack" 'in cJSON_ParseWithLength .*cJSON\.c:' "$W/log"
t_grep "the harness is named in the report" 'in LLVMFuzzerTestOneInput .*fuzz_cjson_parse_length\.c:' "$W/log"
crash=$(ls "$W"/crash/crash-* 2>/dev/null | head -1)
if [ -z "$crash" ]; then
    t_fail "a reproducer is written"; exit 0
fi
t_pass "a reproducer is written"
# the reproducer ends inside an unfinished document (issue 800's shape)
last=$(tr -d ' \t\r\n' <"$crash" | tail -c 1)
if [ "$last" != "}" ] && [ "$last" != "]" ]; then
    t_pass "the reproducer is an unfinished document (ends in '$last', not a bracket)"
else
    t_fail "the reproducer is an unfinished document" "it ends in '$last'"
fi
ASAN_OPTIONS="detect_leaks=0" "$H" "$crash" >"$W/again" 2>&1
t_grep "the reproducer replays to the same kind" 'heap-buffer-overflow' "$W/again"
if [ -x "$ROOT/build/fuzz/fuzz_cjson_parse_length" ]; then
    t_exit "Debian's patched cJSON (1.7.15-1+deb12u3 and later) does not over-read on it" 0 \
        "$ROOT/build/fuzz/fuzz_cjson_parse_length" "$crash"
fi
t_done
