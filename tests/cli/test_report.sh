#!/bin/bash
# prodfuzz report: renders a report.json (the nightly fixture) into every
# format, each readable by its consumer; bad input is a clean exit 2.
. "$(dirname "$0")/../lib/assert.sh"
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX="$ROOT/tests/fixtures/report/nightly.json"
CHK="$ROOT/tests/lib/check_report.py"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

t_exit "report --help exits 0" 0 "$P" report --help
t_grep "report help shows an example" "Example" "$T_OUT"
# the examples from --help, as pasted (scratch files under /tmp/ moved to $tmp)
mkdir -p "$tmp/ex/tmp"
awk '/^Examples?:$/ { on = 1; next } on && /^  / { print substr($0, 3); next } on { on = 0 }' "$T_OUT" \
    | sed "s#/tmp/#$tmp/ex/tmp/#g" >"$tmp/ex/example.sh"
(cd "$tmp/ex" && PATH="$(dirname "$P"):$PATH" bash -e example.sh) >/dev/null 2>&1 \
    && [ -s "$tmp/ex/tmp/pf-report/report.html" ] && [ -s "$tmp/ex/tmp/pf-report/report.sarif" ] \
    && t_pass "the help example works when pasted" \
    || t_fail "the help example works when pasted" "$(cat "$tmp/ex/example.sh")"

t_exit "report renders the fixture" 0 "$P" report "$FIX" --out "$tmp/out"
for f in report.json report.md report.sarif junit.xml report.html; do
    [ -s "$tmp/out/$f" ] && t_pass "  writes $f" || t_fail "  writes $f"
done
t_eq "  and nothing else (no temporary files)" "$(ls -A "$tmp/out" | wc -l)" 5
python3 "$CHK" sarif "$tmp/out/report.sarif" 5 && t_pass "SARIF has the required fields (5 results: fixed is left out)" \
    || t_fail "SARIF has the required fields"
python3 "$CHK" junit "$tmp/out/junit.xml" 3 4 && t_pass "JUnit parses: 3 suites, 4 failures" \
    || t_fail "JUnit parses: 3 suites, 4 failures"
python3 "$CHK" html "$tmp/out/report.html" 8 && t_pass "HTML is well-formed with 8 charts" \
    || t_fail "HTML is well-formed with 8 charts"
if python3 - "$FIX" "$tmp/out/report.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("format", "version", "tool", "run_id", "history"):
    assert a[k] == b[k], k
assert [f["id"] for f in a["findings"]] == [f["id"] for f in b["findings"]]
assert [f["explain"] for f in a["findings"]] == [f["explain"] for f in b["findings"]]
assert [t["coverage"] for t in a["targets"]] == [t["coverage"] for t in b["targets"]]
assert b["summary"]["failing"] == 4 and b["summary"]["by_status"]["suppressed"] == 1
PY
then t_pass "report.json round-trips the fixture and adds the summary"; else t_fail "report.json round-trips the fixture"; fi

t_exit "--format picks formats" 0 "$P" report "$FIX" --out "$tmp/two" --format sarif,md --json
t_eq "  only those are written" "$(ls "$tmp/two" | tr '\n' ' ')" "report.md report.sarif "
if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["failing"]==4 and len(o["files"])==2' "$T_OUT"; then
    t_pass "  --json says what was written"; else t_fail "  --json says what was written" "$(cat "$T_OUT")"; fi

t_exit "an unknown format is a usage error" 2 "$P" report "$FIX" --out "$tmp/x" --format pdf
t_grep "  naming it" "unknown format 'pdf'" "$T_ERR"
t_exit "--out is required" 2 "$P" report "$FIX"
printf '{"format":"prodfuzz-report","version":9}' >"$tmp/v9.json"
t_exit "a newer report version is refused (exit 2)" 2 "$P" report "$tmp/v9.json" --out "$tmp/x"
t_grep "  saying which versions it reads" "version 9 is not supported" "$T_ERR"
printf 'not json' >"$tmp/bad.json"
t_exit "a file that is not JSON is exit 2" 2 "$P" report "$tmp/bad.json" --out "$tmp/x"
t_exit "a missing file is exit 2" 2 "$P" report "$tmp/none.json" --out "$tmp/x"
: >"$tmp/blocker"
t_exit "an --out under a file is a clean input error (exit 2)" 2 "$P" report "$FIX" --out "$tmp/blocker/sub"
t_grep "  naming the folder" "cannot create folder .*blocker/sub" "$T_ERR"
t_done
