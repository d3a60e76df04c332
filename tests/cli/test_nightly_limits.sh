#!/bin/bash
# nightly_limits: production's limits make findings with signatures of
# their own. A target that spins on one input and allocates more than the
# heap on another (both reproducers imported, no fuzzing) gives a timeout
# finding under --timeout and an out-of-memory finding under --rss-limit
# (the heap: one allocation past it is an OOM, not a crash of the
# sanitizer's own), each with its frames in the target's code; the same
# allocation under a larger heap is no finding at all.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$(realpath "${PF_BIN:?PF_BIN must point at the prodfuzz binary}")
if ! [ -f "$ROOT/build/lib/libprodfuzz_libfuzzer.a" ] || ! command -v python3 >/dev/null; then
    t_skip nightly_limits "build/lib/libprodfuzz_libfuzzer.a (make) or python3 missing"; exit 0
fi
W=$(mktemp -d /tmp/pf-nightly-lim.XXXXXX)
trap 'rm -rf "$W"' EXIT
cat >"$W/t.c" <<'C'
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
static volatile size_t sink;
static void spin(void) { for (;;) sink++; }
static void grab(size_t mb)
{
    char *p = malloc(mb << 20);
    if (p) { memset(p, 1, 4096); sink += (size_t)p[7]; free(p); }
}
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n >= 6 && !memcmp(d, "{\"spin", 6)) spin();
    if (n >= 5 && !memcmp(d, "{\"big", 5)) grab(300);
    return 0;
}
C
t_exit "a target links the mutator with prodfuzz nightly --link-flags" 0 \
    bash -c "clang -g -O1 -fsanitize=fuzzer,address '$W/t.c' \$('$P' nightly --link-flags) -o '$W/t'"
mkdir "$W/in"
printf '{"spin":1}' >"$W/in/timeout-a"
printf '{"big":1}' >"$W/in/oom-b"
mkdir "$W/cwd"
(cd "$W/cwd" && "$P" nightly --target "$W/t" --import "$W/in" --budget 0 --timeout 1s \
    --rss-limit 256M --state "$W/s" --out "$W/o" >"$W/out" 2>"$W/err")
t_eq "the night has new findings (exit 1)" $? 1
t_eq "replays leave no crash file in the current folder" "$(ls "$W/cwd")" ""
python3 - "$W/s/findings.json" >"$W/f" <<'PY'
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    print(f["outcome"], f["signature"])
PY
t_grep "the spinning input is a timeout with the frame of spin()" "^timeout timeout\|.*spin " "$W/f"
t_grep "the 300 MiB allocation past a 256M heap is out of memory, in grab()" "^oom .*\|.*grab " "$W/f"
t_eq "two findings" "$(wc -l <"$W/f")" 2
rm "$W/in/timeout-a"
"$P" nightly --target "$W/t" --import "$W/in" --budget 0 --rss-limit 512M \
    --state "$W/s2" --out "$W/o2" >"$W/out2" 2>"$W/err2"
t_eq "under a 512M heap the same allocation is no finding (exit 0)" $? 0
t_done
