/*
 * pf_anon: the anonymization engine over one document at a time.
 *
 * A document is tokenized by pf_json (spans over the original text) and
 * walked in text order; the output is the original text with the spans of
 * transformed values (and of object keys that hold data) replaced, so
 * whatever is kept stays byte-identical and numbers keep their spelling.
 *
 * Which action applies at a value: the first policy rule matching its
 * path; else the action of the nearest enclosing container a rule matched
 * (a rule on an object applies to everything inside it, and a deeper rule
 * overrides it); else the policy default (scramble). Booleans and nulls
 * are left as they are (they carry no personal data), unless the action
 * is null.
 *
 * Results are cached per (action, value) in a fixed-size table (inline up
 * to 48 bytes, longer ones on the heap up to a byte budget), so repeated
 * values cost one lookup instead of a transform; the cache lives in memory
 * only, keyed by SipHash under a key derived from the user's (it cannot be
 * flooded by chosen values). A value gets an entry the second time it is
 * seen: a table of tags (8 bytes a slot, small enough to stay in the CPU
 * cache) remembers first sightings, so the unique values that most of a
 * table holds (ids, e-mails, timestamps) never touch the 5 MB of entries.
 * Hits return exactly what the transform computes: the output does not
 * depend on the cache (tests compare with the cache off).
 */
#include <stdlib.h>
#include <string.h>

#include "pf_anon_int.h"
#include "pf_format.h"
#include "pf_json.h"
#include "pf_path.h"

#define CACHE_BITS 15
#define CACHE_IN 48
#define CACHE_OUT 64
#define LEAK_MAX_SLOTS ((size_t)1 << 20) /* 8 MiB of fingerprints per set */
#define REPORT_LINES 100

#define CACHE_BIG_MAX ((size_t)64 << 10)   /* longest value cached */
#define CACHE_HEAP_MAX ((size_t)8 << 20)   /* bytes of long values cached */

/* Rule lookups per (table, path): documents repeat their paths, rules
 * are matched once per distinct path instead of once per value. */
#define RCACHE_BITS 12
typedef struct rentry {
    uint64_t h;
    char *key; /* table NUL path */
    size_t klen;
    int rule;  /* index, or -1 for no rule */
} rentry;

typedef struct centry {
    uint64_t h;
    const pf_action *act;
    uint32_t ilen, olen;
    uint8_t isnum, xr, kept_parts, used;
    char *big; /* heap copy of in + out when they do not fit inline */
    /* the value's leak-check operations (pairs: operation, fingerprint)
     * and whether a token came through in place: a pure function of
     * value and output, so a hit replays them instead of tokenizing and
     * hashing again (exactly the same check) */
    uint64_t *lk;
    uint32_t nlk;
    uint8_t lk_ok, lk_local;
    char in[CACHE_IN];
    char out[CACHE_OUT];
} centry;

struct pf_anon {
    const pf_policy *pol;
    pf_policy *owned;
    pf_xf xf;
    int verify;
    pf_leakset orig, outs;
    /* deferred leak check (a worker of pf_anon_pool): the set operations
     * are logged for the pool to replay in input order on one engine */
    int defer;
    uint64_t *dlog;
    size_t dlog_n, dlog_cap;
    int dlog_oom;
    size_t cache_heap, cache_heap_max;
    int no_cache; /* tests: every value computed */
    centry *cur_e;  /* the entry of the value xform just returned, or NULL */
    int recording;  /* leak operations also go to rec (for cur_e) */
    uint64_t *rec;
    size_t rec_n, rec_cap;
    int rec_oom;
    pf_buf report;
    uint64_t reported;
    pf_json j;
    pf_buf val, res, spath;
    pf_path mp; /* the value's path with data keys folded to {*}, for rules */
    rentry *rcache;
    pf_buf rkey;
    int *dep; /* depth of each value token of the current document */
    size_t dep_cap;
    const pf_action **inh;
    size_t inh_cap;
    centry *cache;
    uint64_t *ctag; /* per slot: hash | 1 of the last value seen there */
    pf_anon_stats st;
    pf_action key_act;
    /* the document being processed */
    const char *table, *row;
    pf_buf *out;
    size_t pos;
    /* explain mode */
    pf_buf *explain;
    uint64_t *seen;
    size_t nseen, seen_cap;
};

