/*
 * Unit tests of pf_anon_pool (anonymization on several threads, output in
 * input order) and of what makes it exact: the same output bytes, errors
 * and leak results for every thread count as a plain engine gives, and a
 * value cache that changes nothing but speed.
 */
#include "pf_test.h"

#include <dirent.h>
#include <signal.h>

#include "pf_anon.h"
#include "pf_anon_int.h"

static void key_of(pf_key *k, const char *secret)
{
    memset(k, 0, sizeof *k);
    k->len = strlen(secret);
    memcpy(k->bytes, secret, k->len);
}

/* A mixed workload: e-mails, names in several scripts, phones, IPs,
 * timestamps, numbers, nested objects, maps keyed by data, repeated
 * values (statuses, SKUs), now and then a line that is not JSON, and bare
 * text values. Item i: *text says whether it is a bare text value. */
static void make_doc(int i, pf_buf *b, int *text)
{
    static const char *names[] = {"Amélie Durand", "Иван Петров", "Νίκος Παπαδόπουλος",
                                  "王小明", "فاطمة الزهراء", "John Smith"};
    static const char *status[] = {"active", "suspended", "closed"};
    pf_buf_reset(b);
    *text = i % 97 == 5;
    if (*text) {
        pf_buf_addf(b, "free text note %d for customer %s", i, names[i % 6]);
        return;
    }
    if (i % 211 == 7) {
        pf_buf_addf(b, "{\"broken\": %d", i); /* not JSON */
        return;
    }
    pf_buf_addf(b,
                "{\"id\":%d,\"email\":\"user%d.%x@mail%d.example.com\",\"name\":\"%s %d\","
                "\"phone\":\"+1 555 %07d\",\"ip\":\"10.%d.%d.%d\",\"status\":\"%s\","
                "\"amount\":%d.%02d,\"at\":\"2022-01-%02dT%02d:%02d:%02d+00:00\","
                "\"payload\":{\"items\":[{\"sku\":\"SKU-%d\",\"qty\":%d}],"
                "\"by_mail\":{\"c%d@example.org\":{\"n\":%d}}}}",
                i, i, i * 2654435761u, i % 13, names[i % 6], i, i * 7919 % 10000000, i % 256,
                i / 256 % 256, i % 200 + 1, status[i % 3], i * 13 % 100000, i % 100,
                i % 28 + 1, i % 24, i % 60, i * 7 % 60, i % 97, i % 5, i % 50, i);
}

typedef struct sinkbuf {
    pf_buf all; /* every result: rc, code, row, output */
    int stop_at, seen;
} sinkbuf;

static int collect(void *ctx, const pf_anon_result *r, pf_err *err)
{
    sinkbuf *s = ctx;
    if (s->stop_at && ++s->seen == s->stop_at)
        return pf_err_set(err, PF_E_IO, "stop requested by the test");
    pf_buf_addf(&s->all, "%d %d %s %llu|", r->rc, (int)r->err->code, r->row,
                (unsigned long long)r->tag);
    pf_buf_add(&s->all, r->out, r->out_len);
    pf_buf_addc(&s->all, '\n');
    return 0;
}

typedef struct runres {
    char *out;
    uint64_t leaks, docs, strings;
    char *report;
} runres;

static void runres_free(runres *r)
{
    free(r->out);
    free(r->report);
}

/* ndocs documents through a pool of jobs threads (0: a plain engine, one
 * pf_anon_doc / pf_anon_text call each, for reference; -1: the same with
 * the value cache off). */
