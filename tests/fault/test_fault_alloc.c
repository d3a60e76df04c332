/*
 * test_fault_alloc: every entry point of the library, run once for each
 * allocation it makes with that allocation failing (pf_fault.h). At every
 * N: a clean PF_E_NOMEM or a success, never a crash, never a success that
 * lost data, nothing half-written; LeakSanitizer checks for leaks at exit.
 */
#include "pf_test.h"

#include <dirent.h>

#include "pf_anon.h"
#include "pf_anon_int.h"
#include "pf_corpus.h"
#include "pf_diff.h"
#include "pf_fault.h"
#include "pf_jsonl.h"
#include "pf_mutate.h"
#include "pf_nightly.h"
#include "pf_report.h"
#include "pf_seed.h"
#include "pf_shape.h"

/* ---- diff: the allow file, outputs, a pair of results ---- */

static const char ALLOW[] = "# intended\naccept->reject $.customer.email\n"
                            "output $.totals.**\nfixed-* *\nnew-crash $[\"odd key\"].x\n";

static int run_allow_parse(void *ctx, pf_err *err)
{
    (void)ctx;
    pf_allow a;
    pf_allow_init(&a);
    int rc = pf_allow_parse(&a, ALLOW, sizeof ALLOW - 1, "allow.txt", err);
    pf_fault_disarm();
    /* a success has every rule, none with a lost path */
    if (rc == 0 && (a.n != 4 || !a.rules[0].path || !a.rules[1].path || a.rules[2].path ||
                    !pf_allow_match(&a, "output", "$.totals.net")))
        rc = pf_err_set(err, PF_E_INTERNAL, "an allow rule was lost");
    pf_allow_free(&a);
    return rc;
}

static void allow_parse_fails_cleanly_at_every_allocation(void **st)
{
    (void)st;
    assert_true(pf_fault_each_allocation("pf_allow_parse", run_allow_parse, NULL) > 3);
}

/* The outputs are equal but for the one value at $.b[*].c: at every N,
 * out of memory or that path, never another verdict. */
static int run_diff_results(void *ctx, pf_err *err)
{
    (void)ctx;
    pf_result o, n;
    pf_result_init(&o);
    pf_result_init(&n);
    pf_buf_adds(&o.out, "{\"a\":1.0,\"b\":[{\"c\":1,\"d\":\"x\"}],\"e\":null}");
    pf_buf_adds(&n.out, "{\"e\":null,\"b\":[{\"d\":\"x\",\"c\":2}],\"a\":1}");
    pf_diff d;
    pf_diff_init(&d);
    pf_diff_opts opt = {0};
    int rc = (o.out.oom || n.out.oom) ? pf_err_set(err, PF_E_NOMEM, "out of memory")
                                      : pf_diff_results(&o, &n, &opt, &d, err);
    pf_fault_disarm();
    if (rc == 0 && (d.verdict != PF_DIFF_DIVERGED || strcmp(d.kind, "output") ||
                    strcmp(pf_buf_str(&d.path), "$.b[*].c")))
        rc = pf_err_set(err, PF_E_INTERNAL, "verdict %d %s at %s", d.verdict, d.kind,
                        pf_buf_str(&d.path));
    pf_diff_free(&d);
    pf_result_free(&o);
    pf_result_free(&n);
    return rc;
}

static void diff_results_fail_cleanly_at_every_allocation(void **st)
{
    (void)st;
    assert_true(pf_fault_each_allocation("pf_diff_results", run_diff_results, NULL) > 2);
}

/* ---- policy parse ---- */

static const char POLICY[] =
    "{\"format\":\"prodfuzz-policy\",\"version\":1,\"rules\":["
    "{\"path\":\"$.status\",\"action\":\"keep\"},"
    "{\"table\":\"users\",\"path\":\"$.email\",\"action\":\"hash\"},"
    "{\"path\":\"users.phone\",\"action\":\"hash\"},"
    "{\"path\":\"$.note\",\"action\":\"redact\",\"text\":\"x\"}]}";

