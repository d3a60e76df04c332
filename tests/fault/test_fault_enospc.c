/*
 * test_fault_enospc: a disk that fills up during every kind of write the
 * library makes: an atomic file (profiles, policies, manifests), a
 * streamed output file (sample and anonymize JSONL), a corpus folder, the
 * nightly findings database and the report set. For N = 1, 2, ... the Nth
 * write call (write, fwrite, fflush, fsync; pf_fault.h) writes half of its
 * bytes and fails with ENOSPC, and so does every call after it, until a
 * run makes fewer than N calls. At every N: a clean I/O error that says
 * "no space left on device (ENOSPC)" and maps to exit 3, or a complete result;
 * never a success that lost the failure; the previous file, folder or
 * report intact; no temporary file or staging folder left behind.
 * test_fault_write.c covers the same files under RLIMIT_FSIZE (EFBIG).
 */
#include "pf_test.h"

#include <dirent.h>
#include <errno.h>

#include "pf_corpus.h"
#include "pf_fault.h"
#include "pf_fs.h"
#include "pf_nightly.h"
#include "pf_report.h"

typedef int (*write_fn)(void *ctx, pf_err *err);
/* Put the previous result in place; check the place after a run (rc 0: the
 * new result, else the previous one). */
typedef void (*state_fn)(void *ctx, int rc);

/* Entries of dir other than the n names in keep. */
static int strays(const char *dir, const char *const *keep, size_t n)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int strays = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        int kept = 0;
        for (size_t i = 0; i < n; i++)
            kept |= !strcmp(e->d_name, keep[i]);
        if (!kept) {
            print_message("stray entry: %s/%s\n", dir, e->d_name);
            strays++;
        }
    }
    closedir(d);
    return strays;
}

/* Run fn with the disk filling at write call N, for every N until a run
 * completes. Returns how many runs failed. */
static int each_write(const char *what, write_fn fn, state_fn prepare, state_fn check,
                      void *ctx)
{
    for (unsigned long n = 1; n < 100000; n++) {
        prepare(ctx, 0);
        pf_err e = PF_ERR_INIT;
        pf_fault_arm_write(n, ENOSPC);
        int rc = fn(ctx, &e);
        int fired = pf_fault_write_fired();
        pf_fault_arm_write(0, 0);
        if (fired && rc == 0)
            fail_msg("%s: write call %lu failed with ENOSPC, and the run "
                     "reported success", what, n);
        if (rc < 0) {
            if (!fired)
                fail_msg("%s: failed without a full disk: %s", what, e.msg);
            if (e.code != PF_E_IO || !strstr(e.msg, "no space left on device (ENOSPC)"))
                fail_msg("%s: write call %lu: not a clear I/O error: code %d, '%s'",
                         what, n, e.code, e.msg);
            assert_int_equal(pf_err_exit_code(e.code), 3);
        }
        check(ctx, rc);
        if (!fired)
            return (int)n - 1;
    }
    fail_msg("%s: more than 100000 write calls", what);
    return 0;
}

static pf_buf lines(int n)
{
    pf_buf b = PF_BUF_INIT;
    for (int i = 0; i < n; i++)
        pf_buf_addf(&b, "{\"line\":%d,\"pad\":\"%0100d\"}\n", i, i);
    assert_int_equal(b.oom, 0);
    return b;
}

static void assert_file(const char *path, const void *want, size_t n)
{
    size_t got_n = 0;
    char *got = pf_test_read(path, &got_n);
    assert_non_null(got);
    assert_int_equal(got_n, n);
    assert_memory_equal(got, want, n);
    free(got);
}

/* ---- one file: atomic (profiles, policies) and streamed (JSONL) ---- */

typedef struct fctx {
    char dir[256], path[300];
    pf_buf data;
    int streamed; /* line by line through pf_tmpfile, as sample writes JSONL */
} fctx;

static int write_one(void *ctx, pf_err *err)
{
    fctx *f = ctx;
    if (!f->streamed)
        return pf_fs_write_atomic(f->path, f->data.data, f->data.len, 0644, err);
    pf_tmpfile t;
    if (pf_tmpfile_open(&t, f->path, 0644, err) < 0)
        return -1;
    errno = 0;
    for (size_t at = 0; at < f->data.len;) {
        const char *nl = memchr(f->data.data + at, '\n', f->data.len - at);
        size_t n = (size_t)(nl - (f->data.data + at)) + 1;
        if (pf_fs_fwrite(t.fp, f->data.data + at, n, "the JSONL output", err) < 0) {
            pf_tmpfile_abort(&t);
            return -1;
        }
        at += n;
    }
    return pf_tmpfile_commit(&t, err);
}

