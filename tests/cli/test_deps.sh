#!/bin/bash
# make deps: quick and quiet when everything is installed; not as root, a
# missing package is exit 3 with the exact apt-get line.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:?}
t_exit "deps: everything installed is exit 0" 0 "$ROOT/tools/deps.sh" install
t_grep "  and says so" "all dependencies are installed" "$T_OUT"
t_exit "deps ensure: silent when all is there" 0 "$ROOT/tools/deps.sh" ensure
t_eq "  (no output)" "$(cat "$T_OUT" "$T_ERR")" ""
# as nobody, from a copy anyone can run (the checkout may sit in a 0700 folder)
pub=$(mktemp -d)
trap 'rm -rf "$pub"' EXIT
chmod 755 "$pub" && cp "$ROOT/tools/deps.sh" "$pub/" && chmod 755 "$pub/deps.sh"
if [ "$(id -u)" = 0 ]; then
    t_exit "deps: a missing package, not root, is exit 3" 3 \
        runuser -u nobody -- env PF_DEPS_EXTRA=pf-no-such-package "$pub/deps.sh" install
else
    t_exit "deps: a missing package, not root, is exit 3" 3 \
        env PF_DEPS_EXTRA=pf-no-such-package "$pub/deps.sh" install
fi
t_grep "  with the exact apt-get line" "apt-get install -y pf-no-such-package" "$T_ERR"
t_done
