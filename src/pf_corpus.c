/*
 * pf_corpus: content-addressed corpus folders swapped in atomically
 * (pf_corpus.h).
 */
#include "pf_corpus.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_fs.h"
#include "pf_hash.h"

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

static int copy_file(const char *from, const char *to, pf_err *err)
{
    /* a hard link is enough: corpus files are never modified in place */
    if (link(from, to) == 0)
        return 0;
    pf_buf b = PF_BUF_INIT;
    int rc = pf_fs_read_file(from, (size_t)1 << 40, &b, err);
    if (rc == 0)
        rc = pf_fs_write_atomic(to, b.data, b.len, 0644, err);
    pf_buf_free(&b);
    return rc;
}

/* A run replaces the whole folder: refuse one that holds anything but an
 * earlier corpus, so a slip such as "-o ~/" never costs a home folder. */
int pf_corpus_check_target(const char *dir, pf_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : pf_err_errno(err, errno, "cannot open folder %s", dir);
    char *man = join(dir, PF_MANIFEST_REL);
    int is_corpus = man && access(man, F_OK) == 0;
    free(man);
    int empty = 1;
    struct dirent *e;
    while (!is_corpus && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = 0;
    closedir(d);
    if (is_corpus || empty)
        return 0;
    return pf_err_set(err, PF_E_INPUT, "%s: the folder exists, is not empty and is not "
                      "a prodfuzz corpus (no %s): refusing to replace it; choose a "
                      "new or empty folder", dir, PF_MANIFEST_REL);
}

int pf_corpus_open(pf_corpus *c, const char *dir, int merge, pf_err *err)
{
    memset(c, 0, sizeof *c);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    c->dir = strndup(dir, n);
    if (!c->dir)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    struct stat st;
    if (stat(c->dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        pf_err_set(err, PF_E_INPUT, "%s: exists and is not a folder", c->dir);
        free(c->dir);
        c->dir = NULL;
        return -1;
    }
    if (!merge && pf_corpus_check_target(c->dir, err) < 0) {
        free(c->dir);
        c->dir = NULL;
        return -1;
    }
    size_t sn = n + 64;
    c->stage = malloc(sn);
    if (!c->stage) {
        free(c->dir);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    snprintf(c->stage, sn, "%s.prodfuzz-tmp-%ld", c->dir, (long)getpid());
    pf_fs_remove_tree(c->stage, NULL); /* left by a killed run with our pid */
    char *parent = strdup(c->dir);
    char *slash = parent ? strrchr(parent, '/') : NULL;
    if (slash && slash != parent) {
        *slash = '\0';
        if (pf_fs_mkdirs(parent, 0755, err) < 0) {
            free(parent);
            pf_corpus_abort(c);
            return -1;
        }
    }
    free(parent);
    if (mkdir(c->stage, 0755) != 0) {
        int e = errno;
        free(c->dir);
        free(c->stage);
        c->dir = c->stage = NULL;
        return pf_err_errno(err, e, "cannot create folder beside %s", dir);
    }
    if (merge && S_ISDIR(st.st_mode) && access(c->dir, F_OK) == 0) {
        DIR *d = opendir(c->dir);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char *from = join(c->dir, e->d_name), *to = join(c->stage, e->d_name);
            int rc = (from && to) ? copy_file(from, to, err)
                                  : pf_err_set(err, PF_E_NOMEM, "out of memory");
            free(from);
            free(to);
            if (rc < 0) {
                closedir(d);
                pf_corpus_abort(c);
                return -1;
            }
            c->written++;
        }
        if (d)
            closedir(d);
    }
    return 0;
}

int pf_corpus_add(pf_corpus *c, const void *data, size_t len, char *name_out,
                  pf_err *err)
{
    char name[41];
    if (pf_sha1_hex(data, len, name, err) < 0)
        return -1;
    if (name_out)
        memcpy(name_out, name, 41);
    char *path = join(c->stage, name);
    if (!path)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    if (access(path, F_OK) == 0) {
        free(path);
        c->duplicates++;
        return 0;
    }
    /* No temporary name or fsync per file: the whole staging folder is
     * swapped in at commit, so a partial file is never visible. */
    int rc = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = pf_err_errno(err, errno, "cannot create a corpus file");
    } else {
        const char *p = data;
        size_t left = len;
        while (left > 0) {
            ssize_t w = write(fd, p, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = pf_err_errno(err, w < 0 ? errno : EIO,
                                  "cannot write a corpus file");
                break;
            }
            p += w;
            left -= (size_t)w;
        }
        if (close(fd) != 0 && rc == 0)
            rc = pf_err_errno(err, errno, "cannot write a corpus file");
    }
    free(path);
    if (rc < 0)
        return pf_err_prefix(err, "corpus %s", c->dir);
    c->written++;
    c->bytes += len;
    return 1;
}

int pf_corpus_commit(pf_corpus *c, const char *manifest_json, pf_err *err)
{
    char *meta = join(c->stage, ".prodfuzz");
    char *man = join(c->stage, PF_MANIFEST_REL);
    int rc = 0;
    if (!meta || !man)
        rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
    else if (mkdir(meta, 0755) != 0 && errno != EEXIST)
        rc = pf_err_errno(err, errno, "cannot create %s", meta);
    else if (manifest_json)
        rc = pf_fs_write_atomic(man, manifest_json, strlen(manifest_json),
                                0644, err);
    free(meta);
    free(man);
    if (rc < 0) {
        pf_corpus_abort(c);
        return -1;
    }
    if (access(c->dir, F_OK) == 0) {
        /* swap atomically; the old corpus ends up under the staging name */
        if (renameat2(AT_FDCWD, c->stage, AT_FDCWD, c->dir, RENAME_EXCHANGE) != 0) {
            int e = errno;
            pf_corpus_abort(c);
            return pf_err_errno(err, e, "cannot replace %s", c->dir);
        }
        pf_fs_remove_tree(c->stage, NULL);
    } else if (rename(c->stage, c->dir) != 0) {
        int e = errno;
        pf_corpus_abort(c);
        return pf_err_errno(err, e, "cannot create %s", c->dir);
    }
    free(c->stage);
    free(c->dir);
    c->stage = c->dir = NULL;
    return 0;
}

void pf_corpus_abort(pf_corpus *c)
{
    if (c->stage)
        pf_fs_remove_tree(c->stage, NULL);
    free(c->stage);
    free(c->dir);
    c->stage = c->dir = NULL;
}

int pf_corpus_read_manifest(const char *dir, pf_buf *out, pf_err *err)
{
    char *man = join(dir, PF_MANIFEST_REL);
    if (!man)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    pf_buf_reset(out);
    int rc = 0;
    if (access(man, F_OK) == 0)
        rc = pf_fs_read_file(man, 16 << 20, out, err);
    free(man);
    return rc;
}