static void one_prepare(void *ctx, int rc)
{
    (void)rc;
    fctx *f = ctx;
    pf_test_write(f->path, "old", 3);
}

static void one_check(void *ctx, int rc)
{
    fctx *f = ctx;
    if (rc == 0)
        assert_file(f->path, f->data.data, f->data.len);
    else
        assert_file(f->path, "old", 3);
    const char *keep[] = {"out.json"};
    assert_int_equal(strays(f->dir, keep, 1), 0);
}

static void one_file(int streamed, int nlines, int min_failures)
{
    fctx f = {.streamed = streamed};
    char *dir = pf_test_tmpdir();
    snprintf(f.dir, sizeof f.dir, "%s", dir);
    snprintf(f.path, sizeof f.path, "%s/out.json", dir);
    f.data = lines(nlines);
    int failures = each_write(streamed ? "streamed file" : "atomic file", write_one,
                              one_prepare, one_check, &f);
    assert_true(failures >= min_failures);
    pf_buf_free(&f.data);
    pf_test_rmtmp(dir);
}

static void atomic_file_is_whole_or_the_old_one_when_the_disk_fills(void **st)
{
    (void)st;
    one_file(0, 1000, 3); /* fwrite, fflush, fsync */
}

static void streamed_file_is_whole_or_the_old_one_when_the_disk_fills(void **st)
{
    (void)st;
    one_file(1, 500, 500);
}

/* ---- a corpus folder with its manifest ---- */

typedef struct cctx {
    char dir[256], out[300];
} cctx;

static int write_corpus(void *ctx, pf_err *err)
{
    cctx *c = ctx;
    pf_corpus co;
    if (pf_corpus_open(&co, c->out, 0, err) < 0)
        return -1;
    char doc[512];
    for (int i = 0; i < 30; i++) {
        int n = snprintf(doc, sizeof doc, "{\"id\":%d,\"pad\":\"%0300d\"}", i, i);
        if (pf_corpus_add(&co, doc, (size_t)n, NULL, err) < 0) {
            pf_corpus_abort(&co);
            return -1;
        }
    }
    pf_manifest m;
    pf_manifest_init(&m, "test");
    int rc = pf_corpus_commit_manifest(&co, &m, err);
    pf_manifest_free(&m);
    return rc;
}

static void corpus_prepare(void *ctx, int rc)
{
    (void)rc;
    cctx *c = ctx;
    pf_fs_remove_tree(c->out, NULL);
    pf_corpus co;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_corpus_open(&co, c->out, 0, &e), 0);
    assert_int_equal(pf_corpus_add(&co, "old", 3, NULL, &e), 1);
    assert_int_equal(pf_corpus_commit(&co, "{\"old\":true}\n", &e), 0);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void corpus_check(void *ctx, int rc)
{
    cctx *c = ctx;
    pf_manifest m;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_manifest_read(c->out, &m, &e), 1);
    if (rc == 0) {
        assert_string_equal(m.command, "test");
        assert_int_equal(count_files(c->out), 30);
    } else {
        assert_string_equal(m.command, ""); /* the old manifest */
        assert_int_equal(count_files(c->out), 1);
    }
    pf_manifest_free(&m);
    const char *keep[] = {"corpus"};
    assert_int_equal(strays(c->dir, keep, 1), 0); /* no staging folder */
}

static void corpus_is_whole_or_the_old_one_when_the_disk_fills(void **st)
{
    (void)st;
    cctx c;
    char *dir = pf_test_tmpdir();
    snprintf(c.dir, sizeof c.dir, "%s", dir);
    snprintf(c.out, sizeof c.out, "%s/corpus", dir);
    /* a short write of each of the 30 documents, then the manifest's calls */
    assert_true(each_write("corpus", write_corpus, corpus_prepare, corpus_check, &c) >= 33);
    pf_test_rmtmp(dir);
}

/* ---- the nightly findings database ---- */

typedef struct dctx {
    char dir[256], path[300];
    pf_ndb db;
    pf_buf want;
} dctx;

static int write_db(void *ctx, pf_err *err)
{
    dctx *d = ctx;
    return pf_ndb_save(&d->db, d->path, err);
}

static void db_check(void *ctx, int rc)
{
    dctx *d = ctx;
    if (rc == 0)
        assert_file(d->path, d->want.data, d->want.len);
    else
        assert_file(d->path, "old", 3);
    const char *keep[] = {"findings.json"};
    assert_int_equal(strays(d->dir, keep, 1), 0);
}

