/*
 * test_nightly: the parts of `prodfuzz nightly` that need no engine: the
 * memory model's flags, the config file's validation, the findings
 * database and suppressions, the state lock, the corpus swap with its cap
 * and the mutator check on a binary's symbols.
 */
#include <sys/file.h>
#include <fcntl.h>

#include "pf_test.h"
#include "pf_json.h"
#include "pf_nightly.h"
#include "pf_report_int.h"

static void limits_model_asan_shadow_and_quarantine(void **state)
{
    (void)state;
    pf_nlimits l;
    pf_nlimits_default(&l);
    assert_int_equal(pf_nlimits_heap_mb(&l), 512);
    /* 512 heap + 64 shadow + 16 quarantine + 96 baseline */
    assert_int_equal(pf_nlimits_rss_mb(&l), 512 + 64 + PF_NIGHTLY_QUARANTINE_MB +
                                                PF_NIGHTLY_BASELINE_MB);
    char **argv = NULL;
    size_t n = 0;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_nlimits_libfuzzer_flags(&l, &argv, &n, &err), 0);
    assert_int_equal(n, 4);
    assert_string_equal(argv[0], "-max_len=1048576");
    assert_string_equal(argv[1], "-timeout=2");
    assert_string_equal(argv[2], "-malloc_limit_mb=512");
    assert_string_equal(argv[3], "-rss_limit_mb=688");
    assert_null(argv[4]);
    pf_argv_free(argv);
    pf_buf b = PF_BUF_INIT;
    pf_nlimits_asan_options(&l, &b);
    assert_non_null(strstr(b.data, "max_allocation_size_mb=512"));
    assert_non_null(strstr(b.data, "quarantine_size_mb=16"));
    pf_buf_free(&b);
}

static void sizes_and_durations_parse_as_documented(void **state)
{
    (void)state;
    uint64_t u;
    double d;
    assert_int_equal(pf_nparse_size("512M", &u), 0);
    assert_int_equal(u, 512ull << 20);
    assert_int_equal(pf_nparse_size("1MiB", &u), 0);
    assert_int_equal(u, 1ull << 20);
    assert_int_equal(pf_nparse_size("4096", &u), 0);
    assert_int_equal(u, 4096);
    assert_int_equal(pf_nparse_size("-1M", &u), -1);
    assert_int_equal(pf_nparse_size("12X", &u), -1);
    assert_int_equal(pf_nparse_duration("500ms", &d), 0);
    assert_true(d > 0.49 && d < 0.51);
    assert_int_equal(pf_nparse_duration("10m", &d), 0);
    assert_true(d == 600);
    assert_int_equal(pf_nparse_duration("8h", &d), 0);
    assert_true(d == 8 * 3600);
    assert_int_equal(pf_nparse_duration("0s", &d), -1);
    assert_int_equal(pf_nparse_duration("soon", &d), -1);
}

