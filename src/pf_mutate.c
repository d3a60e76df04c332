/*
 * pf_mutate: the engine core (pf_mutate.h). Seeding and randomness, token
 * picking and paths, splicing, the choice of a class, byte-level fallback,
 * structural shrinking and crossover. The classes themselves are the table
 * in pf_mutate_classes.c; the size schedule and the reduction of grown
 * parents are pf_mutate_size.c.
 *
 * Everything works on the original text through pf_json token spans; a
 * mutant is always "prefix + new text + suffix" of its input.
 */
#include "pf_mutate_impl.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- randomness (splitmix64: small, good enough, seedable) --------------- */

uint64_t pf_mrand(pf_mutator *m)
{
    uint64_t z = (m->rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

uint64_t pf_mbelow(pf_mutator *m, uint64_t n)
{
    return n ? pf_mrand(m) % n : 0;
}

int pf_mchance(pf_mutator *m, unsigned num, unsigned den)
{
    return pf_mbelow(m, den) < num;
}

void pf_mutator_seed(pf_mutator *m, uint64_t seed)
{
    m->rng = seed ^ 0x70726F6466757A7AULL; /* "prodfuzz" */
}

/* ---- configuration -------------------------------------------------------- */

const char *pf_mclass_name(pf_mclass c)
{
    return (unsigned)c <= PF_M_NONE ? pf_mclass_table[c].name : "?";
}

int pf_mclass_parse(const char *list, unsigned *mask, pf_err *err)
{
    unsigned out = 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *s = p;
        while (*p && *p != ',' && *p != ' ')
            p++;
        size_t n = (size_t)(p - s);
        if (!n)
            continue;
        int found = -1;
        for (int c = 0; c < PF_M_NCLASSES; c++)
            if (strlen(pf_mclass_table[c].name) == n && !memcmp(pf_mclass_table[c].name, s, n))
                found = c;
        if (n == 3 && !memcmp(s, "all", 3)) {
            out |= PF_M_ALL;
            continue;
        }
        if (found < 0) {
            pf_buf known = PF_BUF_INIT;
            for (int c = 0; c < PF_M_NCLASSES; c++)
                pf_buf_addf(&known, "%s%s", c ? "," : "", pf_mclass_table[c].name);
            pf_err_set(err, PF_E_USAGE, "unknown mutation class '%.*s' "
                       "(known: %s)", (int)(n > 32 ? 32 : n), s,
                       pf_buf_str(&known));
            pf_buf_free(&known);
            return -1;
        }
        out |= 1u << found;
    }
    if (!out)
        return pf_err_set(err, PF_E_USAGE, "empty list of mutation classes");
    *mask = out;
    return 0;
}

void pf_mutate_cfg_default(pf_mutate_cfg *cfg)
{
    cfg->shape = NULL;
    cfg->classes = PF_M_ALL;
    cfg->byte_share = 0.2;
    cfg->max_depth = PF_MUTATE_MAX_DEPTH_DEFAULT;
    cfg->size_schedule = 0;
    cfg->first_pass = 0;
}

/* A setting that is 0 or 1: *on is left alone when it is not set. */
static int env_switch(const char *name, int *on, pf_err *err)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    if (strcmp(v, "0") && strcmp(v, "1"))
        return pf_err_set(err, PF_E_USAGE, "%s: want 0 or 1", name);
    *on = *v == '1';
    return 0;
}

int pf_mutate_cfg_env(pf_mutate_cfg *cfg, pf_shape **shape, pf_err *err)
{
    const char *v = getenv("PRODFUZZ_CLASSES");
    if (v && *v && pf_mclass_parse(v, &cfg->classes, err) < 0)
        return pf_err_prefix(err, "PRODFUZZ_CLASSES");
    v = getenv("PRODFUZZ_BYTE_SHARE");
    if (v && *v) {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (errno || *end || !(d >= 0 && d <= 1))
            return pf_err_set(err, PF_E_USAGE, "PRODFUZZ_BYTE_SHARE: want a "
                              "number from 0 to 1");
        cfg->byte_share = d;
    }
    v = getenv("PRODFUZZ_MAX_DEPTH");
    if (v && *v) {
        char *end;
        errno = 0;
        long d = strtol(v, &end, 10);
        if (errno || *end || d < 1 || d > 10000000)
            return pf_err_set(err, PF_E_USAGE, "PRODFUZZ_MAX_DEPTH: want a "
                              "whole number from 1 to 10000000");
        cfg->max_depth = (int)d;
    }
    if (env_switch("PRODFUZZ_SIZE_SCHEDULE", &cfg->size_schedule, err) < 0 ||
        env_switch("PRODFUZZ_FIRST_PASS", &cfg->first_pass, err) < 0)
        return -1;
    *shape = NULL;
    v = getenv("PRODFUZZ_SHAPE");
    if (v && *v) {
        if (pf_shape_load(v, shape, err) < 0)
            return pf_err_prefix(err, "PRODFUZZ_SHAPE");
        cfg->shape = *shape;
    }
    return 0;
}

pf_mutator *pf_mutator_new(const pf_mutate_cfg *cfg, pf_err *err)
{
    pf_mutator *m = calloc(1, sizeof *m);
    if (!m) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        return NULL;
    }
    if (cfg)
        m->cfg = *cfg;
    else
        pf_mutate_cfg_default(&m->cfg);
    if (!(m->cfg.classes & PF_M_ALL))
        m->cfg.classes = PF_M_ALL;
    if (m->cfg.max_depth < 1)
        m->cfg.max_depth = PF_MUTATE_MAX_DEPTH_DEFAULT;
    pf_json zero = PF_JSON_INIT;
    m->j = zero;
    m->j2 = zero;
    pf_path_init(&m->path);
    pf_path_init(&m->spath);
    pf_buf_init(&m->scratch);
    pf_buf_init(&m->desc);
    pf_buf_init(&m->tmp);
    pf_buf_init(&m->reduced);
    for (int k = 0; k < PF_SWEEP_POOL; k++)
        pf_buf_init(&m->pool[k]);
    m->last = PF_M_NONE;
    m->credit[0] = PF_CREDIT_MID_START;
    m->credit[1] = PF_CREDIT_HUGE_START;
    pf_mutator_seed(m, 0);
    return m;
}