static int run_policy_parse(void *ctx, pf_err *err)
{
    (void)ctx;
    pf_policy *p = NULL;
    int rc = pf_policy_parse(POLICY, sizeof POLICY - 1, "p.json", &p, err);
    pf_fault_disarm();
    if (rc == 0) {
        /* the table-scoped rules kept their table: another table's email
         * and phone fall to the default (a lost table widens the rule) */
        const pf_rule *r1 = pf_policy_match(p, "orders", "$.email");
        const pf_rule *r2 = pf_policy_match(p, "orders", "$.phone");
        const pf_rule *r3 = pf_policy_match(p, "users", "$.phone");
        if (r1 || r2 || !r3)
            rc = pf_err_set(err, PF_E_INTERNAL, "a table-scoped rule lost its table");
        pf_policy_free(p);
    }
    return rc;
}

static void policy_parse_fails_cleanly_at_every_allocation(void **st)
{
    (void)st;
    assert_true(pf_fault_each_allocation("pf_policy_parse", run_policy_parse, NULL) > 3);
}

static int run_policy_default(void *ctx, pf_err *err)
{
    (void)ctx;
    pf_policy *p = NULL;
    int rc = pf_policy_default(&p, err);
    if (rc == 0)
        pf_policy_free(p);
    return rc;
}

static void policy_default_fails_cleanly_at_every_allocation(void **st)
{
    (void)st;
    assert_true(pf_fault_each_allocation("pf_policy_default", run_policy_default, NULL) >= 2);
}

/* ---- anonymize a document ---- */

static const char DOC[] =
    "{\"id\":42,\"email\":\"amelie.durand@example.fr\",\"status\":\"paid\","
    "\"when\":\"2024-02-29T10:00:00Z\",\"ip\":\"10.1.2.3\",\"card\":\"4539 1488 0343 6467\","
    "\"tags\":[\"a\",\"b\"],\"by_user\":{\"user_817234\":{\"n\":1}},\"note\":null}";

static int run_anon_doc(void *ctx, pf_err *err)
{
    pf_policy *p = NULL;
    pf_anon *a = NULL;
    pf_buf out = PF_BUF_INIT;
    pf_key *k = ctx;
    int rc = pf_policy_parse(POLICY, sizeof POLICY - 1, "p.json", &p, err);
    if (rc == 0)
        rc = pf_anon_new(&a, k, p, 1, err);
    if (rc == 0)
        rc = pf_anon_doc(a, "users", "1", DOC, sizeof DOC - 1, &out, err);
    if (rc == 0 && out.len == 0)
        rc = pf_err_set(err, PF_E_INTERNAL, "success with an empty output");
    pf_buf_free(&out);
    pf_anon_free(a);
    pf_policy_free(p);
    return rc;
}

static void anonymize_fails_cleanly_at_every_allocation(void **st)
{
    (void)st;
    pf_key k;
    memset(&k, 0, sizeof k);
    memcpy(k.bytes, "0123456789abcdef0123456789abcdef", 32);
    k.len = 32;
    assert_true(pf_fault_each_allocation("pf_anon_doc", run_anon_doc, &k) > 5);
}

/* ---- shape: build and write, then load ---- */

static int run_shape_build(void *ctx, pf_err *err)
{
    pf_buf *profile = ctx;
    pf_shape_opts o;
    pf_shape_opts_default(&o);
    pf_shape_builder *b = pf_shape_builder_new(&o, err);
    if (!b)
        return -1;
    int rc = pf_shape_add_doc(b, DOC, sizeof DOC - 1, "doc1", err) < 0 ? -1 : 0;
    if (rc == 0)
        rc = pf_shape_add_doc(b, "{\"id\":7,\"status\":\"new\"}", 24, "doc2", err) < 0
                 ? -1 : 0;
    pf_buf out = PF_BUF_INIT;
    if (rc == 0)
        rc = pf_shape_builder_write(b, &out, err);
    if (rc == 0 && profile && !profile->len)
        pf_buf_add(profile, out.data, out.len);
    pf_buf_free(&out);
    pf_shape_builder_free(b);
    return rc;
}

static int run_shape_load(void *ctx, pf_err *err)
{
    const pf_buf *profile = ctx;
    pf_shape *s = NULL;
    int rc = pf_shape_parse(profile->data, profile->len, "p.json", &s, err);
    if (rc == 0 && !pf_shape_find(s, "$.email"))
        rc = pf_err_set(err, PF_E_INTERNAL, "loaded without $.email");
    pf_shape_free(s);
    return rc;
}

