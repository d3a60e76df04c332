#!/usr/bin/env python3
"""report.py: the demo's closing report.

For every reproducer libFuzzer saved, re-run it on the target to read the
sanitizer's verdict and the first frame in the target's own code (so the
same bug found twice is counted once), and compare the reproducer with the
shape profile to say, in production terms, which field went past what
production has shown and in which failure class (design.md's names).
Values are never printed: only paths, lengths, counts and types.

usage: report.py --shape shape.json --binary TARGET CRASH_DIR
"""
import argparse
import json
import os
import re
import subprocess
import sys

CLASS_ORDER = ['null', 'deep', 'oversize', 'unicode', 'legacy', 'number', 'type',
               'missing', 'dupkey', 'truncate', 'format']
PLAIN = re.compile(r'^[A-Za-z0-9_\-\x80-\U0010ffff]+$')


def seg(key):
    if key and PLAIN.match(key):
        return '.' + key
    return '[' + json.dumps(key, ensure_ascii=False) + ']'


def walk(v, path, depth, out):
    """Yield (path, value, depth) for every value, arrays sharing [*]."""
    out.append((path, v, depth))
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, path + seg(k), depth + 1, out)
    elif isinstance(v, list):
        for x in v:
            walk(x, path + '[*]', depth + 1, out)


def kind(v):
    if v is None:
        return 'null'
    if isinstance(v, bool):
        return 'bool'
    if isinstance(v, int):
        return 'int'
    if isinstance(v, float):
        return 'float'
    if isinstance(v, str):
        return 'string'
    return 'object' if isinstance(v, dict) else 'array'


def depth_of(text):
    d = best = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == '\\':
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in '[{':
            d += 1
            best = max(best, d)
        elif ch in ']}':
            d -= 1
    return best


def deviations(raw, prof):
    """What in this reproducer production never showed, most telling first."""
    docs = prof.get('documents', 0)
    paths = prof.get('paths', {})
    found = []
    text = raw.decode('utf-8', errors='surrogateescape')
    depth = depth_of(text)
    if depth > prof.get('max_depth', 0) + 1:
        found.append(('deep', '$', f'nesting {depth} levels deep; the deepest of '
                      f'{docs} sampled documents had {prof.get("max_depth")}'))
    try:
        doc = json.loads(text, strict=False)  # cJSON takes raw control bytes
    except (ValueError, RecursionError):
        try:
            raw.decode('utf-8')
        except UnicodeDecodeError:
            found.append(('unicode', '$', 'invalid UTF-8 outside any string; production had none'))
        if not found:
            found.append(('truncate', '$', 'not valid JSON (production documents all parsed)'))
        return found
    vals = []
    try:
        walk(doc, '$', 1, vals)
    except RecursionError:
        return found
    seen = set()
    for path, v, _ in vals:
        seen.add(path)
        p = paths.get(path)
        if p is None:
            found.append(('legacy', path, 'a path production never had'))
            continue
        k = kind(v)
        types = p.get('types', {})
        if k == 'null' and types.get('null', 0) == 0:
            found.append(('null', path, f'null here; 0 of {p.get("count")} sampled '
                          f'documents with this field had null'))
        elif k != 'null' and types.get(k, 0) == 0 and not (k in ('int', 'float') and
                                                           (types.get('int') or types.get('float'))):
            found.append(('type', path, f'{k} here; production had only '
                          + ', '.join(f'{t} ({n})' for t, n in types.items() if n)))
        elif k != 'null' and any(r.get('kind') == 'type' and r.get('what') == k
                                 for r in p.get('rare', [])):
            r = [r for r in p['rare'] if r.get('what') == k][0]
            found.append(('legacy', path, f'{k} here, a legacy variant: {r["count"]} of '
                          f'{p.get("count")} sampled documents had it'))
        if k == 'string' and any(0xd800 <= ord(ch) <= 0xdfff or ch == '\0' for ch in v):
            bad = sum(1 for ch in v if 0xdc80 <= ord(ch) <= 0xdcff)
            found.append(('unicode', path, f'{bad} invalid UTF-8 byte(s) or a NUL/lone surrogate '
                          'in this string; production had none' if bad else
                          'a NUL or lone surrogate in this string; production had none'))
        if k == 'string' and 'string' in p:
            n = len(v.encode('utf-8', errors='surrogateescape'))
            mx = p['string'].get('max_len', 0)
            if n > max(mx, 1) * 2 and n > 64:
                found.append(('oversize', path, f'{n} bytes; the longest of '
                              f'{p.get("count")} sampled values was {mx}'))
        if k == 'array' and 'array' in p:
            mx = p['array'].get('max_len', 0)
            if len(v) > max(mx, 1) * 2 and len(v) > 16:
                found.append(('oversize', path, f'{len(v)} elements; production had at most {mx}'))
        if k in ('int', 'float') and 'number' in p:
            try:
                lo, hi = float(p['number']['min']), float(p['number']['max'])
                x = float(v)
                if x < lo or x > hi:
                    found.append(('number', path, f'{k} outside production\'s range '
                                  f'[{p["number"]["min"]}, {p["number"]["max"]}]'))
            except (TypeError, ValueError, OverflowError, KeyError):
                pass
    for path, p in paths.items():
        parent = path.rsplit('.', 1)[0] if '.' in path[1:] else '$'
        if (path not in seen and parent in seen and '[*]' not in path and '{*}' not in path
                and p.get('count') == paths.get(parent, {}).get('count') and parent != path):
            found.append(('missing', path, f'absent; all {p.get("count")} sampled '
                          f'documents had it'))
    # one entry per (class, path)
    uniq = {}
    for c, path, text in found:
        uniq.setdefault((c, path), text)
    return [(c, p, t) for (c, p), t in uniq.items()]


