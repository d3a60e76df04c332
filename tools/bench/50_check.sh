#!/bin/bash
# 50_check: inputs per second of `prodfuzz check` (release build).
#  1. in-process: a worker built from tools/bench/check_target.c (cJSON
#     parse + serialize of service_orders documents) linked with
#     libprodfuzz_runner.a, reused across inputs, against the same
#     function called in a plain loop in one process. Target: >= 0.5.
#  2. black-box: the same parse as a command run once per input file
#     (--cmd 'BIN @@'), against a shell loop starting the command once per
#     file. Target: >= 1.
# check's figure is its run loop (the "seconds" of --json: inputs read,
# limits applied, every outcome classified); the whole command's wall
# time is shown too. Three alternating rounds, medians.
set -u
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PF=${PF_BIN_RELEASE:-$ROOT/build/bin/prodfuzz}
N=${PF_BENCH_CHECK_INPUTS:-20000}
NCMD=${PF_BENCH_CHECK_CMD_INPUTS:-500}
W=$(mktemp -d /tmp/pf-bench-check.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$ROOT" || exit 3
. tools/bench/common.inc
B=tools/bench/check_target.c
if ! clang -O2 -o "$W/worker" "$B" build/lib/libprodfuzz_runner.a -lcjson 2>"$W/cc.log" ||
   ! clang -O2 -DBENCH_LOOP -o "$W/loop" "$B" -lcjson 2>>"$W/cc.log" ||
   ! clang -O2 -DBENCH_CMD -o "$W/cmd" "$B" -lcjson 2>>"$W/cc.log"; then
    echo "skip: cannot build the bench target"; cat "$W/cc.log"; exit 0
fi
# N documents: the seed corpus over and over, one per line
bench_docs "$N" "$W/docs.jsonl"
mkdir "$W/files"
head -n "$NCMD" "$W/docs.jsonl" | split -l 1 -a 4 - "$W/files/d"

med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rate_check() { # ARGS... -> inputs/s of the run loop; wall in $W/wall
    local t0 t1 out
    t0=$(date +%s.%N)
    out=$("$PF" check "$@" --mutants 0 --json --repro-dir "$W/r" 2>/dev/null)
    t1=$(date +%s.%N)
    python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print("%.0f %.0f" % (s["inputs"]/s["seconds"], s["inputs"]/(float(sys.argv[3])-float(sys.argv[2]))))' "$out" "$t0" "$t1"
}

loop= chk= chkw=
for round in 1 2 3; do
    loop="$loop $("$W/loop" "$W/docs.jsonl")"
    set -- $(rate_check "$W/worker" "$W/docs.jsonl")
    chk="$chk $1"; chkw="$chkw $2"
done
l=$(med $loop); c=$(med $chk); cw=$(med $chkw)
echo "in-process, $N documents: plain loop $l inputs/s; check (reused worker) $c inputs/s, whole command $cw inputs/s"
echo "  ratio check/loop: $(awk -v a="$c" -v b="$l" 'BEGIN {printf "%.2f", a / b}') (target >= 0.5)"

shell= bb= bbw=
for round in 1 2 3; do
    t0=$(date +%s.%N)
    for f in "$W"/files/d*; do "$W/cmd" "$f" >/dev/null 2>&1; done
    t1=$(date +%s.%N)
    shell="$shell $(awk -v n="$NCMD" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')"
    set -- $(rate_check --cmd "$W/cmd @@" "$W/files")
    bb="$bb $1"; bbw="$bbw $2"
done
s=$(med $shell); b=$(med $bb); bw=$(med $bbw)
echo "black-box, $NCMD files: shell loop $s inputs/s; check --cmd $b inputs/s, whole command $bw inputs/s"
echo "  ratio check/shell: $(awk -v a="$b" -v b="$s" 'BEGIN {printf "%.2f", a / b}') (target >= 1)"
