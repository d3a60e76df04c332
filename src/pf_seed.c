/*
 * pf_seed: the fixture set of `seed-tests`: path signatures, one fixture
 * per key (the smallest input), readable names, output comparison. See
 * pf_seed.h; writing the folder is pf_seed_write.c, the runners
 * pf_seed_runner.c.
 */
#include "pf_seed.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pf_buf.h"
#include "pf_hash.h"
#include "pf_json.h"

void pf_seed_init(pf_seed *s)
{
    memset(s, 0, sizeof *s);
}

static void fixture_free(pf_seed_fixture *f)
{
    free(f->name);
    free(f->data);
    free(f->origin);
    free(f->path);
    free(f->kind);
    free(f->signature);
    free(f->out);
}

void pf_seed_free(pf_seed *s)
{
    for (size_t i = 0; i < s->n; i++)
        fixture_free(&s->f[i]);
    free(s->f);
    memset(s, 0, sizeof *s);
}

/* ---- path signature ---------------------------------------------------- */

typedef struct sigctx {
    char **pairs;
    size_t n, cap;
    int oom;
} sigctx;

static int collect(void *ctx, const pf_json *j, int tok, int key,
                   const pf_path *path, pf_err *err)
{
    (void)key;
    (void)err;
    sigctx *c = ctx;
    if (pf_path_ok(path, NULL) < 0) { /* a path that could not grow */
        c->oom = 1;
        return -1;
    }
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        char **p = realloc(c->pairs, nc * sizeof *p);
        if (!p) {
            c->oom = 1;
            return -1;
        }
        c->pairs = p;
        c->cap = nc;
    }
    const char *kind = pf_jkind_name(pf_json_kind(j, tok));
    size_t pl = pf_path_len(path), kl = strlen(kind);
    char *s = malloc(pl + kl + 2);
    if (!s) {
        c->oom = 1;
        return -1;
    }
    memcpy(s, pf_path_str(path), pl);
    s[pl] = ':';
    memcpy(s + pl + 1, kind, kl + 1);
    c->pairs[c->n++] = s;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

long pf_seed_path_signature(const char *data, size_t len, pf_buf *out,
                            pf_err *err)
{
    pf_buf_reset(out);
    pf_json j = PF_JSON_INIT;
    pf_err perr = PF_ERR_INIT;
    if (pf_json_parse(&j, data, len, &perr) < 0) {
        pf_json_free(&j);
        if (perr.code == PF_E_NOMEM)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        pf_buf_adds(out, "not-json");
        return pf_buf_ok(out, err) < 0 ? -1 : 0;
    }
    sigctx c = {0};
    int rc = pf_json_walk(&j, collect, &c, &perr);
    pf_json_free(&j);
    long n = 0;
    if (rc < 0 || c.oom) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        n = -1;
    } else {
        qsort(c.pairs, c.n, sizeof *c.pairs, cmp_str);
        for (size_t i = 0; i < c.n; i++) {
            if (i && !strcmp(c.pairs[i], c.pairs[i - 1]))
                continue;
            pf_buf_adds(out, c.pairs[i]);
            pf_buf_addc(out, '\n');
            n++;
        }
        if (pf_buf_ok(out, err) < 0)
            n = -1;
    }
    for (size_t i = 0; i < c.n; i++)
        free(c.pairs[i]);
    free(c.pairs);
    return n;
}

/* ---- the set ------------------------------------------------------------ */

static int is_json(const char *data, size_t len)
{
    pf_json j = PF_JSON_INIT;
    int ok = pf_json_parse(&j, data, len, NULL) == 0;
    pf_json_free(&j);
    return ok;
}

/* the failure's identity: its signature, else its kind */
static const char *failure_id(const pf_result *res)
{
    if (res->outcome == PF_OUT_OK || res->outcome == PF_OUT_REJECTED)
        return "";
    if (res->crash.signature && *res->crash.signature)
        return res->crash.signature;
    return res->crash.kind;
}

