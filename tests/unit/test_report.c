/*
 * Unit tests of pf_report: the model (targets, failures merged by
 * signature keeping the smaller reproducer, counts) and each writer on a
 * model with several targets and findings, hostile text included: JSON
 * loads back equal, SARIF has the fields the 2.1.0 schema and GitHub
 * require, JUnit parses with python3's xml module, HTML is well-formed and
 * self-contained (tests/lib/check_report.py reads them as consumers do).
 */
#include "pf_test.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "pf_crash.h"
#include "pf_report.h"

/* invalid UTF-8, control characters, markup, CDATA end, quotes */
#define HOSTILE "<script>alert(1)</script> \xff\xfe\x01 ]]> \"q\" 'a' & `b` | *c*"

static pf_finding tmpl(const char *target, const char *sig, pf_outcome o,
                       const char *repro, uint64_t bytes)
{
    pf_finding f;
    memset(&f, 0, sizeof(f));
    f.target = (char *)target;
    f.signature = (char *)sig;
    f.kind = (char *)"heap-buffer-overflow";
    f.title = (char *)"heap-buffer-overflow READ 1 in parse_value (app.c:12)";
    f.outcome = o;
    f.reproducer = (char *)repro;
    f.repro_bytes = bytes;
    f.repro_cmd = (char *)"prodfuzz repro abc --state st/";
    f.top_file = (char *)"src/app.c";
    f.top_line = 12;
    f.first_seen = (char *)"2026-12-01T01:00:00Z";
    f.last_seen = (char *)"2026-12-01T01:00:00Z";
    return f;
}

static void build(pf_report *r)
{
    pf_err e = PF_ERR_INIT;
    pf_report_init(r, "check", "0123456789abcdef");
    r->started = strdup("2026-12-01T01:00:00Z");
    r->finished = strdup("2026-12-01T01:05:00Z");
    const char *names[] = {"orders", "invoices", HOSTILE};
    for (int i = 0; i < 3; i++) {
        pf_report_target *t = pf_report_add_target(r, names[i], i ? "cmd" : "worker", &e);
        assert_non_null(t);
        t->inputs = 1000u * (unsigned)(i + 1);
        t->seconds = 2.5 * (i + 1);
        for (int k = 0; k < 5; k++) {
            assert_int_equal(pf_report_add_point(&t->coverage, &t->ncoverage, k * 10.0,
                                                 100.0 + k * k * 7, &e), 0);
            assert_int_equal(pf_report_add_point(&t->execs_per_s, &t->nexecs_per_s,
                                                 k * 10.0, 900.0 + k, &e), 0);
        }
        assert_int_equal(pf_report_target_count(t, "null", PF_OUT_CRASH, &e), 0);
        assert_int_equal(pf_report_target_count(t, "null", PF_OUT_OK, &e), 0);
        assert_int_equal(pf_report_target_count(t, "oversize", PF_OUT_TIMEOUT, &e), 0);
        assert_int_equal(pf_report_target_count(t, NULL, PF_OUT_OK, &e), 0);
    }
    r->targets[1].error = 1;
    r->targets[1].error_msg = strdup("binary missing: ./invoices");
    r->targets[0].line_coverage = 61.5;

    pf_finding f = tmpl("orders", "heap-buffer-overflow|parse_value app.c:12", PF_OUT_CRASH,
                        "st/a", 300);
    char *ex[] = {(char *)"$.items[0].sku is 4096 bytes; production's longest is 32",
                  (char *)HOSTILE};
    f.explain = ex;
    f.nexplain = 2;
    f.mclass = (char *)"oversize";
    f.path = (char *)"$.items[*].sku";
    assert_non_null(pf_report_add_failure(r, &f, &e));
    f = tmpl("orders", "timeout|loop app.c:40", PF_OUT_TIMEOUT, "st/t", 10);
    f.kind = (char *)"timeout";
    f.status = PF_STATUS_OPEN;
    assert_non_null(pf_report_add_failure(r, &f, &e));
    f = tmpl(HOSTILE, "silent-exit|" HOSTILE, PF_OUT_SILENT_EXIT, NULL, 0);
    f.kind = (char *)"";
    f.title = (char *)HOSTILE;
    f.top_file = NULL;
    f.stack = (char *)"#0 f " HOSTILE "\n";
    assert_non_null(pf_report_add_failure(r, &f, &e));
    f = tmpl("orders", "oom|alloc app.c:7", PF_OUT_OOM, "st/o", 5);
    f.kind = (char *)"oom";
    f.status = PF_STATUS_SUPPRESSED;
    f.suppress_reason = (char *)"accepted: " HOSTILE;
    f.suppress_until = (char *)"2026-12-31";
    assert_non_null(pf_report_add_failure(r, &f, &e));
    f = tmpl("gone", "SEGV|old app.c:3", PF_OUT_CRASH, "st/s", 5);
    f.kind = (char *)"SEGV";
    f.status = PF_STATUS_FIXED;
    assert_non_null(pf_report_add_failure(r, &f, &e));
    for (int d = 0; d < 4; d++) {
        char date[32];
        snprintf(date, sizeof(date), "2026-11-%02dT04:00:00Z", 20 + d);
        pf_night *n = pf_report_add_night(r, date, &e);
        assert_non_null(n);
        n->new_findings = (uint64_t)d;
        n->open_findings = 1;
        n->fixed_findings = d > 2;
        assert_int_equal(pf_night_set_class(n, "null", (uint64_t)d, &e), 0);
        assert_int_equal(pf_night_set_class(n, "deep", 1, &e), 0);
    }
}

