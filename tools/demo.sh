#!/bin/bash
# demo.sh: `make demo`. The whole prodfuzz pipeline on an embedded default:
#
#   1. a throwaway PostgreSQL (initdb in a temporary folder, unix socket)
#      with the example orders service's tables and realistic, messy rows;
#   2. `prodfuzz sample` of the orders' payload column, anonymized on the
#      way with tools/demo/orders-policy.json and a key made for the demo;
#   3. `prodfuzz shape` of that corpus (profile + fuzz dictionary);
#   4. a short `prodfuzz nightly` on the example service (the sampled
#      corpus is its read-only seeds: nightly fuzzes in its state folder,
#      so the corpus stays what sampling wrote and `shape` keeps accepting it)
#      (harnesses/service_orders.c, deliberate production-shaped bugs
#      switched on): libFuzzer with the prodfuzz mutator for about 30
#      seconds, findings deduplicated by signature, minimized, explained
#      against the shape profile and written as reports; the demo ends with
#      where the HTML report is.
#
# Everything goes to demo-out/ (or $PF_DEMO_OUT); no server is left running.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${PF_DEMO_OUT:-$ROOT/demo-out}
SECONDS_FUZZ=${PF_DEMO_SECONDS:-30}
P="$ROOT/build/bin/prodfuzz"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*" | { [ -t 1 ] && cat || sed 's/\x1b\[[0-9;]*m//g'; }; }
die() { echo "demo: error: $*" >&2; exit 3; }

[ -x "$P" ] || die "build/bin/prodfuzz is missing: run 'make' first"
make -s -C "$ROOT" service >/dev/null || die "could not build the example service"

rm -rf "$OUT"
mkdir -p "$OUT"
. "$ROOT/tests/lib/pg.sh"

step "1. A throwaway PostgreSQL with the orders service's data"
pg_start || die "could not start PostgreSQL"
"$PG_BIN/psql" -qX -v ON_ERROR_STOP=1 -f "$ROOT/tools/demo/schema.sql" >/dev/null \
    || die "could not load tools/demo/schema.sql"
"$PG_BIN/psql" -AtX -c "SELECT format('%s users, %s orders (%s with a legacy string total, %s without metadata)',
    (SELECT count(*) FROM users), (SELECT count(*) FROM orders),
    (SELECT count(*) FROM orders WHERE json_typeof(payload->'total') = 'string'),
    (SELECT count(*) FROM orders WHERE json_typeof(payload->'metadata') = 'null'))"

step "2. Sample 2000 random orders, anonymized on the way"
KEY="$OUT/demo.key"
( umask 077; head -c 32 /dev/urandom >"$KEY" )
"$P" sample --table orders --column payload --limit 2000 --seed 42 \
    --policy "$ROOT/tools/demo/orders-policy.json" --key-file "$KEY" \
    --out "$OUT/corpus" || die "sample failed"
echo "one anonymized order:"
head -c 400 "$(find "$OUT/corpus" -maxdepth 1 -type f | sort | head -1)"; echo

step "3. Learn the shape of production orders"
"$P" shape "$OUT/corpus" -o "$OUT/shape.json" --dict "$OUT/orders.dict" || die "shape failed"
"$P" shape --show "$OUT/shape.json" | head -40

step "4. A short night: fuzz the orders service with the prodfuzz mutator (${SECONDS_FUZZ}s)"
"$P" nightly --target "$ROOT/build/svc/service_orders_pf" --corpus "$OUT/corpus" \
    --shape "$OUT/shape.json" --dict "$OUT/orders.dict" --env PF_BUG=all \
    --budget "${SECONDS_FUZZ}s" --jobs 2 --minimize 5s \
    --state "$OUT/state" --out "$OUT/night" | tee "$OUT/report.txt"
st=${PIPESTATUS[0]}
pg_stop
[ "$st" -le 1 ] || die "the nightly run failed (exit $st)"
# the night fuzzed in its state folder: the corpus is still production's
"$P" shape "$OUT/corpus" -o "$OUT/shape.after.json" 2>/dev/null \
    || die "the sampled corpus no longer holds only what sampling wrote"
rm -f "$OUT/shape.after.json"
echo
echo "Everything is in $OUT (corpus/, shape.json, orders.dict, state/, night/)."
echo "The PostgreSQL server is stopped and its folder removed."
echo "To run libFuzzer yourself, give it a working folder first (it writes new inputs"
echo "there) and the sampled corpus after it, as read-only seeds:"
echo "  mkdir -p $OUT/work && PRODFUZZ_SHAPE=$OUT/shape.json PF_BUG=all \\"
echo "    $ROOT/build/svc/service_orders_pf -max_len=1048576 -dict=$OUT/orders.dict $OUT/work $OUT/corpus"
echo "HTML report: $OUT/night/report.html"
