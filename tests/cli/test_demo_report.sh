#!/bin/bash
# demo_report: tools/demo/report.py, the end of `make demo`, on hand-made
# reproducers of the example service's deliberate bugs: each bug is told
# apart by its source line and error kind (the oversize overflow and the
# number bug's wild read are both in handle_order) and explained by the
# class the profile singles out, including for a reproducer whose strings
# hold raw control bytes and invalid UTF-8 (cJSON takes them).
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
SVC=$ROOT/build/svc/service_orders
if ! [ -x "$SVC" ] || ! command -v python3 >/dev/null; then
    t_skip demo_report "build/svc/service_orders (make service) or python3 missing"; exit 0
fi
W=$(mktemp -d /tmp/pf-report.XXXXXX)
trap 'rm -rf "$W"' EXIT
"$P" shape --raw-ok "$ROOT"/corpus/service_orders -o "$W/shape.json" 2>/dev/null
mkdir "$W/crashes"
python3 - "$ROOT/corpus/service_orders" "$W/crashes" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
seed = json.load(open(os.path.join(src, sorted(os.listdir(src))[0])))
def put(name, doc, raw=None):
    data = raw if raw is not None else json.dumps(doc).encode()
    open(os.path.join(out, 'crash-' + name), 'wb').write(data)
d = json.loads(json.dumps(seed)); d['customer']['name'] = 'A' * 1100
put('oversize1', d)
# the same bug, with raw control bytes and invalid UTF-8 in the long name
put('oversize2', None, json.dumps(d).encode().replace(b'AAAA', b'A\x05\xffA', 3))
d = json.loads(json.dumps(seed)); d['items'][0]['qty'] = 2000000000; d['items'][0]['price'] = 8.43
put('number1', d)
d = json.loads(json.dumps(seed)); d['customer']['email'] = None
put('null1', d)
PY
python3 "$ROOT/tools/demo/report.py" --shape "$W/shape.json" --binary "$SVC" "$W/crashes" \
    >"$W/report.txt" 2>"$W/err.txt"
t_eq "the report exits 1 when there are bugs" 1 $?
t_grep "four reproducers, three bugs" "^4 reproducers, 3 distinct bugs" "$W/report.txt"
t_grep "there is an oversize section" "^\\[oversize\\]" "$W/report.txt"
grep -A3 '^\[oversize\]' "$W/report.txt" >"$W/o.txt"
t_grep "the oversize bug is the strcpy at its line" 'handle_order\(\) at service_orders\.c:[0-9]+; 2 reproducer' "$W/o.txt"
t_grep "it is explained by the name's length" 'oversize: \$\.customer\.name: 1100 bytes' "$W/o.txt"
grep -A3 '^\[number\]' "$W/report.txt" >"$W/n.txt"
t_grep "the number bug is its own bug in handle_order" 'handle_order\(\) at service_orders\.c:[0-9]+; 1 reproducer' "$W/n.txt"
t_grep "explained by the quantity" 'number: \$.items\[\*\].qty' "$W/n.txt"
grep -A3 '^\[null\]' "$W/report.txt" >"$W/u.txt"
t_grep "the null bug is in email_domain" 'email_domain\(\) at service_orders\.c' "$W/u.txt"
t_grep "explained by the null email" 'null: \$.customer.email: null here' "$W/u.txt"
t_done