int pf_anon_new(pf_anon **out, const pf_key *key, const pf_policy *policy,
                int verify, pf_err *err)
{
    *out = NULL;
    pf_anon *a = calloc(1, sizeof *a);
    if (!a)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    if (!policy) {
        if (pf_policy_default(&a->owned, err) < 0) {
            free(a);
            return -1;
        }
        policy = a->owned;
    }
    a->pol = policy;
    if (pf_xf_init(&a->xf, key, err) < 0) {
        pf_policy_free(a->owned);
        free(a);
        return -1;
    }
    a->verify = verify;
    a->cache_heap_max = CACHE_HEAP_MAX;
    pf_path_init(&a->mp);
    pf_leakset_init(&a->orig, LEAK_MAX_SLOTS);
    pf_leakset_init(&a->outs, LEAK_MAX_SLOTS);
    a->cache = calloc((size_t)1 << CACHE_BITS, sizeof *a->cache);
    a->ctag = calloc((size_t)1 << CACHE_BITS, sizeof *a->ctag);
    a->rcache = calloc((size_t)1 << RCACHE_BITS, sizeof *a->rcache);
    a->inh_cap = PF_JSON_DEPTH_LIMIT + 2;
    a->inh = calloc(a->inh_cap, sizeof *a->inh);
    if (!a->cache || !a->ctag || !a->inh || !a->rcache) {
        pf_anon_free(a);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    a->key_act = policy->deflt;
    a->key_act.kind = PF_ACT_SCRAMBLE;
    a->key_act.formats = 1;
    a->key_act.text = NULL;
    *out = a;
    return 0;
}

void pf_anon_free(pf_anon *a)
{
    if (!a)
        return;
    pf_xf_free(&a->xf);
    pf_leakset_free(&a->orig);
    pf_leakset_free(&a->outs);
    pf_buf_free(&a->report);
    pf_json_free(&a->j);
    pf_buf_free(&a->val);
    pf_buf_free(&a->res);
    pf_buf_free(&a->spath);
    pf_path_free(&a->mp);
    if (a->rcache)
        for (size_t i = 0; i < ((size_t)1 << RCACHE_BITS); i++)
            free(a->rcache[i].key);
    free(a->rcache);
    free(a->dep);
    pf_buf_free(&a->rkey);
    free(a->inh);
    if (a->cache) {
        for (size_t i = 0; i < ((size_t)1 << CACHE_BITS); i++)
        {
            free(a->cache[i].big);
            free(a->cache[i].lk);
        }
        memset(a->cache, 0, ((size_t)1 << CACHE_BITS) * sizeof *a->cache);
    }
    free(a->cache);
    free(a->ctag);
    free(a->seen);
    free(a->dlog);
    free(a->rec);
    pf_policy_free(a->owned);
    free(a);
}

uint64_t pf_anon_leaks(const pf_anon *a) { return a->st.leaks; }

const char *pf_anon_leak_report(const pf_anon *a)
{
    return pf_buf_str(&a->report);
}

void pf_anon_get_stats(const pf_anon *a, pf_anon_stats *st)
{
    *st = a->st;
    st->prf_calls = a->xf.prf.calls;
    st->aes_calls = a->xf.aes.calls;
    st->untracked = a->orig.untracked + a->outs.untracked;
}

/* ---- transform with cache ---------------------------------------------------- */

static pf_xr xform(pf_anon *a, const pf_action *act, int isnum, const char *s,
                   size_t n, pf_buf *res)
{
    pf_buf_reset(res);
    a->cur_e = NULL;
    uint64_t h = 0;
    centry *e = NULL;
    if (n <= CACHE_BIG_MAX && !a->no_cache) {
        h = pf_sip(a->xf.sipkey, s, n) ^ ((uint64_t)(uintptr_t)act * 0x9e3779b97f4a7c15ULL) ^
            (uint64_t)isnum;
        size_t i = h & (((size_t)1 << CACHE_BITS) - 1);
        uint64_t t = h | 1;
        if (a->ctag[i] == t) {
            e = &a->cache[i];
            if (e->used && e->h == h && e->act == act && e->isnum == isnum && e->ilen == n &&
                !memcmp(e->big ? e->big : e->in, s, n)) {
                a->st.cache_hits++;
                pf_buf_add(res, e->big ? e->big + e->ilen : e->out, e->olen);
                a->xf.kept_parts = e->kept_parts;
                a->cur_e = e;
                return (pf_xr)e->xr;
            }
            /* seen before: worth an entry now */
        } else {
            /* first sighting: only the tag (the table of tags stays in the
             * CPU cache; entries for unique values would not) */
            a->ctag[i] = t;
        }
        a->st.cache_misses++;
    }
    pf_xr xr = isnum ? pf_xf_number(&a->xf, act, s, n, res)
                     : pf_xf_string(&a->xf, act, s, n, res);
    if (e && !res->oom) {
        int inl = n <= CACHE_IN && res->len <= CACHE_OUT;
        char *big = NULL;
        if (!inl && a->cache_heap + n + res->len <= a->cache_heap_max)
            big = malloc(n + res->len + 1);
        if (inl || big) {
            if (e->big) {
                a->cache_heap -= e->ilen + e->olen;
                free(e->big);
                e->big = NULL;
            }
            if (e->lk) {
                a->cache_heap -= (size_t)e->nlk * sizeof *e->lk;
                free(e->lk);
                e->lk = NULL;
            }
            e->nlk = 0;
            e->lk_ok = 0;
            e->lk_local = 0;
            a->cur_e = e;
            e->used = 1;
            e->h = h;
            e->act = act;
            e->isnum = (uint8_t)isnum;
            e->ilen = (uint32_t)n;
            e->olen = (uint32_t)res->len;
            e->xr = (uint8_t)xr;
            e->kept_parts = (uint8_t)a->xf.kept_parts;
            if (big) {
                if (n)
                    memcpy(big, s, n);
                if (res->len) /* an empty result may have no buffer yet */
                    memcpy(big + n, res->data, res->len);
                e->big = big;
                a->cache_heap += n + res->len;
            } else {
                if (n)
                    memcpy(e->in, s, n);
                if (res->len)
                    memcpy(e->out, res->data, res->len);
            }
        }
    }
    return xr;
}

/* ---- paths safe to print ------------------------------------------------------ */

static int key_is_known_original(pf_anon *a, const char *s, size_t n);

/* The path of token tok with keys that hold data shown as {*}, so reports
 * never carry a value that sits in a key. */
static void safe_path(pf_anon *a, const pf_json *j, int tok, pf_buf *out)
{
    int chain[64];
    int n = 0, cur = tok, truncated = 0;
    while (cur >= 0 && j->tok[cur].parent >= 0) {
        int p = j->tok[cur].parent;
        if (n == 64) {
            truncated = 1;
            break;
        }
        chain[n++] = p;
        cur = j->tok[p].type == PF_JT_STRING ? j->tok[p].parent : p;
    }
    pf_buf_reset(out);
    pf_buf_addc(out, '$');
    if (truncated)
        pf_buf_adds(out, ".**");
    for (int i = n - 1; i >= 0; i--) {
        int p = chain[i];
        if (j->tok[p].type == PF_JT_ARRAY) {
            pf_buf_adds(out, "[*]");
        } else {
            pf_buf_reset(&a->val);
            pf_json_unescape(j, p, &a->val);
            if (pf_fmt_key_is_data(a->val.data, a->val.len) ||
                key_is_known_original(a, a->val.data, a->val.len))
                pf_buf_adds(out, "{*}");
            else
                pf_path_add_key(out, a->val.data, a->val.len);
        }
    }
}

/* ---- leak check ------------------------------------------------------------------ */

typedef struct leakctx {
    pf_anon *a;
    const char *orig;
    size_t orig_n;
    int kept_parts;
    int hit;
    int local; /* a token came through in place */
} leakctx;

/* Tokens whose class pattern leaves fewer than 2^48 possible values
 * ("wide" in pf_leak_tokens) are compared with the same value only (a
 * scrambled "Berlin" is one of 2^28 six-letter words and would, on a big
 * run, now and then be some other row's original by pure chance). Longer
 * tokens are also compared across the whole run, where a chance match
 * needs a 2^48-to-1 coincidence. */

/* The leak check's set operations. Done at once on a plain engine; on a
 * worker of pf_anon_pool (defer) logged as pairs of words (operation,
 * fingerprint) and replayed by pf_anon_replay in input order, so that a
 * run gives the same leak results whatever the number of threads. */
enum { LK_ORIG = 1, LK_OUT, LK_HAS, LK_END };
/* LK_END flags: bit 8 the value came through in place (hit without the
 * sets), bits 9-10 the report's kind, bits 16+ the value's token */
enum { LK_VALUE = 0, LK_KEY = 1, LK_TEXT = 2 };

static void dlog_put(pf_anon *a, uint64_t op, uint64_t fp)
{
    if (a->dlog_n + 2 > a->dlog_cap) {
        size_t c = a->dlog_cap ? a->dlog_cap * 2 : 1024;
        uint64_t *v = realloc(a->dlog, c * sizeof *v);
        if (!v) {
            a->dlog_oom = 1;
            return;
        }
        a->dlog = v;
        a->dlog_cap = c;
    }
    a->dlog[a->dlog_n++] = op;
    a->dlog[a->dlog_n++] = fp;
}

/* One set operation; 1 when it finds an original among outputs or the
 * other way round. */
static int lk_apply(pf_anon *a, unsigned op, uint64_t fp)
{
    switch (op) {
    case LK_ORIG:
        pf_leakset_add(&a->orig, fp);
        return pf_leakset_has(&a->outs, fp);
    case LK_OUT:
        pf_leakset_add(&a->outs, fp);
        return pf_leakset_has(&a->orig, fp);
    case LK_HAS:
        return pf_leakset_has(&a->orig, fp);
    default:
        return 0;
    }
}

static void rec_put(pf_anon *a, uint64_t op, uint64_t fp)
{
    if (a->rec_n + 2 > a->rec_cap) {
        size_t c = a->rec_cap ? a->rec_cap * 2 : 64;
        uint64_t *v = realloc(a->rec, c * sizeof *v);
        if (!v) {
            a->rec_oom = 1;
            return;
        }
        a->rec = v;
        a->rec_cap = c;
    }
    a->rec[a->rec_n++] = op;
    a->rec[a->rec_n++] = fp;
}

static void lk_op(pf_anon *a, unsigned op, uint64_t fp, int *hit)
{
    if (a->recording)
        rec_put(a, op, fp);
    if (a->defer)
        dlog_put(a, op, fp);
    else if (lk_apply(a, op, fp))
        *hit = 1;
}

/* An original token: remember it, and look for it among earlier outputs. */
static void add_tok(void *c, const char *t, size_t n, size_t off, int wide)
{
    leakctx *l = c;
    (void)off;
    if (!wide)
        return;
    lk_op(l->a, LK_ORIG, pf_sip(l->a->xf.sipkey, t, n), &l->hit);
}

static void check_tok(void *c, const char *t, size_t n, size_t off, int wide)
{
    leakctx *l = c;
    int same = off + n <= l->orig_n && !memcmp(l->orig + off, t, n);
    /* parts a transform keeps by design (a kept e-mail domain, a URL's
     * scheme and TLD) sit at the same offset in the original */
    if (same && l->kept_parts)
        return;
    if (same) {
        l->hit = l->local = 1; /* the value came through where it was */
        return;
    }
    if (!wide)
        return;
    lk_op(l->a, LK_OUT, pf_sip(l->a->xf.sipkey, t, n), &l->hit);
}

static void report_leak(pf_anon *a, const char *row, const char *path, int kind)
{
    a->st.leaks++;
    if (a->reported < REPORT_LINES) {
        pf_buf_addf(&a->report, "%s, path %s%s: an original value survives verbatim\n",
                    row ? row : kind == LK_TEXT ? "value" : "document", path,
                    kind == LK_KEY ? " (key)" : "");
    } else if (a->reported == REPORT_LINES) {
        pf_buf_adds(&a->report, "(more leaks: only the first 100 are listed)\n");
    }
    a->reported++;
}

/* The end of one value's check: report it when something hit. */
static void lk_end(pf_anon *a, const pf_json *j, int tok, int kind, int hit)
{
    if (a->defer) {
        dlog_put(a, LK_END | (uint64_t)(hit ? 1 : 0) << 8 | (uint64_t)kind << 9 |
                        (uint64_t)(uint32_t)tok << 16, 0);
        return;
    }
    if (!hit)
        return;
    if (kind == LK_TEXT) {
        report_leak(a, a->row, "$", kind);
        return;
    }
    if (a->reported < REPORT_LINES)
        safe_path(a, j, tok, &a->spath);
    report_leak(a, a->row, pf_buf_str(&a->spath), kind);
}

/* e: the cache entry of the value and output being checked (from xform),
 * or NULL. */
static void leak_check(pf_anon *a, const pf_json *j, int tok, int kind,
                       const char *o, size_t on, const char *r, size_t rn, int kept_parts,
                       centry *e)
{
    if (e && e->lk_ok) {
        int hit = e->lk_local;
        for (uint32_t i = 0; i + 1 < e->nlk; i += 2)
            lk_op(a, (unsigned)e->lk[i], e->lk[i + 1], &hit);
        lk_end(a, j, tok, kind, hit);
        return;
    }
    leakctx l = {a, o, on, kept_parts, 0, 0};
    if (e) {
        a->recording = 1;
        a->rec_n = 0;
        a->rec_oom = 0;
    }
    pf_leak_tokens(o, on, add_tok, &l);
    pf_leak_tokens(r, rn, check_tok, &l);
    if (e) {
        a->recording = 0;
        size_t bytes = a->rec_n * sizeof *a->rec;
        if (!a->rec_oom && a->cache_heap + bytes <= a->cache_heap_max) {
            uint64_t *v = a->rec_n ? malloc(bytes) : NULL;
            if (v || !a->rec_n) {
                if (v)
                    memcpy(v, a->rec, bytes);
                e->lk = v;
                e->nlk = (uint32_t)a->rec_n;
                e->lk_local = (uint8_t)l.local;
                e->lk_ok = 1;
                a->cache_heap += bytes;
            }
        }
    }
    lk_end(a, j, tok, kind, l.hit);
}

/* ---- the walk ------------------------------------------------------------------------- */

/* A JSON string literal of s. A lone surrogate (written as \\udXXX in the
 * input, decoded by pf_json to a 3-byte sequence that is not UTF-8) goes
 * back out as the same escape, so the output is no less valid than the
 * input; other bytes stay as production wrote them, invalid UTF-8
 * included (the shape keeps byte lengths), hence pf_buf_add_json_bytes. */
static void add_str_body(pf_buf *out, const char *s, size_t n)
{
    size_t at = out->len;
    pf_buf_add_json_bytes(out, s, n); /* "..." */
    if (out->oom || out->len < at + 2)
        return;
    memmove(out->data + at, out->data + at + 1, out->len - at - 2);
    pf_buf_truncate(out, out->len - 2);
}

static void add_str(pf_buf *out, const char *s, size_t n)
{
    if (!memchr(s, '\xED', n)) {
        pf_buf_add_json_bytes(out, s, n);
        return;
    }
    pf_buf_addc(out, '"');
    size_t i = 0, run = 0;
    while (i < n) {
        const unsigned char *u = (const unsigned char *)s + i;
        if (u[0] == 0xED && i + 2 < n && u[1] >= 0xA0 && u[1] <= 0xBF &&
            (u[2] & 0xC0) == 0x80) {
            add_str_body(out, s + run, i - run);
            unsigned cp = 0xD000u | ((unsigned)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
            pf_buf_addf(out, "\\u%04x", cp);
            i += 3;
            run = i;
            continue;
        }
        i++;
    }
    add_str_body(out, s + run, n - run);
    pf_buf_addc(out, '"');
}

static void emit_upto(pf_anon *a, const pf_json *j, size_t upto)
{
    if (a->out && upto > a->pos)
        pf_buf_add(a->out, j->text + a->pos, upto - a->pos);
    if (upto > a->pos)
        a->pos = upto;
}

static int has_backslash(const char *s, size_t n) { return memchr(s, '\\', n) != NULL; }

/* Decoded text of string token t: a pointer into the document when it has
 * no escapes, else into a->val. */
static const char *str_of(pf_anon *a, const pf_json *j, int t, size_t *n)
{
    const char *s = j->text + j->tok[t].start;
    size_t len = (size_t)(j->tok[t].end - j->tok[t].start);
    if (!has_backslash(s, len)) {
        *n = len;
        return s;
    }
    pf_buf_reset(&a->val);
    pf_json_unescape(j, t, &a->val);
    *n = a->val.len;
    return a->val.data;
}

static void explain_line(pf_anon *a, const pf_json *j, int tok, const char *suffix,
                         const pf_action *act, const char *fmt)
{
    safe_path(a, j, tok, &a->spath);
    pf_buf line = PF_BUF_INIT;
    pf_buf_add(&line, a->spath.data, a->spath.len);
    pf_buf_adds(&line, suffix);
    pf_buf_adds(&line, " -> ");
    pf_buf_adds(&line, pf_act_name(act->kind));
    if (act->kind == PF_ACT_EMAIL)
        pf_buf_adds(&line, act->keep_domain ? " (domain kept)" : " (domain scrambled)");
    if (fmt)
        pf_buf_addf(&line, " (%s)", fmt);
    uint64_t h = pf_sip(a->xf.sipkey, line.data, line.len);
    for (size_t i = 0; i < a->nseen; i++)
        if (a->seen[i] == h) {
            pf_buf_free(&line);
            return;
        }
    if (a->nseen == a->seen_cap) {
        size_t c = a->seen_cap ? a->seen_cap * 2 : 64;
        uint64_t *s = realloc(a->seen, c * sizeof *s);
        if (!s) {
            pf_buf_free(&line);
            return;
        }
        a->seen = s;
        a->seen_cap = c;
    }
    a->seen[a->nseen++] = h;
    pf_buf_add(a->explain, line.data, line.len);
    pf_buf_addc(a->explain, '\n');
    pf_buf_free(&line);
}

/* A key left as it is (a field name, or any key under "keys": "keep"):
 * its long tokens must not be an original value seen elsewhere in the run
 * (a map keyed by user names). Checked only, never remembered, so that a
 * value equal to a field name is not reported. */
static void wide_tok(void *c, const char *t, size_t n, size_t off, int wide)
{
    leakctx *l = c;
    (void)off;
    if (wide)
        lk_op(l->a, LK_HAS, pf_sip(l->a->xf.sipkey, t, n), &l->hit);
}

/* For paths in reports only (never deferred): is a kept key a value the
 * run has seen as an original? */
static void known_tok(void *c, const char *t, size_t n, size_t off, int wide)
{
    leakctx *l = c;
    (void)off;
    if (wide && pf_leakset_has(&l->a->orig, pf_sip(l->a->xf.sipkey, t, n)))
        l->hit = 1;
}

static int key_is_known_original(pf_anon *a, const char *s, size_t n)
{
    if (!a->verify)
        return 0;
    leakctx l = {a, s, n, 0, 0, 0};
    pf_leak_tokens(s, n, known_tok, &l);
    return l.hit;
}

static void kept_key_check(pf_anon *a, const pf_json *j, int valtok, const char *s, size_t n)
{
    leakctx l = {a, s, n, 0, 0, 0};
    pf_leak_tokens(s, n, wide_tok, &l);
    lk_end(a, j, valtok, LK_KEY, l.hit);
}

static void do_key(pf_anon *a, const pf_json *j, int key, int valtok, const pf_action *act)
{
    if (act->kind == PF_ACT_KEEP || a->pol->keys == PF_KEYS_KEEP) {
        if (a->verify && !a->explain && act->kind != PF_ACT_KEEP) {
            size_t n;
            const char *s = str_of(a, j, key, &n);
            if (pf_fmt_key_is_data(s, n))
                leak_check(a, j, valtok, LK_KEY, s, n, s, n, 0, NULL);
            else
                kept_key_check(a, j, valtok, s, n);
        }
        return;
    }
    size_t n;
    const char *s = str_of(a, j, key, &n);
    int data = pf_fmt_key_is_data(s, n);
    if (!data && a->pol->keys != PF_KEYS_SCRAMBLE) {
        if (a->verify && !a->explain)
            kept_key_check(a, j, valtok, s, n);
        return;
    }
    const pf_action *ka = act;
    if (ka->kind == PF_ACT_NULL || ka->kind == PF_ACT_REDACT)
        ka = &a->key_act;
    if (a->explain) {
        explain_line(a, j, valtok, " (key)", ka, NULL);
        return;
    }
    pf_xr xr = xform(a, ka, 0, s, n, &a->res);
    (void)xr;
    a->st.keys++;
    if (a->verify && data)
        leak_check(a, j, valtok, LK_KEY, s, n, a->res.data, a->res.len, a->xf.kept_parts,
                   a->cur_e);
    emit_upto(a, j, (size_t)j->tok[key].start - 1);
    add_str(a->out, a->res.data, a->res.len);
    a->pos = (size_t)j->tok[key].end + 1;
}

static const pf_rule *match_cached(pf_anon *a, const char *path, size_t plen)
{
    pf_buf *k = &a->rkey;
    pf_buf_reset(k);
    if (a->table)
        pf_buf_adds(k, a->table);
    pf_buf_addc(k, '\0');
    pf_buf_add(k, path, plen);
    if (k->oom)
        return pf_policy_match(a->pol, a->table, path);
    uint64_t h = pf_sip(a->xf.sipkey, k->data, k->len);
    rentry *e = &a->rcache[h & (((size_t)1 << RCACHE_BITS) - 1)];
    if (e->key && e->h == h && e->klen == k->len && !memcmp(e->key, k->data, k->len))
        return e->rule < 0 ? NULL : &a->pol->rules[e->rule];
    const pf_rule *r = pf_policy_match(a->pol, a->table, path);
    char *copy = malloc(k->len);
    if (copy) {
        free(e->key);
        memcpy(copy, k->data, k->len);
        e->key = copy;
        e->klen = k->len;
        e->h = h;
        e->rule = r ? (int)(r - a->pol->rules) : -1;
    }
    return r;
}

static int visit(pf_anon *a, const pf_json *j, int tok, int key, size_t depth)
{
    const pf_action *act = NULL;
    if (a->pol->nrules) {
        /* rules see data keys as {*}, as explain and leak reports show them */
        while (a->mp.depth > 0 && a->mp.depth >= depth)
            pf_path_pop(&a->mp);
        if (depth == 0) {
            pf_path_reset(&a->mp);
        } else if (key >= 0) {
            size_t kn;
            const char *ks = str_of(a, j, key, &kn);
            if (pf_fmt_key_is_data(ks, kn))
                pf_path_push_map(&a->mp);
            else
                pf_path_push_key(&a->mp, ks, kn);
        } else {
            pf_path_push_index(&a->mp);
        }
        const pf_rule *r = match_cached(a, pf_path_str(&a->mp), pf_path_len(&a->mp));
        if (r)
            act = &r->act;
    }
    if (!act && depth > 0 && depth - 1 < a->inh_cap)
        act = a->inh[depth - 1];
    const pf_action *eff = act ? act : &a->pol->deflt;
    if (key >= 0)
        do_key(a, j, key, tok, eff);
    const pf_jtok *t = &j->tok[tok];
    size_t st, en;
    pf_json_span(j, tok, &st, &en);
    if (t->type == PF_JT_OBJECT || t->type == PF_JT_ARRAY) {
        if (depth < a->inh_cap)
            a->inh[depth] = act;
        if (eff->kind == PF_ACT_NULL && act) {
            if (a->explain) {
                explain_line(a, j, tok, "", eff, NULL);
                return 1;
            }
            emit_upto(a, j, st);
            pf_buf_adds(a->out, "null");
            a->pos = en;
            return 1;
        }
        return 0;
    }
    pf_jkind k = pf_json_kind(j, tok);
    if (k == PF_J_NULL || (k == PF_J_BOOL && eff->kind != PF_ACT_NULL))
        return 0;
    if (eff->kind == PF_ACT_KEEP) {
        a->st.kept++;
        if (a->explain)
            explain_line(a, j, tok, "", eff, NULL);
        return 0;
    }
    int isnum = k == PF_J_INT || k == PF_J_FLOAT;
    size_t n;
    const char *s;
    if (k == PF_J_STRING) {
        s = str_of(a, j, tok, &n);
    } else {
        s = j->text + st;
        n = en - st;
    }
    if (a->explain) {
        const char *fmt = NULL;
        if (k == PF_J_STRING && eff->kind == PF_ACT_SCRAMBLE && eff->formats) {
            fmt = pf_xf_format_name(s, n);
            if (!strcmp(fmt, "text"))
                fmt = NULL;
        }
        explain_line(a, j, tok, "", eff, fmt);
        return 0;
    }
    if (k == PF_J_BOOL) { /* null action */
        emit_upto(a, j, st);
        pf_buf_adds(a->out, "null");
        a->pos = en;
        return 0;
    }
    pf_xr xr = xform(a, eff, isnum, s, n, &a->res);
    if (isnum)
        a->st.numbers++;
    else
        a->st.strings++;
    if (a->verify && xr == PF_XR_STRING && !isnum)
        leak_check(a, j, tok, LK_VALUE, s, n, a->res.data, a->res.len, a->xf.kept_parts,
                   a->cur_e);
    else if (a->verify && xr == PF_XR_RAW)
        leak_check(a, j, tok, LK_VALUE, s, n, a->res.data, a->res.len, 0, a->cur_e);
    emit_upto(a, j, st);
    if (xr == PF_XR_NULL)
        pf_buf_adds(a->out, "null");
    else if (xr == PF_XR_RAW)
        pf_buf_add(a->out, a->res.data, a->res.len);
    else
        add_str(a->out, a->res.data, a->res.len);
    a->pos = en;
    return 0;
}

/* Every value in text order, straight over the token array (tokens are in
 * pre-order; a key's value follows it), with its depth; skips the subtree
 * when visit says so. No path is built unless the policy has rules. */
static int walk_doc(pf_anon *a, const pf_json *j, pf_err *err)
{
    if ((size_t)j->ntok > a->dep_cap) {
        size_t c = (size_t)j->ntok + 1024;
        int *d = realloc(a->dep, c * sizeof *d);
        if (!d)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        a->dep = d;
        a->dep_cap = c;
    }
    for (int i = 0; i < j->ntok;) {
        const pf_jtok *t = &j->tok[i];
        int p = t->parent;
        if (p >= 0 && t->type == PF_JT_STRING && j->tok[p].type == PF_JT_OBJECT) {
            i++; /* a key: handled with its value */
            continue;
        }
        int key = p >= 0 && j->tok[p].type == PF_JT_STRING ? p : -1;
        int d = p < 0 ? 0 : a->dep[key >= 0 ? j->tok[key].parent : p] + 1;
        a->dep[i] = d;
        if (visit(a, j, i, key, (size_t)d) == 1)
            i = j->next[i];
        else
            i++;
    }
    return 0;
}

int pf_anon_doc(pf_anon *a, const char *table, const char *row,
                const char *doc, size_t len, pf_buf *out, pf_err *err)
{
    if (pf_json_parse(&a->j, doc, len, err) < 0)
        return -1;
    a->table = table;
    a->row = row;
    a->out = out;
    a->pos = 0;
    a->explain = NULL;
    size_t before = out->len;
    int rc = walk_doc(a, &a->j, err);
    if (rc == 0)
        emit_upto(a, &a->j, len);
    if (rc < 0 || pf_buf_ok(out, err) < 0 || pf_buf_ok(&a->res, err) < 0) {
        pf_buf_truncate(out, before); /* nothing half-written */
        return -1;
    }
    a->st.docs++;
    a->st.bytes_in += len;
    a->st.bytes_out += out->len - before;
    return 0;
}

int pf_anon_text(pf_anon *a, const char *table, const char *row,
                 const char *s, size_t n, pf_buf *out, pf_err *err)
{
    const pf_action *act = &a->pol->deflt;
    if (a->pol->nrules) {
        const pf_rule *r = pf_policy_match(a->pol, table, "$");
        if (r)
            act = &r->act;
    }
    if (act->kind == PF_ACT_KEEP) {
        pf_buf_add(out, s, n);
        a->st.kept++;
        return pf_buf_ok(out, err);
    }
    pf_xr xr = xform(a, act, 0, s, n, &a->res);
    if (xr != PF_XR_NULL)
        pf_buf_add(out, a->res.data, a->res.len);
    a->st.strings++;
    if (a->verify && xr == PF_XR_STRING) {
        a->row = row;
        leak_check(a, NULL, 0, LK_TEXT, s, n, a->res.data, a->res.len, a->xf.kept_parts,
                   a->cur_e);
    }
    return pf_buf_ok(out, err);
}

int pf_anon_explain(pf_anon *a, const char *table, const char *doc, size_t len,
                    pf_buf *out, pf_err *err)
{
    if (pf_json_parse(&a->j, doc, len, err) < 0)
        return -1;
    a->table = table;
    a->row = NULL;
    a->out = NULL;
    a->pos = 0;
    a->explain = out;
    int rc = walk_doc(a, &a->j, err);
    a->explain = NULL;
    if (rc < 0)
        return -1;
    return pf_buf_ok(out, err);
}

/* ---- deferred leak check (pf_anon_pool) ------------------------------------------------ */

void pf_anon_set_defer(pf_anon *a, int on) { a->defer = on; }

void pf_anon_set_cache_heap(pf_anon *a, size_t max) { a->cache_heap_max = max; }

void pf_anon_set_cache(pf_anon *a, int on) { a->no_cache = !on; }

const uint64_t *pf_anon_dlog(const pf_anon *a, size_t *n, int *oom)
{
    *n = a->dlog_n;
    *oom = a->dlog_oom;
    return a->dlog;
}

void pf_anon_dlog_reset(pf_anon *a)
{
    a->dlog_n = 0;
    a->dlog_oom = 0;
}

int pf_anon_replay(pf_anon *a, const uint64_t *log, size_t n, const char *row,
                   const char *doc, size_t len)
{
    int hit = 0, parsed = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned op = (unsigned)(log[i] & 0xff);
        if (op != LK_END) {
            if (lk_apply(a, op, log[i + 1]))
                hit = 1;
            continue;
        }
        int kind = (int)((log[i] >> 9) & 3);
        int tok = (int)(uint32_t)(log[i] >> 16);
        if (!hit && !((log[i] >> 8) & 1))
            continue;
        hit = 0;
        if (kind == LK_TEXT) {
            report_leak(a, row, "$", kind);
            continue;
        }
        /* the path of the value: the document parsed again, which only
         * happens for the leaks that get a report line */
        const char *path = "$";
        if (a->reported < REPORT_LINES) {
            pf_err e = PF_ERR_INIT;
            if (!parsed)
                parsed = pf_json_parse(&a->j, doc, len, &e) == 0 ? 1 : -1;
            if (parsed == 1 && tok < a->j.ntok) {
                safe_path(a, &a->j, tok, &a->spath);
                path = pf_buf_str(&a->spath);
            }
        }
        report_leak(a, row, path, kind);
    }
    return 0;
}

void pf_anon_add_stats(pf_anon *to, const pf_anon *from)
{
    to->st.docs += from->st.docs;
    to->st.bytes_in += from->st.bytes_in;
    to->st.bytes_out += from->st.bytes_out;
    to->st.strings += from->st.strings;
    to->st.numbers += from->st.numbers;
    to->st.keys += from->st.keys;
    to->st.kept += from->st.kept;
    to->st.cache_hits += from->st.cache_hits;
    to->st.cache_misses += from->st.cache_misses;
    to->xf.prf.calls += from->xf.prf.calls;
    to->xf.aes.calls += from->xf.aes.calls;
}
