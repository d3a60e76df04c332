/*
 * pf_fs: atomic writes, bounded reads, folder helpers (pf_fs.h).
 */
#include "pf_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp_name(const char *final)
{
    static unsigned counter;
    size_t n = strlen(final) + 64;
    char *t = malloc(n);
    if (!t)
        return NULL;
    const char *slash = strrchr(final, '/');
    size_t dirlen = slash ? (size_t)(slash - final + 1) : 0;
    snprintf(t, n, "%.*s.%s.tmp-%ld-%u", (int)dirlen, final,
             final + dirlen, (long)getpid(), counter++);
    return t;
}

int pf_tmpfile_open(pf_tmpfile *t, const char *final, int mode, pf_err *err)
{
    memset(t, 0, sizeof *t);
    if (pf_fs_is_dir(final))
        return pf_err_set(err, PF_E_INPUT, "%s: is a directory, expected a "
                          "file name", final);
    t->final = strdup(final);
    t->tmp = tmp_name(final);
    if (!t->final || !t->tmp) {
        pf_tmpfile_abort(t);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    int fd = open(t->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        int e = errno;
        pf_tmpfile_abort(t);
        return pf_err_errno(err, e, "cannot create a file beside %s", final);
    }
    t->fp = fdopen(fd, "wb");
    if (!t->fp) {
        int e = errno;
        close(fd);
        pf_tmpfile_abort(t);
        return pf_err_errno(err, e, "cannot open %s", final);
    }
    return 0;
}

int pf_tmpfile_commit(pf_tmpfile *t, pf_err *err)
{
    int rc = 0, e = 0;
    if (fflush(t->fp) != 0 || ferror(t->fp)) {
        e = errno ? errno : EIO;
        rc = -1;
    } else if (fsync(fileno(t->fp)) != 0 && errno != EINVAL) {
        e = errno;
        rc = -1;
    }
    if (fclose(t->fp) != 0 && rc == 0) {
        e = errno;
        rc = -1;
    }
    t->fp = NULL;
    if (rc == 0 && rename(t->tmp, t->final) != 0) {
        e = errno;
        rc = -1;
    }
    if (rc < 0) {
        pf_err_errno(err, e, "cannot write %s", t->final);
        pf_tmpfile_abort(t);
        return -1;
    }
    free(t->tmp);
    free(t->final);
    t->tmp = t->final = NULL;
    return 0;
}

void pf_tmpfile_abort(pf_tmpfile *t)
{
    if (t->fp)
        fclose(t->fp);
    if (t->tmp)
        unlink(t->tmp);
    free(t->tmp);
    free(t->final);
    memset(t, 0, sizeof *t);
}

int pf_fs_fwrite(FILE *fp, const void *p, size_t n, const char *what,
                 pf_err *err)
{
    if (n && fwrite(p, 1, n, fp) != n)
        return pf_err_errno(err, errno ? errno : EIO, "cannot write %s", what);
    return 0;
}

int pf_fs_write_atomic(const char *path, const void *data, size_t len,
                       int mode, pf_err *err)
{
    pf_tmpfile t;
    if (pf_tmpfile_open(&t, path, mode, err) < 0)
        return -1;
    errno = 0;
    if (pf_fs_fwrite(t.fp, data, len, path, err) < 0) {
        pf_tmpfile_abort(&t);
        return -1;
    }
    return pf_tmpfile_commit(&t, err);
}

int pf_fs_read_file(const char *path, size_t max, pf_buf *out, pf_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return pf_err_errno(err, errno, "cannot read %s", path);
    if (S_ISDIR(st.st_mode))
        return pf_err_set(err, PF_E_INPUT, "%s: is a directory, expected a "
                          "file", path);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return pf_err_errno(err, errno, "cannot open %s", path);
    char tmp[65536];
    size_t n;
    pf_buf_reset(out);
    while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0) {
        if (out->len + n > max) {
            fclose(fp);
            return pf_err_set(err, PF_E_INPUT, "%s: larger than the limit of "
                              "%zu bytes", path, max);
        }
        pf_buf_add(out, tmp, n);
    }
    int bad = ferror(fp);
    int e = errno;
    fclose(fp);
    if (bad)
        return pf_err_errno(err, e ? e : EIO, "cannot read %s", path);
    return pf_buf_ok(out, err);
}

int pf_fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int pf_fs_mkdirs(const char *path, int mode, pf_err *err)
{
    char *p = strdup(path);
    if (!p)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
            int e = errno;
            pf_err_errno(err, e, "cannot create folder %s", p);
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = 0;
    if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
        rc = pf_err_errno(err, errno, "cannot create folder %s", p);
    else if (!pf_fs_is_dir(p))
        rc = pf_err_set(err, PF_E_INPUT, "%s: exists and is not a folder", p);
    free(p);
    return rc;
}

int pf_fs_remove_tree(const char *path, pf_err *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : pf_err_errno(err, errno, "cannot remove %s", path);
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) != 0)
            return pf_err_errno(err, errno, "cannot remove %s", path);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d)
        return pf_err_errno(err, errno, "cannot open folder %s", path);
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *child = malloc(n);
        if (!child) {
            rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
            break;
        }
        snprintf(child, n, "%s/%s", path, e->d_name);
        rc = pf_fs_remove_tree(child, err);
        free(child);
        if (rc < 0)
            break;
    }
    closedir(d);
    if (rc == 0 && rmdir(path) != 0)
        rc = pf_err_errno(err, errno, "cannot remove folder %s", path);
    return rc;
}
