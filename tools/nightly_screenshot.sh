#!/bin/bash
# nightly_screenshot.sh: the README's picture of a nightly report, taken
# from real nights rather than a fixture.
#
#   tools/nightly_screenshot.sh [--report FILE.html] [--out FILE.png]
#                               [--seconds N] [--keep DIR]
#
# Without --report it runs three short nights of `prodfuzz nightly` on the
# example service (build/svc/service_orders_pf, real libFuzzer with the
# prodfuzz mutator, the shape of corpus/service_orders) on one state
# folder, switching the deliberate bugs between nights so the report has
# something of everything: night 1 has three bugs on, night 2 all six
# (three new, three open), night 3 the null bug off (fixed). The third
# night's report.html is then rendered in headless Chromium (as
# tools/test_browser.sh does) and saved as a PNG (default
# docs/img/nightly-report.png). With --report it only renders an existing
# report, e.g. `make demo`'s demo-out/night/report.html. --keep DIR keeps
# the nights' state and reports in DIR (otherwise a temporary folder).
#
# Exit 0 saved, 1 the page did not render, 3 no Chromium or no build.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
P=${PF_BIN:-$ROOT/build/bin/prodfuzz}
SVC=$ROOT/build/svc/service_orders_pf
PNG=$ROOT/docs/img/nightly-report.png
REPORT=""
SECS=15
KEEP=""
die() { echo "prodfuzz: error: $*" >&2; exit "${2:-3}"; }
while [ $# -gt 0 ]; do
    case $1 in
    --report) REPORT=${2:?--report takes an HTML file}; shift 2 ;;
    --out) PNG=${2:?--out takes a PNG file}; shift 2 ;;
    --seconds) SECS=${2:?--seconds takes a number}; shift 2 ;;
    --keep) KEEP=${2:?--keep takes a folder}; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" 2 ;;
    esac
done

CHROME=""
for c in ${PF_CHROMIUM:-chromium chromium-browser google-chrome}; do
    if command -v "$c" >/dev/null 2>&1; then CHROME=$(command -v "$c"); break; fi
done
[ -n "$CHROME" ] || die "needs Chromium (make deps, or apt-get install chromium)"

if [ -n "$KEEP" ]; then
    rm -rf "$KEEP" && mkdir -p "$KEEP" && W=$(realpath "$KEEP") || die "cannot create $KEEP"
else
    W=$(mktemp -d /tmp/pf-screenshot.XXXXXX)
    trap 'rm -rf "$W"' EXIT
fi

if [ -z "$REPORT" ]; then
    [ -x "$P" ] || die "$P is not built (make all)"
    make -s -C "$ROOT" service >/dev/null || die "could not build the example service"
    "$P" shape --raw-ok "$ROOT/corpus/service_orders" -o "$W/shape.json" \
        --dict "$W/orders.dict" 2>"$W/shape.err" || die "shape failed: $(tail -1 "$W/shape.err")"
    night() { # N BUGS
        echo "night $1: PF_BUG=$2, ${SECS}s" >&2
        "$P" nightly --target "$SVC" --corpus "$ROOT/corpus/service_orders" \
            --shape "$W/shape.json" --dict "$W/orders.dict" --env "PF_BUG=$2" \
            --budget "${SECS}s" --jobs 2 --minimize 5s \
            --state "$W/state" --out "$W/n$1" >"$W/n$1.txt" 2>"$W/n$1.err"
        local st=$?
        [ "$st" -le 1 ] || die "night $1 failed (exit $st): $(tail -2 "$W/n$1.err")"
        sed 's/^/  /' "$W/n$1.txt" >&2
    }
    night 1 null,deep,number
    night 2 all
    night 3 oversize,deep,number,legacy,unicode
    REPORT=$W/n3/report.html
fi
[ -s "$REPORT" ] || die "no report at $REPORT" 2

# Chromium writes the PNG; the page's inline check must have passed first
chrome() {
    timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-extensions --disable-sync --user-data-dir="$W/profile" \
        --force-device-scale-factor=${PF_SHOT_SCALE:-0.8} --hide-scrollbars --virtual-time-budget=5000 "$@"
}
# the picture shows one finding opened (the first new one), the others
# folded, so the charts fit in the frame
page=$W/page.html
awk '/<details id="f-[^"]*" open>/ { if (seen++) sub(/" open>/, "\">") } { print }' \
    "$REPORT" >"$page" || die "cannot copy $REPORT"
chrome --dump-dom "file://$page" >"$W/dom.html" 2>"$W/dom.log"
body=$(grep -o '<body[^>]*>' "$W/dom.html" | head -1)
errors=$(echo "$body" | sed -n 's/.* data-errors="\([0-9]*\)".*/\1/p')
drawn=$(echo "$body" | sed -n 's/.* data-charts-drawn="\([0-9]*\)".*/\1/p')
[ "$errors" = 0 ] && [ "${drawn:-0}" -ge 1 ] \
    || die "the report did not render cleanly (errors=${errors:-?}, charts drawn=${drawn:-?})" 1
mkdir -p "$(dirname "$PNG")"
chrome --screenshot="$W/shot.png" --window-size=1200,${PF_SHOT_HEIGHT:-1900} "file://$page" >"$W/shot.log" 2>&1
[ "$(head -c 8 "$W/shot.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] \
    || die "Chromium saved no PNG: $(tail -2 "$W/shot.log")" 1
mv "$W/shot.png" "$PNG" || die "cannot write $PNG"
echo "saved $PNG ($(wc -c <"$PNG") bytes, $drawn charts drawn)"
