/*
 * pf_jsonl: JSON Lines reader holding one line at a time (pf_jsonl.h).
 */
#include "pf_jsonl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RBUF_SIZE (64 * 1024)

static int setup(pf_jsonl *r, size_t max_doc, pf_err *err)
{
    r->max_doc = max_doc ? max_doc : PF_DEFAULT_MAX_DOC;
    pf_buf_init(&r->line);
    r->rbuf = malloc(RBUF_SIZE);
    if (!r->rbuf)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    r->rpos = r->rlen = 0;
    r->eof = 0;
    r->lineno = 0;
    r->offset = 0;
    r->consumed = 0;
    r->io_error = 0;
    return 0;
}

int pf_jsonl_from_fp(pf_jsonl *r, FILE *fp, const char *name, size_t max_doc,
                     pf_err *err)
{
    memset(r, 0, sizeof *r);
    r->fp = fp;
    r->own_fp = 0;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "<stdin>");
    return setup(r, max_doc, err);
}

int pf_jsonl_open(pf_jsonl *r, const char *path, size_t max_doc, pf_err *err)
{
    if (!path || strcmp(path, "-") == 0)
        return pf_jsonl_from_fp(r, stdin, "<stdin>", max_doc, err);
    memset(r, 0, sizeof *r);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return pf_err_set(err, PF_E_INPUT, "%s: is a directory, expected a "
                          "JSONL file", path);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return pf_err_errno(err, errno, "cannot open %s", path);
    r->fp = fp;
    r->own_fp = 1;
    snprintf(r->name, sizeof r->name, "%s", path);
    if (setup(r, max_doc, err) < 0) {
        fclose(fp);
        r->fp = NULL;
        return -1;
    }
    return 0;
}

void pf_jsonl_close(pf_jsonl *r)
{
    if (r->own_fp && r->fp)
        fclose(r->fp);
    r->fp = NULL;
    free(r->rbuf);
    r->rbuf = NULL;
    pf_buf_free(&r->line);
}

static int fill(pf_jsonl *r, pf_err *err)
{
    if (r->eof)
        return 0;
    r->rlen = fread(r->rbuf, 1, RBUF_SIZE, r->fp);
    r->rpos = 0;
    if (r->rlen == 0) {
        if (ferror(r->fp)) {
            r->io_error = 1;
            return pf_err_errno(err, errno ? errno : EIO, "%s: read error",
                                r->name);
        }
        r->eof = 1;
        return 0;
    }
    return 1;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

int pf_jsonl_next(pf_jsonl *r, const char **doc, size_t *len, pf_err *err)
{
    for (;;) {
        pf_buf_reset(&r->line);
        r->offset = r->consumed;
        r->lineno++;
        int too_long = 0, got = 0;
        for (;;) {
            if (r->rpos == r->rlen) {
                int f = fill(r, err);
                if (f < 0)
                    return -1;
                if (f == 0)
                    break;
            }
            got = 1;
            char *start = r->rbuf + r->rpos;
            size_t avail = r->rlen - r->rpos;
            char *nl = memchr(start, '\n', avail);
            size_t take = nl ? (size_t)(nl - start) : avail;
            if (!too_long) {
                if (r->line.len + take > r->max_doc) {
                    too_long = 1;
                    pf_buf_free(&r->line); /* do not hold a huge line */
                    pf_buf_init(&r->line);
                } else {
                    pf_buf_add(&r->line, start, take);
                    if (r->line.oom) {
                        r->io_error = 1;
                        return pf_err_set(err, PF_E_NOMEM, "%s: line %llu: "
                                          "out of memory", r->name,
                                          (unsigned long long)r->lineno);
                    }
                }
            }
            r->rpos += take + (nl ? 1 : 0);
            r->consumed += take + (nl ? 1 : 0);
            if (nl)
                break;
        }
        if (!got)
            return 0;
        if (too_long)
            return pf_err_set(err, PF_E_INPUT, "%s: line %llu (byte offset "
                              "%llu): longer than --max-doc-size (%zu bytes)",
                              r->name, (unsigned long long)r->lineno,
                              (unsigned long long)r->offset, r->max_doc);
        char *s = r->line.data;
        size_t n = r->line.len;
        if (r->lineno == 1 && n >= 3 && (unsigned char)s[0] == 0xEF &&
            (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF) {
            s += 3;
            n -= 3;
        }
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n == 0 || blank(s, n))
            continue;
        if (memchr(s, '\0', n))
            return pf_err_set(err, PF_E_INPUT, "%s: line %llu (byte offset "
                              "%llu): NUL byte in line", r->name,
                              (unsigned long long)r->lineno,
                              (unsigned long long)r->offset);
        *doc = s;
        *len = n;
        return 1;
    }
}