void pf_mutator_free(pf_mutator *m)
{
    if (!m)
        return;
    pf_json_free(&m->j);
    pf_json_free(&m->j2);
    pf_path_free(&m->path);
    pf_path_free(&m->spath);
    pf_buf_free(&m->scratch);
    pf_buf_free(&m->desc);
    pf_buf_free(&m->tmp);
    pf_buf_free(&m->reduced);
    for (int k = 0; k < PF_SWEEP_POOL; k++)
        pf_buf_free(&m->pool[k]);
    free(m->chain);
    free(m->stack);
    free(m);
}

void pf_mutator_set_bytes(pf_mutator *m, pf_byte_fn fn, void *ctx)
{
    m->bytes = fn;
    m->bytes_ctx = ctx;
}

/* ---- tokens and paths ----------------------------------------------------- */

int pf_mtok_is_key(const pf_json *j, int i)
{
    int p = j->tok[i].parent;
    return p >= 0 && j->tok[p].type == PF_JT_OBJECT;
}

int pf_mtok_depth(const pf_json *j, int i)
{
    int d = 0;
    for (int p = j->tok[i].parent; p >= 0; p = j->tok[p].parent)
        if (j->tok[p].type == PF_JT_OBJECT || j->tok[p].type == PF_JT_ARRAY)
            d++;
    return d;
}

/* Token i and its ancestors, outermost first, in m->chain; their count,
 * or -1 on OOM. */
static int chain_of(pf_mutator *m, const pf_json *j, int i)
{
    size_t n = 0;
    for (int p = i; p >= 0; p = j->tok[p].parent)
        n++;
    if (n > m->chain_cap) {
        int *c = realloc(m->chain, n * sizeof *c);
        if (!c)
            return -1;
        m->chain = c;
        m->chain_cap = n;
    }
    size_t k = n;
    for (int p = i; p >= 0; p = j->tok[p].parent)
        m->chain[--k] = p;
    return (int)n;
}

void pf_mtok_path(pf_mutator *m, const pf_json *j, int i)
{
    pf_path_reset(&m->path);
    int n = chain_of(m, j, i);
    if (n < 0) {
        m->path.text.oom = 1;
        return;
    }
    for (int k = 0; k < n; k++) {
        int t = m->chain[k];
        int par = j->tok[t].parent;
        if (par < 0)
            continue;
        if (j->tok[par].type == PF_JT_OBJECT) {
            pf_buf_reset(&m->tmp);
            pf_json_unescape(j, t, &m->tmp);
            pf_path_push_key(&m->path, m->tmp.data ? m->tmp.data : "",
                             m->tmp.len);
        } else if (j->tok[par].type == PF_JT_ARRAY) {
            pf_path_push_index(&m->path);
        }
    }
}

/* The profile's path of token i: like pf_mtok_path, but a member of an
 * object the profile folded into a map ({*}) takes the {*} segment. */
const pf_shape_path *pf_mtok_shape(pf_mctx *c, int i)
{
    pf_mutator *m = c->m;
    const pf_shape *sh = m->cfg.shape;
    if (!sh)
        return NULL;
    pf_mtok_path(m, c->j, i);
    const pf_shape_path *sp = pf_shape_find(sh, pf_path_str(&m->path));
    if (sp)
        return sp;
    const pf_json *j = c->j;
    int n = chain_of(m, j, i);
    if (n < 0)
        return NULL;
    pf_path_reset(&m->spath);
    for (int k = 0; k < n; k++) {
        int t = m->chain[k], par = j->tok[t].parent;
        if (par < 0)
            continue;
        if (j->tok[par].type == PF_JT_OBJECT) {
            pf_path_push_map(&m->spath);
            if (pf_shape_find(sh, pf_path_str(&m->spath)))
                continue;
            pf_path_pop(&m->spath);
            pf_buf_reset(&m->tmp);
            pf_json_unescape(j, t, &m->tmp);
            pf_path_push_key(&m->spath, pf_buf_str(&m->tmp), m->tmp.len);
        } else if (j->tok[par].type == PF_JT_ARRAY) {
            pf_path_push_index(&m->spath);
        }
    }
    return pf_shape_find(sh, pf_path_str(&m->spath));
}

static int value_tok(const pf_json *j, int i)
{
    return pf_mtok_is_key(j, i) ? i + 1 : i;
}

/* A hash of value token i's path (keys as written, [] for elements):
 * tells the distinct paths of a document apart without building them. */
static uint64_t path_hash(const pf_json *j, int i)
{
    uint64_t h = 1469598103934665603u;
    for (int p = i; p >= 0; p = j->tok[p].parent) {
        int par = j->tok[p].parent;
        if (par < 0)
            break;
        if (j->tok[par].type == PF_JT_OBJECT) {
            for (int b = j->tok[p].start; b < j->tok[p].end; b++)
                h = (h ^ (unsigned char)j->text[b]) * 1099511628211u;
            h = (h ^ 0x100) * 1099511628211u;
        } else if (j->tok[par].type == PF_JT_ARRAY) {
            h = (h ^ 0x101) * 1099511628211u;
        }
    }
    return h | 1; /* 0 marks a free slot */
}

/* The first pass's pick: the first value, in document order, at a path
 * the current move has not been to (and that want, and prefer when given,
 * take); -1 and force_miss when this document has none left. Paths are
 * told apart by hash, so a move goes to each once whichever parents it
 * meets. */
