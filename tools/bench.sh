#!/bin/bash
# bench.sh: `make bench`. Runs every tools/bench/*.sh in name order; each
# prints its figures and the ratio against a reference measured in the
# same run. Benchmarks never fail the build on speed: they report.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PF_ROOT="$ROOT" PF_BIN_RELEASE="$ROOT/build/bin/prodfuzz"
export PF_DATA="${PF_DATA:-$ROOT/../shared/data}"
rc=0
for b in "$ROOT"/tools/bench/*.sh; do
    [ -f "$b" ] || continue
    echo "== $(basename "$b" .sh)"
    bash "$b" || rc=$?
done
exit $rc
