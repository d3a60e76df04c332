/*
 * test_fault_write: full disks and file size limits for every kind of file
 * the library writes (an atomic file, a corpus folder with its manifest).
 * Each write runs in a child process under RLIMIT_FSIZE = L for a range of
 * L (the kernel then returns short writes, then EFBIG, as on a full disk),
 * and the parent checks: a clean I/O error or a complete result, the
 * previous file or corpus intact, no temporary file or staging folder
 * left behind.
 */
#include "pf_test.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "pf_corpus.h"
#include "pf_fs.h"

enum { CHILD_OK = 0, CHILD_IO = 10, CHILD_OTHER = 20 };

/* Run fn(ctx) in a child under a file size limit of limit bytes. */
static int under_limit(rlim_t limit, int (*fn)(void *ctx, pf_err *err), void *ctx)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of a signal */
        struct rlimit rl = {limit, limit};
        setrlimit(RLIMIT_FSIZE, &rl);
        pf_err e = PF_ERR_INIT;
        int rc = fn(ctx, &e);
        _exit(rc == 0 ? CHILD_OK : e.code == PF_E_IO ? CHILD_IO : CHILD_OTHER);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* Entries of dir other than keep (temporary names start with '.' or hold
 * "prodfuzz-tmp"). */
static int strays(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, keep))
            n++;
    closedir(d);
    return n;
}

static const rlim_t limits[] = {0, 1, 100, 4095, 4096, 8192, 20000, 65536, 1 << 20};

/* ---- an atomic file ---- */

typedef struct wctx {
    char path[300];
    pf_buf data;
} wctx;

static int write_file(void *ctx, pf_err *err)
{
    wctx *w = ctx;
    return pf_fs_write_atomic(w->path, w->data.data, w->data.len, 0644, err);
}

static void atomic_file_is_whole_or_the_old_one_under_any_size_limit(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    wctx w;
    snprintf(w.path, sizeof w.path, "%s/profile.json", dir);
    pf_buf_init(&w.data);
    for (int i = 0; i < 3000; i++)
        pf_buf_addf(&w.data, "line %04d of the new content\n", i);
    int ok = 0, io = 0;
    for (size_t k = 0; k < sizeof limits / sizeof *limits; k++) {
        pf_test_write(w.path, "old", 3);
        int r = under_limit(limits[k], write_file, &w);
        size_t n = 0;
        char *got = pf_test_read(w.path, &n);
        if (r == CHILD_OK) {
            ok++;
            assert_int_equal(n, w.data.len);
            assert_memory_equal(got, w.data.data, n);
        } else {
            io++;
            assert_int_equal(r, CHILD_IO); /* a clean I/O error */
            assert_int_equal(n, 3);        /* the old file, untouched */
            assert_memory_equal(got, "old", 3);
        }
        free(got);
        assert_int_equal(strays(dir, "profile.json"), 0);
    }
    assert_true(ok > 0 && io > 0); /* both sides of the limit were tried */
    pf_buf_free(&w.data);
    pf_test_rmtmp(dir);
}

/* ---- a corpus folder ---- */

static int write_corpus(void *ctx, pf_err *err)
{
    const char *out = ctx;
    pf_corpus c;
    if (pf_corpus_open(&c, out, 0, err) < 0)
        return -1;
    char doc[512];
    for (int i = 0; i < 40; i++) {
        int n = snprintf(doc, sizeof doc, "{\"id\":%d,\"pad\":\"%0400d\"}", i, i);
        if (pf_corpus_add(&c, doc, (size_t)n, NULL, err) < 0) {
            pf_corpus_abort(&c);
            return -1;
        }
    }
    pf_manifest m;
    pf_manifest_init(&m, "test");
    int rc = pf_corpus_commit_manifest(&c, &m, err);
    pf_manifest_free(&m);
    return rc;
}

static void corpus_is_whole_or_the_old_one_under_any_size_limit(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char out[300];
    snprintf(out, sizeof out, "%s/corpus", dir);
    int ok = 0, io = 0;
    for (size_t k = 0; k < sizeof limits / sizeof *limits; k++) {
        /* the previous corpus: one file and a manifest */
        pf_fs_remove_tree(out, NULL);
        pf_corpus c;
        pf_err e = PF_ERR_INIT;
        assert_int_equal(pf_corpus_open(&c, out, 0, &e), 0);
        assert_int_equal(pf_corpus_add(&c, "old", 3, NULL, &e), 1);
        assert_int_equal(pf_corpus_commit(&c, "{\"old\":true}\n", &e), 0);
        int r = under_limit(limits[k], write_corpus, out);
        pf_manifest m;
        assert_int_equal(pf_manifest_read(out, &m, &e), 1);
        if (r == CHILD_OK) {
            ok++;
            assert_string_equal(m.command, "test");
            assert_int_equal(strays(out, ".prodfuzz"), 40);
        } else {
            io++;
            assert_int_equal(r, CHILD_IO);
            assert_string_equal(m.command, ""); /* the old manifest */
            assert_int_equal(strays(out, ".prodfuzz"), 1);
        }
        pf_manifest_free(&m);
        assert_int_equal(strays(dir, "corpus"), 0); /* no staging folder */
    }
    assert_true(ok > 0 && io > 0);
    pf_test_rmtmp(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(atomic_file_is_whole_or_the_old_one_under_any_size_limit),
        cmocka_unit_test(corpus_is_whole_or_the_old_one_under_any_size_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
