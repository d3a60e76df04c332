#!/usr/bin/env python3
"""Checks behind tests/integration/test_sample.sh (prodfuzz sample).

  sample_check.py patterns ORIG.jsonl... > patterns.txt
      every original value of 6+ characters (string leaves, number texts,
      data-holding object keys such as e-mails, and words of 6+ letters),
      minus strings that are also structural key names, one per line
  sample_check.py shapes ORIG.jsonl ANON.jsonl
      row by row: same keys in the same order, same JSON types, nulls in
      the same places, same array lengths, same string byte lengths for
      plain text, same digit counts and decimal places for numbers, and
      formats still valid (e-mail, UUID, IP, ISO timestamps, Luhn cards)
  sample_check.py joins ANON.jsonl
      every orders.user_id and payload.user_id of an orders row equals
      the id of a users row in the same file (whole-row orders + users)
Exits 1 with a message on the first failure (never prints values).
"""
import ipaddress
import json
import re
import sys


# json with object_pairs_hook gives lists of tuples for objects; arrays are
# plain lists. Tell them apart by wrapping objects.
class Obj(list):
    pass


def load_rows_typed(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line, object_pairs_hook=Obj,
                                       parse_float=lambda s: ("num", s),
                                       parse_int=lambda s: ("num", s),
                                       parse_constant=lambda s: ("num", s)))
    return rows


DATA_KEY = re.compile(r"@|^[0-9a-f]{8}-|^[0-9]+$")


def walk(v, leaves, keys, datakeys):
    if isinstance(v, Obj):
        for k, x in v:
            if DATA_KEY.search(k):
                datakeys.add(k)
            else:
                keys.add(k)
            walk(x, leaves, keys, datakeys)
    elif isinstance(v, list):
        for x in v:
            walk(x, leaves, keys, datakeys)
    elif isinstance(v, tuple):
        # numbers: 8+ digits (a few hundred 6-digit amounts collide with
        # each other's anonymized values by chance)
        if sum(c.isdigit() for c in v[1]) >= 8:
            leaves.add(v[1])
    elif isinstance(v, str):
        leaves.add(v)


def cmd_patterns(paths):
    leaves, keys, datakeys = set(), set(), set()
    for p in paths:
        for r in load_rows_typed(p):
            walk(r, leaves, keys, datakeys)
    out = set()
    for v in leaves | datakeys:
        core = v.strip()
        if len(core) >= 6 and len(set(core)) > 1:
            out.add(core)
        for w in re.findall(r"[^\W_]{6,}", v):
            if len(set(w)) > 1 and not (w.isdigit() and len(w) < 8):
                out.add(w)
    out = {v for v in out if v not in keys and "\n" not in v}
    # Timestamps are data too, but their 6+ digit words are dates such as
    # "2021": words are letters-or-digits; keep them, they must not survive.
    for v in sorted(out):
        print(v)


def digits_of(num):
    s = num.lstrip("-")
    if "." in s:
        a, b = s.split(".", 1)
        return len(a), len(b)
    return len(s), 0


UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2})?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CARD = re.compile(r"^\d{4}( ?\d{4}){2,3}$|^\d{15}$")


def luhn(s):
    d = [int(c) for c in s if c.isdigit()]
    tot = 0
    for i, x in enumerate(reversed(d)):
        if i % 2:
            x *= 2
            if x > 9:
                x -= 9
        tot += x
    return tot % 10 == 0


def is_ip(s):
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False


def fail(msg):
    print("shape check failed: " + msg, file=sys.stderr)
    sys.exit(1)


def cmp(a, b, path):
    ta, tb = type(a).__name__, type(b).__name__
    if ta != tb:
        fail("%s: type %s became %s" % (path, ta, tb))
    if isinstance(a, Obj):
        if len(a) != len(b):
            fail("%s: %d members became %d" % (path, len(a), len(b)))
        for (ka, va), (kb, vb) in zip(a, b):
            if not DATA_KEY.search(ka) and ka != kb:
                fail("%s: key order or names changed" % path)
            cmp(va, vb, path + "." + (ka if not DATA_KEY.search(ka) else "{data-key}"))
    elif isinstance(a, list):
        if len(a) != len(b):
            fail("%s: array length %d became %d" % (path, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            cmp(x, y, "%s[%d]" % (path, i))
    elif isinstance(a, tuple):
        if a[1] in ("NaN", "Infinity", "-Infinity"):
            return
        if digits_of(a[1]) != digits_of(b[1]):
            fail("%s: number digits %s became %s" % (path, digits_of(a[1]), digits_of(b[1])))
        if a[1].startswith("-") != b[1].startswith("-"):
            fail("%s: sign changed" % path)
    elif isinstance(a, str):
        if EMAIL.match(a):
            if not EMAIL.match(b):
                fail("%s: an e-mail address is no longer one" % path)
        elif UUID.match(a):
            if not UUID.match(b):
                fail("%s: a UUID is no longer one" % path)
        elif is_ip(a):
            if not is_ip(b):
                fail("%s: an IP address is no longer one" % path)
        elif TS.match(a):
            if not TS.match(b) or len(a) != len(b):
                fail("%s: an ISO timestamp is no longer one of the same form" % path)
        elif CARD.match(a) and luhn(a):
            if not luhn(b) or len(a) != len(b):
                fail("%s: a card number no longer passes Luhn" % path)
        else:
            if len(a.encode()) != len(b.encode()):
                fail("%s: byte length %d became %d" % (path, len(a.encode()), len(b.encode())))
            if (a == "") != (b == ""):
                fail("%s: emptiness changed" % path)
            if a != a.strip() and (len(a) - len(a.rstrip())) != (len(b) - len(b.rstrip())):
                fail("%s: trailing padding changed" % path)
    elif a is None or isinstance(a, bool):
        if a is None and b is not None:
            fail("%s: null became a value" % path)


def cmd_shapes(orig, anon):
    a, b = load_rows_typed(orig), load_rows_typed(anon)
    if len(a) != len(b):
        fail("row count %d became %d" % (len(a), len(b)))
    for i, (x, y) in enumerate(zip(a, b)):
        cmp(x, y, "row %d $" % (i + 1))


def get(obj, key):
    for k, v in obj:
        if k == key:
            return v
    return None


def cmd_joins(anon):
    rows = load_rows_typed(anon)
    users, orders = set(), []
    for r in rows:
        keys = [k for k, _ in r]
        if "user_id" in keys and "amount" in keys:
            orders.append(r)
        elif "email" in keys and "full_name" in keys:
            users.add(get(r, "id")[1])
    if not orders or not users:
        fail("expected orders and users rows (got %d, %d)" % (len(orders), len(users)))
    for o in orders:
        uid = get(o, "user_id")[1]
        if uid not in users:
            fail("an orders.user_id has no users row with the same anonymized id")
        p = get(o, "payload")
        if p is not None and get(p, "user_id")[1] != uid:
            fail("orders.payload.user_id differs from orders.user_id after anonymization")
    print("%d orders joined to %d users" % (len(orders), len(users)))


if __name__ == "__main__":
    c = sys.argv[1]
    if c == "patterns":
        cmd_patterns(sys.argv[2:])
    elif c == "shapes":
        cmd_shapes(sys.argv[2], sys.argv[3])
    elif c == "joins":
        cmd_joins(sys.argv[2])
    else:
        sys.exit(2)