static char *dup_or_null(const char *s, size_t n, int *oom)
{
    if (!s)
        return NULL;
    char *d = malloc(n + 1);
    if (!d) {
        *oom = 1;
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* (re)fill f from this input and result */
static int fill(pf_seed_fixture *f, const char *data, size_t len,
                const char *origin, const char *path, const char *cls,
                const pf_result *res, int with_output, pf_err *err)
{
    fixture_free(f);
    int oom = 0;
    f->name = NULL;
    f->data = dup_or_null(data, len, &oom);
    f->len = len;
    f->origin = dup_or_null(origin ? origin : "", strlen(origin ? origin : ""), &oom);
    f->path = path && *path ? dup_or_null(path, strlen(path), &oom) : NULL;
    f->cls = cls;
    f->json = is_json(data, len);
    f->outcome = res->outcome;
    f->kind = NULL;
    f->signature = NULL;
    if (pf_outcome_is_failure(res->outcome)) {
        const char *k = *res->crash.kind ? res->crash.kind : pf_outcome_name(res->outcome);
        f->kind = dup_or_null(k, strlen(k), &oom);
        if (res->crash.signature && *res->crash.signature)
            f->signature = dup_or_null(res->crash.signature,
                                       strlen(res->crash.signature), &oom);
    }
    f->exit_code = res->exit_code;
    f->signal = res->signal;
    f->out = NULL;
    f->out_len = 0;
    f->out_json = 0;
    if (with_output && !pf_outcome_is_failure(res->outcome) && res->out.len) {
        f->out = dup_or_null(res->out.data, res->out.len, &oom);
        f->out_len = res->out.len;
        f->out_json = f->out && pf_seed_output_is_json(f->out, f->out_len);
    }
    if (oom)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    return 0;
}

int pf_seed_offer(pf_seed *s, const char *data, size_t len, const char *origin,
                  const char *path, const char *cls, int keep,
                  const pf_result *res, int with_output, pf_err *err)
{
    s->inputs++;
    /* the same bytes give the same outcome: one fixture (a reproducer is
     * still written under its own name) */
    for (size_t i = 0; i < s->n && !keep; i++)
        if (s->f[i].len == len && !memcmp(s->f[i].data, data, len)) {
            s->f[i].covers++;
            return 0;
        }
    pf_buf sig = PF_BUF_INIT, key = PF_BUF_INIT;
    long np = pf_seed_path_signature(data, len, &sig, err);
    if (np < 0)
        return -1;
    char paths[41], k[41];
    if (pf_sha1_hex(sig.data, sig.len, paths, err) < 0) {
        pf_buf_free(&sig);
        return -1;
    }
    pf_buf_free(&sig);
    /* a mutant is known by what it changed where: the smallest oversize
     * city stays a fixture beside the production documents */
    if (path && *path)
        pf_buf_addf(&key, "%s|%s|mutant|%s|%s", pf_outcome_name(res->outcome),
                    failure_id(res), cls, path);
    else
        pf_buf_addf(&key, "%s|%s|%s", pf_outcome_name(res->outcome),
                    failure_id(res), paths);
    if (keep) /* a reproducer keeps its own fixture */
        pf_buf_addf(&key, "|keep %llu", (unsigned long long)s->inputs);
    if (pf_buf_ok(&key, err) < 0 || pf_sha1_hex(key.data, key.len, k, err) < 0) {
        pf_buf_free(&key);
        return -1;
    }
    pf_buf_free(&key);
    for (size_t i = 0; i < s->n; i++) {
        pf_seed_fixture *f = &s->f[i];
        if (strcmp(f->key, k))
            continue;
        f->covers++;
        if (len >= f->len)
            return 0;
        uint64_t covers = f->covers;
        if (fill(f, data, len, origin, path, cls, res, with_output, err) < 0)
            return -1;
        f->covers = covers;
        memcpy(f->key, k, sizeof k);
        memcpy(f->paths, paths, sizeof paths);
        f->npaths = (size_t)np;
        return 1;
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 32;
        pf_seed_fixture *p = realloc(s->f, nc * sizeof *p);
        if (!p)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        s->f = p;
        s->cap = nc;
    }
    pf_seed_fixture *f = &s->f[s->n];
    memset(f, 0, sizeof *f);
    s->n++;
    if (fill(f, data, len, origin, path, cls, res, with_output, err) < 0)
        return -1;
    f->covers = 1;
    memcpy(f->key, k, sizeof k);
    memcpy(f->paths, paths, sizeof paths);
    f->npaths = (size_t)np;
    return 1;
}

/* ---- names ---------------------------------------------------------------- */

/* a path or kind as part of a file name: letters, digits and "$._-[]" kept,
 * "[*]" written "[]", anything else '_', at most max bytes */
static void add_name_part(pf_buf *b, const char *s, size_t max)
{
    size_t put = 0;
    for (const char *p = s; *p && put < max; p++, put++) {
        unsigned char c = (unsigned char)*p;
        if (p[0] == '[' && p[1] == '*' && p[2] == ']') {
            pf_buf_adds(b, "[]");
            p += 2;
            put++;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') || strchr("$._-", c)) {
            pf_buf_addc(b, (char)c);
        } else {
            pf_buf_addc(b, '_');
        }
    }
}

static int name_taken(const pf_seed *s, size_t upto, const char *name)
{
    for (size_t i = 0; i < upto; i++)
        if (s->f[i].name && !strcmp(s->f[i].name, name))
            return 1;
    return 0;
}

int pf_seed_name(pf_seed *s, pf_err *err)
{
    pf_buf b = PF_BUF_INIT;
    for (size_t i = 0; i < s->n; i++) {
        pf_seed_fixture *f = &s->f[i];
        char hex[41];
        if (pf_sha1_hex(f->data, f->len, hex, err) < 0) {
            pf_buf_free(&b);
            return -1;
        }
        for (int hl = 4; hl <= 40; hl += 4) {
            pf_buf_reset(&b);
            pf_buf_adds(&b, pf_outcome_name(f->outcome));
            if (f->kind && strcmp(f->kind, pf_outcome_name(f->outcome))) {
                pf_buf_addc(&b, '-');
                add_name_part(&b, f->kind, 32);
            }
            pf_buf_addc(&b, '-');
            pf_buf_adds(&b, f->cls);
            if (f->path) {
                pf_buf_addc(&b, '-');
                add_name_part(&b, f->path, 64);
            }
            pf_buf_addf(&b, "-%.*s.%s", hl, hex, f->json ? "json" : "bin");
            if (pf_buf_ok(&b, err) < 0) {
                pf_buf_free(&b);
                return -1;
            }
            if (!name_taken(s, i, b.data) || hl == 40)
                break;
        }
        if (name_taken(s, i, b.data)) /* the same bytes twice: reproducers */
            pf_buf_addf(&b, "-%zu", i);
        free(f->name);
        f->name = NULL;
        if (pf_buf_ok(&b, err) < 0 || !(f->name = strdup(b.data))) {
            pf_buf_free(&b);
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
    }
    pf_buf_free(&b);
    return 0;
}

/* ---- output comparison ---------------------------------------------------- */

/* cJSON gets NUL-terminated text only (design.md: cJSON issue 800) */
static cJSON *parse_copy(const char *p, size_t n)
{
    char *t = malloc(n + 1);
    if (!t)
        return NULL;
    memcpy(t, p, n);
    t[n] = '\0';
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithOpts(t, &end, 0);
    if (v && end) { /* only whitespace after the value */
        while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
            end++;
        if (*end || (size_t)(end - t) != n) {
            cJSON_Delete(v);
            v = NULL;
        }
    }
    free(t);
    return v;
}

int pf_seed_output_is_json(const char *p, size_t n)
{
    cJSON *v = parse_copy(p, n);
    cJSON_Delete(v);
    return v != NULL;
}

int pf_seed_same_output(const char *a, size_t alen, const char *b,
                        size_t blen)
{
    if (alen == blen && (alen == 0 || !memcmp(a, b, alen)))
        return 1;
    cJSON *ja = parse_copy(a, alen);
    cJSON *jb = ja ? parse_copy(b, blen) : NULL;
    int r = ja && jb && cJSON_Compare(ja, jb, 1);
    cJSON_Delete(ja);
    cJSON_Delete(jb);
    return r;
}
