#!/bin/bash
# nightly_fork: `prodfuzz nightly --mode fork` runs libFuzzer's fork mode
# (one -fork=N process whose children libFuzzer restarts after every
# crash) on the example service with its null bug switched on, and:
#   - never loses a production seed: libFuzzer's own "N seed inputs" line
#     counts every production seed (and, the next night, every input of
#     the state corpus too), the seeds folder is never written, and the
#     following night (restart mode) starts from all of them again;
#   - keeps going after a crash: more than one artifact, all of them
#     collected, deduplicated into one finding, minimized, explained and
#     replayable with `prodfuzz repro`, exactly as restart mode does;
#   - refuses a fork night whose libFuzzer would drop seeds (the target's
#     own -keep_seed=0 undoes ours): exit 3, saying how many it kept.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
SVC=$ROOT/build/svc/service_orders_pf
if ! [ -x "$SVC" ] || ! command -v python3 >/dev/null; then
    t_skip nightly_fork "build/svc/service_orders_pf (make service) or python3 missing"; exit 0
fi
W=$(mktemp -d /tmp/pf-nightly-fork.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$W"' EXIT
SEEDS=$ROOT/corpus/service_orders
seeds_sum() { (cd "$SEEDS" && sha1sum * | sha1sum); }
before=$(seeds_sum)
nseeds=$(ls "$SEEDS" | wc -l)
LOG=logs/service_orders_pf/job0.0.log
forked_seeds() { # the count in libFuzzer's "INFO: -fork=N: M seed inputs" line
    sed -n 's/^INFO: -fork=[0-9]*: \([0-9]*\) seed inputs.*/\1/p' "$1" | head -1
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$3"; }

# ---- night 1: fork mode, two children, the null bug ------------------------------
"$P" nightly --target "$SVC" --corpus "$SEEDS" --env PF_BUG=null --mode fork \
    --jobs 2 --budget "${PF_NIGHT_SECONDS:-5}s" --minimize 2s \
    --state "$W/state" --out "$W/n1" >"$W/n1.out" 2>&1
t_eq "a fork-mode night with a bug exits 1" $? 1
t_grep "libFuzzer ran in fork mode with two children, keeping its seeds" \
    "-fork=2 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -keep_seed=1 " "$W/n1/$LOG"
got=$(forked_seeds "$W/n1/$LOG")
[ "${got:-0}" -ge "$nseeds" ] && t_pass "fork mode's corpus holds every production seed ($got >= $nseeds)" \
    || t_fail "fork mode's corpus holds every production seed" "libFuzzer said ${got:-nothing}, seeds $nseeds"
t_grep "the night says so" "fork mode kept all [0-9]+ seed inputs" "$W/n1.out"
n_art=$(ls "$W/n1/artifacts/service_orders_pf" | grep -c '^crash-')
[ "$n_art" -ge 2 ] && t_pass "fork mode went on after the first crash: every artifact kept ($n_art)" \
    || t_fail "fork mode went on after the first crash" "$n_art artifacts"
json "$W/n1/report.json" '
fs = d["findings"]
print(len(fs), len({f["signature"] for f in fs}), d["targets"][0]["engine"])
for f in fs:
    print(f["kind"], f["signature"].split("|")[1].split()[0], f["count"], f["class"] or "-",
          len(f["explain"]), int(any("$.customer.email" in l for l in f["explain"])))
' "$W/n1/report.json" >"$W/n1.f" 2>&1
t_grep "the artifacts are one finding, no duplicate signature, engine libfuzzer-fork" \
    "^1 1 libfuzzer-fork$" "$W/n1.f"
t_grep "the finding is the SEGV in email_domain, counting every artifact, explained with the email" \
    "^SEGV email_domain $n_art [a-z]+ [1-9][0-9]* 1$" "$W/n1.f"
id=$(json "$W/state/findings.json" 'print(d["findings"][0]["id"])' "$W/state/findings.json")
json "$W/state/findings.json" 'f = d["findings"][0]; print(f["reproducer_bytes"], f["original_bytes"])' \
    "$W/state/findings.json" >"$W/n1.sizes"
read -r rb ob <"$W/n1.sizes"
[ "$rb" -ge 1 ] && [ "$rb" -le "$ob" ] && t_pass "the reproducer is minimized ($rb <= $ob bytes)" \
    || t_fail "the reproducer is minimized" "$rb vs $ob"
"$P" repro --state "$W/state" "$id" >"$W/repro.out" 2>&1
t_eq "repro of the fork-mode finding still fails (exit 1)" $? 1
ncorp=$(ls "$W/state/service_orders_pf/corpus" | wc -l)
[ "$ncorp" -ge 1 ] && t_pass "what fork mode learned is in the state corpus ($ncorp)" \
    || t_fail "what fork mode learned is in the state corpus" "$ncorp"
t_eq "the production seeds folder is never written" "$(seeds_sum)" "$before"
t_eq "fork mode's scratch folder went with the night's work folder" \
    "$(ls -d "$W"/state/run-* 2>/dev/null)" ""

# ---- night 2: restart mode, bug off: every seed plus what fork mode learned --------
"$P" nightly --target "$SVC" --corpus "$SEEDS" --budget 2s --minimize 0 \
    --state "$W/state" --out "$W/n2" >"$W/n2.out" 2>&1
t_eq "the next night (restart mode, fixed build) exits 0" $? 0
loaded=$(sed -n 's/^INFO: seed corpus: files: \([0-9]*\).*/\1/p' "$W/n2/$LOG" | head -1)
[ "${loaded:-0}" -ge $((nseeds + ncorp)) ] \
    && t_pass "it starts from every production seed plus the state corpus ($loaded >= $nseeds + $ncorp)" \
    || t_fail "it starts from every production seed plus the state corpus" "loaded ${loaded:-none}, seeds $nseeds, state $ncorp"
t_eq "the fork-mode finding is marked fixed" \
    "$(json "$W/state/findings.json" 'print(d["findings"][0]["status"])' "$W/state/findings.json")" fixed

# ---- night 3: fork mode from a state corpus ----------------------------------------
ncorp=$(ls "$W/state/service_orders_pf/corpus" | wc -l)
cat >"$W/fork.json" <<JSON
{"mode": "fork", "budget": "2s", "targets": [
  {"name": "service_orders_pf", "binary": "$SVC", "corpus": "$SEEDS"}]}
JSON
"$P" nightly --config "$W/fork.json" --minimize 0 --state "$W/state" --out "$W/n3" >"$W/n3.out" 2>&1
t_eq "\"mode\": \"fork\" in a config runs fork mode (exit 0)" $? 0
got=$(forked_seeds "$W/n3/$LOG")
[ "${got:-0}" -ge $((nseeds + ncorp)) ] \
    && t_pass "fork mode starts from every production seed plus the state corpus ($got >= $nseeds + $ncorp)" \
    || t_fail "fork mode starts from every production seed plus the state corpus" "libFuzzer said ${got:-nothing}, seeds $nseeds, state $ncorp"
t_eq "the production seeds folder is still unwritten" "$(seeds_sum)" "$before"

# ---- a libFuzzer that would drop seeds is refused ------------------------------------
# ten documents with the coverage of one: libFuzzer's seed merge keeps few
mkdir "$W/dup"
cp "$SEEDS"/* "$W/dup/"
first=$(ls "$SEEDS" | head -1)
for i in $(seq 1 10); do
    { cat "$SEEDS/$first"; printf '%*s' "$i" ''; } >"$W/dup/pad$i"
done
ndup=$(ls "$W/dup" | wc -l)
cat >"$W/drop.json" <<JSON
{"mode": "fork", "budget": "3s", "targets": [
  {"binary": "$SVC", "corpus": "$W/dup", "args": ["-keep_seed=0"]}]}
JSON
"$P" nightly --config "$W/drop.json" --minimize 0 --state "$W/s2" --out "$W/n4" >"$W/n4.out" 2>&1
t_eq "a fork night that would lose production seeds is refused (exit 3)" $? 3
t_grep "saying how many libFuzzer kept" "fork mode kept [0-9]+ of the $ndup production seeds" "$W/n4.out"
"$P" nightly --target "$SVC" --mode spoon --state "$W/s2" --out "$W/n5" >"$W/n5.out" 2>&1
t_eq "an unknown --mode is a usage error (exit 2)" $? 2
echo '{"mode": 1, "targets": [{"binary": "x"}]}' >"$W/badmode.json"
"$P" nightly --config "$W/badmode.json" --state "$W/s2" --out "$W/n5" >"$W/n6.out" 2>&1
t_eq "a bad mode in a config is exit 2" $? 2
t_grep "naming the key" "mode: wants" "$W/n6.out"
t_done