static void report_merges_by_signature_keeping_the_smaller_reproducer(void **st)
{
    (void)st;
    pf_report r;
    pf_err e = PF_ERR_INIT;
    pf_report_init(&r, "nightly", "r1");
    const char *sig = "heap-buffer-overflow|parse_value app.c:12|parse app.c:40";
    /* ten inputs hitting one bug, reproducers of shrinking then growing size */
    for (int i = 0; i < 10; i++) {
        char repro[32];
        snprintf(repro, sizeof(repro), "crash-%d", i);
        pf_finding f = tmpl("orders", sig, PF_OUT_CRASH, repro, (uint64_t)(100 - (i % 5) * 20));
        char cls[16];
        snprintf(cls, sizeof(cls), "class%d", i);
        f.mclass = cls;
        char last[32];
        snprintf(last, sizeof(last), "2026-12-01T0%d:00:00Z", i);
        f.last_seen = last;
        assert_non_null(pf_report_add_failure(&r, &f, &e));
    }
    assert_int_equal(r.nfindings, 1);
    pf_finding *f = &r.findings[0];
    assert_int_equal(f->count, 10);
    assert_int_equal(f->repro_bytes, 20);
    assert_string_equal(f->reproducer, "crash-4"); /* first of the smallest */
    assert_string_equal(f->mclass, "class4");      /* travels with it */
    assert_string_equal(f->last_seen, "2026-12-01T09:00:00Z");
    assert_string_equal(f->first_seen, "2026-12-01T01:00:00Z");
    char id[13];
    assert_int_equal(pf_finding_id(sig, id, &e), 0);
    assert_string_equal(f->id, id);
    assert_int_equal(strlen(f->id), 12);

    /* a second bug in the same function: another finding */
    pf_finding g = tmpl("orders", "heap-use-after-free|parse_value app.c:14|parse app.c:40",
                        PF_OUT_CRASH, "x", 9);
    assert_non_null(pf_report_add_failure(&r, &g, &e));
    assert_int_equal(r.nfindings, 2);
    assert_string_not_equal(r.findings[0].id, r.findings[1].id);
    assert_int_equal(pf_report_count_failing(&r), 2);
    r.findings[0].status = PF_STATUS_SUPPRESSED;
    r.findings[1].status = PF_STATUS_FIXED;
    assert_int_equal(pf_report_count_failing(&r), 0);
    r.findings[1].status = PF_STATUS_OPEN;
    assert_int_equal(pf_report_count_failing(&r), 1);
    pf_report_free(&r);
}