static void db_prepare(void *ctx, int rc)
{
    (void)rc;
    dctx *d = ctx;
    pf_test_write(d->path, "old", 3);
}

static void findings_database_is_whole_or_the_old_one_when_the_disk_fills(void **st)
{
    (void)st;
    dctx d;
    char *dir = pf_test_tmpdir();
    snprintf(d.dir, sizeof d.dir, "%s", dir);
    snprintf(d.path, sizeof d.path, "%s/findings.json", dir);
    pf_ndb_init(&d.db);
    pf_err e = PF_ERR_INIT;
    for (int i = 0; i < 3; i++) {
        char sig[64];
        snprintf(sig, sizeof sig, "heap-buffer-overflow parse_%d", i);
        int created = 0;
        pf_nfinding *f = pf_ndb_get(&d.db, "fuzz_orders", sig, &created, &e);
        assert_non_null(f);
        f->first_seen = strdup("2026-11-30");
        f->last_seen = strdup("2026-12-01");
        f->reproducer = strdup("findings/x/crash");
    }
    /* what a complete save writes */
    assert_int_equal(pf_ndb_save(&d.db, d.path, &e), 0);
    size_t n = 0;
    char *want = pf_test_read(d.path, &n);
    pf_buf_init(&d.want);
    pf_buf_add(&d.want, want, n);
    free(want);
    assert_true(each_write("findings database", write_db, db_prepare, db_check, &d) >= 3);
    pf_ndb_free(&d.db);
    pf_buf_free(&d.want);
    pf_test_rmtmp(dir);
}

/* ---- the report set ---- */

static const char *const REPORTS[] = {"report.json", "report.md", "report.sarif",
                                      "junit.xml", "report.html"};
#define NREPORTS (sizeof REPORTS / sizeof *REPORTS)

typedef struct rctx {
    char dir[256];
    pf_report r;
    pf_buf want[NREPORTS];
} rctx;

static int write_reports(void *ctx, pf_err *err)
{
    rctx *c = ctx;
    return pf_report_write_all(&c->r, c->dir, err);
}

static void reports_prepare(void *ctx, int rc)
{
    (void)rc;
    rctx *c = ctx;
    for (size_t i = 0; i < NREPORTS; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s/%s", c->dir, REPORTS[i]);
        pf_test_write(p, "old", 3);
    }
}

/* Each report is whole: the previous one or the new one, never a part;
 * after a success all are new. */
static void reports_check(void *ctx, int rc)
{
    rctx *c = ctx;
    for (size_t i = 0; i < NREPORTS; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s/%s", c->dir, REPORTS[i]);
        size_t n = 0;
        char *got = pf_test_read(p, &n);
        assert_non_null(got);
        int is_old = n == 3 && !memcmp(got, "old", 3);
        int is_new = n == c->want[i].len && !memcmp(got, c->want[i].data, n);
        if (!(rc == 0 ? is_new : is_old || is_new))
            fail_msg("%s is neither the previous report nor the new one (%zu bytes)",
                     REPORTS[i], n);
        free(got);
    }
    assert_int_equal(strays(c->dir, REPORTS, NREPORTS), 0);
}

static void reports_are_whole_or_the_old_ones_when_the_disk_fills(void **st)
{
    (void)st;
    rctx c;
    char *dir = pf_test_tmpdir();
    snprintf(c.dir, sizeof c.dir, "%s", dir);
    pf_report_init(&c.r, "test", "run-1");
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_report_write_all(&c.r, c.dir, &e), 0);
    for (size_t i = 0; i < NREPORTS; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s/%s", c.dir, REPORTS[i]);
        size_t n = 0;
        char *got = pf_test_read(p, &n);
        assert_non_null(got);
        pf_buf_init(&c.want[i]);
        pf_buf_add(&c.want[i], got, n);
        free(got);
    }
    assert_true(each_write("reports", write_reports, reports_prepare, reports_check, &c) >=
                (int)NREPORTS * 3);
    for (size_t i = 0; i < NREPORTS; i++)
        pf_buf_free(&c.want[i]);
    pf_report_free(&c.r);
    pf_test_rmtmp(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(atomic_file_is_whole_or_the_old_one_when_the_disk_fills),
        cmocka_unit_test(streamed_file_is_whole_or_the_old_one_when_the_disk_fills),
        cmocka_unit_test(corpus_is_whole_or_the_old_one_when_the_disk_fills),
        cmocka_unit_test(findings_database_is_whole_or_the_old_one_when_the_disk_fills),
        cmocka_unit_test(reports_are_whole_or_the_old_ones_when_the_disk_fills),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
