/*
 * pf_nightly_minimize: make a JSON reproducer smaller while a predicate
 * (the caller's "still fails with the same signature") holds.
 *
 * libFuzzer's -minimize_crash cuts bytes, which breaks a document's syntax
 * at almost every step, and with a custom mutator linked in it mutates
 * instead of cutting: on the example service it seldom gains a byte. This
 * works on the document's structure instead (pf_json tokens): it drops one
 * object member or array element at a time (largest first, with its
 * comma), then halves long strings, and keeps every step the predicate
 * accepts, until a whole pass gains nothing or the time is up. Every
 * candidate stays valid JSON, so the target's validation still lets it
 * through to the bug.
 *
 * Then, with a production document to aim at (the nearest seed), every
 * scalar value that differs from the value at the same path there is set
 * back to production's, one at a time, while the failure holds: what is
 * left different is what the bug needs, so the explanation names it and
 * not the noise the engine's other mutations left behind.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_json.h"
#include "pf_nightly.h"
#include "pf_path.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct cut {
    size_t start, end;  /* bytes removed: [start, end) */
    size_t keep;        /* for strings: bytes of content kept, else 0 */
} cut;

static int by_size(const void *a, const void *b)
{
    const cut *x = a, *y = b;
    size_t sx = x->end - x->start, sy = y->end - y->start;
    return sx < sy ? 1 : sx > sy ? -1 : (x->start > y->start) - (x->start < y->start);
}

/* The deletions of one pass: every member and element with its comma, and
 * the second half of every string longer than 8 bytes. */
static int plan(const pf_json *j, cut **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    cut *c = calloc((size_t)j->ntok * 2 + 1, sizeof *c);
    if (!c)
        return -1;
    for (int p = 0; p < j->ntok; p++) {
        const pf_jtok *t = &j->tok[p];
        if (t->type == PF_JT_STRING && t->size == 0 && t->end - t->start > 8) {
            size_t len = (size_t)(t->end - t->start), keep = len / 2;
            /* never split an escape or a UTF-8 sequence */
            while (keep > 0 && ((unsigned char)j->text[t->start + keep] & 0xC0) == 0x80)
                keep--;
            size_t bs = 0;
            while (keep > bs && j->text[t->start + keep - 1 - bs] == '\\')
                bs++;
            if (bs % 2)
                keep--;
            /* a \uXXXX escape: cut before it */
            for (size_t k = keep >= 5 ? keep - 5 : 0; k < keep; k++)
                if (j->text[t->start + k] == '\\' && j->text[t->start + k + 1] == 'u') {
                    keep = k;
                    break;
                }
            if (keep < len && keep > 0)
                c[(*n)++] = (cut){(size_t)t->start + keep, (size_t)t->end, keep};
        }
        if (t->type != PF_JT_OBJECT && t->type != PF_JT_ARRAY)
            continue;
        int obj = t->type == PF_JT_OBJECT;
        int prev = -1;
        for (int ch = p + 1; ch < j->next[p]; ch = j->next[ch]) {
            size_t s, e, ns, ne;
            pf_json_span(j, ch, &s, &e);
            if (obj)
                pf_json_span(j, ch + 1, &ns, &e);
            int nxt = j->next[ch];
            if (nxt < j->next[p]) {
                pf_json_span(j, nxt, &ns, &ne);
                c[(*n)++] = (cut){s, ns, 0};          /* "a":1, | next */
            } else if (prev >= 0) {
                size_t ps, pe;
                pf_json_span(j, obj ? prev + 1 : prev, &ps, &pe);
                c[(*n)++] = (cut){pe, e, 0};          /* prev | , "a":1 */
            } else {
                c[(*n)++] = (cut){s, e, 0};           /* the only one */
            }
            prev = ch;
        }
    }
    qsort(c, *n, sizeof *c, by_size);
    *out = c;
    return 0;
}

int pf_json_minimize(const char *data, size_t len,
                     int (*still)(void *ctx, const char *d, size_t n),
                     void *ctx, double seconds, pf_buf *out, pf_err *err)
{
    double end = now_s() + seconds;
    pf_buf cur = PF_BUF_INIT, cand = PF_BUF_INIT;
    pf_buf_add(&cur, data, len);
    if (pf_buf_ok(&cur, err) < 0)
        return -1;
    int rc = 0, progress = 1;
    while (progress && now_s() < end) {
        progress = 0;
        pf_json j = PF_JSON_INIT;
        pf_err perr = PF_ERR_INIT;
        if (pf_json_parse(&j, cur.data, cur.len, &perr) < 0) {
            pf_json_free(&j);
            break; /* not JSON (any more): nothing structural to cut */
        }
        cut *c = NULL;
        size_t n = 0;
        if (plan(&j, &c, &n) < 0) {
            pf_json_free(&j);
            rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
            break;
        }
        for (size_t i = 0; i < n && now_s() < end; i++) {
            pf_buf_reset(&cand);
            pf_buf_add(&cand, cur.data, c[i].start);
            pf_buf_add(&cand, cur.data + c[i].end, cur.len - c[i].end);
            if (pf_buf_ok(&cand, err) < 0) {
                rc = -1;
                break;
            }
            int r = still(ctx, cand.data, cand.len);
            if (r < 0) {
                rc = pf_err_set(err, PF_E_ENV, "the target could not be run "
                                "while minimizing");
                break;
            }
            if (r) {
                pf_buf t = cur;
                cur = cand;
                cand = t;
                progress = 1;
                break; /* the spans moved: plan again */
            }
        }
        free(c);
        pf_json_free(&j);
        if (rc < 0)
            break;
    }
    if (rc == 0) {
        pf_buf_reset(out);
        pf_buf_add(out, cur.data, cur.len);
        rc = pf_buf_ok(out, err);
    }
    pf_buf_free(&cur);
    pf_buf_free(&cand);
    return rc;
}