static int pick_forced(pf_mctx *c, pf_mtok_pred want, pf_mtok_pred prefer)
{
    const pf_json *j = c->j;
    pf_mutator *m = c->m;
    c->forced = 0; /* once: a class's second pick is its own */
    for (int i = 0; i < j->ntok && m->sw_ndone < PF_SWEEP_PATHS; i++) {
        if (pf_mtok_is_key(j, i) || !want(c, i))
            continue;
        uint64_t h = path_hash(j, i);
        size_t at = (size_t)(h % PF_SWEEP_SLOTS);
        while (m->sw_done[at] && m->sw_done[at] != h)
            at = (at + 1) % PF_SWEEP_SLOTS;
        if (m->sw_done[at])
            continue;
        m->sw_done[at] = h;
        m->sw_ndone++;
        if (prefer && !prefer(c, i))
            continue;
        pf_mtok_path(m, j, i);
        return i;
    }
    c->force_miss = 1;
    return -1;
}

int pf_mpick(pf_mctx *c, pf_mtok_pred want, pf_mtok_pred prefer)
{
    const pf_json *j = c->j;
    int n = j->ntok, found = -1;
    if (c->forced)
        return pick_forced(c, want, prefer);
    if (n <= 0)
        return -1;
    if (prefer)
        for (int t = 0; t < 12 && found < 0; t++) {
            int i = value_tok(j, (int)pf_mbelow(c->m, (uint64_t)n));
            if (want(c, i) && prefer(c, i))
                found = i;
        }
    for (int t = 0; t < 12 && found < 0; t++) {
        int i = value_tok(j, (int)pf_mbelow(c->m, (uint64_t)n));
        if (want(c, i))
            found = i;
    }
    if (found < 0) {
        int s = (int)pf_mbelow(c->m, (uint64_t)n);
        for (int k = 0; k < n && found < 0; k++) {
            int i = (s + k) % n;
            if (!pf_mtok_is_key(j, i) && want(c, i))
                found = i;
        }
    }
    if (found >= 0)
        pf_mtok_path(c->m, j, found);
    return found;
}

/* ---- splicing ------------------------------------------------------------- */

size_t pf_mbudget(const pf_mctx *c, size_t s, size_t e)
{
    size_t keep = c->len - (e - s);
    return c->max > keep ? c->max - keep : 0;
}

int pf_mcredit_short(const pf_mctx *c, size_t s, size_t e, uint64_t n)
{
    uint64_t keep = c->len - (e - s);
    return c->sched && keep + n <= c->hard_max &&
           !pf_msize_affords(c->m, (size_t)(keep + n));
}

int pf_msplice(pf_mctx *c, size_t s, size_t e, const char *repl, size_t n)
{
    if (n > pf_mbudget(c, s, e))
        return 0;
    pf_buf_reset(c->out);
    pf_buf_add(c->out, c->in, s);
    pf_buf_add(c->out, repl, n);
    pf_buf_add(c->out, c->in + e, c->len - e);
    return 1;
}

/* ---- description ---------------------------------------------------------- */

void pf_mset_last(pf_mutator *m, pf_mclass cls, int with_path)
{
    m->last = cls;
    pf_buf_reset(&m->desc);
    pf_buf_adds(&m->desc, pf_mclass_name(cls));
    if (with_path) {
        pf_buf_addc(&m->desc, ':');
        pf_buf_adds(&m->desc, pf_path_str(&m->path));
    } else {
        pf_path_reset(&m->path);
        pf_buf_reset(&m->tmp);
    }
}

const char *pf_mutator_describe(const pf_mutator *m)
{
    return pf_buf_str(&m->desc);
}

pf_mclass pf_mutator_last_class(const pf_mutator *m) { return m->last; }

const char *pf_mutator_last_path(const pf_mutator *m)
{
    return m->last == PF_M_BYTES || m->last == PF_M_NONE
               ? ""
               : pf_path_str(&m->path);
}

uint64_t pf_mutator_last_amount(const pf_mutator *m) { return m->amount; }

/* ---- byte level ----------------------------------------------------------- */

static const char *const byte_tokens[] = {
    "{", "}", "[", "]", ":", ",", "\"", "\\", "null", "true", "false", "-0",
    "1e400", "\\u0000", "\\ud800", "\xef\xbb\xbf", "\xff", " "};

/* A few classic byte edits: the fallback when no callback is given. */
static size_t builtin_bytes(pf_mutator *m, uint8_t *d, size_t size, size_t max)
{
    unsigned rounds = 1 + (unsigned)pf_mbelow(m, 4);
    for (unsigned r = 0; r < rounds; r++) {
        switch (pf_mbelow(m, 6)) {
        case 0: /* flip a bit */
            if (size)
                d[pf_mbelow(m, size)] ^= (uint8_t)(1u << pf_mbelow(m, 8));
            break;
        case 1: /* random byte */
            if (size)
                d[pf_mbelow(m, size)] = (uint8_t)pf_mrand(m);
            break;
        case 2: /* delete a run */
            if (size > 1) {
                size_t at = pf_mbelow(m, size);
                size_t n = 1 + pf_mbelow(m, size - at < 8 ? size - at : 8);
                memmove(d + at, d + at + n, size - at - n);
                size -= n;
            }
            break;
        case 3: { /* insert a JSON token */
            const char *t = byte_tokens[pf_mbelow(m, sizeof byte_tokens /
                                                      sizeof byte_tokens[0])];
            size_t n = strlen(t), at = pf_mbelow(m, size + 1);
            if (size + n <= max) {
                memmove(d + at + n, d + at, size - at);
                memcpy(d + at, t, n);
                size += n;
            }
            break;
        }
        case 4: /* duplicate a chunk */
            if (size) {
                uint8_t chunk[64];
                size_t from = pf_mbelow(m, size);
                size_t n = 1 + pf_mbelow(m, size - from < 64 ? size - from : 64);
                size_t at = pf_mbelow(m, size + 1);
                if (size + n <= max) {
                    memcpy(chunk, d + from, n);
                    memmove(d + at + n, d + at, size - at);
                    memcpy(d + at, chunk, n);
                    size += n;
                }
            }
            break;
        default: /* insert a random byte */
            if (size < max) {
                size_t at = pf_mbelow(m, size + 1);
                memmove(d + at + 1, d + at, size - at);
                d[at] = (uint8_t)pf_mrand(m);
                size++;
            }
            break;
        }
    }
    if (size == 0 && max > 0) {
        d[0] = (uint8_t)pf_mrand(m);
        size = 1;
    }
    return size;
}

