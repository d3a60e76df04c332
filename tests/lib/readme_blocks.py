#!/usr/bin/env python3
"""readme_blocks.py: the fenced code blocks of a Markdown file, for
tests/integration/test_readme.sh and tools/first_crash.sh.

    readme_blocks.py README.md OUTDIR

writes OUTDIR/NNN.LANG (the block's text) and prints one line per block:

    NNN<TAB>LANG<TAB>LINE<TAB>MARKER<TAB>ARG<TAB>EXIT

LANG is the fence's info string ("sh", "sql", "yaml", "txt" for output
samples), LINE the fence's line number. The rest comes from
`<!-- readme-test: WHAT ARG -->` comments among the comment and blank
lines right above the fence:

    skip REASON        not run here; REASON says why (and what checks it)
    planned CMD        run only once `prodfuzz help` no longer lists CMD
                       as "(planned)"; skipped with that reason until then
    exit N[,M...]      the exit codes the block ends with (default 0)

MARKER and ARG are the skip or planned one ("-" and "-" when there is
none), EXIT the exit codes ("0" unless given). Other comments
(`<!-- kit-example -->`) are allowed between the markers and the fence.
"""
import os
import re
import sys

MARK = re.compile(r"^<!--\s*readme-test:\s*(skip|exit|planned)\s*(.*?)\s*-->\s*$")
OTHER = re.compile(r"^<!--.*-->\s*$")


def blocks(lines):
    i, n = 0, len(lines)
    while i < n:
        m = re.match(r"^(```+|~~~+)\s*([A-Za-z0-9_+-]*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        fence, lang, start = m.group(1), m.group(2), i
        marker, arg, codes = "-", "", "0"
        k = i - 1
        while k >= 0 and (not lines[k].strip() or OTHER.match(lines[k])):
            mk = MARK.match(lines[k])
            if mk and mk.group(1) == "exit":
                codes = mk.group(2)
            elif mk and marker == "-":
                marker, arg = mk.group(1), mk.group(2)
            k -= 1
        body = []
        i += 1
        while i < n and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        yield lang, start + 1, marker, arg, codes, "".join(body)
        i += 1


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(src, encoding="utf-8") as f:
        lines = f.readlines()
    for no, (lang, line, marker, arg, codes, body) in enumerate(blocks(lines), 1):
        with open(os.path.join(out, "%03d.%s" % (no, lang or "txt")), "w", encoding="utf-8") as f:
            f.write(body)
        print("%03d\t%s\t%d\t%s\t%s\t%s" % (no, lang or "txt", line, marker, arg or "-", codes))


if __name__ == "__main__":
    main()