static void config_errors_point_at_the_entry(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/nightly.json", dir);
    static const struct { const char *text, *want; } cases[] = {
        {"{\"targets\":[{\"binary\":\"a\"},{\"binary\":\"b\",\"share\":-1}]}",
         "targets[1].share"},
        {"{\"targets\":[{\"corpus\":\"c\"}]}", "targets[0].binary"},
        {"{\"targets\":[{\"binary\":\"a\",\"timeout\":\"soon\"}]}", "targets[0].timeout"},
        {"{\"targets\":[{\"binary\":\"a\",\"colour\":1}]}", "unknown key 'colour'"},
        {"{\"targets\":[{\"binary\":\"a\",\"env\":{\"X\":1}}]}", "targets[0].env.X"},
        {"{\"targets\":[{\"binary\":\"a\",\"args\":[\"x\"]}]}", "targets[0].args[0]"},
        {"{\"targets\":[{\"binary\":\"x/a\"},{\"binary\":\"y/a\"}]}", "targets[1].name"},
        {"{\"budget\":\"forever\",\"targets\":[{\"binary\":\"a\"}]}", "budget"},
        {"{\"targets\":[]}", "targets"},
        {"{\"targets\":[{\"binary\":\"a\",}]}", "line 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pf_test_write(path, cases[i].text, strlen(cases[i].text));
        pf_nconfig c;
        pf_nconfig_init(&c);
        pf_err err = PF_ERR_INIT;
        assert_int_equal(pf_nconfig_load(path, &c, &err), -1);
        assert_int_equal(err.code, PF_E_INPUT);
        if (!strstr(err.msg, cases[i].want))
            fail_msg("case %zu: '%s' does not name '%s'", i, err.msg, cases[i].want);
        pf_nconfig_free(&c);
    }
    pf_test_rmtmp(dir);
}

static void config_reads_targets_relative_to_its_folder(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/nightly.json", dir);
    const char *text =
        "{\"budget\":\"1h\",\"jobs\":2,\"engine\":\"both\",\"targets\":["
        "{\"name\":\"orders\",\"binary\":\"bin/svc\",\"corpus\":\"/abs/seeds\","
        "\"share\":3,\"timeout\":\"500ms\",\"rss_limit\":\"256M\","
        "\"env\":{\"PF_BUG\":\"null\"},\"args\":[\"-use_value_profile=1\"]},"
        "{\"binary\":\"bin/other\"}]}";
    pf_test_write(path, text, strlen(text));
    pf_nconfig c;
    pf_nconfig_init(&c);
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_nconfig_load(path, &c, &err), 0);
    assert_int_equal(c.n, 2);
    assert_true(c.budget_s == 3600);
    assert_int_equal(c.jobs, 2);
    assert_string_equal(c.engine, "both");
    char want[600];
    snprintf(want, sizeof want, "%s/bin/svc", dir);
    assert_string_equal(c.t[0].binary, want);
    assert_string_equal(c.t[0].name, "orders");
    assert_string_equal(c.t[0].corpus, "/abs/seeds");
    assert_true(c.t[0].share == 3);
    assert_true(c.t[0].lim.timeout_s > 0.49 && c.t[0].lim.timeout_s < 0.51);
    assert_int_equal(c.t[0].lim.heap_bytes, 256ull << 20);
    assert_string_equal(c.t[0].env[0], "PF_BUG=null");
    assert_string_equal(c.t[0].args[0], "-use_value_profile=1");
    assert_string_equal(c.t[1].name, "other");
    assert_true(c.t[1].share == 1);
    pf_nconfig_free(&c);
    pf_test_rmtmp(dir);
}

static void findings_database_round_trips(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/findings.json", dir);
    pf_ndb db;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_ndb_load(path, &db, &err), 0); /* absent: empty */
    assert_int_equal(db.n, 0);
    int created = 0;
    pf_nfinding *f = pf_ndb_get(&db, "svc", "SEGV|f a.c:1|g a.c:2|h a.c:3",
                                &created, &err);
    assert_non_null(f);
    assert_true(created);
    assert_int_equal(strlen(f->id), 12);
    f->first_seen = strdup("2026-12-01T00:00:00Z");
    f->last_seen = strdup("2026-12-01T00:00:00Z");
    f->reproducer = strdup("findings/x/reproducer");
    f->count = 7;
    f->env = calloc(2, sizeof *f->env);
    f->env[0] = strdup("PF_BUG=null");
    f->nenv = 1;
    f->lim.timeout_s = 0.5;
    /* an explain line quoting a reproducer's invalid UTF-8 byte */
    f->explain = calloc(2, sizeof *f->explain);
    f->explain[0] = strdup("unicode: $.name holds \"ab\x94\"");
    f->nexplain = 1;
    f->title = strdup("SEGV in parse \xc3");
    pf_nfinding *again = pf_ndb_get(&db, "svc", "SEGV|f a.c:1|g a.c:2|h a.c:3",
                                    &created, &err);
    assert_ptr_equal(again, f);
    assert_false(created);
    pf_nfinding *other = pf_ndb_get(&db, "svc", "SEGV|f a.c:1|g a.c:2|h a.c:4",
                                    &created, &err);
    assert_true(created);
    assert_string_not_equal(other->id, db.f[0].id);
    assert_int_equal(pf_ndb_save(&db, path, &err), 0);
    char id[13];
    memcpy(id, db.f[0].id, 13);
    pf_ndb_free(&db);
    assert_int_equal(pf_ndb_load(path, &db, &err), 0);
    assert_int_equal(db.n, 2);
    f = pf_ndb_find(&db, id);
    assert_non_null(f);
    assert_int_equal(f->count, 7);
    assert_string_equal(f->env[0], "PF_BUG=null");
    assert_true(f->lim.timeout_s == 0.5);
    assert_int_equal(f->status, PF_NS_NEW);
    /* findings.json stays valid UTF-8: invalid bytes become U+FFFD */
    assert_string_equal(f->explain[0], "unicode: $.name holds \"ab\xef\xbf\xbd\"");
    assert_string_equal(f->title, "SEGV in parse \xef\xbf\xbd");
    {
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        char text[65536];
        size_t nr = fread(text, 1, sizeof text - 1, fp);
        fclose(fp);
        text[nr] = '\0';
        assert_true(pf_utf8_valid(text, nr));
    }
    pf_ndb_free(&db);
    pf_test_write(path, "{\"format\":\"other\"}", 18);
    assert_int_equal(pf_ndb_load(path, &db, &err), -1);
    assert_int_equal(err.code, PF_E_INPUT);
    pf_test_rmtmp(dir);
}