static int mutate_bytes(pf_mutator *m, const char *in, size_t len, size_t max,
                        pf_buf *out, pf_err *err)
{
    pf_buf_reset(out);
    if (max == 0) {
        pf_mset_last(m, PF_M_BYTES, 0);
        return 0;
    }
    size_t n = len < max ? len : max;
    if (pf_buf_reserve(out, max + 1) < 0)
        return pf_buf_ok(out, err);
    memcpy(out->data, in, n);
    size_t r = m->bytes ? m->bytes((uint8_t *)out->data, n, max, m->bytes_ctx)
                        : builtin_bytes(m, (uint8_t *)out->data, n, max);
    if (r > max)
        r = max;
    out->len = r;
    out->data[r] = '\0';
    m->amount = 0;
    pf_mset_last(m, PF_M_BYTES, 0);
    return 0;
}

/* ---- structural shrinking ------------------------------------------------- */

/* Drop the member or element token i (a value; its key goes with it) and
 * the comma that separated it from a neighbour. */
void pf_mdrop_span(const pf_json *j, int i, size_t *ps, size_t *pe)
{
    int par = j->tok[i].parent;
    int first = par >= 0 && j->tok[par].type == PF_JT_STRING ? par : i;
    size_t s, e, dummy;
    pf_json_span(j, first, &s, &dummy);
    pf_json_span(j, i, &dummy, &e);
    const char *t = j->text;
    size_t k = e;
    while (k < j->len && pf_json_is_ws(t[k]))
        k++;
    if (k < j->len && t[k] == ',') {
        k++;
        while (k < j->len && pf_json_is_ws(t[k]))
            k++;
        e = k;
    } else {
        size_t b = s;
        while (b > 0 && pf_json_is_ws(t[b - 1]))
            b--;
        if (b > 0 && t[b - 1] == ',')
            s = b - 1;
    }
    *ps = s;
    *pe = e;
}

/* out = the text with string token t cut to at most keep bytes of its
 * content, never inside an escape. */
static void cut_string(const pf_json *j, int tok, size_t keep, pf_buf *out)
{
    const pf_jtok *t = &j->tok[tok];
    const char *s = j->text + t->start;
    size_t n = (size_t)(t->end - t->start), k = 0, safe = 0;
    if (keep > n)
        keep = n;
    while (k < keep) {
        safe = k;
        if (s[k] == '\\')
            k += s[k + 1] == 'u' ? 6 : 2;
        else
            k++;
        if (k <= keep)
            safe = k;
    }
    pf_buf_reset(out);
    pf_buf_add(out, j->text, (size_t)t->start + safe);
    pf_buf_add(out, j->text + t->end, j->len - (size_t)t->end);
}

/* The children (keys, for an object) of container token c: up to max
 * of them, the last ones when there are more. Returns how many. */
static int children(const pf_json *j, int c, int *kids, int max)
{
    int nk = 0;
    for (int k = c + 1; k < j->next[c]; k = j->next[k]) {
        if (nk == max)
            memmove(kids, kids + max / 2, (size_t)(max - max / 2) * sizeof *kids),
                nk = max - max / 2;
        kids[nk++] = k;
    }
    return nk;
}

/* out = the text with the children of container token c from kids[k] on
 * dropped (with the comma before them; k == 0 drops them all). */
static void cut_children(const pf_json *j, int c, const int *kids, int nk,
                         int k, pf_buf *out)
{
    size_t end, dummy, from;
    int lastv = j->tok[c].type == PF_JT_OBJECT ? kids[nk - 1] + 1 : kids[nk - 1];
    pf_json_span(j, lastv, &dummy, &end);
    if (k == 0) {
        size_t s0;
        pf_json_span(j, c, &s0, &dummy);
        from = s0 + 1; /* just inside the bracket */
    } else {
        int pv = j->tok[c].type == PF_JT_OBJECT ? kids[k - 1] + 1 : kids[k - 1];
        pf_json_span(j, pv, &dummy, &from);
    }
    pf_buf_reset(out);
    pf_buf_add(out, j->text, from);
    pf_buf_add(out, j->text + end, j->len - end);
}

/* One shrinking step on a parsed document: cut the largest string in half
 * (at least by `excess`) or drop the last member/element of the largest
 * container. Returns 1 with the smaller text in out, 0 when nothing more
 * can go. */