def verdict(binary, path):
    """Sanitizer summary and the first frame in the target's own source."""
    env = dict(os.environ, ASAN_OPTIONS='detect_leaks=0:symbolize=1', PF_BUG='all')
    try:
        r = subprocess.run([binary, path], capture_output=True, timeout=60, env=env)
    except subprocess.TimeoutExpired:
        return 'timeout', '?'
    err = r.stderr.decode('utf-8', errors='replace')
    summary = next((l.split('SUMMARY: ', 1)[1] for l in err.splitlines() if 'SUMMARY: ' in l),
                   'exit %d' % r.returncode)
    summary = re.sub(r' \([^)]*\)', '', re.sub(r' /\S+/', ' ', summary))
    frame = '?'
    for l in err.splitlines():
        m = re.search(r' in (\w+) \S*(service_orders\.c:\d+)', l)
        if m:
            frame = f'{m.group(1)}() at {m.group(2)}'
            break
    return summary.strip(), frame


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--shape', required=True)
    ap.add_argument('--binary', required=True)
    ap.add_argument('crashes')
    a = ap.parse_args()
    prof = json.load(open(a.shape))
    files = sorted(f for f in os.listdir(a.crashes)
                   if f.startswith(('crash-', 'timeout-', 'oom-', 'leak-')))
    bugs = {}
    for f in files:
        full = os.path.join(a.crashes, f)
        summary, frame = verdict(a.binary, full)
        # one bug: one place in the source and one kind of error (two bugs
        # of one function, an overflow and a wild read, stay apart)
        words = summary.split(' ')
        key = (frame, ' '.join(words[:2]) if frame != '?' else summary)
        b = bugs.setdefault(key, {'files': [], 'summary': summary, 'frame': frame})
        b['files'].append(full)
    for b in bugs.values():
        # libFuzzer stacks mutations, so one reproducer holds several
        # deviations; the one every reproducer of the bug shares is the
        # telling one. Count (class, path) over up to 25 reproducers.
        b['files'].sort(key=os.path.getsize)
        votes, why = {}, {}
        sample = b['files'][:25]
        for full in sample:
            for c, path, text in deviations(open(full, 'rb').read(), prof):
                if (c, path) not in votes:
                    why[(c, path)] = text
                votes[(c, path)] = votes.get((c, path), 0) + 1
        ranked = sorted(votes, key=lambda k: (-votes[k], CLASS_ORDER.index(k[0])
                                              if k[0] in CLASS_ORDER else 99))
        b['devs'] = [(c, p, why[(c, p)], votes[(c, p)], len(sample)) for c, p in ranked]
        b['size'] = os.path.getsize(b['files'][0])
    print(f'{len(files)} reproducers, {len(bugs)} distinct bugs '
          f'(profile of {prof.get("documents")} sampled documents)\n')
    by_class = {}
    for b in bugs.values():
        cls = b['devs'][0][0] if b['devs'] else 'other'
        by_class.setdefault(cls, []).append(b)
    for cls in sorted(by_class):
        print(f'[{cls}]')
        for b in by_class[cls]:
            print(f'  {b["summary"]}')
            print(f'    in {b["frame"]}; {len(b["files"])} reproducer(s), smallest {b["size"]} bytes')
            for c, path, why, n, of in b['devs'][:3]:
                print(f'    {c}: {path}: {why} [{n} of {of} reproducers]')
            print(f'    reproduce: PF_BUG=all {a.binary} {b["files"][0]}')
        print()
    if not bugs:
        print('no crash found in this run')
    return 1 if bugs else 0


if __name__ == '__main__':
    sys.exit(main())