static runres run(int jobs, const char *policy_text, int verify, int ndocs,
                  void (*gen)(int, pf_buf *, int *))
{
    pf_key k;
    key_of(&k, "pool test key 0123456789");
    pf_policy *pol = NULL;
    pf_err e = PF_ERR_INIT;
    if (policy_text)
        assert_int_equal(pf_policy_parse(policy_text, strlen(policy_text), "t", &pol, &e), 0);
    sinkbuf s;
    memset(&s, 0, sizeof s);
    pf_buf_init(&s.all);
    pf_buf doc = PF_BUF_INIT;
    runres rr;
    memset(&rr, 0, sizeof rr);
    pf_anon *a = NULL;
    pf_anon_pool *p = NULL;
    if (jobs <= 0) {
        assert_int_equal(pf_anon_new(&a, &k, pol, verify, &e), 0);
        pf_anon_set_cache(a, jobs == 0); /* -1: a plain engine, cache off */
    }
    else
        assert_int_equal(pf_anon_pool_new(&p, &k, pol, verify, jobs, collect, &s, &e), 0);
    pf_buf o = PF_BUF_INIT;
    for (int i = 0; i < ndocs; i++) {
        int text;
        gen(i, &doc, &text);
        char row[32];
        snprintf(row, sizeof row, "in:%d", i + 1);
        if (jobs <= 0) {
            pf_err de = PF_ERR_INIT;
            pf_buf_reset(&o);
            pf_anon_result r = {NULL, row, doc.data, NULL, doc.len, 0, text, (uintptr_t)i, 0, &de};
            r.rc = text ? pf_anon_text(a, NULL, row, doc.data, doc.len, &o, &de)
                        : pf_anon_doc(a, NULL, row, doc.data, doc.len, &o, &de);
            r.out = o.data;
            r.out_len = o.len;
            assert_int_equal(collect(&s, &r, &e), 0);
        } else {
            assert_int_equal(pf_anon_pool_put(p, text, NULL, row, doc.data, doc.len,
                                              (uintptr_t)i, &e), 0);
        }
    }
    if (p) {
        assert_int_equal(pf_anon_pool_flush(p, &e), 0);
        a = pf_anon_pool_engine(p);
    }
    pf_anon_stats st;
    pf_anon_get_stats(a, &st);
    rr.leaks = pf_anon_leaks(a);
    rr.docs = st.docs;
    rr.strings = st.strings;
    rr.report = strdup(pf_anon_leak_report(a));
    rr.out = pf_buf_detach(&s.all, NULL);
    if (p)
        pf_anon_pool_free(p);
    else
        pf_anon_free(a);
    pf_buf_free(&o);
    pf_buf_free(&doc);
    pf_policy_free(pol);
    return rr;
}

static void pool_output_is_byte_identical_for_any_thread_count(void **st)
{
    (void)st;
    runres ref = run(0, NULL, 1, 3000, make_doc);
    assert_true(strlen(ref.out) > 3000 * 100);
    assert_non_null(strstr(ref.out, "-1 3 in:8 7|")); /* the broken line, as an input error */
    assert_null(strstr(ref.out, "Amélie"));          /* and really anonymized */
    for (int jobs = 1; jobs <= 4; jobs++) {
        runres r = run(jobs, NULL, 1, 3000, make_doc);
        assert_string_equal(r.out, ref.out);
        assert_int_equal(r.leaks, 0);
        assert_int_equal(r.docs, ref.docs);
        assert_int_equal(r.strings, ref.strings);
        runres_free(&r);
    }
    runres_free(&ref);
}

/* Original values that come back later as map keys under a keys-keep
 * policy: leaks found across documents and batches, counted and reported
 * (rows, paths, the 100-line cap) exactly as a plain engine does. */
static void leaky_doc(int i, pf_buf *b, int *text)
{
    *text = 0;
    pf_buf_reset(b);
    if (i % 3 == 0)
        pf_buf_addf(b, "{\"user\":{\"login\":\"margarethamilton%06d\"},\"n\":%d}", i, i);
    else if (i % 3 == 1)
        pf_buf_addf(b, "{\"sessions\":{\"margarethamilton%06d\":{\"n\":%d}}}", i - 1, i);
    else
        pf_buf_addf(b, "{\"contacts\":{\"person%d@example.com\":{\"seen\":true}}}", i);
}

/* Values that repeat (so that the cache serves them and replays their
 * leak-check operations) and leaks of every kind: a redaction text that
 * is some login (an output token among the originals: every later
 * occurrence of that login is a leak again, found only by replaying its
 * operations), a memo equal to its redaction text (comes through in
 * place; its words are too short to be compared across the run, so only
 * the in-place check finds it), logins reused as kept map keys. */