static void report_finding_from_a_parsed_crash(void **st)
{
    (void)st;
    size_t n;
    char *text = pf_test_read("tests/fixtures/crash/asan-heap-buffer-overflow.txt", &n);
    assert_non_null(text);
    pf_crash c;
    pf_crash_init(&c);
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_crash_parse(text, n, &c, &e), 1);
    pf_finding f;
    memset(&f, 0, sizeof(f));
    pf_buf title = PF_BUF_INIT, stack = PF_BUF_INIT;
    pf_finding_from_crash(&f, &c, &title, &stack);
    f.target = (char *)"bugs";
    f.outcome = PF_OUT_CRASH;
    pf_report r;
    pf_report_init(&r, "check", NULL);
    pf_finding *g = pf_report_add_failure(&r, &f, &e);
    assert_non_null(g);
    assert_string_equal(g->kind, "heap-buffer-overflow");
    assert_string_equal(g->signature, c.signature);
    assert_string_equal(g->title, "heap-buffer-overflow READ 1 in parse_value (bugs.c:5)");
    assert_string_equal(g->top_file, "/tmp/rep/bugs.c");
    assert_int_equal(g->top_line, 5);
    assert_non_null(strstr(g->stack, "#0 parse_value /tmp/rep/bugs.c:5\n"));
    assert_non_null(strstr(g->stack, "[not own]"));
    pf_report_free(&r);
    pf_buf_free(&title);
    pf_buf_free(&stack);
    pf_crash_free(&c);
    free(text);
}

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static int check(const char *kind, const char *file, const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "python3 tests/lib/check_report.py %s '%s' %s", kind, file,
             args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void report_json_loads_back_equal(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    pf_report r, back;
    pf_err e = PF_ERR_INIT;
    build(&r);
    char *a = path_in(dir, "a.json"), *b = path_in(dir, "b.json");
    assert_int_equal(pf_report_write_json(&r, a, &e), 0);
    assert_int_equal(pf_report_load_json(a, &back, &e), 0);
    assert_int_equal(back.ntargets, 3);
    assert_int_equal(back.nfindings, 5);
    assert_int_equal(back.nhistory, 4);
    assert_string_equal(back.tool, "check");
    assert_string_equal(back.targets[0].name, "orders");
    assert_int_equal(back.targets[0].inputs, 1000);
    assert_true(back.targets[0].line_coverage > 61.4 && back.targets[0].line_coverage < 61.6);
    assert_true(back.targets[2].line_coverage < 0);
    assert_int_equal(back.targets[1].error, 1);
    assert_int_equal(back.targets[0].outcomes[PF_OUT_CRASH], 1);
    assert_int_equal(back.targets[0].outcomes[PF_OUT_OK], 2);
    assert_int_equal(back.targets[0].nclasses, 2);
    assert_string_equal(back.targets[0].classes[1], "oversize");
    assert_int_equal(back.targets[0].by_class[1][PF_OUT_TIMEOUT], 1);
    assert_int_equal(back.targets[0].ncoverage, 5);
    assert_true(back.targets[0].coverage[4].value == 212.0);
    assert_int_equal(back.findings[0].nexplain, 2);
    assert_string_equal(back.findings[0].path, "$.items[*].sku");
    assert_int_equal(back.findings[1].status, PF_STATUS_OPEN);
    assert_int_equal(back.findings[1].outcome, PF_OUT_TIMEOUT);
    assert_string_equal(back.findings[3].suppress_until, "2026-12-31");
    assert_int_equal(back.history[3].fixed_findings, 1);
    assert_int_equal(back.history[2].class_counts[0], 2);
    /* the hostile text came back as valid UTF-8 with its markup intact */
    assert_non_null(strstr(back.findings[2].title, "<script>alert(1)</script> \xef\xbf\xbd"));
    /* and everything else: writing what was read gives the same bytes */
    assert_int_equal(pf_report_write_json(&back, b, &e), 0);
    size_t na, nb;
    char *ta = pf_test_read(a, &na), *tb = pf_test_read(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(ta, tb, na);
    assert_non_null(strstr(ta, "\"format\":\t\"prodfuzz-report\""));
    free(ta);
    free(tb);
    pf_report_free(&back);
    pf_report_free(&r);
    free(a);
    free(b);
    pf_test_rmtmp(dir);
}

static void report_json_load_refuses_what_it_cannot_read(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char *p = path_in(dir, "x.json");
    pf_report r;
    pf_err e = PF_ERR_INIT;
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"{", "not valid JSON"},
        {"[]", "not a prodfuzz report"},
        {"{\"format\":\"other\",\"version\":1}", "not a prodfuzz report"},
        {"{\"format\":\"prodfuzz-report\",\"version\":2}", "version 2 is not supported"},
        {"{\"format\":\"prodfuzz-report\",\"version\":1,\"targets\":{}}", "\"targets\" must be an array"},
        {"{\"format\":\"prodfuzz-report\",\"version\":1,\"findings\":[{\"id\":\"a\","
         "\"signature\":\"s\",\"outcome\":\"exploded\",\"status\":\"new\"}]}",
         "findings[0]: \"outcome\""},
        {"{\"format\":\"prodfuzz-report\",\"version\":1,\"targets\":[{\"name\":\"t\","
         "\"outcomes\":{\"ok\":-1}}]}", "targets[0]: \"ok\" must be a non-negative number"},
        {"{\"format\":\"prodfuzz-report\",\"version\":1,\"targets\":[{\"name\":\"t\","
         "\"coverage\":[[1]]}]}", "[seconds, value]"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pf_test_write(p, bad[i].text, strlen(bad[i].text));
        pf_err_clear(&e);
        assert_int_equal(pf_report_load_json(p, &r, &e), -1);
        assert_int_equal(e.code, PF_E_INPUT);
        if (!strstr(e.msg, bad[i].msg))
            fail_msg("case %zu: '%s' does not say '%s'", i, e.msg, bad[i].msg);
    }
    pf_err_clear(&e);
    assert_int_equal(pf_report_load_json("/nonexistent/report.json", &r, &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);
    free(p);
    pf_test_rmtmp(dir);
}

static void report_sarif_has_the_fields_github_and_the_schema_require(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    pf_report r;
    pf_err e = PF_ERR_INIT;
    build(&r);
    r.src_root = strdup("/home/ci/repo");
    free(r.findings[0].top_file);
    r.findings[0].top_file = strdup("/home/ci/repo/src/app.c");
    char *p = path_in(dir, "report.sarif");
    assert_int_equal(pf_report_write_sarif(&r, p, &e), 0);
    /* five findings, one fixed: four results */
    assert_int_equal(check("sarif", p, "4"), 0);
    size_t n;
    char *t = pf_test_read(p, &n);
    assert_non_null(strstr(t, "\"uri\":\t\"src/app.c\""));
    assert_non_null(strstr(t, "\"startLine\":\t12"));
    assert_non_null(strstr(t, "\"version\":\t\"2.1.0\""));
    assert_non_null(strstr(t, "\"justification\":"));
    assert_non_null(strstr(t, "$.items[0].sku is 4096 bytes")); /* the explanation */
    assert_null(strstr(t, "\xff"));
    free(t);
    free(p);
    pf_report_free(&r);
    pf_test_rmtmp(dir);
}

static void report_junit_parses_with_a_suite_per_target(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    pf_report r;
    pf_err e = PF_ERR_INIT;
    build(&r);
    char *p = path_in(dir, "junit.xml");
    assert_int_equal(pf_report_write_junit(&r, p, &e), 0);
    /* three targets plus "gone" (a finding's target not in the list);
     * failures: the new and the open one of orders, the hostile target's */
    assert_int_equal(check("junit", p, "4 3"), 0);
    size_t n;
    char *t = pf_test_read(p, &n);
    assert_non_null(strstr(t, "<error message=\"binary missing: ./invoices\""));
    assert_non_null(strstr(t, "reproduce: prodfuzz repro abc --state st/"));
    assert_non_null(strstr(t, "<skipped message=\"suppressed: accepted: &lt;script&gt;"));
    free(t);
    free(p);
    pf_report_free(&r);
    pf_test_rmtmp(dir);
}

static void report_html_is_well_formed_self_contained_with_charts(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    pf_report r;
    pf_err e = PF_ERR_INIT;
    build(&r);
    char *p = path_in(dir, "report.html");
    assert_int_equal(pf_report_write_html(&r, p, &e), 0);
    /* by class, by night, and coverage + execs/s for each of 3 targets */
    assert_int_equal(check("html", p, "8"), 0);
    size_t n;
    char *t = pf_test_read(p, &n);
    assert_non_null(strstr(t, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(t, "prodfuzz repro abc --state st/"));
    assert_non_null(strstr(t, "<path class=\"series\""));
    assert_non_null(strstr(t, "<rect class=\"bar\""));
    free(t);
    free(p);
    pf_report_free(&r);
    pf_test_rmtmp(dir);
}

static void report_md_escapes_and_lists_every_finding(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    pf_report r;
    pf_err e = PF_ERR_INIT;
    build(&r);
    char *p = path_in(dir, "report.md");
    assert_int_equal(pf_report_write_md(&r, p, &e), 0);
    size_t n;
    char *t = pf_test_read(p, &n);
    assert_non_null(strstr(t, "**3 failing findings** (2 new, 1 open, 1 fixed, 1 suppressed)"));
    /* no raw '<' outside code spans and fences (where Markdown shows it
     * as text) */
    int code = 0, fence = 0;
    for (char *q = t; *q; q++) {
        if ((q == t || q[-1] == '\n') && strncmp(q, "```", 3) == 0)
            fence = !fence;
        if (*q == '\n')
            code = 0;
        else if (*q == '`' && !fence)
            code = !code;
        else if (*q == '<' && !code && !fence)
            fail_msg("raw '<' in Markdown text at byte %td", q - t);
    }
    assert_non_null(strstr(t, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(t, "\xff"));
    assert_non_null(strstr(t, "```sh\nprodfuzz repro abc --state st/\n```"));
    /* every table row has the same number of cells: a '|' in text is escaped */
    for (char *l = t; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, "| new |", 7) && strncmp(l, "| open |", 8))
            continue;
        int cells = 0;
        for (char *q = l; *q && *q != '\n'; q++)
            cells += *q == '|' && q[-1] != '\\';
        assert_int_equal(cells, 8);
    }
    free(t);
    free(p);
    pf_report_free(&r);
    pf_test_rmtmp(dir);
}

static void report_writers_are_atomic_and_write_all_writes_five(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    pf_report r;
    pf_err e = PF_ERR_INIT;
    build(&r);
    char *out = path_in(dir, "out/nested");
    assert_int_equal(pf_report_write_all(&r, out, &e), 0);
    const char *files[] = {"report.json", "report.md", "report.sarif", "junit.xml",
                           "report.html"};
    for (int i = 0; i < 5; i++) {
        char *p = path_in(out, files[i]);
        struct stat sb;
        assert_int_equal(stat(p, &sb), 0);
        assert_true(sb.st_size > 100);
        free(p);
    }
    /* nothing but the five: no temporary files left behind */
    DIR *d = opendir(out);
    int count = 0;
    for (struct dirent *de; (de = readdir(d));)
        count += de->d_name[0] != '.';
    closedir(d);
    assert_int_equal(count, 5);
    /* a writer that cannot write keeps the old file whole */
    char *j = path_in(out, "report.json");
    size_t n0;
    char *before = pf_test_read(j, &n0);
    assert_int_equal(chmod(out, 0500), 0);
    pf_report_free(&r);
    pf_report_init(&r, "other", "x");
    int rc = pf_report_write_json(&r, j, &e);
    assert_int_equal(chmod(out, 0755), 0);
    if (geteuid() != 0) { /* root writes anyway */
        assert_int_equal(rc, -1);
        size_t n1;
        char *after = pf_test_read(j, &n1);
        assert_int_equal(n0, n1);
        assert_memory_equal(before, after, n0);
        free(after);
    }
    free(before);
    free(j);
    /* a file where the folder should be: a clean error */
    char *blocker = path_in(dir, "file");
    pf_test_write(blocker, "x", 1);
    char *under = path_in(blocker, "sub");
    pf_err_clear(&e);
    assert_int_equal(pf_report_write_all(&r, under, &e), -1);
    assert_true(e.code != PF_OK);
    free(blocker);
    free(under);
    free(out);
    pf_report_free(&r);
    pf_test_rmtmp(dir);
}

/* Thousands of findings and samples: report.md stays under a pull request
 * comment's 65536 characters, the HTML chart under a point per pixel. */
static void report_md_and_html_stay_small_with_thousands_of_findings(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    pf_report r;
    pf_err e = PF_ERR_INIT;
    pf_report_init(&r, "nightly", "big");
    pf_report_target *t = pf_report_add_target(&r, "t", "libfuzzer", &e);
    for (int k = 0; k < 30000; k++)
        assert_int_equal(pf_report_add_point(&t->coverage, &t->ncoverage, k, k / 3.0, &e), 0);
    for (int i = 0; i < 3000; i++) {
        char sig[64];
        snprintf(sig, sizeof(sig), "SEGV|f%d a.c:%d", i, i);
        pf_finding f = tmpl("t", sig, PF_OUT_CRASH, "r", 1);
        assert_non_null(pf_report_add_failure(&r, &f, &e));
    }
    char *md = path_in(dir, "report.md"), *html = path_in(dir, "report.html");
    assert_int_equal(pf_report_write_md(&r, md, &e), 0);
    assert_int_equal(pf_report_write_html(&r, html, &e), 0);
    size_t n;
    char *t1 = pf_test_read(md, &n);
    assert_true(n < 65536);
    assert_non_null(strstr(t1, "more findings: see report.html or report.json"));
    free(t1);
    char *t2 = pf_test_read(html, &n);
    char *path = strstr(t2, "<path class=\"series\"");
    assert_non_null(path);
    size_t pts = 0;
    for (char *q = path; *q && *q != '>'; q++)
        pts += *q == 'L';
    assert_true(pts >= 400 && pts <= 1000);
    assert_non_null(strstr(t2, "SEGV|f2999 a.c:2999")); /* the page keeps them all */
    free(t2);
    free(md);
    free(html);
    pf_report_free(&r);
    pf_test_rmtmp(dir);
}

/* A full disk, played by RLIMIT_FSIZE in a child: every writer fails with
 * an I/O error, the earlier file stays whole, no temporary file is left. */
static void report_writers_fail_cleanly_on_a_full_disk(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    pf_report r;
    pf_err e = PF_ERR_INIT;
    build(&r);
    assert_int_equal(pf_report_write_all(&r, dir, &e), 0);
    DIR *d0 = opendir(dir);
    int before = 0;
    for (struct dirent *de; (de = readdir(d0));)
        before += de->d_name[0] != '.';
    closedir(d0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {512, 512};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(10);
        const char *names[] = {"report.json", "report.md", "report.sarif", "junit.xml",
                               "report.html"};
        int (*w[])(const pf_report *, const char *, pf_err *) = {
            pf_report_write_json, pf_report_write_md, pf_report_write_sarif,
            pf_report_write_junit, pf_report_write_html};
        for (int i = 0; i < 5; i++) {
            char *p = path_in(dir, names[i]);
            pf_err ce = PF_ERR_INIT;
            pf_report_free(&r); /* a different (empty) report each time */
            pf_report_init(&r, "other", "x");
            build(&r);
            r.targets[0].inputs = 999999; /* differs from the file on disk */
            if (w[i](&r, p, &ce) != -1 || ce.code != PF_E_IO)
                _exit(20 + i);
            free(p);
        }
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* old files intact and loadable, nothing else in the folder */
    char *j = path_in(dir, "report.json");
    pf_report back;
    assert_int_equal(pf_report_load_json(j, &back, &e), 0);
    assert_int_equal(back.targets[0].inputs, 1000);
    pf_report_free(&back);
    free(j);
    DIR *d1 = opendir(dir);
    int after = 0;
    for (struct dirent *de; (de = readdir(d1));)
        after += de->d_name[0] != '.';
    closedir(d1);
    assert_int_equal(after, before);
    pf_report_free(&r);
    pf_test_rmtmp(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_merges_by_signature_keeping_the_smaller_reproducer),
        cmocka_unit_test(report_finding_from_a_parsed_crash),
        cmocka_unit_test(report_json_loads_back_equal),
        cmocka_unit_test(report_json_load_refuses_what_it_cannot_read),
        cmocka_unit_test(report_sarif_has_the_fields_github_and_the_schema_require),
        cmocka_unit_test(report_junit_parses_with_a_suite_per_target),
        cmocka_unit_test(report_html_is_well_formed_self_contained_with_charts),
        cmocka_unit_test(report_md_escapes_and_lists_every_finding),
        cmocka_unit_test(report_writers_are_atomic_and_write_all_writes_five),
        cmocka_unit_test(report_writers_fail_cleanly_on_a_full_disk),
        cmocka_unit_test(report_md_and_html_stay_small_with_thousands_of_findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
