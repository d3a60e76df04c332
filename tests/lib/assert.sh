# assert.sh: the tiny assertion kit of the shell tests (CLI, integration).
# Each check prints "ok - NAME" or "not ok - NAME" (plus why); tests/run.sh
# counts those lines. Source it, then call the t_* functions.

T_FAILED=0
t_pass() { printf 'ok - %s\n' "$1"; }
t_fail() { printf 'not ok - %s\n' "$1"; shift; [ $# -gt 0 ] && printf '#   %s\n' "$@"; T_FAILED=$((T_FAILED + 1)); }
t_skip() { printf 'skip - %s (%s)\n' "$1" "$2"; }

# t_exit NAME WANT CMD...: run CMD, expect exit status WANT. Output of the
# command is kept in $T_OUT (stdout) and $T_ERR (stderr).
t_exit() {
    name=$1 want=$2; shift 2
    T_OUT=$(mktemp) T_ERR=$(mktemp)
    "$@" >"$T_OUT" 2>"$T_ERR"
    got=$?
    if [ "$got" -eq "$want" ]; then t_pass "$name"
    else t_fail "$name" "exit $got, wanted $want: $*" "stderr: $(head -c 600 "$T_ERR")"; fi
}
# t_grep NAME PATTERN FILE: FILE contains PATTERN (grep -E)
t_grep() {
    if grep -Eq -- "$2" "$3"; then t_pass "$1"; else t_fail "$1" "no /$2/ in: $(head -c 600 "$3")"; fi
}
t_nogrep() {
    if grep -Eq -- "$2" "$3"; then t_fail "$1" "unexpected /$2/ in: $(head -c 600 "$3")"; else t_pass "$1"; fi
}
# t_eq NAME GOT WANT
t_eq() {
    if [ "$2" = "$3" ]; then t_pass "$1"; else t_fail "$1" "got '$2', wanted '$3'"; fi
}
t_done() { exit 0; }