static void repeating_leaky_doc(int i, pf_buf *b, int *text)
{
    *text = 0;
    pf_buf_reset(b);
    int v = i % 40;
    if (i % 3 == 0)
        pf_buf_addf(b, "{\"login\":\"margarethamilton%04d\",\"s\":\"active\"}", v);
    else if (i % 6 == 1)
        pf_buf_addf(b, "{\"note\":\"call after %d pm\"}", v % 5);
    else if (i % 6 == 4)
        pf_buf_addf(b, "{\"memo\":\"prefers morning deliveries\"}");
    else
        pf_buf_addf(b, "{\"by\":{\"margarethamilton%04d\":1}}", v);
}

static void leak_results_do_not_depend_on_the_cache_or_threads(void **st)
{
    (void)st;
    const char *pol = "{\"format\":\"prodfuzz-policy\",\"version\":1,\"keys\":\"keep\","
                      "\"rules\":[{\"path\":\"$.note\",\"action\":\"redact\","
                      "\"text\":\"margarethamilton0007 x\"},{\"path\":\"$.memo\","
                      "\"action\":\"redact\",\"text\":\"prefers morning deliveries\"}]}";
    runres off = run(-1, pol, 1, 6000, repeating_leaky_doc);
    runres on = run(0, pol, 1, 6000, repeating_leaky_doc);
    /* kept keys (2000, but for the first of each login), memos in place
     * (1000), the redacted notes once login 0007 was seen (985), and the
     * logins 0007 after that (49); exactly, as computed without cache */
    assert_int_equal(off.leaks, 4009);
    assert_int_equal(on.leaks, off.leaks);
    assert_string_equal(on.report, off.report);
    assert_string_equal(on.out, off.out);
    runres th = run(3, pol, 1, 6000, repeating_leaky_doc);
    assert_int_equal(th.leaks, off.leaks);
    assert_string_equal(th.report, off.report);
    runres_free(&off);
    runres_free(&on);
    runres_free(&th);
}

static void pool_leak_results_match_a_plain_engine(void **st)
{
    (void)st;
    const char *keys_keep = "{\"format\":\"prodfuzz-policy\",\"version\":1,\"keys\":\"keep\"}";
    runres ref = run(0, keys_keep, 1, 1500, leaky_doc);
    assert_int_equal(ref.leaks, 1000); /* 500 reused logins, 500 kept e-mail keys */
    /* the cache replays a value's leak-check operations on a hit: the
     * same findings as computing them every time */
    runres nc = run(-1, keys_keep, 1, 1500, leaky_doc);
    assert_int_equal(nc.leaks, ref.leaks);
    assert_string_equal(nc.report, ref.report);
    assert_string_equal(nc.out, ref.out);
    runres_free(&nc);
    assert_non_null(strstr(ref.report, "in:2, path $.sessions{*} (key)"));
    assert_non_null(strstr(ref.report, "in:3, path $.contacts{*} (key)"));
    assert_non_null(strstr(ref.report, "(more leaks: only the first 100 are listed)"));
    assert_null(strstr(ref.report, "margaret"));
    for (int jobs = 1; jobs <= 3; jobs++) {
        runres r = run(jobs, keys_keep, 1, 1500, leaky_doc);
        assert_int_equal(r.leaks, ref.leaks);
        assert_string_equal(r.report, ref.report);
        assert_string_equal(r.out, ref.out);
        runres_free(&r);
    }
    runres_free(&ref);
}

static void value_cache_changes_nothing_but_speed(void **st)
{
    (void)st;
    pf_key k;
    key_of(&k, "cache test key 0123456789");
    pf_err e = PF_ERR_INIT;
    pf_anon *on = NULL, *off = NULL;
    assert_int_equal(pf_anon_new(&on, &k, NULL, 1, &e), 0);
    assert_int_equal(pf_anon_new(&off, &k, NULL, 1, &e), 0);
    pf_anon_set_cache(off, 0);
    pf_buf d = PF_BUF_INIT, o1 = PF_BUF_INIT, o2 = PF_BUF_INIT;
    /* the later passes repeat every value: an entry is made on its second
     * sighting, hits come from the third */
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < 800; i++) {
            int text;
            make_doc(i, &d, &text);
            if (text)
                continue;
            pf_buf_reset(&o1);
            pf_buf_reset(&o2);
            int r1 = pf_anon_doc(on, NULL, "r", d.data, d.len, &o1, &e);
            int r2 = pf_anon_doc(off, NULL, "r", d.data, d.len, &o2, &e);
            assert_int_equal(r1, r2);
            assert_int_equal(o1.len, o2.len);
            assert_memory_equal(o1.data, o2.data, o1.len);
        }
    pf_anon_stats s1, s2;
    pf_anon_get_stats(on, &s1);
    pf_anon_get_stats(off, &s2);
    assert_true(s1.cache_hits > s1.strings / 3);
    assert_int_equal(s2.cache_hits, 0);
    assert_true(s2.aes_calls > s1.aes_calls);
    pf_buf_free(&d);
    pf_buf_free(&o1);
    pf_buf_free(&o2);
    pf_anon_free(on);
    pf_anon_free(off);
}

