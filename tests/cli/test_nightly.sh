#!/bin/bash
# nightly: `prodfuzz nightly` runs real libFuzzer with the prodfuzz mutator
# on the example service (build/svc/service_orders_pf) with two of its
# deliberate bugs switched on (one also imported as a hand-made
# reproducer), for a few seconds a night, and the state
# folder carries the findings from night to night:
#   - two bugs are two findings, no duplicates, each with a minimized
#     reproducer (no larger than the engine's) that `prodfuzz repro` still
#     sees fail with the recorded environment;
#   - every night starts from all the production seeds plus the state
#     corpus, and the seeds folder is never written;
#   - a night where the bugs are switched off marks them fixed (exit 0);
#   - a suppression with a reason keeps a finding out of the exit code
#     until its expiry date, then it counts again;
#   - the mutator must be on: a target without it, a profile that does not
#     load, an unknown class are exit 3;
#   - SIGKILL mid-night leaves the state usable; a second run on a locked
#     state is refused (exit 3); SIGTERM stops the night and still writes
#     the report; --jobs 2 runs two engine processes.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
SVC=$ROOT/build/svc/service_orders_pf
PLAIN=$ROOT/build/svc/service_orders
if ! [ -x "$SVC" ] || ! [ -x "$PLAIN" ] || ! command -v python3 >/dev/null; then
    t_skip nightly "build/svc/service_orders_pf (make service) or python3 missing"; exit 0