static void shape_build_and_load_fail_cleanly_at_every_allocation(void **st)
{
    (void)st;
    static pf_buf profile = PF_BUF_INIT; /* static: still reachable if a check fails */
    pf_err e = PF_ERR_INIT;
    pf_buf_reset(&profile);
    assert_int_equal(run_shape_build(&profile, &e), 0);
    assert_true(profile.len > 0);
    assert_true(pf_fault_each_allocation("shape build", run_shape_build, NULL) > 5);
    assert_true(pf_fault_each_allocation("shape load", run_shape_load, &profile) > 5);
    pf_buf_free(&profile);
}

/* ---- mutate ---- */

static int run_mutate(void *ctx, pf_err *err)
{
    (void)ctx;
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    pf_mutator *m = pf_mutator_new(&cfg, err);
    if (!m)
        return -1;
    int rc = 0;
    pf_buf out = PF_BUF_INIT;
    for (uint64_t seed = 1; seed <= 4 && rc == 0; seed++) {
        pf_mutator_seed(m, seed);
        rc = pf_mutate(m, DOC, sizeof DOC - 1, 4096, &out, err);
        if (rc == 0 && out.len == 0)
            rc = pf_err_set(err, PF_E_INTERNAL, "success with an empty mutant");
        if (rc == 0 && out.data[out.len] != '\0')
            rc = pf_err_set(err, PF_E_INTERNAL, "a mutant without its NUL");
    }
    for (int c = 0; c < PF_M_NCLASSES && rc == 0; c++)
        rc = pf_mutate_class(m, (pf_mclass)c, DOC, sizeof DOC - 1, 4096, &out, err) < 0
                 ? -1 : 0;
    pf_buf_free(&out);
    pf_mutator_free(m);
    return rc;
}

static void mutate_fails_cleanly_at_every_allocation(void **st)
{
    (void)st;
    assert_true(pf_fault_each_allocation("pf_mutate", run_mutate, NULL) > 3);
}

/* One class on a fresh mutator (same seed every time): 1, 0 or -1. */
static int one_class(pf_mclass c, unsigned long fail_at, int *fired, pf_err *err)
{
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    pf_mutator *m = pf_mutator_new(&cfg, err);
    if (!m)
        return -1;
    pf_mutator_seed(m, 7);
    pf_buf out = PF_BUF_INIT;
    pf_fault_arm(fail_at);
    int r = pf_mutate_class(m, c, DOC, sizeof DOC - 1, 1 << 20, &out, err);
    *fired = pf_fault_fired();
    pf_fault_disarm();
    pf_buf_free(&out);
    pf_mutator_free(m);
    return r;
}

/* A class that applies to DOC must, with an allocation failing, still
 * apply or say out of memory: never "does not apply" with an empty
 * output (what an out-of-memory class scratch buffer used to give). */
static void a_mutation_class_never_hides_out_of_memory(void **st)
{
    (void)st;
    for (int c = 0; c < PF_M_NCLASSES; c++) {
        pf_err e = PF_ERR_INIT;
        int fired = 0;
        int base = one_class((pf_mclass)c, 0, &fired, &e);
        assert_true(base >= 0);
        if (base != 1)
            continue;
        for (unsigned long n = 1; n < 10000; n++) {
            pf_err e2 = PF_ERR_INIT;
            int r = one_class((pf_mclass)c, n, &fired, &e2);
            if (!fired)
                break;
            if (r == 0)
                fail_msg("class %s: allocation %lu failed and it said 'does not apply'",
                         pf_mclass_name((pf_mclass)c), n);
            if (r < 0)
                assert_int_equal(e2.code, PF_E_NOMEM);
        }
    }
}

/* ---- JSONL read ---- */

static int run_jsonl(void *ctx, pf_err *err)
{
    const char *path = ctx;
    pf_jsonl r;
    if (pf_jsonl_open(&r, path, 0, err) < 0)
        return -1;
    const char *doc;
    size_t len;
    int rc, lines = 0;
    while ((rc = pf_jsonl_next(&r, &doc, &len, err)) > 0)
        lines++;
    pf_jsonl_close(&r);
    if (rc == 0 && lines != 3)
        return pf_err_set(err, PF_E_INTERNAL, "read %d lines of 3", lines);
    return rc < 0 ? -1 : 0;
}