/* The emit callback stops the run: put or flush report it, nothing is
 * emitted after, and freeing the pool joins the workers (ASan/LSan). */
static void pool_stops_when_emit_fails(void **st)
{
    (void)st;
    pf_key k;
    key_of(&k, "pool test key 0123456789");
    for (int jobs = 1; jobs <= 3; jobs++) {
        sinkbuf s;
        memset(&s, 0, sizeof s);
        pf_buf_init(&s.all);
        s.stop_at = 700;
        pf_anon_pool *p = NULL;
        pf_err e = PF_ERR_INIT;
        assert_int_equal(pf_anon_pool_new(&p, &k, NULL, 1, jobs, collect, &s, &e), 0);
        pf_buf d = PF_BUF_INIT;
        int failed = 0;
        for (int i = 0; i < 2000 && !failed; i++) {
            int text;
            make_doc(i, &d, &text);
            failed = pf_anon_pool_put(p, text, NULL, "r", d.data, d.len, 0, &e) < 0;
        }
        if (!failed)
            failed = pf_anon_pool_flush(p, &e) < 0;
        assert_true(failed);
        assert_int_equal(e.code, PF_E_IO);
        assert_int_equal(s.seen, 700);
        pf_buf_free(&d);
        pf_buf_free(&s.all);
        pf_anon_pool_free(p);
    }
}

static int count_failed(void *ctx, const pf_anon_result *r, pf_err *err)
{
    (void)err;
    int *n = ctx;
    if (r->rc < 0 && r->err->code == PF_E_INPUT && r->out_len == 0)
        (*n)++;
    return 0;
}

/* A batch whose only document fails before any output or leak log (JSON
 * nested past the parser's limit, as a production json column can be)
 * has no output and no log buffer: emitting it must not do arithmetic on
 * NULL (UBSan stopped `prodfuzz anonymize` there). */
static void a_batch_of_only_failed_documents_is_emitted(void **st)
{
    (void)st;
    pf_key k;
    key_of(&k, "pool test key 0123456789");
    pf_buf d = PF_BUF_INIT;
    pf_buf_adds(&d, "{\"a\":");
    for (int i = 0; i < 20000; i++)
        pf_buf_addc(&d, '[');
    for (int i = 0; i < 20000; i++)
        pf_buf_addc(&d, ']');
    pf_buf_addc(&d, '}');
    for (int verify = 0; verify <= 1; verify++) {
        for (int jobs = 1; jobs <= 2; jobs++) {
            int failed = 0;
            pf_anon_pool *p = NULL;
            pf_err e = PF_ERR_INIT;
            assert_int_equal(pf_anon_pool_new(&p, &k, NULL, verify, jobs, count_failed,
                                              &failed, &e), 0);
            assert_int_equal(pf_anon_pool_put(p, 0, NULL, "r", d.data, d.len, 0, &e), 0);
            assert_int_equal(pf_anon_pool_flush(p, &e), 0);
            assert_int_equal(failed, 1);
            pf_anon_pool_free(p);
        }
    }
    pf_buf_free(&d);
}

/* After pf_anon_pool_engine the workers are stopped: a put or flush is an
 * error, not a wait for workers that are gone (it used to hang: the alarm
 * turns a hang into a failure). */
