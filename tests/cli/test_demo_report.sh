#!/bin/bash
# demo_report: the end of `make demo` is a nightly report; here it is made
# from hand-made reproducers of the example service's six deliberate bugs
# (`prodfuzz nightly --import DIR --budget 0`: no fuzzing, so the outcome
# is exact). Seven reproducers are six findings: a bug is its pf_crash
# signature (error kind + own frames), so the oversize overflow and the
# number bug's wild read, both in handle_order, stay apart, and the two
# oversize reproducers (one with raw control bytes and invalid UTF-8 in the
# name, which cJSON takes) are one finding. Each is explained by pf_explain
# with the class and path the shape profile singles out.
. "$(dirname "$0")/../lib/assert.sh"
ROOT=${PF_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
P=${PF_BIN:?PF_BIN must point at the prodfuzz binary}
SVC=$ROOT/build/svc/service_orders_pf
if ! [ -x "$SVC" ] || ! command -v python3 >/dev/null; then
    t_skip demo_report "build/svc/service_orders_pf (make service) or python3 missing"; exit 0
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
def copy():
    return json.loads(json.dumps(seed))
d = copy(); d['customer']['name'] = 'A' * 1100
put('oversize1', d)
# the same bug, with raw control bytes and invalid UTF-8 in the long name
put('oversize2', None, json.dumps(d).encode().replace(b'AAAA', b'A\x05\xffA', 3))
d = copy(); d['items'][0]['qty'] = 2000000000; d['items'][0]['price'] = 8.43
put('number1', d)
d = copy(); d['customer']['email'] = None
put('null1', d)
d = copy(); d['total'] = '12'
put('legacy1', d)
d = copy(); d['customer']['name'] = 'Ann @@'
put('unicode1', None, json.dumps(d).encode().replace(b'@@', b'\xe2'))
d = copy(); deep = []
for _ in range(40):
    deep = [deep]
d['metadata'] = {'tags': deep}
put('deep1', d)
PY
"$P" nightly --target "$SVC" --corpus "$ROOT/corpus/service_orders" \
    --shape "$W/shape.json" --env PF_BUG=all --import "$W/crashes" \
    --budget 0 --minimize 0 --state "$W/state" --out "$W/out" \
    >"$W/report.txt" 2>"$W/err.txt"
t_eq "the report exits 1 when there are bugs" $? 1
python3 - "$W/state/findings.json" >"$W/f.txt" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
fs = d["findings"]
print("findings", len(fs), "reproducers", sum(f["count"] for f in fs))
for f in fs:
    frames = f["signature"].split("|")[1:]
    print("[%s] %s %s count=%d | %s" % (f.get("class"), f["kind"], frames[0] if frames else "-",
                                      f["count"], (f["explanation"] or ["-"])[0]))
PY
cat "$W/f.txt"
t_grep "seven reproducers, six bugs" "^findings 6 reproducers 7$" "$W/f.txt"
t_grep "the oversize bug is the strcpy in handle_order, two reproducers" \
    "^\\[oversize\\] stack-buffer-overflow handle_order service_orders\\.c:[0-9]+ count=2 " "$W/f.txt"
t_grep "the number bug is its own SEGV finding in handle_order's snprintf (not ASan's printf_common)" \
    "^\\[number\\] SEGV handle_order service_orders\\.c:[0-9]+ count=1 " "$W/f.txt"
t_grep "the null bug is in email_domain" \
    "^\\[null\\] SEGV email_domain service_orders\\.c:[0-9]+ count=1 " "$W/f.txt"
t_grep "explained by the name's length" 'oversize\].*\$\.customer\.name is 1,100 bytes' "$W/f.txt"
t_grep "the number bug explained by the quantity" '^\[number\] SEGV .*\| \$\.items\[\*\]\.qty' "$W/f.txt"
t_grep "the null bug explained by the null email" '^\[null\] .*\| \$\.customer\.email is null' "$W/f.txt"
t_grep "the legacy total is a SEGV in parse_money" \
    'SEGV parse_money service_orders\.c:[0-9]+ count=1' "$W/f.txt"
t_grep "the cut UTF-8 character is a heap overflow in initials" \
    'heap-buffer-overflow initials service_orders\.c:[0-9]+ count=1' "$W/f.txt"
t_grep "the deep audit trail is a stack overflow in walk (explained by depth)" \
    "^\\[deep\\] stack-buffer-overflow walk service_orders\\.c:[0-9]+ count=1" "$W/f.txt"
t_grep "the summary names every finding" "^6 new, 0 open, 0 fixed, 0 suppressed findings" "$W/report.txt"
t_grep "and ends with where the HTML report is" "^report: .*/report\.html$" "$W/report.txt"
t_done
