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
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_json.h"
#include "pf_nightly.h"

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