static void suppression_holds_until_its_date_then_expires(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/supp.json", dir);
    pf_ndb db;
    pf_ndb_init(&db);
    pf_err err = PF_ERR_INIT;
    int created;
    pf_nfinding *f = pf_ndb_get(&db, "svc", "oom|a|b|c", &created, &err);
    assert_non_null(f);
    char text[256];
    snprintf(text, sizeof text, "{\"suppressions\":[{\"id\":\"%s\",\"reason\":"
             "\"accepted\",\"until\":\"2026-12-31\"}]}", f->id);
    pf_test_write(path, text, strlen(text));
    pf_nsupps s;
    assert_int_equal(pf_nsupps_load(path, &s, 1, &err), 0);
    assert_int_equal(s.n, 1);
    pf_nsupps_apply(&s, &db, "2026-12-31"); /* through that day */
    assert_int_equal(db.f[0].status, PF_NS_SUPPRESSED);
    assert_false(db.f[0].suppress_expired);
    db.f[0].status = PF_NS_OPEN;
    pf_nsupps_apply(&s, &db, "2027-01-01");
    assert_int_equal(db.f[0].status, PF_NS_OPEN);
    assert_true(db.f[0].suppress_expired);
    pf_nsupps_free(&s);
    const char *bad = "{\"suppressions\":[{\"id\":\"0123456789ab\",\"reason\":\"x\","
                      "\"until\":\"31/12/2026\"}]}";
    pf_test_write(path, bad, strlen(bad));
    assert_int_equal(pf_nsupps_load(path, &s, 1, &err), -1);
    assert_non_null(strstr(err.msg, "suppressions[0].until"));
    pf_ndb_free(&db);
    pf_test_rmtmp(dir);
}

static void state_lock_refuses_a_second_run(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    pf_nstate a, b;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_nstate_open(dir, &a, &err), 0);
    assert_int_equal(pf_nstate_open(dir, &b, &err), -1);
    assert_int_equal(err.code, PF_E_ENV);
    assert_non_null(strstr(err.msg, "in use by another nightly run"));
    pf_nstate_close(&a);
    pf_err_clear(&err);
    assert_int_equal(pf_nstate_open(dir, &b, &err), 0);
    pf_nstate_close(&b);
    pf_test_rmtmp(dir);
}

static void state_open_removes_a_killed_runs_leftovers(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char p[512];
    snprintf(p, sizeof p, "%s/run-deadbeef", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/svc", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/svc/corpus.prodfuzz-tmp-123", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    pf_nstate st;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_nstate_open(dir, &st, &err), 0);
    snprintf(p, sizeof p, "%s/run-deadbeef", dir);
    assert_int_equal(access(p, F_OK), -1);
    snprintf(p, sizeof p, "%s/svc/corpus.prodfuzz-tmp-123", dir);
    assert_int_equal(access(p, F_OK), -1);
    pf_nstate_close(&st);
    pf_test_rmtmp(dir);
}

static void corpus_replace_keeps_the_smallest_within_the_cap(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char a[512], b[512], dst[512], p[600];
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    snprintf(dst, sizeof dst, "%s/corpus", dir);
    assert_int_equal(mkdir(a, 0755), 0);
    assert_int_equal(mkdir(b, 0755), 0);
    const char *docs[] = {"{}", "{\"a\":1}", "{\"a\":12}", "{\"a\":123}"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%d", i < 2 ? a : b, i);
        pf_test_write(p, docs[i], strlen(docs[i]));
    }
    snprintf(p, sizeof p, "%s/dup", b); /* the same bytes twice: one file */
    pf_test_write(p, "{}", 2);
    const char *srcs[] = {a, b};
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_corpus_replace(dst, srcs, 2, 0, 0, "{}", &err), 4);
    assert_int_equal(pf_corpus_replace(dst, srcs, 2, 2, 0, "{}", &err), 2);
    char **names = NULL;
    size_t n = 0;
    assert_int_equal(pf_dir_files(dst, &names, &n, &err), 0);
    assert_int_equal(n, 2);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/%s", dst, names[i]);
        size_t len;
        free(pf_test_read(p, &len));
        total += len;
    }
    assert_int_equal(total, 2 + 7); /* "{}" and {"a":1} */
    pf_dir_files_free(names, n);
    pf_test_rmtmp(dir);
}