static void put_after_the_engine_was_taken_fails_at_once(void **st)
{
    (void)st;
    pf_key k;
    key_of(&k, "pool test key 0123456789");
    for (int jobs = 1; jobs <= 2; jobs++) {
        sinkbuf s;
        memset(&s, 0, sizeof s);
        pf_buf_init(&s.all);
        pf_anon_pool *p = NULL;
        pf_err e = PF_ERR_INIT;
        assert_int_equal(pf_anon_pool_new(&p, &k, NULL, 1, jobs, collect, &s, &e), 0);
        assert_non_null(pf_anon_pool_engine(p));
        alarm(20);
        pf_buf d = PF_BUF_INIT;
        int rc = 0;
        for (int i = 0; i < 5000 && rc == 0; i++) { /* enough to fill a batch */
            int text;
            make_doc(i, &d, &text);
            rc = pf_anon_pool_put(p, text, NULL, "r", d.data, d.len, 0, &e);
        }
        assert_int_equal(rc, -1);
        assert_non_null(strstr(e.msg, "finished"));
        assert_int_equal(pf_anon_pool_flush(p, &e), -1);
        alarm(0);
        pf_buf_free(&d);
        pf_buf_free(&s.all);
        pf_anon_pool_free(p);
    }
}

/* Is signal sig blocked in thread tid (/proc's SigBlk mask)? */
static int blocked_in(const char *tid, int sig)
{
    char path[128], line[256];
    snprintf(path, sizeof path, "/proc/self/task/%s/status", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    unsigned long long mask = 0;
    int found = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "SigBlk: %llx", &mask) == 1)
            found = 1;
    fclose(f);
    return found ? (int)((mask >> (sig - 1)) & 1) : -1;
}

/* Workers block the signals meant for the caller, but not the ones a
 * fault raises in the faulting thread (blocked, a SIGSEGV is undefined
 * behaviour: the process hangs or dies without a report). */
static void workers_do_not_block_fault_signals(void **st)
{
    (void)st;
    pf_key k;
    key_of(&k, "pool test key 0123456789");
    sinkbuf s;
    memset(&s, 0, sizeof s);
    pf_buf_init(&s.all);
    pf_anon_pool *p = NULL;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_anon_pool_new(&p, &k, NULL, 1, 2, collect, &s, &e), 0);
    char self[32];
    snprintf(self, sizeof self, "%ld", (long)gettid());
    /* a thread starts with every signal blocked (the sanitizer's
     * pthread_create) and sets the mask it inherited a moment later: look
     * again for up to five seconds */
    int workers = 0, segv_blocked = 1;
    for (int tries = 0; tries < 500 && (workers != 2 || segv_blocked); tries++) {
        if (tries)
            usleep(10000);
        workers = 0;
        segv_blocked = 0;
        DIR *d = opendir("/proc/self/task");
        assert_non_null(d);
        struct dirent *t;
        while ((t = readdir(d)) != NULL) {
            if (t->d_name[0] == '.' || !strcmp(t->d_name, self))
                continue;
            if (blocked_in(t->d_name, SIGINT) != 1 || blocked_in(t->d_name, SIGTERM) != 1)
                continue; /* not one of the pool's threads */
            workers++;
            segv_blocked |= blocked_in(t->d_name, SIGSEGV) != 0 ||
                            blocked_in(t->d_name, SIGBUS) != 0 ||
                            blocked_in(t->d_name, SIGFPE) != 0 ||
                            blocked_in(t->d_name, SIGILL) != 0;
        }
        closedir(d);
    }
    assert_int_equal(workers, 2);
    assert_false(segv_blocked);
    pf_anon_pool_free(p);
    pf_buf_free(&s.all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pool_output_is_byte_identical_for_any_thread_count),
        cmocka_unit_test(pool_leak_results_match_a_plain_engine),
        cmocka_unit_test(leak_results_do_not_depend_on_the_cache_or_threads),
        cmocka_unit_test(value_cache_changes_nothing_but_speed),
        cmocka_unit_test(pool_stops_when_emit_fails),
        cmocka_unit_test(put_after_the_engine_was_taken_fails_at_once),
        cmocka_unit_test(workers_do_not_block_fault_signals),
        cmocka_unit_test(a_batch_of_only_failed_documents_is_emitted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