static void jsonl_read_fails_cleanly_at_every_allocation(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char path[300];
    snprintf(path, sizeof path, "%s/in.jsonl", dir);
    static const char text[] = "{\"a\":1}\r\n\n{\"b\":[1,2]}\n\"x\"";
    pf_test_write(path, text, sizeof text - 1);
    assert_true(pf_fault_each_allocation("pf_jsonl", run_jsonl, path) >= 2);
    pf_test_rmtmp(dir);
}

/* ---- the findings database: load ---- */

static const char FINDINGS[] =
    "{\"format\":\"prodfuzz-findings\",\"version\":1,\"findings\":[{\"target\":\"t\","
    "\"signature\":\"sig\",\"kind\":\"heap-buffer-overflow\",\"title\":\"T\","
    "\"explanation\":[\"a\",\"b\"],\"top_line\":1e30,\"reproducer\":\"r\","
    "\"first_seen\":\"2026-11-01\",\"last_seen\":\"2026-11-02\",\"count\":3,"
    "\"status\":\"fixed\",\"environment\":{\"binary\":\"/b\",\"timeout_s\":1.5,"
    "\"env\":[\"A=B\"]}}],\"nights\":[{\"date\":\"2026-11-02\",\"new\":1,"
    "\"classes\":{\"null\":2,\"deep\":1}}]}";

static int run_ndb_load(void *ctx, pf_err *err)
{
    pf_ndb db;
    int rc = pf_ndb_load(ctx, &db, err);
    pf_fault_disarm();
    if (rc == 0) {
        /* loaded means loaded whole: no member lost to a failed copy */
        assert_int_equal(db.n, 1);
        const pf_nfinding *f = &db.f[0];
        assert_string_equal(f->kind, "heap-buffer-overflow");
        assert_string_equal(f->title, "T");
        assert_int_equal(f->nexplain, 2);
        assert_string_equal(f->explain[1], "b");
        assert_int_equal(f->top_line, 2147483647); /* clamped, not overflowed */
        assert_string_equal(f->binary, "/b");
        assert_int_equal(f->nenv, 1);
        assert_string_equal(f->env[0], "A=B");
        assert_int_equal(f->status, PF_NS_FIXED);
        assert_int_equal(db.nnights, 1);
        assert_int_equal(db.nights[0].nclasses, 2);
        assert_string_equal(db.nights[0].classes[1], "deep");
        pf_ndb_free(&db);
    }
    return rc;
}

static void findings_database_load_fails_cleanly_at_every_allocation(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char path[300];
    snprintf(path, sizeof path, "%s/findings.json", dir);
    pf_test_write(path, FINDINGS, sizeof FINDINGS - 1);
    assert_true(pf_fault_each_allocation("pf_ndb_load", run_ndb_load, path) > 10);
    pf_test_rmtmp(dir);
}

/* ---- the report set ---- */

static int run_reports(void *ctx, pf_err *err)
{
    const char *dir = ctx;
    pf_report r;
    pf_report_init(&r, "nightly", "run-1");
    pf_finding f;
    memset(&f, 0, sizeof f);
    f.target = "fuzz_orders";
    f.outcome = PF_OUT_CRASH;
    f.signature = "heap-buffer-overflow parse_order";
    f.kind = "heap-buffer-overflow";
    f.title = "Heap buffer overflow in parse_order";
    f.mclass = "oversize";
    f.path = "$.customer.name";
    char *ex[] = {"oversize: $.customer.name is 4097 bytes", "\xff invalid"};
    f.explain = ex;
    f.nexplain = 2;
    f.top_file = "/src/orders.c";
    f.top_line = 42;
    int rc = pf_report_add_target(&r, "fuzz_orders", "libfuzzer", err) &&
                     pf_report_add_failure(&r, &f, err) &&
                     pf_report_add_night(&r, "2026-12-01", err)
                 ? pf_report_write_all(&r, dir, err)
                 : -1;
    pf_report_free(&r);
    return rc;
}