fi
W=$(mktemp -d /tmp/pf-nightly.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$W"' EXIT
SEEDS=$ROOT/corpus/service_orders
seeds_sum() { (cd "$SEEDS" && sha1sum * | sha1sum); }
before=$(seeds_sum)
night() { # OUT [extra args...]: one short night on $W/state
    local out=$1; shift
    "$P" nightly --target "$SVC" --corpus "$SEEDS" --state "$W/state" \
        --out "$W/$out" --budget "${BUDGET:-2}s" --minimize 2s "$@" \
        >"$W/$out.stdout" 2>"$W/$out.stderr"
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$3"; }

# ---- night 1: two bugs ------------------------------------------------------
# the null bug is found within a second; the deep one is rarer, so a
# hand-made reproducer of it is imported too (found twice: still one finding)
mkdir "$W/imp"
python3 - "$SEEDS" "$W/imp" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
d = json.load(open(os.path.join(src, sorted(os.listdir(src))[0])))
deep = []
for _ in range(40):
    deep = [deep]
d['metadata'] = {'tags': deep}
open(os.path.join(out, 'crash-deep'), 'w').write(json.dumps(d))
PY
BUDGET=${PF_NIGHT_SECONDS:-5} night n1 --env PF_BUG=null,deep --import "$W/imp"
t_eq "a night with new findings exits 1" $? 1
t_exit "report.json is JSON" 0 python3 -c "import json; json.load(open('$W/n1/report.json'))"
for f in report.md report.sarif junit.xml report.html; do
    [ -s "$W/n1/$f" ] && t_pass "the night wrote $f" || t_fail "the night wrote $f" "$(ls "$W/n1")"
done
CHECK=$ROOT/tests/lib/check_report.py
if [ -f "$CHECK" ]; then
    t_exit "report.sarif has SARIF 2.1.0's required fields, one result per finding" 0 \
        python3 "$CHECK" sarif "$W/n1/report.sarif" 2
    t_exit "junit.xml parses: one suite, two failures" 0 \
        python3 "$CHECK" junit "$W/n1/junit.xml" 1 2
fi
json "$W/n1/report.json" '
fs = d["findings"]
sigs = [f["signature"] for f in fs]
print(len(fs), len(set(sigs)))
' "$W/n1/report.json" >"$W/n1.counts" 2>&1
json "$W/state/findings.json" '
print(" ".join(sorted(f["kind"] for f in d["findings"])))
' "$W/state/findings.json" >>"$W/n1.counts" 2>&1
read -r nf nsig <"$W/n1.counts"
t_eq "two deliberate bugs are two findings" "$nf" 2
t_eq "no two findings share a signature" "$nsig" "$nf"
t_grep "the null email is a SEGV finding, the deep walk a stack-buffer-overflow" \
    "SEGV stack-buffer-overflow" "$W/n1.counts"
json "$W/state/findings.json" '
for f in d["findings"]:
    print(f["id"], f["reproducer_bytes"], f["original_bytes"], f["count"], f["status"])
' "$W/state/findings.json" >"$W/db1"
bad=$(awk '$2 < 1 || $2 > $3 || $5 != "new"' "$W/db1")
t_eq "each reproducer is kept, no larger than the engine's input, status new" "$bad" ""
smaller=$(awk '$2 < $3' "$W/db1" | wc -l)
[ "$smaller" -ge 1 ] && t_pass "minimizing made reproducers smaller ($smaller of $(wc -l <"$W/db1"))" \
    || t_fail "minimizing made reproducers smaller" "$(cat "$W/db1")"
awk '{s+=$4} END {exit !(s >= 2)}' "$W/db1" && t_pass "counts add up the artifacts" || t_fail "counts add up the artifacts" "$(cat "$W/db1")"
n_art=$(ls "$W/n1/artifacts/service_orders_pf" | wc -l)
[ "$n_art" -ge 2 ] && t_pass "every engine artifact is kept in OUT/artifacts ($n_art)" \
    || t_fail "every engine artifact is kept in OUT/artifacts" "$n_art"
while read -r id _; do
    "$P" repro --state "$W/state" "$id" >"$W/repro.out" 2>&1
    st=$?
    t_eq "repro $id still fails with the recorded environment (exit 1)" $st 1
    t_grep "repro $id says it still fails with the same signature" "^$id still fails: " "$W/repro.out"
done <"$W/db1"
t_exit "repro of an unknown finding is exit 2" 2 "$P" repro --state "$W/state" ffffffffffff
# seeds sampled one corpus per table: the target gets its table's folder
mkdir -p "$W/pt/.prodfuzz" "$W/pt/orders/.prodfuzz"
echo '{"command":"sample","layout":"per-table","corpora":[{"table":"orders","path":"orders","format":"corpus","documents":0}],"documents_sha1":[]}' >"$W/pt/.prodfuzz/manifest.json"
echo '{"command":"sample","documents_sha1":[]}' >"$W/pt/orders/.prodfuzz/manifest.json"
t_exit "a per-table seed folder is refused (a target nightly cannot run: exit 3)" 3 "$P" nightly --target "$SVC" --corpus "$W/pt" --state "$W/ptstate" --out "$W/ptout" --budget 1s
t_grep "the refusal names the table folder to give" "one corpus per table.*pt/orders" "$T_ERR"
ncorp=$(ls "$W/state/service_orders_pf/corpus" | wc -l)
[ "$ncorp" -ge 1 ] && t_pass "the state corpus holds what the night learned ($ncorp)" \
    || t_fail "the state corpus holds what the night learned" "$ncorp"

# ---- night 2: the bugs are gone (fixed build) ----------------------------------
night n2 --log-format json
t_eq "a night without failures exits 0" $? 0
python3 - "$W/n2.stderr" >"$W/n2.ids" 2>&1 <<'PY'
import json, sys
ids = {json.loads(l)["run"] for l in open(sys.argv[1]) if l.strip()}
print(len(ids))
PY
t_eq "--log-format json: every log line is JSON with one run id" "$(cat "$W/n2.ids")" 1
fixed=$(json "$W/state/findings.json" 'print(sum(f["status"] == "fixed" for f in d["findings"]))' "$W/state/findings.json")
t_eq "both findings are marked fixed" "$fixed" 2
nseeds=$(ls "$SEEDS" | wc -l)
loaded=$(grep -h 'INFO: seed corpus: files:' "$W"/n2/logs/service_orders_pf/job0.0.log | head -1 | sed 's/.*files: \([0-9]*\).*/\1/')
[ "${loaded:-0}" -ge $((nseeds + ncorp)) ] && t_pass "night 2 starts from every production seed plus the state corpus ($loaded >= $nseeds + $ncorp)" \
    || t_fail "night 2 starts from every production seed plus the state corpus" "loaded ${loaded:-none}, seeds $nseeds, state $ncorp"
t_eq "the production seeds folder is never written" "$(seeds_sum)" "$before"

# ---- nights 3-5: regression, suppression, expiry ---------------------------------
night n3 --env PF_BUG=null
t_eq "a fixed bug that comes back is new again (exit 1)" $? 1
id=$(json "$W/state/findings.json" 'print([f["id"] for f in d["findings"] if f["kind"] == "SEGV"][0])' "$W/state/findings.json")
printf '{"suppressions":[{"id":"%s","reason":"accepted: legacy clients, ticket 42","until":"2099-12-31"}]}\n' "$id" >"$W/supp.json"
night n4 --env PF_BUG=null --suppressions "$W/supp.json"
t_eq "a suppressed finding keeps the night at exit 0" $? 0
st4=$(json "$W/n4/report.json" "print([f['status'] for f in d['findings'] if f['id'] == '$id'][0])" "$W/n4/report.json")
t_eq "the report shows it as suppressed" "$st4" suppressed
PRODFUZZ_TODAY=2100-01-01 night n5 --env PF_BUG=null --suppressions "$W/supp.json"
t_eq "after its expiry date the suppression no longer holds (exit 1)" $? 1
printf '{"suppressions":[{"id":"%s","until":"2099-12-31"}]}\n' "$id" >"$W/bad-supp.json"
night n6 --suppressions "$W/bad-supp.json"
t_eq "a suppression without a reason is refused (exit 2)" $? 2
t_grep "and the error names the entry" 'suppressions\[0\]\.reason' "$W/n6.stderr"

# ---- the mutator must be on ---------------------------------------------------------
"$P" nightly --target "$PLAIN" --corpus "$SEEDS" --state "$W/s2" --out "$W/o2" --budget 2s >"$W/o2.out" 2>&1
t_eq "a target without the prodfuzz mutator is exit 3" $? 3
t_grep "and says so" "does not link the prodfuzz mutator" "$W/o2.out"
echo '{"not":"a profile"}' >"$W/bad-shape.json"
"$P" nightly --target "$SVC" --shape "$W/bad-shape.json" --state "$W/s2" --out "$W/o2" --budget 2s >"$W/o3.out" 2>&1
t_eq "a shape profile that does not load is exit 3" $? 3
"$P" nightly --target "$SVC" --classes null,bogus --state "$W/s2" --out "$W/o2" --budget 2s >"$W/o4.out" 2>&1
t_eq "an unknown mutation class is exit 3" $? 3
t_grep "naming the class" "bogus" "$W/o4.out"

# ---- a config file -------------------------------------------------------------------
cat >"$W/nightly.json" <<JSON
{"budget": "3s", "targets": [
  {"name": "orders", "binary": "$SVC", "corpus": "$SEEDS", "env": {"PF_BUG": "null"},
   "timeout": "1s", "rss_limit": "256M"}]}
JSON
"$P" nightly --config "$W/nightly.json" --state "$W/s3" --out "$W/o5" --minimize 0 >"$W/o5.out" 2>&1
t_eq "a config file's target runs with its env (the null bug: exit 1)" $? 1
t_grep "under its name" "orders: libfuzzer for 3 s" "$W/o5.out"
t_grep "with its limits (256M heap: -malloc_limit_mb=256, rss 256+32+16+96)" \
    "-malloc_limit_mb=256 -rss_limit_mb=400" "$W/o5/logs/orders/job0.0.log"
echo '{"targets": [{"name": "orders", "binary": "x", "share": "half"}]}' >"$W/bad.json"
"$P" nightly --config "$W/bad.json" --state "$W/s3" --out "$W/o5" >"$W/o6.out" 2>&1
t_eq "a bad config is exit 2" $? 2
t_grep "with an error that names the entry" "targets\[0\]\.share" "$W/o6.out"

# ---- state safety ---------------------------------------------------------------------
cp "$W/state/findings.json" "$W/db.before"
corp_before=$(ls "$W/state/service_orders_pf/corpus" | sort | sha1sum)
"$P" nightly --target "$SVC" --corpus "$SEEDS" --state "$W/state" --out "$W/k" \
    --budget 30s --env PF_BUG=null >"$W/k.out" 2>&1 &
pid=$!
for i in $(seq 1 50); do [ -d "$W/k/logs" ] && break; sleep 0.1; done
sleep 1
"$P" nightly --target "$SVC" --corpus "$SEEDS" --state "$W/state" --out "$W/k2" --budget 2s >"$W/k2.out" 2>&1
t_eq "a second run on a state in use is refused (exit 3)" $? 3
t_grep "with a clear error" "in use by another nightly run" "$W/k2.out"
kill -KILL $pid; wait $pid 2>/dev/null
sleep 0.5
t_exit "after SIGKILL mid-night the findings database is the previous one" 0 cmp "$W/db.before" "$W/state/findings.json"
t_eq "and the state corpus is the previous one" "$(ls "$W/state/service_orders_pf/corpus" | sort | sha1sum)" "$corp_before"
night n7 --env PF_BUG=null
st=$?
[ $st -le 1 ] && t_pass "the next night runs on that state (exit $st)" || t_fail "the next night runs on that state" "exit $st: $(tail -3 "$W/n7.stderr")"
[ -z "$(ls -d "$W"/state/run-* 2>/dev/null)" ] && t_pass "no work folder of the killed run is left" \
    || t_fail "no work folder of the killed run is left" "$(ls "$W/state")"

"$P" nightly --target "$SVC" --corpus "$SEEDS" --state "$W/state" --out "$W/t" \
    --budget 60s --jobs 2 >"$W/t.out" 2>&1 &
pid=$!
for i in $(seq 1 50); do [ -d "$W/t/logs" ] && break; sleep 0.1; done
sleep 2
kill -TERM $pid
start=$(date +%s)
wait $pid
st=$?
[ $(( $(date +%s) - start )) -lt 30 ] && t_pass "SIGTERM stops the night promptly" || t_fail "SIGTERM stops the night promptly"
[ $st -le 1 ] && t_pass "a stopped night still exits with its verdict ($st)" || t_fail "a stopped night still exits with its verdict" "exit $st"
t_grep "it says it was stopped" "stopped by a signal" "$W/t.out"
t_exit "--jobs 2 ran two libFuzzer processes" 0 test -s "$W/t/logs/service_orders_pf/job0.0.log" -a -s "$W/t/logs/service_orders_pf/job1.0.log"
t_exit "and writes the report for the time that ran" 0 python3 -c "
import json; d=json.load(open('$W/t/report.json')); assert d['targets'][0]['inputs'] > 0"
t_done