static int shrink_step(pf_mutator *m, const pf_json *j, size_t excess,
                       pf_buf *out)
{
    int best = -1;
    size_t best_size = 0;
    for (int i = 0; i < j->ntok; i++) {
        if (pf_mtok_is_key(j, i))
            continue;
        size_t s, e;
        pf_json_span(j, i, &s, &e);
        const pf_jtok *t = &j->tok[i];
        int can = (t->type == PF_JT_STRING && t->end > t->start) ||
                  ((t->type == PF_JT_ARRAY || t->type == PF_JT_OBJECT) &&
                   t->size > 0);
        /* prefer the innermost of equal sizes: a container whose only
         * child is the big string should cut the string */
        if (can && e - s >= best_size) {
            best = i;
            best_size = e - s;
        }
    }
    if (best < 0)
        return 0;
    const pf_jtok *t = &j->tok[best];
    if (t->type == PF_JT_STRING) {
        size_t n = (size_t)(t->end - t->start);
        size_t cut = n / 2;
        if (excess > cut)
            cut = excess < n ? excess : n;
        cut_string(j, best, n - cut, out);
    } else {
        /* drop children from the end until `excess` bytes are gone (at
         * least one): one pass, not one parse per child */
        int kids[4096];
        int nk = children(j, best, kids, 4096);
        size_t end, dummy, cs;
        int lastv = t->type == PF_JT_OBJECT ? kids[nk - 1] + 1 : kids[nk - 1];
        pf_json_span(j, lastv, &dummy, &end);
        int k = nk - 1;
        for (; k > 0; k--) {
            pf_json_span(j, kids[k], &cs, &dummy);
            if (end - cs >= excess)
                break;
        }
        cut_children(j, best, kids, nk, k, out);
    }
    (void)m;
    return 1;
}

int pf_mutate_shrink(pf_mutator *m, const void *in, size_t len,
                     size_t max_size, pf_buf *out, pf_err *err)
{
    pf_buf_reset(out);
    m->amount = 0;
    if (len <= max_size) {
        pf_buf_add(out, in, len);
        pf_mset_last(m, PF_M_SHRINK, 0);
        return pf_buf_ok(out, err);
    }
    pf_buf cur = PF_BUF_INIT;
    pf_buf_add(&cur, in, len);
    pf_err perr = PF_ERR_INIT;
    for (int pass = 0; pass < 4096 && cur.len > max_size; pass++) {
        if (pf_json_parse(&m->j2, cur.data, cur.len, &perr) < 0)
            break;
        if (!shrink_step(m, &m->j2, cur.len - max_size, out))
            break;
        pf_buf_reset(&cur);
        pf_buf_add(&cur, out->data, out->len);
        m->amount++;
        if (cur.oom)
            break;
    }
    pf_buf_reset(out);
    pf_buf_add(out, cur.data, cur.len < max_size ? cur.len : max_size);
    pf_buf_free(&cur);
    pf_mset_last(m, PF_M_SHRINK, 0);
    return pf_buf_ok(out, err);
}

/* ---- one mutation --------------------------------------------------------- */

#define PF_MUTATE_BIG 16384
#define PF_MUTATE_DEEP 512

static int text_depth(const char *s, size_t n, int stop)
{
    /* cheap, so deep documents are kept away from the tokenizer, whose
     * cost grows with the square of the depth */
    return pf_json_scan_depth(s, n, stop, NULL);
}

static int run_move(pf_mutator *m, pf_mclass cls, int forced, int variant,
                    int *miss, const char *in, size_t len, size_t max,
                    size_t hard_max, int sched, pf_buf *out, pf_err *err)
{
    pf_mctx c = {m, &m->j, in, len, max, out, hard_max, sched, forced, 0,
                 variant};
    m->amount = 0;
    pf_buf_reset(out);
    pf_buf_reset(&m->scratch); /* clears a sticky oom of an earlier call */
    pf_buf_reset(&m->tmp);
    int r = pf_mclass_table[cls].fn(&c);
    if (miss)
        *miss = c.force_miss;
    if (c.force_miss)
        r = 0;
    /* a class whose scratch ran out of memory says "does not apply": it
     * must not pass for that (an empty result that hid the failure) */
    if (out->oom || m->path.text.oom || m->scratch.oom || m->tmp.oom)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    if (r != 1 || out->len > max) {
        pf_buf_reset(out);
        return 0;
    }
    pf_mset_last(m, cls, 1);
    return 1;
}

static int run_class(pf_mutator *m, pf_mclass cls, const char *in, size_t len,
                     size_t max, size_t hard_max, int sched, pf_buf *out,
                     pf_err *err)
{
    return run_move(m, cls, 0, -1, NULL, in, len, max, hard_max, sched, out,
                    err);
}

int pf_mutate_class(pf_mutator *m, pf_mclass cls, const void *in, size_t len,
                    size_t max_size, pf_buf *out, pf_err *err)
{
    pf_buf_reset(out);
    if ((unsigned)cls >= PF_M_NCLASSES || len == 0)
        return 0;
    pf_err perr = PF_ERR_INIT;
    if (pf_json_parse(&m->j, in, len, &perr) < 0)
        return perr.code == PF_E_NOMEM ? pf_err_set(err, PF_E_NOMEM,
                                                    "out of memory")
                                       : 0;
    return run_class(m, cls, in, len, max_size, max_size, 0, out, err);
}

static int mutate_one(pf_mutator *m, const char *in, size_t len,
                      size_t max_size, pf_buf *out, pf_err *err);
static int run_move(pf_mutator *m, pf_mclass cls, int forced, int variant,
                    int *miss, const char *in, size_t len, size_t max,
                    size_t hard_max, int sched, pf_buf *out, pf_err *err);

/* The first pass (AFL's deterministic stage, by field): before its
 * classes are drawn at random, each move below goes once to every
 * distinct path of production-shaped documents, cheap one-value surprises
 * first: a control character, an empty value, a null, a string past every
 * buffer of up to 4 KiB, 65 levels of nesting, a UTF-8 character cut at
 * the end, production's old shapes, a number a million times larger (a
 * unit mixed up) and one past 32 bits, then 257 levels and a string past
 * a 16-bit length (256 elements for an array). A field's own boundary bug
 * so comes in the first few hundred executions instead of whenever the
 * draw lands on that field with that size: six to nine moves per field,
 * one pass, half the structured calls while it lasts. */
