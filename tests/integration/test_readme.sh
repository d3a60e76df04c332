#!/bin/bash
# The README as a user runs it: every ```sh block, in order, as pasted into
# one shell (the working folder and exported variables carry from block to
# block), against the throwaway PostgreSQL of tests/lib/pg.sh; every ```sql
# block through psql as the database's admin; every ```yaml block parsed;
# and the CI workflows in docs/ci/ parsed, with the nightly workflow's
# `run` steps run here. So the README cannot drift from the code.
#
# What the blocks may assume (the README says so where a user must replace
# it): they start in a checkout after `make` (build/ here is the ASan
# build of this run: build/bin/prodfuzz is $PF_BIN, build/lib is the
# checkout's), and PF_DSN is a libpq conninfo for a database `shop`
# holding tests/fixtures/sample_schema.sql, as the role the README's SQL
# block creates. The sanitizer settings are a user's shell's, not the
# test runner's.
#
# A block that cannot run here carries, in the comment lines right above
# its fence (tests/lib/readme_blocks.py reads them):
#   <!-- readme-test: skip REASON -->   reported as a skip with REASON
#   <!-- readme-test: exit 1 -->        the exit codes it ends with (0)
#   <!-- readme-test: planned CMD -->   skipped while `prodfuzz help` lists
#                                       CMD as "(planned)", run after that
# (exit goes with planned: a planned block's exit code once it runs)
# Output samples (fences with no language) are not run.
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/pg.sh"
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
: "${PGHOST:?integration tests need tests/run.sh to start PostgreSQL}"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PSQL=("$PG_BIN/psql" -qX -v ON_ERROR_STOP=1)
W=$(mktemp -d /tmp/pf-readme.XXXXXX)
# PF_KEEP_README=1 keeps the folder (each block's output in logs/NNN.out).
trap '[ -n "${PF_KEEP_README:-}" ] && echo "# kept $W" || rm -rf "$W"' EXIT
if ! [ -f "$ROOT/build/lib/libprodfuzz_libfuzzer.a" ]; then
    t_skip "README blocks" "build/lib/libprodfuzz_libfuzzer.a not built (make)"; exit 0
fi

pg_fixture_db shop "$ROOT/tests/fixtures/sample_schema.sql" "$W/fixture.log"
"${PSQL[@]}" -d shop -c "ANALYZE" >/dev/null
"${PSQL[@]}" -c "DROP ROLE IF EXISTS prodfuzz_reader" >/dev/null 2>&1

# ---- the user's shell -----------------------------------------------------
mkdir -p "$W/checkout/build/bin" "$W/state" "$W/logs" "$W/blocks"
ln -s "$P" "$W/checkout/build/bin/prodfuzz"
ln -s "$ROOT/build/lib" "$W/checkout/build/lib"
(
    unset ASAN_OPTIONS UBSAN_OPTIONS PGDATABASE PGUSER
    export PF_DSN="dbname=shop user=prodfuzz_reader"
    export HOME="$W/home"
    export -p
) >"$W/state/env.sh"
mkdir -p "$W/home"
echo "$W/checkout" >"$W/state/cwd"
cat >"$W/state/run-block.sh" <<'SH'
# run-block.sh STATE BLOCK: BLOCK in the shell STATE describes; the working
# folder and the exported variables it leaves go back into STATE.
S=$1
. "$S/env.sh"
cd "$(cat "$S/cwd")" || exit 99
trap 'pwd >"$S/cwd"; export -p >"$S/env.sh"' EXIT
set -e
. "$2"
SH

python3 "$ROOT/tests/lib/readme_blocks.py" "$ROOT/README.md" "$W/blocks" >"$W/blocks.tsv"
nsh=$(awk -F'\t' '$2 == "sh"' "$W/blocks.tsv" | wc -l)
if [ "$nsh" -ge 8 ]; then t_pass "the README has its sh blocks ($nsh)"
else t_fail "the README has its sh blocks" "found $nsh"; fi
"$P" help >"$W/help.txt" 2>&1