static void reports_fail_cleanly_at_every_allocation(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    assert_true(pf_fault_each_allocation("pf_report_write_all", run_reports, dir) > 10);
    /* the last, complete run wrote every report */
    static const char *const names[] = {"report.json", "report.md", "report.sarif",
                                        "junit.xml", "report.html"};
    for (size_t i = 0; i < 5; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        size_t n = 0;
        char *got = pf_test_read(p, &n);
        assert_non_null(got);
        assert_true(n > 0);
        free(got);
    }
    pf_test_rmtmp(dir);
}

/* ---- corpus write ---- */

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static int run_corpus(void *ctx, pf_err *err)
{
    const char *dir = ctx;
    char out[300];
    snprintf(out, sizeof out, "%s/corpus", dir);
    pf_corpus c;
    if (pf_corpus_open(&c, out, 0, err) < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++)
        rc = pf_corpus_add(&c, DOC, sizeof DOC - 1 - (size_t)i, NULL, err) < 0 ? -1 : 0;
    if (rc < 0) {
        pf_corpus_abort(&c);
        return -1;
    }
    pf_manifest m;
    pf_manifest_init(&m, "test");
    pf_buf_adds(&m.body, "\"rows\":3");
    pf_manifest_set_anon(&m, "0123456789abcdef", "00", 3, 0, 1);
    rc = pf_corpus_commit_manifest(&c, &m, err);
    pf_manifest_free(&m);
    return rc;
}

static void corpus_write_fails_cleanly_and_leaves_nothing_half_written(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char out[300];
    snprintf(out, sizeof out, "%s/corpus", dir);
    for (unsigned long n = 1; n < 10000; n++) {
        pf_err e = PF_ERR_INIT;
        pf_fault_arm(n);
        int rc = run_corpus(dir, &e);
        int fired = pf_fault_fired();
        pf_fault_disarm();
        if (rc < 0) {
            if (e.code != PF_E_NOMEM)
                fail_msg("corpus: allocation %lu: code %d: %s", n, e.code, e.msg);
            /* nothing visible: no corpus, no staging folder left */
            assert_int_equal(count_entries(dir), 0);
        }
        if (!fired) {
            assert_int_equal(rc, 0);
            break;
        }
        pf_fs_remove_tree(out, NULL);
    }
    assert_int_equal(count_entries(out), 4); /* three files and .prodfuzz */
    pf_manifest m;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_manifest_read(out, &m, &e), 1);
    assert_string_equal(m.key_fingerprint, "0123456789abcdef");
    pf_manifest_free(&m);
    pf_test_rmtmp(dir);
}

/* ---- replacing a corpus: the manifest listing ---- */

/* A per-table output whose orders corpus holds a file its manifest does
 * not list (a fuzzer's input): the check must refuse it, or fail with
 * "out of memory", never take it for something else. */
static void corpus_listing_fails_cleanly_at_every_allocation(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char out[300], p[400];
    snprintf(out, sizeof out, "%s/shop", dir);
    pf_corpus top, t1;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_corpus_open(&top, out, 0, &e), 0);
    snprintf(p, sizeof p, "%s/orders", top.stage);
    assert_int_equal(pf_corpus_open(&t1, p, 0, &e), 0);
    assert_int_equal(pf_corpus_add(&t1, DOC, sizeof DOC - 1, NULL, &e), 1);
    pf_manifest m;
    pf_manifest_init(&m, "sample");
    assert_int_equal(pf_corpus_commit_manifest(&t1, &m, &e), 0);
    pf_manifest_add_corpus(&m, "orders", "orders", 0, 1, NULL);
    assert_int_equal(pf_corpus_commit_manifest(&top, &m, &e), 0);
    pf_manifest_free(&m);
    snprintf(p, sizeof p, "%s/orders/crash-1", out);
    pf_test_write(p, "x", 1);
    for (unsigned long n = 1; n < 10000; n++) {
        pf_err fe = PF_ERR_INIT;
        pf_fault_arm(n);
        int rc = pf_corpus_check_target(out, 0, &fe);
        int fired = pf_fault_fired();
        pf_fault_disarm();
        assert_int_equal(rc, -1);
        if (fired && fe.code != PF_E_NOMEM)
            fail_msg("listing: allocation %lu: code %d: %s", n, fe.code, fe.msg);
        if (!fired) {
            assert_int_equal(fe.code, PF_E_INPUT);
            assert_non_null(strstr(fe.msg, "holds 1 file its manifest does not list"));
            break;
        }
    }
    pf_test_rmtmp(dir);
}