/* ---- toward production -------------------------------------------------------- */

typedef struct leaf {
    char *path;
    size_t start, end; /* whole value text */
} leaf;

typedef struct leaves {
    leaf *v;
    size_t n, cap;
    int oom;
} leaves;

static int collect_leaf(void *ctx, const pf_json *j, int tok, int key,
                        const pf_path *path, pf_err *err)
{
    (void)key;
    (void)err;
    leaves *l = ctx;
    pf_jtype ty = j->tok[tok].type;
    if (ty == PF_JT_OBJECT || ty == PF_JT_ARRAY)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        leaf *g = realloc(l->v, cap * sizeof *g);
        if (!g) {
            l->oom = 1;
            return -1;
        }
        l->v = g;
        l->cap = cap;
    }
    leaf *e = &l->v[l->n];
    if (!(e->path = strdup(pf_path_str(path)))) {
        l->oom = 1;
        return -1;
    }
    pf_json_span(j, tok, &e->start, &e->end);
    l->n++;
    return 0;
}

static void leaves_free(leaves *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].path);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int leaves_of(const char *text, size_t len, leaves *l, pf_err *err)
{
    memset(l, 0, sizeof *l);
    pf_json j = PF_JSON_INIT;
    pf_err perr = PF_ERR_INIT;
    if (pf_json_parse(&j, text, len, &perr) < 0) {
        pf_json_free(&j);
        return 1; /* not JSON: nothing to do */
    }
    int rc = pf_json_walk(&j, collect_leaf, l, &perr);
    pf_json_free(&j);
    if (rc < 0 || l->oom) {
        leaves_free(l);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    return 0;
}

int pf_json_toward(const char *data, size_t len, const char *ref, size_t rlen,
                   int (*still)(void *ctx, const char *d, size_t n), void *ctx,
                   double seconds, pf_buf *out, pf_err *err)
{
    double end = now_s() + seconds;
    leaves rl;
    int r = leaves_of(ref, rlen, &rl, err);
    pf_buf_reset(out);
    pf_buf_add(out, data, len);
    if (r != 0)
        return r < 0 ? -1 : pf_buf_ok(out, err);
    pf_buf cand = PF_BUF_INIT;
    int rc = 0;
    /* the pos-th value that differs from production: set back (it stops
     * differing, pos stays) or kept (pos moves on); spans are read again
     * after every change */
    size_t pos = 0;
    while (now_s() < end) {
        leaves cl;
        int q = leaves_of(out->data, out->len, &cl, err);
        if (q != 0) {
            rc = q < 0 ? -1 : 0;
            break;
        }
        const leaf *c = NULL, *p = NULL;
        size_t k = 0;
        for (size_t i = 0; i < cl.n && !c; i++) {
            const leaf *pp = NULL;
            for (size_t m = 0; m < rl.n && !pp; m++)
                if (!strcmp(rl.v[m].path, cl.v[i].path))
                    pp = &rl.v[m];
            if (!pp)
                continue;
            size_t cn = cl.v[i].end - cl.v[i].start, pn = pp->end - pp->start;
            if (cn == pn && !memcmp(out->data + cl.v[i].start, ref + pp->start, cn))
                continue;
            if (k++ == pos) {
                c = &cl.v[i];
                p = pp;
            }
        }
        if (!c) {
            leaves_free(&cl);
            break;
        }
        pf_buf_reset(&cand);
        pf_buf_add(&cand, out->data, c->start);
        pf_buf_add(&cand, ref + p->start, p->end - p->start);
        pf_buf_add(&cand, out->data + c->end, out->len - c->end);
        leaves_free(&cl);
        if (pf_buf_ok(&cand, err) < 0) {
            rc = -1;
            break;
        }
        int st = still(ctx, cand.data, cand.len);
        if (st < 0) {
            rc = pf_err_set(err, PF_E_ENV, "the target could not be run "
                            "while minimizing");
            break;
        }
        if (st) {
            pf_buf t = *out;
            *out = cand;
            cand = t;
        } else {
            pos++;
        }
    }
    pf_buf_free(&cand);
    leaves_free(&rl);
    return rc;
}