static const struct { pf_mclass cls; int variant; } sweep_moves[] = {
    {PF_M_UNICODE, 0}, {PF_M_EMPTY, 0}, {PF_M_NULL, -1}, {PF_M_OVERSIZE, 0},
    {PF_M_DEEP, 0}, {PF_M_UNICODE, 1}, {PF_M_LEGACY, -1}, {PF_M_NUMBER, 0},
    {PF_M_NUMBER, 1}, {PF_M_DEEP, 1}, {PF_M_OVERSIZE, 1}};
#define NSWEEP ((int)(sizeof sweep_moves / sizeof sweep_moves[0]))

/* The first pass mutates production-shaped documents, so that the one
 * thing it changes is the only thing off production's shape: a fuzzer's
 * corpus soon holds more inputs its target rejects (each new way to be
 * rejected is new coverage) than inputs it takes, and a field's boundary
 * in a rejected one finds nothing. The pool keeps the first distinct
 * inputs the fuzzer hands over (its seeds, mostly) in which every value
 * has a path and a type production had; without a profile, the first
 * distinct JSON ones. 0, or -1 on out of memory. */
static int pool_add(pf_mutator *m, const char *in, size_t len)
{
    if (len == 0 || len > PF_SWEEP_POOL_MAX)
        return 0;
    for (int k = 0; k < m->npool; k++)
        if (m->pool[k].len == len && !memcmp(m->pool[k].data, in, len))
            return 0;
    /* a document: what is not JSON goes to byte mutation, pooled or not */
    pf_err perr = PF_ERR_INIT;
    if (pf_json_parse(&m->j, in, len, &perr) < 0)
        return perr.code == PF_E_NOMEM ? -1 : 0;
    if (m->cfg.shape) {
        pf_mctx c = {m, &m->j, in, len, len, NULL, len, 0, 0, 0, -1};
        for (int i = 0; i < m->j.ntok; i++) {
            if (pf_mtok_is_key(&m->j, i))
                continue;
            const pf_shape_path *sp = pf_mtok_shape(&c, i);
            if (!sp || !sp->types[pf_json_kind(&m->j, i)])
                return m->path.text.oom ? -1 : 0;
        }
    }
    pf_buf *p = &m->pool[m->npool++];
    pf_buf_reset(p);
    pf_buf_add(p, in, len);
    if (p->oom)
        return -1;
    return 0;
}

static void sweep_next(pf_mutator *m)
{
    m->sw_move++;
    m->sw_miss = 0;
    m->sw_ndone = 0;
    memset(m->sw_done, 0, sizeof m->sw_done);
}

/* 1 with a first-pass mutant in out, 0 when the pass is over or none of a
 * few moves applied to this input, -1 on out of memory. */
static int sweep_step(pf_mutator *m, unsigned mask, const char *in, size_t len,
                      size_t max, size_t hard_max, pf_buf *out, pf_err *err)
{
    for (int tries = 0; tries < 4 && m->sw_move < NSWEEP; tries++) {
        pf_mclass cls = sweep_moves[m->sw_move].cls;
        int miss = 0, r = 0;
        if (mask & (1u << cls))
            r = run_move(m, cls, 1, sweep_moves[m->sw_move].variant,
                         &miss, in, len, max, hard_max, m->cfg.size_schedule,
                         out, err);
        else
            miss = 1;
        if (r < 0)
            return -1;
        if (miss) {
            /* a parent with fewer paths (a small input the fuzzer kept)
             * says little: the move is over when three in a row have no
             * path left for it */
            if (++m->sw_miss < 3 && (mask & (1u << cls)))
                return 0;
            sweep_next(m);
            continue;
        }
        m->sw_miss = 0;
        if (r == 1) {
            m->sw_made = 1;
            return 1;
        }
    }
    return 0;
}

int pf_mutate(pf_mutator *m, const void *vin, size_t len, size_t max_size,
              pf_buf *out, pf_err *err)
{
    const char *in = vin;
    if (len > max_size)
        return pf_mutate_shrink(m, in, len, max_size, out, err);
    m->sw_made = 0;
    int r = mutate_one(m, in, len, max_size, out, err);
    /* the first pass's mutants are few and bounded: they do not spend
     * the growth credit the random draws live on */
    if (r == 0 && m->cfg.size_schedule && !m->sw_made)
        pf_msize_spend(m, out->len);
    return r;
}