/* ---- seed-tests fixtures ---- */

static int run_seed(void *ctx, pf_err *err)
{
    const char *dir = ctx;
    char out[300];
    snprintf(out, sizeof out, "%s/seed", dir);
    pf_seed s;
    pf_seed_init(&s);
    pf_result r;
    pf_result_init(&r);
    r.outcome = PF_OUT_OK;
    pf_buf_adds(&r.out, "{\"ok\":1}");
    int rc = pf_buf_ok(&r.out, err);
    static const char *in[] = {"{\"a\":1,\"b\":[1,2]}", "{\"a\":2,\"b\":[3]}",
                               "{\"a\":null}", "not json"};
    for (int i = 0; i < 4 && rc == 0; i++)
        rc = pf_seed_offer(&s, in[i], strlen(in[i]), "d.jsonl:1", i == 2 ? "$.a" : NULL,
                           i == 2 ? "null" : "production", i == 3, &r, 1, err) < 0 ? -1 : 0;
    pf_seed_meta m = {.engine = "cmd", .target = "cat @@", .timeout_s = 2,
                      .mem_model = "rlimit", .mem_bytes = 1 << 20, .outputs = 1,
                      .created = "now", .prodfuzz = "/bin/false"};
    if (rc == 0 && (pf_seed_name(&s, err) < 0 || pf_seed_write(&s, &m, out, 0, err) < 0))
        rc = -1;
    if (rc == 0 && s.n != 3)
        rc = pf_err_set(err, PF_E_INTERNAL, "%zu fixtures, wanted 3", s.n);
    pf_result_free(&r);
    pf_seed_free(&s);
    return rc;
}

static void seed_write_fails_cleanly_and_leaves_nothing_half_written(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char out[300];
    snprintf(out, sizeof out, "%s/seed", dir);
    for (unsigned long n = 1; n < 10000; n++) {
        pf_err e = PF_ERR_INIT;
        pf_fault_arm(n);
        int rc = run_seed(dir, &e);
        int fired = pf_fault_fired();
        pf_fault_disarm();
        if (rc < 0) {
            if (e.code != PF_E_NOMEM)
                fail_msg("seed: allocation %lu: code %d: %s", n, e.code, e.msg);
            /* nothing visible: no folder, no temporary one left */
            assert_int_equal(count_entries(dir), 0);
        }
        if (!fired) {
            assert_int_equal(rc, 0);
            break;
        }
        pf_fs_remove_tree(out, NULL);
    }
    assert_int_equal(count_entries(out), 3); /* fixtures/, fixtures.json, run_tests.sh */
    pf_test_rmtmp(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allow_parse_fails_cleanly_at_every_allocation),
        cmocka_unit_test(diff_results_fail_cleanly_at_every_allocation),
        cmocka_unit_test(policy_parse_fails_cleanly_at_every_allocation),
        cmocka_unit_test(policy_default_fails_cleanly_at_every_allocation),
        cmocka_unit_test(anonymize_fails_cleanly_at_every_allocation),
        cmocka_unit_test(shape_build_and_load_fail_cleanly_at_every_allocation),
        cmocka_unit_test(mutate_fails_cleanly_at_every_allocation),
        cmocka_unit_test(a_mutation_class_never_hides_out_of_memory),
        cmocka_unit_test(jsonl_read_fails_cleanly_at_every_allocation),
        cmocka_unit_test(corpus_write_fails_cleanly_and_leaves_nothing_half_written),
        cmocka_unit_test(findings_database_load_fails_cleanly_at_every_allocation),
        cmocka_unit_test(reports_fail_cleanly_at_every_allocation),
        cmocka_unit_test(corpus_listing_fails_cleanly_at_every_allocation),
        cmocka_unit_test(seed_write_fails_cleanly_and_leaves_nothing_half_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