static void mutator_check_reads_the_symbol_table(void **state)
{
    (void)state;
    pf_err err = PF_ERR_INIT;
    /* this test binary defines main and no custom mutator */
    assert_int_equal(pf_binary_has_symbol("/proc/self/exe", "main", &err), 1);
    assert_int_equal(pf_binary_has_symbol("/proc/self/exe",
                                          "LLVMFuzzerCustomMutator", &err), 0);
    char *dir = pf_test_tmpdir();
    char p[512];
    snprintf(p, sizeof p, "%s/script", dir);
    pf_test_write(p, "#!/bin/sh\nexit 0\n", 17);
    assert_int_equal(pf_binary_has_symbol(p, "main", &err), -1);
    assert_int_equal(err.code, PF_E_INPUT);
    pf_test_rmtmp(dir);
}

/* the "target" fails when the document still has "bug":true and a long
 * enough name */
static int has_bug(void *ctx, const char *d, size_t n)
{
    int *calls = ctx;
    ++*calls;
    pf_json j = PF_JSON_INIT;
    pf_err e = PF_ERR_INIT;
    int valid = pf_json_parse(&j, d, n, &e) == 0;
    pf_json_free(&j);
    if (!valid)
        fail_msg("the minimizer tried invalid JSON: %.*s", (int)n, d);
    const char *name = memmem(d, n, "\"name\":\"", 8);
    size_t len = 0;
    if (name)
        for (const char *p = name + 8; p < d + n && *p != '"'; p++)
            len++;
    return memmem(d, n, "\"bug\":true", 10) != NULL && len >= 20;
}

static void json_minimize_keeps_the_failure_and_valid_json(void **state)
{
    (void)state;
    const char *doc = "{\"id\":\"o-1\",\"items\":[{\"qty\":1},{\"qty\":2},"
                      "{\"qty\":3}],\"customer\":{\"name\":\"AAAAAAAAAAAAAAAAAAAAAAAA"
                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
                      "\"email\":null},\"meta\":{\"bug\":true,\"x\":[1,2,3]}}";
    pf_buf out = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    int calls = 0;
    assert_int_equal(pf_json_minimize(doc, strlen(doc), has_bug, &calls, 10,
                                      &out, &err), 0);
    assert_true(calls > 0);
    assert_true(has_bug(&calls, out.data, out.len));
    assert_true(out.len < 80);
    assert_null(strstr(out.data, "items"));
    assert_null(strstr(out.data, "email"));
    pf_buf_free(&out);
    /* not JSON: returned as it was */
    calls = 0;
    assert_int_equal(pf_json_minimize("{\"bug\":true", 11, has_bug, &calls, 10,
                                      &out, &err), 0);
    assert_int_equal(out.len, 11);
    assert_int_equal(calls, 0);
    pf_buf_free(&out);
}

static int email_null(void *ctx, const char *d, size_t n)
{
    (void)ctx;
    return memmem(d, n, "\"email\":null", 12) != NULL;
}

static void json_toward_sets_back_what_the_failure_does_not_need(void **state)
{
    (void)state;
    const char *mutant = "{\"id\":\"o-\u00ff\",\"email\":null,\"qty\":99999,\"x\":[1]}";
    const char *prod = "{\"id\":\"o-1\",\"email\":\"a@b.c\",\"qty\":2}";
    pf_buf out = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_json_toward(mutant, strlen(mutant), prod, strlen(prod),
                                    email_null, NULL, 10, &out, &err), 0);
    /* id and qty are production's again; the null stays; x has no
     * counterpart and is left alone */
    assert_string_equal(out.data, "{\"id\":\"o-1\",\"email\":null,\"qty\":2,\"x\":[1]}");
    pf_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(limits_model_asan_shadow_and_quarantine),
        cmocka_unit_test(sizes_and_durations_parse_as_documented),
        cmocka_unit_test(config_errors_point_at_the_entry),
        cmocka_unit_test(config_reads_targets_relative_to_its_folder),
        cmocka_unit_test(findings_database_round_trips),
        cmocka_unit_test(suppression_holds_until_its_date_then_expires),
        cmocka_unit_test(state_lock_refuses_a_second_run),
        cmocka_unit_test(state_open_removes_a_killed_runs_leftovers),
        cmocka_unit_test(corpus_replace_keeps_the_smallest_within_the_cap),
        cmocka_unit_test(mutator_check_reads_the_symbol_table),
        cmocka_unit_test(json_minimize_keeps_the_failure_and_valid_json),
        cmocka_unit_test(json_toward_sets_back_what_the_failure_does_not_need),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
