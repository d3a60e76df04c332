/*
 * pf_diff_allow: the allow file of `prodfuzz diff` (pf_diff.h): the
 * divergences a parser change means to make, one "KIND PATH" per line.
 *
 *   # the new parser rejects a null e-mail on purpose (PR 1234)
 *   accept->reject  $.customer.email
 *   output          $.totals.**
 *   fixed-*         *
 *
 * KIND is a glob over the kind names ('*' any run, '?' one character) and
 * must match at least one, so a typo is an error rather than a rule that
 * silently allows nothing. PATH is the rest of the line: a path pattern
 * as policies write them (pf_path: $.a, $.lines[*].price, $.meta.**, a
 * quoted key may hold blanks) or '*' for any path. A line whose first
 * non-blank character is '#' is a comment.
 */
#include <stdlib.h>
#include <string.h>

#include "pf_diff.h"
#include "pf_fs.h"
#include "pf_path.h"

#define ALLOW_MAX_BYTES (16u << 20)

void pf_allow_init(pf_allow *a)
{
    memset(a, 0, sizeof *a);
}

void pf_allow_free(pf_allow *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->rules[i].kind);
        free(a->rules[i].path);
    }
    free(a->rules);
    free(a->name);
    memset(a, 0, sizeof *a);
}

int pf_glob_match(const char *pat, const char *s)
{
    const char *star = NULL, *mark = NULL;
    while (*s) {
        if (*pat == '*') {
            star = pat++;
            mark = s;
        } else if (*pat == '?' || *pat == *s) {
            pat++;
            s++;
        } else if (star) {
            pat = star + 1;
            s = ++mark;
        } else {
            return 0;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int add_rule(pf_allow *a, const char *kind, size_t kl, const char *path,
                    size_t pl, int line, pf_err *err)
{
    char *k = strndup(kind, kl);
    if (!k)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    int known = 0;
    for (size_t i = 0; pf_diff_kinds[i] && !known; i++)
        known = pf_glob_match(k, pf_diff_kinds[i]);
    if (!known) {
        /* the kind is the user's own text, not a production value */
        pf_err_set(err, PF_E_INPUT,
                   "%s:%d: '%.40s' matches no divergence kind (accept->reject, "
                   "reject->accept, output, new-*, fixed-*, changed-*)",
                   a->name, line, k);
        free(k);
        return -1;
    }
    char *p = NULL;
    if (!(pl == 1 && path[0] == '*')) {
        pf_buf c = PF_BUF_INIT;
        pf_err e = PF_ERR_INIT;
        if (pf_path_canon(path, pl, 0, &c, &e) < 0) {
            pf_buf_free(&c);
            free(k);
            if (e.code == PF_E_NOMEM)
                return pf_err_set(err, PF_E_NOMEM, "out of memory");
            return pf_err_set(err, PF_E_INPUT, "%s:%d: bad path: %s (write $.a.b, "
                              "$.lines[*], $.meta.** or * for any path)",
                              a->name, line, e.msg);
        }
        p = pf_buf_detach(&c, NULL);
        if (!p) {
            free(k);
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
    }
    pf_allow_rule *nr = realloc(a->rules, (a->n + 1) * sizeof *nr);
    if (!nr) {
        free(k);
        free(p);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    a->rules = nr;
    a->rules[a->n++] = (pf_allow_rule){k, p, line, 0};
    return 0;
}

int pf_allow_parse(pf_allow *a, const char *text, size_t len, const char *name,
                   pf_err *err)
{
    free(a->name);
    a->name = strdup(name ? name : "allow");
    if (!a->name)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    int line = 0;
    for (size_t i = 0; i < len;) {
        line++;
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t s = i, e = end;
        i = nl ? end + 1 : len;
        if (memchr(text + s, '\0', e - s))
            return pf_err_set(err, PF_E_INPUT, "%s:%d: a NUL byte", a->name, line);
        while (s < e && is_blank(text[s]))
            s++;
        while (e > s && is_blank(text[e - 1]))
            e--;
        if (s == e || text[s] == '#')
            continue;
        size_t k = s;
        while (k < e && !is_blank(text[k]))
            k++;
        size_t p = k;
        while (p < e && is_blank(text[p]))
            p++;
        if (p == e)
            return pf_err_set(err, PF_E_INPUT,
                              "%s:%d: want KIND PATH (e.g. 'accept->reject $.customer.email' "
                              "or 'output *')", a->name, line);
        if (add_rule(a, text + s, k - s, text + p, e - p, line, err) < 0)
            return -1;
    }
    return 0;
}

int pf_allow_load(pf_allow *a, const char *file, pf_err *err)
{
    pf_buf t = PF_BUF_INIT;
    if (pf_fs_read_file(file, ALLOW_MAX_BYTES, &t, err) < 0) {
        pf_buf_free(&t);
        return -1;
    }
    int rc = pf_allow_parse(a, t.data ? t.data : "", t.len, file, err);
    pf_buf_free(&t);
    return rc;
}

pf_allow_rule *pf_allow_match(pf_allow *a, const char *kind, const char *path)
{
    for (size_t i = 0; i < a->n; i++) {
        pf_allow_rule *r = &a->rules[i];
        if (!pf_glob_match(r->kind, kind))
            continue;
        if (r->path && !pf_path_match(r->path, path && *path ? path : "$"))
            continue;
        r->hits++;
        return r;
    }
    return NULL;
}
