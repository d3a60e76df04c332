#!/usr/bin/env python3
"""Check report files the way their consumers read them (used by
tests/unit/test_report.c and tests/cli/test_report.sh).

  check_report.py sarif FILE NRESULTS   SARIF 2.1.0: the fields the 2.1.0
      schema requires (sarifLog version+runs, run.tool, tool.driver,
      toolComponent.name, reportingDescriptor.id, result.message with text
      or id, suppression.kind) and those GitHub code scanning needs (ruleId
      naming a rule, level, a location with a relative uri and startLine
      >= 1, partialFingerprints)
  check_report.py junit FILE NSUITES NFAILURES   parsed with xml.etree
  check_report.py html FILE NCHARTS   well-formed (every element closed in
      order), self-contained (no external src/href), the hostile text
      escaped
Exit 0 when all holds; 1 with the first problem on stderr.
"""
import json
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser


def fail(msg):
    print("check_report: " + msg, file=sys.stderr)
    sys.exit(1)


def need(cond, msg):
    if not cond:
        fail(msg)


def sarif(path, nresults):
    d = json.load(open(path, encoding="utf-8"))
    need(d.get("version") == "2.1.0", "version must be 2.1.0")
    need(isinstance(d.get("runs"), list) and len(d["runs"]) == 1, "one run")
    run = d["runs"][0]
    drv = run.get("tool", {}).get("driver")
    need(isinstance(drv, dict) and isinstance(drv.get("name"), str), "tool.driver.name")
    rules = drv.get("rules", [])
    ids = [r.get("id") for r in rules]
    need(all(isinstance(i, str) and i for i in ids), "every rule has an id")
    need(len(set(ids)) == len(ids), "rule ids are distinct (one rule per error kind)")
    res = run.get("results")
    need(isinstance(res, list) and len(res) == nresults,
         "want %d results, got %s" % (nresults, len(res) if isinstance(res, list) else res))
    for r in res:
        m = r.get("message", {})
        need(isinstance(m.get("text"), str) and m["text"], "result.message.text")
        need(r.get("ruleId") in ids, "ruleId %r names a rule" % r.get("ruleId"))
        need(ids[r["ruleIndex"]] == r["ruleId"], "ruleIndex points at ruleId")
        need(r.get("level") in ("error", "warning", "note", "none"), "level")
        locs = r.get("locations")
        need(isinstance(locs, list) and len(locs) == 1, "one location")
        pl = locs[0]["physicalLocation"]
        uri = pl["artifactLocation"]["uri"]
        need(isinstance(uri, str) and uri and not uri.startswith("/"), "uri relative: %r" % uri)
        need(isinstance(pl["region"]["startLine"], int) and pl["region"]["startLine"] >= 1,
             "startLine >= 1")
        fp = r.get("partialFingerprints")
        need(isinstance(fp, dict) and fp and all(isinstance(v, str) for v in fp.values()),
             "partialFingerprints")
        for s in r.get("suppressions", []):
            need(s.get("kind") in ("inSource", "external"), "suppression.kind")


def junit(path, nsuites, nfail):
    root = ET.parse(path).getroot()
    need(root.tag == "testsuites", "root is testsuites")
    suites = root.findall("testsuite")
    need(len(suites) == nsuites, "want %d suites, got %d" % (nsuites, len(suites)))
    fails = root.findall("./testsuite/testcase/failure")
    need(len(fails) == nfail, "want %d failures, got %d" % (nfail, len(fails)))
    need(int(root.get("failures")) == nfail, "testsuites failures attribute")
    for s in suites:
        cases = s.findall("testcase")
        need(int(s.get("tests")) == len(cases), "suite %s tests attribute" % s.get("name"))
        need(int(s.get("failures")) == len(s.findall("testcase/failure")), "suite failures")
    for f in fails:
        need(f.get("message") and f.text and "signature: " in f.text,
             "a failure carries its title, explanation and signature")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class Strict(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.charts, self.problems, self.text = [], 0, [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href"):
            v = a.get(k) or ""
            if v and not v.startswith("#"):
                self.problems.append("external %s=%r" % (k, v))
        if tag == "link":
            self.problems.append("a <link> element")
        if tag == "svg" and "chart" in (a.get("class") or "").split():
            self.charts += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] != "script" and self.stack[-1] != "style":
            self.text.append(data)


def html(path, ncharts):
    raw = open(path, encoding="utf-8").read()
    need(raw.startswith("<!DOCTYPE html>"), "doctype")
    p = Strict()
    p.feed(raw)
    p.close()
    need(not p.problems, "; ".join(p.problems[:3]))
    need(not p.stack, "unclosed: %s" % p.stack)
    need(p.charts == ncharts, "want %d charts, got %d" % (ncharts, p.charts))
    need(raw.count("<script") == 1, "one (inline) script")
    need("<script>alert" not in raw, "hostile text escaped")


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    args = [int(a) for a in sys.argv[3:]]
    {"sarif": sarif, "junit": junit, "html": html}[kind](path, *args)
