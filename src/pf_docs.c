/*
 * pf_docs: documents from folders, JSONL files and single files (pf_docs.h).
 */
#include "pf_docs.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pf_fs.h"

int pf_docs_is_jsonl(const char *path)
{
    if (strcmp(path, "-") == 0)
        return 1;
    size_t n = strlen(path);
    return (n > 6 && !strcmp(path + n - 6, ".jsonl")) ||
           (n > 7 && !strcmp(path + n - 7, ".ndjson"));
}

int pf_docs_open(pf_docs *d, char **inputs, size_t n, size_t max_doc,
                 pf_err *err)
{
    (void)err;
    memset(d, 0, sizeof *d);
    d->inputs = inputs;
    d->ninputs = n;
    d->max_doc = max_doc ? max_doc : PF_DEFAULT_MAX_DOC;
    pf_buf_init(&d->doc);
    pf_buf_init(&d->origin);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void drop_names(pf_docs *d)
{
    for (size_t i = 0; i < d->nnames; i++)
        free(d->names[i]);
    free(d->names);
    d->names = NULL;
    d->nnames = d->ni = 0;
}

static int list_folder(pf_docs *d, const char *dir, pf_err *err)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return pf_err_errno(err, errno, "cannot open folder %s", dir);
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (d->nnames == cap) {
            cap = cap ? cap * 2 : 256;
            char **nn = realloc(d->names, cap * sizeof *nn);
            if (!nn) {
                closedir(dp);
                return pf_err_set(err, PF_E_NOMEM, "out of memory");
            }
            d->names = nn;
        }
        d->names[d->nnames] = strdup(e->d_name);
        if (!d->names[d->nnames]) {
            closedir(dp);
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
        d->nnames++;
    }
    closedir(dp);
    if (d->nnames)
        qsort(d->names, d->nnames, sizeof *d->names, cmp_str);
    return 0;
}

int pf_docs_next(pf_docs *d, const char **doc, size_t *len, pf_err *err)
{
    for (;;) {
        if (d->mode == 0) {
            if (d->cur >= d->ninputs)
                return 0;
            const char *in = d->inputs[d->cur];
            struct stat st;
            if (strcmp(in, "-") != 0 && stat(in, &st) != 0) {
                d->cur++;
                return pf_err_errno(err, errno, "cannot read %s", in);
            }
            if (strcmp(in, "-") != 0 && S_ISDIR(st.st_mode)) {
                if (list_folder(d, in, err) < 0) {
                    d->cur++;
                    drop_names(d);
                    return -1;
                }
                d->mode = 2;
            } else if (d->force_jsonl || pf_docs_is_jsonl(in)) {
                if (pf_jsonl_open(&d->jl, in, d->max_doc, err) < 0) {
                    d->cur++;
                    return -1;
                }
                d->mode = 1;
            } else {
                d->mode = 3;
            }
        }
        const char *in = d->inputs[d->cur];
        if (d->mode == 1) {
            int r = pf_jsonl_next(&d->jl, doc, len, err);
            if (r == 1) {
                pf_buf_reset(&d->origin);
                pf_buf_addf(&d->origin, "%s:%llu", in,
                            (unsigned long long)d->jl.lineno);
                return 1;
            }
            if (r < 0 && !d->jl.io_error)
                return -1;
            pf_jsonl_close(&d->jl);
            d->mode = 0;
            d->cur++;
            if (r < 0)
                return -1;
            continue;
        }
        if (d->mode == 3) {
            d->mode = 0;
            d->cur++;
            pf_buf_reset(&d->origin);
            pf_buf_adds(&d->origin, in);
            if (pf_fs_read_file(in, d->max_doc, &d->doc, err) < 0)
                return -1;
            *doc = d->doc.data;
            *len = d->doc.len;
            return 1;
        }
        /* folder */
        if (d->ni >= d->nnames) {
            drop_names(d);
            d->mode = 0;
            d->cur++;
            continue;
        }
        const char *name = d->names[d->ni++];
        pf_buf_reset(&d->origin);
        pf_buf_addf(&d->origin, "%s/%s", in, name);
        struct stat st;
        if (stat(d->origin.data, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (pf_fs_read_file(d->origin.data, d->max_doc, &d->doc, err) < 0)
            return -1;
        *doc = d->doc.data;
        *len = d->doc.len;
        return 1;
    }
}

const char *pf_docs_origin(const pf_docs *d) { return pf_buf_str(&d->origin); }

void pf_docs_close(pf_docs *d)
{
    if (d->mode == 1)
        pf_jsonl_close(&d->jl);
    drop_names(d);
    pf_buf_free(&d->doc);
    pf_buf_free(&d->origin);
    d->mode = 0;
}