static int mutate_one(pf_mutator *m, const char *in, size_t len,
                      size_t max_size, pf_buf *out, pf_err *err)
{
    pf_err perr = PF_ERR_INIT;
    if (len == 0 || max_size == 0)
        return mutate_bytes(m, in, len, max_size, out, err);
    /* In a fuzzing loop, mutants past the free size spend the growth
     * credit: what a class may make now is capped at what it allows (a
     * byte mutant of a bigger parent may still grow it a little) */
    size_t hard_max = max_size;
    /* the first pass's pool; libFuzzer mutates its mutants again
     * (-mutate_depth), and one of ours (still in out) is no candidate.
     * After the pass its memory goes back (here: the call that ended
     * the pass may have been mutating one of its documents). */
    if (m->sw_move == NSWEEP && m->npool) {
        for (int k = 0; k < m->npool; k++)
            pf_buf_free(&m->pool[k]);
        m->npool = 0;
    }
    if (m->cfg.first_pass && m->sw_move < NSWEEP && m->npool < PF_SWEEP_POOL &&
        !(out->len == len && !out->oom && memcmp(out->data, in, len) == 0) &&
        pool_add(m, in, len) < 0)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    if (m->cfg.size_schedule) {
        size_t allow = pf_msize_allowed(m);
        if (allow < len + 64)
            allow = len + 64;
        if (max_size > allow)
            max_size = allow;
    }
    int depth;
    /* The byte-level share first: once the typical size is learnt, a
     * byte mutant of a parent that is not grown in bytes needs neither
     * the scan for values and depth nor the tokenizer (half the calls of
     * a fuzzing loop, counting the parents that are not JSON). */
    int bytes = (double)pf_mbelow(m, 1000000) < m->cfg.byte_share * 1e6;
    if (bytes && (!m->cfg.size_schedule ||
                  (m->size_seen >= PF_SIZE_LEARNED && len <= pf_mutator_grown_size(m))))
        return mutate_bytes(m, in, len, max_size, out, err);
    /* the first pass (below) takes half the structured calls until done,
     * on a production-shaped parent from its pool */
    int sweep = !bytes && m->cfg.first_pass && m->sw_move < NSWEEP &&
                pf_mchance(m, 1, 2);
    /* and it ends, whatever the inputs: after this many of its turns (a
     * target whose inputs are not JSON never gets to a move) */
    if (sweep && ++m->sw_turns > PF_SWEEP_TURNS) {
        m->sw_move = NSWEEP;
        sweep = 0;
    }
    if (sweep && m->npool) {
        const pf_buf *p = &m->pool[pf_mbelow(m, (uint64_t)m->npool)];
        if (p->len <= max_size) {
            in = p->data;
            len = p->len;
        }
    }
    if (m->cfg.size_schedule) {
        uint64_t nodes;
        depth = pf_json_scan_depth(in, len, INT_MAX, &nodes);
        pf_msize_learn(m, len, nodes, depth);
        /* a grown parent is mostly reduced first, and the reduction is
         * what gets mutated */
        size_t gs = pf_mutator_grown_size(m);
        uint64_t gn = pf_msize_grown_nodes(m);
        int gd = pf_msize_grown_depth(m);
        int grown = len > gs || nodes > gn || depth > gd;
        /* far past it (a thousand-element array): its full-size mutants
         * cost a hundred executions each, and it keeps being picked */
        int far = len / 8 > gs || nodes / 8 > gn || depth / 8 > gd;
        /* and always when the growth credit cannot pay for a mutant of
         * its size: grown parents are then mutated as the exception,
         * not as the rule */
        int afford = pf_msize_affords(m, len);
        if (grown && (!afford || (far ? pf_mchance(m, 63, 64) : pf_mchance(m, 7, 8)))) {
            if (pf_msize_reduce(m, in, len, depth, max_size, &m->reduced, err) < 0)
                return -1;
            if (m->reduced.len == 0)
                return mutate_bytes(m, in, len, max_size, out, err);
            in = m->reduced.data;
            len = m->reduced.len;
            depth = text_depth(in, len, 4 * PF_MUTATE_DEEP);
        }
        /* the tokenizer's cost grows with the square of the depth: a
         * deep one left as it is gets byte mutation */
        if (depth > pf_msize_grown_depth(m))
            return mutate_bytes(m, in, len, max_size, out, err);
    } else {
        depth = text_depth(in, len, 4 * PF_MUTATE_DEEP);
    }
    if (bytes)
        return mutate_bytes(m, in, len, max_size, out, err);
    /* Deeply nested inputs mostly go to byte mutation: tokenizing them
     * costs more than a few executions of the target. */
    if (depth > 4 * PF_MUTATE_DEEP ||
        (depth > PF_MUTATE_DEEP && pf_mchance(m, 7, 8)))
        return mutate_bytes(m, in, len, max_size, out, err);
    if (pf_json_parse(&m->j, in, len, &perr) < 0) {
        if (perr.code == PF_E_NOMEM)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        return mutate_bytes(m, in, len, max_size, out, err);
    }
    /* Each enabled class has a weight. In a fuzzing loop deep weighs a
     * quarter of the others: every level is an allocation in a
     * tree-building parser, and a few levels past production or a common
     * limit come up in a fraction of a second even so. oversize weighs as
     * much as any other: a long field into a short buffer is the first
     * bug production data finds, and its costly sizes (64 KiB strings,
     * 65,536-element arrays, 1 MiB) are rare within the class instead.
     * unicode weighs one and a half: it holds three families (control
     * characters, broken UTF-8, valid but rare text) whose bugs are one
     * character in the right string, which plain libFuzzer with a
     * dictionary reaches within a fraction of a second too, and its
     * mutants cost no more to run than their parents; while the schedule
     * is still learning the typical size (its first 1,024 mutants, a few
     * hundredths of a second) it weighs four: that is when
     * plain libFuzzer finds those bugs, in a few thousand executions.
     * Grown parents are the size schedule's business; without it, as in
     * `prodfuzz mutate`, a 50 KB production document gets class mutants
     * like any other. */
    unsigned mask = m->cfg.classes & PF_M_ALL;
    if (sweep) {
        int r = sweep_step(m, mask, in, len, max_size, hard_max, out, err);
        if (r != 0)
            return r < 0 ? -1 : 0;
    }
    int warm = m->size_seen < PF_SIZE_LEARNED;
    int enabled[PF_M_NCLASSES], n = 0;
    unsigned weight[PF_M_NCLASSES], total = 0;
    for (int c = 0; c < PF_M_NCLASSES; c++)
        if (mask & (1u << c)) {
            weight[n] = !m->cfg.size_schedule ? 8 : c == PF_M_DEEP ? 2
                        : c == PF_M_UNICODE ? (warm ? 32 : 12) : 8;
            total += weight[n];
            enabled[n++] = c;
        }
    /* a class that does not apply (no string for unicode, no rare
     * variant for legacy) gives its turn to another */
    for (int tries = 0; tries < 8 && n > 0; tries++) {
        uint64_t w = pf_mbelow(m, total);
        int k = 0;
        while (w >= weight[k])
            w -= weight[k++];
        pf_mclass cls = (pf_mclass)enabled[k];
        int r = run_class(m, cls, in, len, max_size, hard_max,
                          m->cfg.size_schedule, out, err);
        if (r != 0)
            return r < 0 ? -1 : 0;
    }
    return mutate_bytes(m, in, len, max_size, out, err);
}

