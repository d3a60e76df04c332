#!/bin/bash
# CLI basics: help, version, unknown subcommands and options, exit codes,
# JSON logs, doctor.
. "$(dirname "$0")/../lib/assert.sh"
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}

t_exit "help exits 0" 0 "$P" --help
t_grep "help lists subcommands" "sample .*anonymize|anonymize" "$T_OUT"
t_grep "help has an example" "Example" "$T_OUT"
t_exit "version exits 0" 0 "$P" --version
t_grep "version prints a version" "^prodfuzz [0-9]+\.[0-9]+\.[0-9]+$" "$T_OUT"
t_exit "no subcommand is a usage error" 2 "$P"
t_exit "unknown subcommand exits 2" 2 "$P" frobnicate
t_grep "unknown subcommand says so" "prodfuzz: error: unknown subcommand 'frobnicate'" "$T_ERR"
t_grep "unknown subcommand hints" "Try 'prodfuzz --help'" "$T_ERR"
t_exit "unknown global option exits 2" 2 "$P" --frob doctor
t_exit "unknown subcommand option exits 2" 2 "$P" doctor --frob
t_grep "unknown option hints at the subcommand help" "Try 'prodfuzz help doctor'" "$T_ERR"
t_exit "bad --log-format value exits 2" 2 "$P" --log-format xml doctor
for c in sample anonymize policy shape mutate check diff explain nightly seed-tests doctor; do
    t_exit "help $c exits 0" 0 "$P" help "$c"
    t_grep "help $c shows an example" "Example" "$T_OUT"
    t_exit "$c --help exits 0" 0 "$P" "$c" --help
done
t_exit "help of an unknown subcommand exits 2" 2 "$P" help nope
t_exit "json logs: errors are JSON lines" 2 "$P" --log-format json frobnicate
if python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).readline()); assert o["level"]=="error" and len(o["run"])==16 and "frobnicate" in o["msg"]' "$T_ERR"; then
    t_pass "json log line has level, run id and message"
else
    t_fail "json log line has level, run id and message" "$(cat "$T_ERR")"
fi
t_exit "doctor --json exits 0 here" 0 "$P" doctor --json
if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); names={c["name"] for c in o["checks"]}; assert o["ok"] is True; assert {"clang","libfuzzer","afl-fuzz","core_pattern","llvm-symbolizer","postgresql","cgroup-v2"} <= names' "$T_OUT"; then
    t_pass "doctor --json reports every check"
else
    t_fail "doctor --json reports every check" "$(cat "$T_OUT")"
fi
# doctor fails with exit 3 when a required tool is missing
t_exit "doctor exits 3 without clang on PATH" 3 env PATH=/nonexistent "$P" doctor
t_grep "doctor says how to fix" "fix: apt-get install clang" "$T_OUT"
# Colour needs a terminal: run under a pseudo-terminal (script(1)), with
# and without NO_COLOR (the runner exports NO_COLOR=1 for every test).
if command -v script >/dev/null; then
    pty() { TERM=xterm script -qec "$*" /dev/null; }
    t_exit "on a terminal, without NO_COLOR" 2 pty env -u NO_COLOR "$P" frobnicate
    t_grep "  the error is coloured" $'\033\\[[0-9;]*m' "$T_OUT"
    t_exit "on a terminal, with NO_COLOR=1" 2 pty env NO_COLOR=1 "$P" frobnicate
    t_grep "  the same error" "unknown subcommand 'frobnicate'" "$T_OUT"
    t_nogrep "  without colour" $'\033' "$T_OUT"
    t_exit "on a terminal, with --no-color" 2 pty env -u NO_COLOR "$P" --no-color frobnicate
    t_nogrep "  without colour" $'\033' "$T_OUT"
    t_exit "on a terminal, with TERM=dumb" 2 env TERM=dumb script -qec "env -u NO_COLOR $P frobnicate" /dev/null
    t_nogrep "  without colour" $'\033' "$T_OUT"
else
    t_skip "colour only on a terminal without NO_COLOR" "script(1) from bsdutils is not installed"
fi
t_exit "not a terminal, without NO_COLOR" 2 env -u NO_COLOR "$P" frobnicate
t_nogrep "  no colour in a pipe" $'\033' "$T_ERR"
t_done
