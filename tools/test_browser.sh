#!/bin/bash
# test_browser.sh: `make test-browser`. Renders report.html from the nightly
# fixture (tests/fixtures/report/nightly.json, through `prodfuzz report`)
# in headless Chromium and checks that it loads without console messages
# or script errors and that every chart with data drew (non-zero size and
# marks), then saves a screenshot: build/test-browser/report.png.
#
# The page's own inline check writes <body data-errors data-charts
# data-charts-empty data-charts-drawn> after load; --dump-dom shows them.
# A broken copy of the page (a script that throws) must be caught, so the
# check is known to fail when it should.
#
# Exit 0 all good, 1 a check failed, 3 no Chromium (install it with
# `make deps`, Debian's chromium package) or no prodfuzz build.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/test-browser
P=${PF_BIN:-$ROOT/build/bin/prodfuzz}
FIX=$ROOT/tests/fixtures/report/nightly.json

# PF_CHROMIUM names the browser binary (default: the first of chromium,
# chromium-browser, google-chrome on PATH).
CHROME=""
for c in ${PF_CHROMIUM:-chromium chromium-browser google-chrome}; do
    if command -v "$c" >/dev/null 2>&1; then CHROME=$(command -v "$c"); break; fi
done
if [ -z "$CHROME" ]; then
    echo "prodfuzz: error: make test-browser needs Chromium: ${PF_CHROMIUM:-chromium} not found" >&2
    echo "prodfuzz: install it with: make deps   (or: apt-get install chromium)" >&2
    exit 3
fi
if [ ! -x "$P" ]; then
    echo "prodfuzz: error: $P is not built (make all)" >&2
    exit 3
fi

rm -rf "$OUT" && mkdir -p "$OUT" || exit 3
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; shift; [ $# -gt 0 ] && printf '#   %s\n' "$@"; fail=1; }

# One profile folder per run; --no-sandbox because CI runs as root.
chrome() {
    timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-extensions --disable-sync --user-data-dir="$OUT/profile" \
        --enable-logging=stderr --v=0 --virtual-time-budget=5000 "$@"
}

# check PAGE LABEL: load, dump the DOM after scripts ran, read the verdict.
check() {
    local page=$1 label=$2
    chrome --dump-dom "file://$page" >"$OUT/$label.dom" 2>"$OUT/$label.log"
    local st=$? body
    body=$(grep -o '<body[^>]*>' "$OUT/$label.dom" | head -1)
    attr() { echo "$body" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
    errors=$(attr data-errors) charts=$(attr data-charts) empty=$(attr data-charts-empty)
    drawn=$(attr data-charts-drawn)
    # console messages Chromium logs: "CONSOLE(12)] ..." or "Uncaught ..."
    console=$(grep -E 'CONSOLE|Uncaught' "$OUT/$label.log" | head -3)
    [ "$st" -eq 0 ] || console="chromium exited $st; $console"
}

"$P" report "$FIX" --out "$OUT" --format html,json >/dev/null || { bad "prodfuzz report renders the fixture"; exit 1; }
check "$OUT/report.html" report
if [ -z "$console" ] && [ "$errors" = 0 ]; then
    ok "report.html loads without console messages or script errors"
else
    bad "report.html loads without console messages or script errors" "errors=$errors" "$console"
fi
want=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
# by class and by night (both have data here), then coverage and execs/s
# per target that has samples
print(2 + sum(bool(t["coverage"]) + bool(t["execs_per_s"]) for t in r["targets"]))' "$FIX")
if [ -n "$drawn" ] && [ "$drawn" = "$want" ] && [ "$((drawn + empty))" = "$charts" ]; then
    ok "every chart with data drew: $drawn of $charts (empty: $empty)"
else
    bad "every chart with data drew" "want $want drawn, got drawn=$drawn empty=$empty charts=$charts"
fi

# the check itself catches a broken page
sed 's#</body>#<script>window.prodfuzzNoSuchFunction();</script></body>#' \
    "$OUT/report.html" >"$OUT/broken.html"
check "$OUT/broken.html" broken
if [ "$errors" != 0 ] || [ -n "$console" ]; then
    ok "a page with a throwing script is caught (errors=$errors)"
else
    bad "a page with a throwing script is caught"
fi

chrome --screenshot="$OUT/report.png" --window-size=1280,2200 --hide-scrollbars \
    "file://$OUT/report.html" >"$OUT/screenshot.log" 2>&1
if [ -s "$OUT/report.png" ] && [ "$(head -c 8 "$OUT/report.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
    ok "screenshot saved: build/test-browser/report.png ($(wc -c <"$OUT/report.png") bytes)"
else
    bad "screenshot saved" "$(tail -3 "$OUT/screenshot.log")"
fi
rm -rf "$OUT/profile"
exit "$fail"