# ---- every block, in order ------------------------------------------------
while IFS=$'\t' read -r no lang line marker arg want; do
    f="$W/blocks/$no.$lang"
    label="README block $no ($lang, line $line)"
    case "$marker" in
    skip)
        t_skip "$label" "$arg"; continue ;;
    planned)
        if grep -Eq "^  $arg .*\(planned\)$" "$W/help.txt"; then
            t_skip "$label" "planned: prodfuzz help lists '$arg' as planned; this block runs once it lands"
            continue
        fi ;;
    esac
    case "$lang" in
    sh)
        timeout 600 bash "$W/state/run-block.sh" "$W/state" "$f" </dev/null >"$W/logs/$no.out" 2>&1
        st=$?
        if [[ ",$want," == *",$st,"* ]]; then t_pass "$label exits $st"
        else t_fail "$label exits ${want//,/ or }" "exit $st" "$(sed 's/^/    /' "$f" | head -20)" "$(tail -15 "$W/logs/$no.out")"; fi
        ;;
    sql)
        if "${PSQL[@]}" -d shop -f "$f" >"$W/logs/$no.out" 2>&1; then t_pass "$label runs in psql"
        else t_fail "$label runs in psql" "$(tail -5 "$W/logs/$no.out")"; fi
        ;;
    yaml)
        if python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$f" 2>"$W/logs/$no.out"; then
            t_pass "$label parses as YAML"
        elif grep -q "No module named 'yaml'" "$W/logs/$no.out"; then
            t_skip "$label parses as YAML" "python3-yaml is not installed"
        else
            t_fail "$label parses as YAML" "$(tail -5 "$W/logs/$no.out")"
        fi
        for y in "$ROOT"/docs/ci/*.yml; do
            cmp -s "$f" "$y" && t_pass "$label is docs/ci/$(basename "$y") as it is"
        done
        ;;
    esac
done <"$W/blocks.tsv"

# ---- what the blocks should have left and said ----------------------------
TRY=$W/prodfuzz-try
cat "$W"/logs/*.out >"$W/all.out" 2>/dev/null
t_grep "policy init gave a surrogate id its real reason" '^  id +bigint +scramble +primary key: a surrogate id' "$W/all.out"
t_grep "policy init kept the amounts" '"path": "\$\.amount", "action": "keep"' "$TRY/policy.json"
t_grep "sample wrote an anonymized corpus with its manifest" '"anonymized": *true' "$TRY/corpus/orders/.prodfuzz/manifest.json"
t_grep "shape --show marked a kept number range" "kept by the policy: production's real range" "$W/all.out"
t_grep "shape --show marked a scrambled number range" "the scrambled values' range, not production's" "$W/all.out"
n=$(find "$TRY/orders-fuzz/findings" -type f 2>/dev/null | wc -l)
if [ "$n" -ge 1 ]; then t_pass "the kit example's run left its finding in findings/ ($n)"
else t_fail "the kit example's run left its finding in findings/"; fi
n=$(find "$TRY/orders-fuzz/corpus" -type f | wc -l)
t_eq "libFuzzer wrote nothing into the production corpus (working folder first)" "$n" 2
t_grep "explain said what production never had" '^(null|missing|type|oversize|number|deep|legacy|unicode|dupkey|truncate|format|empty): ' "$W/all.out"
t_grep "explain named the nearest production document" '^nearest production document: ' "$W/all.out"
t_grep "check found the planted bug" '(oom|crash|roundtrip): .* in (parse_order|order_to_json|pf_kit)' "$W/all.out"
for f in report.json report.md report.sarif junit.xml report.html; do
    [ -s "$TRY/orders-fuzz/check-report/$f" ] && [ -s "$TRY/orders-fuzz/nightly-out/$f" ] \
        && t_pass "check and nightly wrote $f" || t_fail "check and nightly wrote $f"
done

# ---- links ------------------------------------------------------------------
bad=$(grep -o '](\(docs\|tools\|tests\|harnesses\|fuzz\)/[^)#]*' "$ROOT/README.md" | sed 's/^](//' | sort -u |
      while read -r l; do [ -e "$ROOT/$l" ] || echo "$l"; done)
t_eq "every file the README links exists" "$bad" ""

# ---- the nightly CI workflow: parses, and its run steps run here -------------
CI=$W/ci
mkdir -p "$CI/orders-fuzz"
cp "$TRY/policy.json" "$CI/"
cp "$TRY"/orders-fuzz/{order.c,order.h,orders_fuzz.c} "$CI/orders-fuzz/"
(umask 077; head -c 32 /dev/urandom >"$W/ci.key")
if python3 -c 'import yaml' 2>/dev/null; then
    python3 - "$ROOT/docs/ci/nightly.yml" "$CI/steps" >"$W/ci-parse.out" 2>&1 <<'PY'
import os, sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
on = wf.get(True, wf.get("on"))  # YAML 1.1 reads the key `on` as true
assert "schedule" in on and on["schedule"][0]["cron"], "no nightly schedule"
job = wf["jobs"]["nightly"]
print("ENV\t" + " ".join(sorted(job["env"])))
os.makedirs(sys.argv[2])
for i, s in enumerate(job["steps"]):
    kind = "run" if "run" in s else "uses"
    with open(os.path.join(sys.argv[2], "%02d.%s" % (i, kind)), "w") as f:
        f.write(s["run"] if kind == "run" else s["uses"] + "\n" + yaml.safe_dump(s.get("with", {})))
    print("STEP\t%02d\t%s\t%s\t%s" % (i, kind, s.get("if", "-"), s["name"]))
PY
    if [ $? -eq 0 ]; then t_pass "docs/ci/nightly.yml parses as a workflow with a schedule"
    else t_fail "docs/ci/nightly.yml parses as a workflow with a schedule" "$(tail -5 "$W/ci-parse.out")"; fi
    t_grep "the workflow's job environment is what this test provides" '^ENV.PF_BUDGET PF_DSN PRODFUZZ_KEY_B64$' "$W/ci-parse.out"
    # Two nights in a row: the second compares its profile with the first's.
    declare -A CI_SKIP=(
        ["Install prodfuzz"]="installs Debian packages and writes /usr/local (make deps, make install): tests/cli/test_deps.sh and tests/cli/test_install.sh cover both"
    )
    for night in 1 2; do
        : >"$CI/gh-output"
        while IFS=$'\t' read -r tag i kind cond name; do
            [ "$tag" = STEP ] || continue
            step="$CI/steps/$i.$kind"
            if [ "$kind" = uses ]; then
                continue
            elif [ -n "${CI_SKIP[$name]:-}" ] || { [ "$cond" != - ] && [ "$cond" != "always()" ]; }; then
                # not run: installs, or waits on a GitHub expression (checked
                # by hand below); checked as shell
                [ "$night" = 1 ] || continue
                [ -n "${CI_SKIP[$name]:-}" ] && t_skip "workflow step '$name'" "${CI_SKIP[$name]}"
                if bash -n "$step" 2>"$W/bash-n.out"; then t_pass "workflow step '$name' is valid shell"
                else t_fail "workflow step '$name' is valid shell" "$(cat "$W/bash-n.out")"; fi
            else
                (cd "$CI" && PATH="$W/checkout/build/bin:$PATH" PKG_CONFIG_PATH="$ROOT/build/lib/pkgconfig" \
                    PF_DSN="dbname=shop user=prodfuzz_reader" PRODFUZZ_KEY_B64="$(base64 -w0 <"$W/ci.key")" \
                    PF_BUDGET=5s GITHUB_OUTPUT="$CI/gh-output" ASAN_OPTIONS= UBSAN_OPTIONS= \
                    timeout 300 bash --noprofile --norc -eo pipefail "$step" </dev/null) >"$W/logs/ci-$night-$i.out" 2>&1
                st=$?
                if [ "$st" -eq 0 ]; then t_pass "night $night: workflow step '$name' runs here"
                else t_fail "night $night: workflow step '$name' runs here" "exit $st" "$(tail -10 "$W/logs/ci-$night-$i.out")"; fi
            fi
        done <"$W/ci-parse.out"
        t_grep "night $night: the Fuzz step recorded whether there was a new finding" '^new_findings=[01]$' "$CI/gh-output"
    done
    cat "$W"/logs/ci-2-*.out >"$W/ci-night2.out"
    t_grep "the second night compared its profile with the first's" '^[0-9]+ drift items, [0-9]+ counted' "$W/ci-night2.out"
    # what the uses steps pick up, the run steps made
    for need in nightly-state nightly-out/report.sarif nightly-out/report.html; do
        [ -e "$CI/$need" ] && t_pass "the workflow's upload and cache steps find $need" \
            || t_fail "the workflow's upload and cache steps find $need"
    done
    grep -q 'sarif_file: nightly-out/report.sarif' "$CI"/steps/*.uses && t_pass "code scanning gets the night's SARIF" \
        || t_fail "code scanning gets the night's SARIF"
    t_grep "the last step fails the job on a new finding" "steps\.night\.outputs\.new_findings == '1'.Fail on a new finding$" "$W/ci-parse.out"
    python3 -c 'import sys, yaml; w = yaml.safe_load(open(sys.argv[1])); assert w["jobs"]["PR"]["steps"][0]["uses"].startswith("google/clusterfuzzlite/")' \
        "$ROOT/docs/ci/cflite_pr.yml" && t_pass "docs/ci/cflite_pr.yml is a ClusterFuzzLite workflow" \
        || t_fail "docs/ci/cflite_pr.yml is a ClusterFuzzLite workflow"
else
    t_skip "docs/ci/nightly.yml" "python3-yaml is not installed: the workflow is not parsed or run"
fi
t_done
