#!/bin/sh
# deps.sh: install (or name) the Debian packages prodfuzz needs.
#
#   tools/deps.sh install   install what is missing (root), else print the
#                           exact apt-get line and exit 3
#   tools/deps.sh ensure    quiet when all is there; otherwise as install
#   tools/deps.sh check     quiet when all is there; otherwise the exact
#                           apt-get line and exit 3, also as root (the
#                           build's check: building never installs)
#   tools/deps.sh list      the package names
#
# Quick when everything is installed: one dpkg-query call, no network.
# PF_DEPS_EXTRA adds package names (for a site's own needs, and the tests).
set -u

PKGS="clang libclang-rt-14-dev llvm afl++ libcjson-dev libjsmn-dev libpq-dev \
libssl-dev postgresql postgresql-contrib zip libcmocka-dev pkg-config \
make python3 procps dpkg-dev afl++-doc ${PF_DEPS_EXTRA:-}"
# Only for `make test-browser` (headless Chromium renders report.html):
# installed by `make deps` (install), not required to build or test, so a
# build never waits on a browser.
BROWSER_PKGS="chromium"
# Only for tests/integration/test_readme.sh, which parses the CI workflows
# in docs/ci/ (it skips that part without): installed by `make deps`, not
# required to build or test.
YAML_PKGS="python3-yaml"

missing() {
    for p in $PKGS; do
        st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
        [ "$st" = "installed" ] || printf '%s ' "$p"
    done
}

mode=${1:-install}
case "$mode" in
list) echo $PKGS $BROWSER_PKGS $YAML_PKGS; exit 0 ;;
install|ensure|check) ;;
*) echo "usage: tools/deps.sh install|ensure|check|list" >&2; exit 2 ;;
esac
[ "$mode" = install ] && PKGS="$PKGS $BROWSER_PKGS $YAML_PKGS"

todo=$(missing)
if [ -z "$todo" ]; then
    [ "$mode" = install ] && echo "prodfuzz: all dependencies are installed"
    exit 0
fi
if [ "$mode" = check ] || [ "$(id -u)" != 0 ]; then
    echo "prodfuzz: error: missing Debian packages: $todo" >&2
    echo "prodfuzz: run as root:  apt-get update && apt-get install -y $todo" >&2
    [ "$mode" = check ] && echo "prodfuzz: (or: make deps, the one step that installs)" >&2
    exit 3
fi
echo "prodfuzz: installing: $todo" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq >&2; then
    echo "prodfuzz: error: apt-get update failed (no network or no apt sources?)" >&2
    exit 3
fi
# shellcheck disable=SC2086
if ! apt-get install -y -qq --no-install-recommends $todo >&2; then
    echo "prodfuzz: error: apt-get install failed for: $todo" >&2
    exit 3
fi
left=$(missing)
if [ -n "$left" ]; then
    echo "prodfuzz: error: still missing after install: $left" >&2
    exit 3
fi
echo "prodfuzz: dependencies installed" >&2
