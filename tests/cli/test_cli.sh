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
t_exit "no color when NO_COLOR is set" 2 env NO_COLOR=1 "$P" frobnicate
t_nogrep "no escape codes" $'\033' "$T_ERR"
t_done
