/*
 * pf_test.h: what the cmocka unit tests share: temporary folders removed
 * at the end, reading files back, and locating ../shared/data (tests that
 * need it skip with a message when it is absent).
 */
#ifndef PF_TEST_H
#define PF_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_buf.h"
#include "pf_err.h"
#include "pf_fs.h"

/* A fresh temporary folder; pf_test_rmtmp removes it. */
static inline char *pf_test_tmpdir(void)
{
    char *t = strdup("/tmp/pf-unit.XXXXXX");
    assert_non_null(t);
    assert_non_null(mkdtemp(t));
    return t;
}

static inline void pf_test_rmtmp(char *dir)
{
    pf_fs_remove_tree(dir, NULL);
    free(dir);
}

static inline void pf_test_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Read a file into a NUL-terminated heap string; *n gets the length. */
static inline char *pf_test_read(const char *path, size_t *n)
{
    pf_buf b = PF_BUF_INIT;
    pf_err e = PF_ERR_INIT;
    if (pf_fs_read_file(path, (size_t)1 << 32, &b, &e) < 0) {
        pf_buf_free(&b);
        return NULL;
    }
    return pf_buf_detach(&b, n);
}

/* ../shared/data or $PF_DATA; NULL (and a note) when absent. */
static inline const char *pf_test_data_dir(void)
{
    static char path[4096];
    const char *env = getenv("PF_DATA");
    snprintf(path, sizeof path, "%s", env && *env ? env : "../shared/data");
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        print_message("shared data folder %s is absent: skipping\n", path);
        return NULL;
    }
    return path;
}

#endif
