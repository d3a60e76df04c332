#!/bin/bash
# tests/run.sh itself, on a small tree of its own (a Makefile with a
# test-list, a unit "binary" made from a script, shell tests that pass,
# fail, skip and hang): it runs only what the Makefile lists, refuses a
# stale binary by name, kills and fails a test over its time limit, prints
# TAP that prove reads, and ends with exactly "N passed, N failed".
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset MAKEFLAGS MFLAGS MAKELEVEL
T=$tmp/tree
mkdir -p "$T/tests/cli" "$T/tests/unit" "$T/tests/lib"
cp "$ROOT/tests/run.sh" "$T/tests/"
cat >"$T/Makefile" <<'MK'
TESTBIN := build/asan/tests/test_a build/asan/tests/test_b
test-list:
	@printf '%s\n' $(TESTBIN)
build/asan/tests/%: tests/unit/%.sh
	@mkdir -p $(@D) && cp $< $@ && chmod +x $@
MK
cat >"$T/tests/unit/test_a.sh" <<'SH'
#!/bin/sh
echo "[ RUN      ] one"; echo "[       OK ] one"
echo "[ RUN      ] two"; echo "[       OK ] two"
SH
cat >"$T/tests/unit/test_b.sh" <<'SH'
#!/bin/sh
echo "[ RUN      ] three"; echo "[  FAILED  ] three"
echo "[==========] 1 test(s) run."; echo "[  PASSED  ] 0 test(s)."
echo "[  FAILED  ] 1 test(s), listed below:"; echo "[  FAILED  ] three"
exit 1
SH
cat >"$T/tests/cli/test_mixed.sh" <<'SH'
echo "ok - passes"; echo "not ok - fails on purpose"; echo "skip - skipped (why)"
SH
cat >"$T/tests/cli/test_hang.sh" <<'SH'
echo "ok - before the hang"; sleep 60 & wait
SH
cat >"$T/tests/cli/test_crash.sh" <<'SH'
echo "ok - before the crash"; exit 7
SH
make -s -C "$T" build/asan/tests/test_a build/asan/tests/test_b
# a binary the Makefile no longer makes (its test was deleted)
printf '#!/bin/sh\necho "[       OK ] ghost_ran"\n' >"$T/build/asan/tests/test_gone"
chmod +x "$T/build/asan/tests/test_gone"

start=$(date +%s)
t_exit "a run with failures exits 1" 1 env PF_TIMEOUT_CLI=2 "$T/tests/run.sh"
took=$(( $(date +%s) - start ))
t_eq "  last line is exactly N passed, N failed" "$(tail -1 "$T_OUT")" "5 passed, 4 failed"
t_eq "  skips on the line before" "$(tail -2 "$T_OUT" | head -1)" "1 skipped (see the skip lines above)"
t_grep "  the listed unit binary ran" "OK \] two" "$T_OUT"
t_grep "  a failed cmocka test counts once (cmocka lists it twice)" "^test_b: three$" "$T_OUT"
t_eq "  (once)" "$(grep -c '^test_b: three$' "$T_OUT")" 1
t_nogrep "  a binary the Makefile does not list did not run" "ghost_ran" "$T_OUT"
t_grep "  a test over its time limit fails by name" "^not ok - test_hang: timed out after 2s" "$T_OUT"
if [ "$took" -lt 30 ]; then t_pass "  and is killed ($took s)"; else t_fail "  and is killed" "took $took s"; fi
t_grep "  a test exiting non-zero fails by name" "^not ok - test_crash: exited 7" "$T_OUT"
t_grep "  failures are listed at the end" "^test_mixed: fails on purpose$" "$T_OUT"

# TAP: numbered results, a plan, read by prove
t_exit "--tap with failures exits 1" 1 env PF_TIMEOUT_CLI=2 "$T/tests/run.sh" --tap
t_grep "  numbered results" "^not ok [0-9]+ - test_mixed: fails on purpose$" "$T_OUT"
t_grep "  skips as TAP skips" "^ok [0-9]+ - test_mixed: skipped \(why\) # SKIP$" "$T_OUT"
t_grep "  a plan" "^1\.\.10$" "$T_OUT"
t_eq "  last line still N passed, N failed" "$(tail -1 "$T_OUT")" "5 passed, 4 failed"
t_nogrep "  nothing else outside comments" "^(\[|== )" "$T_OUT"
if command -v prove >/dev/null; then
    printf '#!/bin/sh\nexec "%s/tests/run.sh" --tap mixed\n' "$T" >"$tmp/suite.t"
    chmod +x "$tmp/suite.t"
    t_exit "  prove reads it and sees the failure" 1 prove "$tmp/suite.t"
    t_grep "  (prove counts 3 tests, 1 failed)" "Failed 1/3 subtests" "$T_OUT"
    printf '#!/bin/sh\nexec env PF_TAP=1 "%s/tests/run.sh" test_a\n' "$T" >"$tmp/ok.t"
    chmod +x "$tmp/ok.t"
    t_exit "  PF_TAP=1 too, and a passing run passes" 0 prove "$tmp/ok.t"
else
    t_skip "prove reads the TAP" "prove not installed"
fi

# a stale binary (its source changed after the build) is refused by name
sleep 1; touch "$T/tests/unit/test_a.sh"
t_exit "a stale binary fails the run" 1 "$T/tests/run.sh" test_a
t_grep "  by name" "^not ok - test_a: stale binary" "$T_OUT"
t_nogrep "  without running it" "OK \] one" "$T_OUT"
rm "$T/build/asan/tests/test_a"
t_exit "a listed binary that was not built fails the run" 1 "$T/tests/run.sh" test_a
t_grep "  by name" "^not ok - test_a: not built" "$T_OUT"
t_done