/* ---- crossover ------------------------------------------------------------ */

/* The token of b at the same path as token i of a (a random element where
 * the path goes through an array); -1 when b has no such path. Object keys
 * compare as written. One descent, no path strings. */
static int same_path(pf_mutator *m, const pf_json *a, int i, const pf_json *b)
{
    int n = chain_of(m, a, i);
    if (n < 1 || b->ntok < 1)
        return -1;
    int cur = 0; /* b's root */
    for (int k = 1; k < n; k++) {
        int t = m->chain[k], par = a->tok[t].parent;
        const pf_jtok *bt = &b->tok[cur];
        if (a->tok[par].type == PF_JT_OBJECT) {
            if (bt->type != PF_JT_OBJECT)
                return -1;
            int klen = a->tok[t].end - a->tok[t].start, found = -1;
            for (int c = cur + 1; c < b->next[cur] && found < 0; c = b->next[c])
                if (b->tok[c].end - b->tok[c].start == klen &&
                    !memcmp(b->text + b->tok[c].start, a->text + a->tok[t].start,
                            (size_t)klen))
                    found = c;
            if (found < 0)
                return -1;
            cur = found;
        } else if (a->tok[par].type == PF_JT_ARRAY) {
            if (bt->type != PF_JT_ARRAY || bt->size < 1)
                return -1;
            int pick = (int)pf_mbelow(m, (uint64_t)bt->size), c = cur + 1;
            while (pick-- > 0)
                c = b->next[c];
            cur = c;
        } else { /* a key's value */
            if (bt->type != PF_JT_STRING || cur + 1 >= b->ntok ||
                b->tok[cur + 1].parent != cur)
                return -1;
            cur = cur + 1;
        }
    }
    return cur;
}

int pf_crossover(pf_mutator *m, const void *a, size_t alen, const void *b,
                 size_t blen, size_t max_size, pf_buf *out, pf_err *err)
{
    pf_err perr = PF_ERR_INIT;
    pf_buf_reset(out);
    /* big or deep parents: not worth tokenizing on every crossover (in a
     * fuzzing loop, neither is a grown one) */
    size_t big = PF_MUTATE_BIG;
    if (m->cfg.size_schedule && m->size_seen && 2 * pf_mutator_typical_size(m) < big)
        big = 2 * pf_mutator_typical_size(m);
    int deep = m->cfg.size_schedule ? pf_msize_grown_depth(m) : PF_MUTATE_DEEP;
    if (alen > big || blen > big || text_depth(a, alen, deep) > deep ||
        text_depth(b, blen, deep) > deep)
        return 0;
    if (!alen || !blen || pf_json_parse(&m->j, a, alen, &perr) < 0 ||
        pf_json_parse(&m->j2, b, blen, &perr) < 0)
        return perr.code == PF_E_NOMEM ? pf_err_set(err, PF_E_NOMEM,
                                                    "out of memory")
                                       : 0;
    for (int attempt = 0; attempt < 4; attempt++) {
        int i = value_tok(&m->j, (int)pf_mbelow(m, (uint64_t)m->j.ntok));
        int from = same_path(m, &m->j, i, &m->j2);
        if (from < 0 && attempt == 3)
            from = value_tok(&m->j2, (int)pf_mbelow(m, (uint64_t)m->j2.ntok));
        if (from < 0)
            continue;
        size_t s, e, bs, be;
        pf_json_span(&m->j, i, &s, &e);
        pf_json_span(&m->j2, from, &bs, &be);
        pf_mctx c = {m, &m->j, a, alen, max_size, out, max_size, 0, 0, 0, -1};
        if (pf_msplice(&c, s, e, (const char *)b + bs, be - bs)) {
            pf_mtok_path(m, &m->j, i);
            m->amount = 0;
            pf_mset_last(m, PF_M_CROSSOVER, 1);
            return pf_buf_ok(out, err) < 0 ? -1 : 1;
        }
    }
    pf_buf_reset(out);
    return 0;
}

/* ---- trimming ------------------------------------------------------------- */

static int droppable(const pf_json *j, int i)
{
    return i > 0 && !pf_mtok_is_key(j, i) && j->tok[i].parent >= 0;
}

int pf_mutate_trim_count(pf_mutator *m, const void *in, size_t len)
{
    pf_err perr = PF_ERR_INIT;
    if (!len || text_depth(in, len, PF_MUTATE_DEEP) > PF_MUTATE_DEEP ||
        pf_json_parse(&m->j, in, len, &perr) < 0)
        return 0;
    int n = 0;
    for (int i = 0; i < m->j.ntok; i++)
        n += droppable(&m->j, i);
    return n;
}

int pf_mutate_trim_candidate(pf_mutator *m, const void *in, size_t len, int k,
                             pf_buf *out, pf_err *err)
{
    pf_err perr = PF_ERR_INIT;
    pf_buf_reset(out);
    int found = -1;
    if (k >= 0 && len && text_depth(in, len, PF_MUTATE_DEEP) <= PF_MUTATE_DEEP &&
        pf_json_parse(&m->j, in, len, &perr) == 0) {
        for (int i = m->j.ntok - 1, seen = 0; i > 0 && found < 0; i--)
            if (droppable(&m->j, i) && seen++ == k)
                found = i;
    }
    if (found < 0) {
        pf_buf_add(out, in, len);
        return pf_buf_ok(out, err) < 0 ? -1 : 0;
    }
    size_t s, e;
    pf_mdrop_span(&m->j, found, &s, &e);
    pf_buf_add(out, in, s);
    pf_buf_add(out, (const char *)in + e, len - e);
    pf_mtok_path(m, &m->j, found);
    m->amount = 0;
    pf_mset_last(m, PF_M_SHRINK, 1);
    return pf_buf_ok(out, err) < 0 ? -1 : 1;
}
