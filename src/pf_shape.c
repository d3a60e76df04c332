/*
 * pf_shape: shape profiles (pf_shape.h, format in docs/shape.md).
 *
 * One state serves both halves. The builder keeps one node per canonical
 * path in a hash table; each node holds only bounded sketches (counters,
 * the text of the extreme numbers, a fixed log-bucket histogram of string
 * lengths, a distinct-value set capped at enum_cap, a few examples). Counts
 * are per document (a node remembers the serial of the last document that
 * touched each counter), so "rare" means "in under 1% of documents".
 *
 * The profile file carries the state in "sketch" objects, so loading a
 * profile rebuilds the same nodes: pf_shape_parse (the read side) and
 * pf_shape_builder_merge_text are one parser, over pf_json spans so that
 * numbers and examples stay exactly as production wrote them. The derived
 * fields (p99_len, enum, rare, notes) are computed from the state both
 * when writing and when loading.
 */
#include "pf_shape_int.h"
#include "pf_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_fs.h"
#include "pf_path.h"

const char *pf_sh_type_names[7] = {"null", "bool", "int", "float", "string",
    "object", "array"};

/* ---- small helpers -------------------------------------------------------- */

char *pf_sh_dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

void pf_shape_opts_default(pf_shape_opts *o)
{
    o->rare_cutoff = 0.01;
    o->enum_cap = 32;
    o->max_examples = 3;
    o->max_keys = 1000;
    o->depth_limit = 0;
}

pf_shape_builder *pf_shape_builder_new(const pf_shape_opts *o, pf_err *err)
{
    pf_shape_builder *b = calloc(1, sizeof *b);
    if (!b) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        return NULL;
    }
    if (o)
        b->o = *o;
    else
        pf_shape_opts_default(&b->o);
    if (b->o.enum_cap > 4096)
        b->o.enum_cap = 4096;
    if (b->o.max_examples > 1000)
        b->o.max_examples = 1000;
    if (b->o.max_keys < 1)
        b->o.max_keys = 1;
    pf_json j = PF_JSON_INIT;
    b->j = j;
    b->j.depth_limit = b->o.depth_limit;
    pf_path_init(&b->p);
    pf_buf_init(&b->tmp);
    return b;
}

static void node_free(node *n)
{
    if (!n)
        return;
    free(n->path);
    free(n->key);
    for (int k = 0; k < 7; k++)
        free(n->type_ex[k]);
    for (int k = 0; k < PF_FMT_N; k++)
        free(n->fmt_ex[k]);
    free(n->hist);
    free(n->nmin);
    free(n->nmax);
    for (size_t i = 0; i < n->nvals; i++)
        free(n->vals[i].text);
    free(n->vals);
    for (size_t i = 0; i < n->nex; i++)
        free(n->ex[i]);
    free(n->ex);
    free(n->rare);
    free(n->enum_v);
    free(n->keys_v);
    free(n);
}

void pf_shape_builder_free(pf_shape_builder *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        node_free(b->nodes[i]);
    free(b->nodes);
    free(b->tab);
    for (size_t i = 0; i < b->ninvalid_at; i++)
        free(b->invalid_at[i]);
    pf_json_free(&b->j);
    pf_path_free(&b->p);
    pf_buf_free(&b->tmp);
    free(b);
}

uint64_t pf_shape_builder_documents(const pf_shape_builder *b) { return b->docs; }
void pf_shape_builder_add_unlisted(pf_shape_builder *b, uint64_t n) { b->unlisted += n; }
uint64_t pf_shape_builder_unlisted(const pf_shape_builder *b) { return b->unlisted; }
uint64_t pf_shape_builder_invalid(const pf_shape_builder *b) { return b->invalid; }

/* ---- the path table ------------------------------------------------------- */

static int tab_grow(pf_shape_builder *b)
{
    size_t ncap = b->tcap ? b->tcap * 2 : 1024;
    size_t *nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return -1;
    for (size_t i = 0; i < b->n; i++) {
        node *n = b->nodes[i];
        size_t h = (size_t)hash(n->path, n->plen) & (ncap - 1);
        while (nt[h])
            h = (h + 1) & (ncap - 1);
        nt[h] = i + 1;
    }
    free(b->tab);
    b->tab = nt;
    b->tcap = ncap;
    return 0;
}

node *pf_sh_find_node(const pf_shape_builder *b, const char *p, size_t n)
{
    if (!b->tcap)
        return NULL;
    size_t h = (size_t)hash(p, n) & (b->tcap - 1);
    while (b->tab[h]) {
        node *x = b->nodes[b->tab[h] - 1];
        if (x->plen == n && !memcmp(x->path, p, n))
            return x;
        h = (h + 1) & (b->tcap - 1);
    }
    return NULL;
}

static node *add_node(pf_shape_builder *b, const char *p, size_t n)
{
    if ((b->n + 1) * 2 > b->tcap && tab_grow(b) < 0)
        return NULL;
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 256;
        node **nn = realloc(b->nodes, nc * sizeof *nn);
        if (!nn)
            return NULL;
        b->nodes = nn;
        b->cap = nc;
    }
    node *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->path = pf_sh_dupn(p, n);
    if (!x->path) {
        free(x);
        return NULL;
    }
    x->plen = n;
    b->nodes[b->n++] = x;
    size_t h = (size_t)hash(p, n) & (b->tcap - 1);
    while (b->tab[h])
        h = (h + 1) & (b->tcap - 1);
    b->tab[h] = b->n;
    return x;
}

node *pf_sh_get_node(pf_shape_builder *b, const char *p, size_t n)
{
    node *x = pf_sh_find_node(b, p, n);
    return x ? x : add_node(b, p, n);
}

/* ---- numbers as text ------------------------------------------------------ */


/* Digits of mantissa are read in place; the '.' is skipped by cursor
 * arithmetic in digit_at. */
typedef struct numview {
    int neg, zero;
    const char *s;
    size_t n;
    size_t ib, ie; /* integer digits [ib, ie) */
    size_t fb, fe; /* fraction digits [fb, fe) */
    long long e;
} numview;

static void num_view(const char *s, size_t n, numview *v)
{
    memset(v, 0, sizeof *v);
    v->s = s;
    v->n = n;
    size_t i = 0;
    if (i < n && s[i] == '-') {
        v->neg = 1;
        i++;
    }
    v->ib = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    v->ie = i;
    v->fb = v->fe = i;
    if (i < n && s[i] == '.') {
        v->fb = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        v->fe = i;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        long long e = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (e < 1000000000000LL)
                e = e * 10 + (s[i] - '0');
            i++;
        }
        v->e = eneg ? -e : e;
    }
}

/* k-th significant digit position over integer then fraction digits. */
static char nv_digit(const numview *v, size_t k)
{
    size_t ni = v->ie - v->ib;
    if (k < ni)
        return v->s[v->ib + k];
    k -= ni;
    if (k < v->fe - v->fb)
        return v->s[v->fb + k];
    return '0';
}

/* Compare two JSON number texts exactly (no double): <0, 0, >0. */
static int num_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    numview x, y;
    num_view(a, an, &x);
    num_view(b, bn, &y);
    size_t xt = (x.ie - x.ib) + (x.fe - x.fb), yt = (y.ie - y.ib) + (y.fe - y.fb);
    size_t xs = 0, ys = 0; /* first nonzero digit */
    while (xs < xt && nv_digit(&x, xs) == '0')
        xs++;
    while (ys < yt && nv_digit(&y, ys) == '0')
        ys++;
    int xz = xs == xt, yz = ys == yt;
    int xsg = xz ? 0 : (x.neg ? -1 : 1), ysg = yz ? 0 : (y.neg ? -1 : 1);
    if (xsg != ysg)
        return xsg < ysg ? -1 : 1;
    if (xsg == 0)
        return 0;
    /* magnitude: position of the first significant digit */
    long long xm = (long long)(x.ie - x.ib) - (long long)xs + x.e;
    long long ym = (long long)(y.ie - y.ib) - (long long)ys + y.e;
    int mag;
    if (xm != ym)
        mag = xm < ym ? -1 : 1;
    else {
        mag = 0;
        size_t len = (xt - xs) > (yt - ys) ? (xt - xs) : (yt - ys);
        for (size_t k = 0; k < len && !mag; k++) {
            char cx = xs + k < xt ? nv_digit(&x, xs + k) : '0';
            char cy = ys + k < yt ? nv_digit(&y, ys + k) : '0';
            if (cx != cy)
                mag = cx < cy ? -1 : 1;
        }
    }
    return xsg > 0 ? mag : -mag;
}

static void num_digits(const char *s, size_t n, int *digits, int *decimals)
{
    numview v;
    num_view(s, n, &v);
    *digits = (int)(v.ie - v.ib);
    *decimals = (int)(v.fe - v.fb);
}

/* ---- length histogram ----------------------------------------------------- */

size_t pf_sh_hist_bucket(uint64_t len)
{
    if (len < 128)
        return (size_t)len;
    int e = 63 - __builtin_clzll(len); /* >= 7 */
    if (e > 40)
        return NHIST - 1;
    uint64_t sub = (len >> (e - 4)) & 15;
    return 128 + (size_t)(e - 7) * 16 + (size_t)sub;
}

uint64_t pf_sh_bucket_lo(size_t b)
{
    if (b < 128)
        return b;
    size_t e = (b - 128) / 16 + 7, sub = (b - 128) % 16;
    return (uint64_t)(16 + sub) << (e - 4);
}

static uint64_t bucket_hi(size_t b)
{
    if (b < 128)
        return b;
    if (b == NHIST - 1)
        return UINT64_MAX;
    return pf_sh_bucket_lo(b + 1) - 1;
}

uint64_t pf_sh_node_p99(const node *x)
{
    if (!x->hist)
        return x->p99_file;
    uint64_t total = 0;
    for (size_t i = 0; i < NHIST; i++)
        total += x->hist[i];
    if (!total)
        return 0;
    uint64_t want = total - total / 100; /* ceil(0.99 * total) */
    if (want < 1)
        want = 1;
    uint64_t cum = 0;
    for (size_t i = 0; i < NHIST; i++) {
        cum += x->hist[i];
        if (cum >= want) {
            uint64_t v = bucket_hi(i);
            if (v > x->smax)
                v = x->smax;
            if (v < x->smin)
                v = x->smin;
            return v;
        }
    }
    return x->smax;
}

/* ---- recording one value -------------------------------------------------- */

int pf_sh_set_text(char **slot, const char *s, size_t n)
{
    char *d = pf_sh_dupn(s, n);
    if (!d)
        return -1;
    free(*slot);
    *slot = d;
    return 0;
}

int pf_sh_add_value(pf_shape_builder *b, node *x, const char *t, size_t n,
                    uint64_t times, uint64_t last)
{
    if (x->vals_over)
        return 0;
    for (size_t i = 0; i < x->nvals; i++) {
        sk_val *v = &x->vals[i];
        if (v->len == n && !memcmp(v->text, t, n)) {
            if (last == 0 || v->last != last) {
                v->count += times;
                v->last = last;
            }
            return 0;
        }
    }
    if (n > MAX_VAL_LEN || x->nvals >= b->o.enum_cap) {
        for (size_t i = 0; i < x->nvals; i++)
            free(x->vals[i].text);
        free(x->vals);
        x->vals = NULL;
        x->nvals = 0;
        x->vals_over = 1;
        return 0;
    }
    sk_val *nv = realloc(x->vals, (x->nvals + 1) * sizeof *nv);
    if (!nv)
        return -1;
    x->vals = nv;
    sk_val *v = &x->vals[x->nvals];
    v->text = pf_sh_dupn(t, n);
    if (!v->text)
        return -1;
    v->len = n;
    v->count = times;
    v->last = last;
    x->nvals++;
    return 0;
}

int pf_sh_add_example(pf_shape_builder *b, node *x, const char *t, size_t n)
{
    if (x->nex >= b->o.max_examples || n > MAX_EX_LEN)
        return 0;
    for (size_t i = 0; i < x->nex; i++)
        if (strlen(x->ex[i]) == n && !memcmp(x->ex[i], t, n))
            return 0;
    char **ne = realloc(x->ex, (x->nex + 1) * sizeof *ne);
    if (!ne)
        return -1;
    x->ex = ne;
    if (!(x->ex[x->nex] = pf_sh_dupn(t, n)))
        return -1;
    x->nex++;
    return 0;
}

static int record(pf_shape_builder *b, node *x, int tok)
{
    const pf_json *j = &b->j;
    uint64_t doc = b->serial;
    pf_jkind k = pf_json_kind(j, tok);
    size_t s0, s1;
    pf_json_span(j, tok, &s0, &s1);
    const char *t = j->text + s0;
    size_t tn = s1 - s0;
    x->occ++;
    if (x->last != doc) {
        x->last = doc;
        x->count++;
    }
    if (x->type_last[k] != doc) {
        x->type_last[k] = doc;
        x->types[k]++;
        if (!x->type_ex[k] && tn <= MAX_EX_LEN && pf_sh_set_text(&x->type_ex[k], t, tn) < 0)
            return -1;
    }
    switch (k) {
    case PF_J_STRING: {
        const pf_jtok *tk = &j->tok[tok];
        const char *s = j->text + tk->start;
        size_t n = (size_t)(tk->end - tk->start);
        if (memchr(s, '\\', n)) {
            pf_buf_reset(&b->tmp);
            pf_json_unescape(j, tok, &b->tmp);
            if (pf_buf_ok(&b->tmp, NULL) < 0)
                return -1;
            s = b->tmp.data;
            n = b->tmp.len;
        }
        if (!x->hist && !(x->hist = calloc(NHIST, sizeof *x->hist)))
            return -1;
        x->hist[pf_sh_hist_bucket(n)]++;
        if (!x->nstr || n < x->smin)
            x->smin = n;
        if (!x->nstr || n > x->smax)
            x->smax = n;
        x->nstr++;
        unsigned m = pf_cc_mask(s, n);
        for (int c = 0; c < PF_CC_N; c++)
            if ((m >> c) & 1u && x->cls_last[c] != doc) {
                x->cls_last[c] = doc;
                x->cls[c]++;
            }
        int f = pf_fmt_detect(s, n);
        if (f >= 0 && x->fmt_last[f] != doc) {
            x->fmt_last[f] = doc;
            x->fmt[f]++;
            if (!x->fmt_ex[f] && tn <= MAX_EX_LEN && pf_sh_set_text(&x->fmt_ex[f], t, tn) < 0)
                return -1;
        }
        break;
    }
    case PF_J_INT:
    case PF_J_FLOAT: {
        int dg, dc;
        num_digits(t, tn, &dg, &dc);
        int first = !x->nmin;
        if (first || num_cmp(t, tn, x->nmin, strlen(x->nmin)) < 0)
            if (pf_sh_set_text(&x->nmin, t, tn) < 0)
                return -1;
        if (first || num_cmp(t, tn, x->nmax, strlen(x->nmax)) > 0)
            if (pf_sh_set_text(&x->nmax, t, tn) < 0)
                return -1;
        if (dg > x->max_digits)
            x->max_digits = dg;
        if (dc > x->max_decimals)
            x->max_decimals = dc;
        break;
    }
    case PF_J_ARRAY: {
        uint64_t n = (uint64_t)j->tok[tok].size;
        if (!x->narr || n < x->amin)
            x->amin = n;
        if (!x->narr || n > x->amax)
            x->amax = n;
        x->narr++;
        break;
    }
    default:
        break;
    }
    if (k != PF_J_OBJECT && k != PF_J_ARRAY && k != PF_J_NULL) {
        if (pf_sh_add_value(b, x, t, tn, 1, doc) < 0 || pf_sh_add_example(b, x, t, tn) < 0)
            return -1;
    }
    return 0;
}

/* ---- merging nodes (profile merge and folding) ---------------------------- */

int pf_sh_merge_node(pf_shape_builder *b, node *d, const node *s)
{
    d->count += s->count;
    d->occ += s->occ;
    if (s->last > d->last)
        d->last = s->last;
    for (int k = 0; k < 7; k++) {
        d->types[k] += s->types[k];
        if (s->type_last[k] > d->type_last[k])
            d->type_last[k] = s->type_last[k];
        if (!d->type_ex[k] && s->type_ex[k] &&
            pf_sh_set_text(&d->type_ex[k], s->type_ex[k], strlen(s->type_ex[k])) < 0)
            return -1;
    }
    if (s->nstr) {
        if (!d->nstr || s->smin < d->smin)
            d->smin = s->smin;
        if (!d->nstr || s->smax > d->smax)
            d->smax = s->smax;
        d->nstr += s->nstr;
        if (s->hist) {
            if (!d->hist && !(d->hist = calloc(NHIST, sizeof *d->hist)))
                return -1;
            for (size_t i = 0; i < NHIST; i++)
                d->hist[i] += s->hist[i];
        }
        if (s->p99_file > d->p99_file)
            d->p99_file = s->p99_file;
    }
    for (int c = 0; c < PF_CC_N; c++) {
        d->cls[c] += s->cls[c];
        if (s->cls_last[c] > d->cls_last[c])
            d->cls_last[c] = s->cls_last[c];
    }
    for (int f = 0; f < PF_FMT_N; f++) {
        d->fmt[f] += s->fmt[f];
        if (s->fmt_last[f] > d->fmt_last[f])
            d->fmt_last[f] = s->fmt_last[f];
        if (!d->fmt_ex[f] && s->fmt_ex[f] &&
            pf_sh_set_text(&d->fmt_ex[f], s->fmt_ex[f], strlen(s->fmt_ex[f])) < 0)
            return -1;
    }
    if (s->nmin) {
        if (!d->nmin || num_cmp(s->nmin, strlen(s->nmin), d->nmin, strlen(d->nmin)) < 0)
            if (pf_sh_set_text(&d->nmin, s->nmin, strlen(s->nmin)) < 0)
                return -1;
        if (!d->nmax || num_cmp(s->nmax, strlen(s->nmax), d->nmax, strlen(d->nmax)) > 0)
            if (pf_sh_set_text(&d->nmax, s->nmax, strlen(s->nmax)) < 0)
                return -1;
        if (s->max_digits > d->max_digits)
            d->max_digits = s->max_digits;
        if (s->max_decimals > d->max_decimals)
            d->max_decimals = s->max_decimals;
    }
    if (s->narr) {
        if (!d->narr || s->amin < d->amin)
            d->amin = s->amin;
        if (!d->narr || s->amax > d->amax)
            d->amax = s->amax;
        d->narr += s->narr;
    }
    d->id_folds += s->id_folds;
    d->cap_folded |= s->cap_folded;
    if (s->vals_over) {
        for (size_t i = 0; i < d->nvals; i++)
            free(d->vals[i].text);
        free(d->vals);
        d->vals = NULL;
        d->nvals = 0;
        d->vals_over = 1;
    } else {
        for (size_t i = 0; i < s->nvals; i++)
            if (pf_sh_add_value(b, d, s->vals[i].text, s->vals[i].len, s->vals[i].count, 0) < 0)
                return -1;
    }
    for (size_t i = 0; i < s->nex; i++)
        if (pf_sh_add_example(b, d, s->ex[i], strlen(s->ex[i])) < 0)
            return -1;
    return 0;
}

/* End of the key segment that starts at p[i] ('.' or '["'), or 0. */
static size_t key_seg_end(const char *p, size_t n, size_t i)
{
    if (p[i] == '.') {
        i++;
        while (i < n && p[i] != '.' && p[i] != '[' && p[i] != '{')
            i++;
        return i;
    }
    if (p[i] == '[' && i + 1 < n && p[i + 1] == '"') {
        i += 2;
        while (i < n && p[i] != '"')
            i += p[i] == '\\' ? 2 : 1;
        if (i + 1 < n && p[i + 1] == ']')
            return i + 2;
    }
    return 0;
}

static int rebuild_table(pf_shape_builder *b)
{
    size_t w = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->nodes[i]->dead == 1)
            node_free(b->nodes[i]);
        else
            b->nodes[w++] = b->nodes[i];
    }
    b->n = w;
    b->tcap /= 2;
    if (b->tcap < 512)
        b->tcap = 512;
    return tab_grow(b);
}

/* Too many distinct keys under x: move every path below x's key children
 * to x{*}... (the document counts of merged siblings add up, so they are
 * an upper bound for documents seen before the fold). */
static int fold_cap(pf_shape_builder *b, node *x)
{
    x->cap_folded = 1;
    pf_buf np = PF_BUF_INIT;
    size_t n0 = b->n;
    int rc = 0;
    for (size_t i = 0; i < n0 && rc == 0; i++) {
        node *s = b->nodes[i];
        if (s->dead || s->plen <= x->plen || memcmp(s->path, x->path, x->plen))
            continue;
        size_t e = key_seg_end(s->path, s->plen, x->plen);
        if (!e)
            continue;
        pf_buf_reset(&np);
        pf_buf_add(&np, x->path, x->plen);
        pf_buf_add(&np, "{*}", 3);
        pf_buf_add(&np, s->path + e, s->plen - e);
        if (pf_buf_ok(&np, NULL) < 0) {
            rc = -1;
            break;
        }
        s->dead = 1; /* so pf_sh_find_node below can't return it */
        node *d = pf_sh_find_node(b, np.data, np.len);
        if (d && d->dead == 1)
            d = NULL;
        if (!d) {
            d = add_node(b, np.data, np.len);
            if (!d) {
                rc = -1;
                break;
            }
        }
        if (pf_sh_merge_node(b, d, s) < 0)
            rc = -1;
        /* siblings' documents overlap: no path below x is in more
         * documents than x itself */
        if (d->count > x->count)
            d->count = x->count;
        for (int k = 0; k < 7; k++)
            if (d->types[k] > x->count)
                d->types[k] = x->count;
        if (s->parent && s->parent != x && !d->key) {
            /* a member of a moved object: link it to the moved parent */
            d->key = pf_sh_dupn(s->key, s->klen);
            d->klen = s->klen;
            d->p99_file = 0;
            if (!d->key)
                rc = -1;
            d->parent = (node *)(uintptr_t)(s->plen - s->parent->plen);
            d->dead = 2; /* parent pointer holds the segment length */
        }
    }
    for (size_t i = n0; i < b->n && rc == 0; i++) {
        node *d = b->nodes[i];
        if (d->dead != 2)
            continue;
        size_t seg = (size_t)(uintptr_t)d->parent;
        d->dead = 0;
        d->parent = pf_sh_find_node(b, d->path, d->plen - seg);
        if (d->parent)
            d->parent->nchildren++;
    }
    pf_buf_free(&np);
    x->nchildren = 0;
    if (rc == 0)
        rc = rebuild_table(b);
    return rc;
}

/* ---- one document --------------------------------------------------------- */

typedef struct frame {
    int end;
    int pushed;
    node *x;
    int fold; /* members of this object go to {*} */
} frame;

static int object_is_id_map(const pf_json *j, int obj)
{
    int n = j->tok[obj].size;
    if (n < 1)
        return 0;
    int k = obj + 1;
    for (int m = 0; m < n; m++) {
        const pf_jtok *t = &j->tok[k];
        const char *s = j->text + t->start;
        size_t len = (size_t)(t->end - t->start);
        if (memchr(s, '\\', len) || !pf_fmt_key_is_data(s, len))
            return 0;
        if (n == 1 && len < 4)
            return 0;
        k = j->next[k];
    }
    return 1;
}

static void add_invalid_at(pf_shape_builder *b, const char *origin, const char *why)
{
    if (b->ninvalid_at >= MAX_INVALID_AT)
        return;
    pf_buf m = PF_BUF_INIT;
    if (origin)
        pf_buf_addf(&m, "%s: %s", origin, why);
    else
        pf_buf_adds(&m, why);
    char *s = pf_buf_detach(&m, NULL);
    if (s)
        b->invalid_at[b->ninvalid_at++] = s;
}

void pf_shape_add_invalid(pf_shape_builder *b, const char *origin, const char *why)
{
    b->invalid++;
    add_invalid_at(b, origin, why);
}

int pf_shape_add_doc(pf_shape_builder *b, const char *doc, size_t len,
                     const char *origin, pf_err *err)
{
    pf_err perr = PF_ERR_INIT;
    if (pf_json_parse(&b->j, doc, len, &perr) < 0) {
        if (perr.code == PF_E_NOMEM)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        b->invalid++;
        if (strstr(perr.msg, "nesting deeper"))
            b->too_deep++;
        add_invalid_at(b, origin, perr.msg);
        return 0;
    }
    const pf_json *j = &b->j;
    b->docs++;
    b->serial++;
    if (j->max_depth > b->max_depth)
        b->max_depth = j->max_depth;
    if (j->max_depth > CJSON_DEPTH)
        b->over_cjson++;
    if (len > b->max_bytes)
        b->max_bytes = len;

    pf_path *p = &b->p;
    pf_path_reset(p);
    frame *st = NULL;
    int depth = 0, cap = 0, rc = 0;
    node *kparent = NULL; /* object whose member value comes next */
    int i = 0;
    while (i < j->ntok) {
        while (depth > 0 && st[depth - 1].end <= i)
            if (st[--depth].pushed)
                pf_path_pop(p);
        if (depth + 1 >= cap) {
            cap = cap ? cap * 2 : 64;
            frame *ns = realloc(st, (size_t)cap * sizeof *ns);
            if (!ns) {
                rc = -1;
                break;
            }
            st = ns;
        }
        const pf_jtok *t = &j->tok[i];
        int par = t->parent;
        if (par >= 0 && j->tok[par].type == PF_JT_OBJECT) {
            frame *of = &st[depth - 1];
            if (of->fold) {
                pf_path_push_map(p);
                kparent = NULL;
            } else {
                const char *s = j->text + t->start;
                size_t n = (size_t)(t->end - t->start);
                if (memchr(s, '\\', n)) {
                    pf_buf_reset(&b->tmp);
                    pf_json_unescape(j, i, &b->tmp);
                    s = b->tmp.data;
                    n = b->tmp.len;
                }
                pf_path_push_key(p, s, n);
                kparent = of->x;
            }
            st[depth].end = j->next[i];
            st[depth].pushed = 1;
            st[depth].x = NULL;
            st[depth++].fold = 0;
            i++;
            continue;
        }
        if (pf_path_ok(p, NULL) < 0) {
            rc = -1;
            break;
        }
        if (p->depth > MAX_PATH_DEPTH) {
            /* profile size would grow with the square of the depth */
            if (b->deep_last != b->serial) {
                b->deep_last = b->serial;
                b->deep_paths++;
            }
            kparent = NULL;
            i = j->next[i];
            continue;
        }
        const char *ps = pf_path_str(p);
        size_t pl = pf_path_len(p);
        node *x = pf_sh_find_node(b, ps, pl);
        if (!x && kparent) {
            if (kparent->nchildren + 1 > b->o.max_keys) {
                if (fold_cap(b, kparent) < 0) {
                    rc = -1;
                    break;
                }
                st[depth - 2].fold = 1; /* the object frame: [.., obj, key] */
                pf_path_pop(p);
                pf_path_push_map(p);
                ps = pf_path_str(p);
                pl = pf_path_len(p);
                x = pf_sh_find_node(b, ps, pl);
                kparent = NULL;
            }
        }
        if (!x) {
            x = add_node(b, ps, pl);
            if (!x) {
                rc = -1;
                break;
            }
            if (kparent) {
                x->parent = kparent;
                kparent->nchildren++;
                const pf_jtok *kt = &j->tok[par];
                const char *s = j->text + kt->start;
                size_t n = (size_t)(kt->end - kt->start);
                if (memchr(s, '\\', n)) {
                    pf_buf_reset(&b->tmp);
                    pf_json_unescape(j, par, &b->tmp);
                    s = b->tmp.data;
                    n = b->tmp.len;
                }
                x->key = pf_sh_dupn(s, n);
                x->klen = n;
                if (!x->key) {
                    rc = -1;
                    break;
                }
            }
        }
        kparent = NULL;
        if (record(b, x, i) < 0) {
            rc = -1;
            break;
        }
        if (t->type == PF_JT_ARRAY) {
            pf_path_push_index(p);
            st[depth].end = j->next[i];
            st[depth].pushed = 1;
            st[depth].x = x;
            st[depth++].fold = 0;
        } else if (t->type == PF_JT_OBJECT) {
            int fold = x->cap_folded;
            if (!fold && object_is_id_map(j, i)) {
                fold = 1;
                if (x->id_fold_last != b->serial) {
                    x->id_fold_last = b->serial;
                    x->id_folds++;
                }
            }
            st[depth].end = j->next[i];
            st[depth].pushed = 0;
            st[depth].x = x;
            st[depth++].fold = fold;
        }
        i++;
    }
    free(st);
    if (rc < 0)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    return 1;
}

/* ---- derived facts: enum, rare, children ---------------------------------- */

int pf_sh_is_enum(const pf_shape_builder *b, const node *x)
{
    if (x->vals_over || !x->nvals || x->nvals > b->o.enum_cap)
        return 0;
    uint64_t tot = 0;
    for (size_t i = 0; i < x->nvals; i++)
        tot += x->vals[i].count;
    return tot >= 2 * (uint64_t)x->nvals;
}

static int cmp_val(const void *a, const void *b)
{
    const sk_val *x = *(const sk_val *const *)a, *y = *(const sk_val *const *)b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->text, y->text);
}

/* Enum values in output order (count desc, text). */
sk_val **pf_sh_sorted_vals(const node *x)
{
    sk_val **v = malloc((x->nvals + 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < x->nvals; i++)
        v[i] = &x->vals[i];
    qsort(v, x->nvals, sizeof *v, cmp_val);
    return v;
}

static int cmp_node(const void *a, const void *b)
{
    const node *x = *(const node *const *)a, *y = *(const node *const *)b;
    return strcmp(x->path, y->path);
}

void pf_sh_derived_free(derived *d)
{
    free(d->sorted);
    free(d->kid_start);
    free(d->kids);
}

int pf_sh_derive(const pf_shape_builder *b, derived *d)
{
    memset(d, 0, sizeof *d);
    d->n = b->n;
    d->sorted = malloc((b->n + 1) * sizeof *d->sorted);
    d->kid_start = calloc(b->n + 2, sizeof *d->kid_start);
    d->kids = malloc((b->n + 1) * sizeof *d->kids);
    if (!d->sorted || !d->kid_start || !d->kids) {
        pf_sh_derived_free(d);
        return -1;
    }
    if (b->n)
        memcpy(d->sorted, b->nodes, b->n * sizeof *d->sorted);
    qsort(d->sorted, b->n, sizeof *d->sorted, cmp_node);
    /* index of each node in sorted order, kept in the view's spare field */
    for (size_t i = 0; i < b->n; i++)
        d->sorted[i]->view.count = i;
    for (size_t i = 0; i < b->n; i++) {
        node *x = d->sorted[i];
        if (x->parent)
            d->kid_start[x->parent->view.count + 1]++;
    }
    for (size_t i = 0; i < b->n; i++)
        d->kid_start[i + 1] += d->kid_start[i];
    size_t *fill = calloc(b->n + 1, sizeof *fill);
    if (!fill) {
        pf_sh_derived_free(d);
        return -1;
    }
    for (size_t i = 0; i < b->n; i++) {
        node *x = d->sorted[i];
        if (x->parent) {
            size_t pi = x->parent->view.count;
            d->kids[d->kid_start[pi] + fill[pi]++] = x;
        }
    }
    free(fill);
    return 0;
}

/* Rare variants of node i; returns how many (items has room for
 * 7 + PF_FMT_N + nkids + nvals). */
size_t pf_sh_rare_items(const pf_shape_builder *b, const derived *d, size_t i,
                        rare_item *it)
{
    const node *x = d->sorted[i];
    double cut = b->o.rare_cutoff;
    size_t n = 0;
    if (!x->count)
        return 0;
    double lim = cut * (double)x->count;
    int kinds = 0;
    for (int k = 0; k < 7; k++)
        kinds += x->types[k] > 0;
    if (kinds > 1)
        for (int k = 0; k < 7; k++)
            if (x->types[k] && (double)x->types[k] < lim)
                it[n++] = (rare_item){"type", pf_sh_type_names[k], strlen(pf_sh_type_names[k]),
                                      x->type_ex[k], x->types[k], 0};
    uint64_t strdocs = x->types[PF_J_STRING];
    for (int f = 0; f < PF_FMT_N; f++)
        if (x->fmt[f] && (double)x->fmt[f] < cut * (double)strdocs)
            it[n++] = (rare_item){"format", pf_fmt_names[f], strlen(pf_fmt_names[f]),
                                  x->fmt_ex[f], x->fmt[f], 0};
    uint64_t objdocs = x->types[PF_J_OBJECT];
    for (size_t k = d->kid_start[i]; k < d->kid_start[i + 1]; k++) {
        const node *c = d->kids[k];
        if (c->count && (double)c->count < cut * (double)objdocs)
            it[n++] = (rare_item){"key", c->key, c->klen, NULL, c->count, 0};
    }
    if (pf_sh_is_enum(b, x) && x->nvals > 1)
        for (size_t v = 0; v < x->nvals; v++)
            if ((double)x->vals[v].count < lim)
                it[n++] = (rare_item){"value", x->vals[v].text, x->vals[v].len,
                                      x->vals[v].text, x->vals[v].count, 1};
    return n;
}

/* ---- read side ------------------------------------------------------------ */

static int build_views(pf_shape *s)
{
    pf_shape_builder *b = s->b;
    derived d;
    if (pf_sh_derive(b, &d) < 0)
        return -1;
    s->sorted = d.sorted;
    s->n = d.n;
    int rc = 0;
    for (size_t i = 0; i < s->n && rc == 0; i++) {
        node *x = s->sorted[i];
        pf_shape_path *v = &x->view;
        memset(v, 0, sizeof *v);
        v->path = x->path;
        v->count = x->count;
        memcpy(v->types, x->types, sizeof v->types);
        v->has_string = x->nstr > 0;
        v->str_min_len = x->smin;
        v->str_max_len = x->smax;
        v->str_p99_len = pf_sh_node_p99(x);
        v->has_number = x->nmin != NULL;
        if (x->nmin) {
            v->num_min = strtod(x->nmin, NULL);
            v->num_max = strtod(x->nmax, NULL);
            v->num_min_text = x->nmin;
            v->num_max_text = x->nmax;
        }
        v->max_digits = x->max_digits;
        v->max_decimals = x->max_decimals;
        v->has_array = x->narr > 0;
        v->arr_min_len = x->amin;
        v->arr_max_len = x->amax;
        size_t nk = d.kid_start[i + 1] - d.kid_start[i];
        x->keys_v = calloc(nk + 1, sizeof *x->keys_v);
        size_t maxr = 7 + PF_FMT_N + nk + x->nvals + 1;
        rare_item *ri = malloc(maxr * sizeof *ri);
        x->rare = calloc(maxr, sizeof *x->rare);
        if (!x->keys_v || !ri || !x->rare) {
            free(ri);
            rc = -1;
            break;
        }
        for (size_t k = 0; k < nk; k++)
            x->keys_v[k] = d.kids[d.kid_start[i] + k]->key;
        v->keys = x->keys_v;
        v->nkeys = nk;
        /* kids are listed before views change view.count: pf_sh_derive() used it */
        size_t nr = pf_sh_rare_items(b, &d, i, ri);
        for (size_t r = 0; r < nr; r++) {
            x->rare[r].kind = ri[r].kind;
            x->rare[r].what = ri[r].what;
            x->rare[r].example = ri[r].example;
            x->rare[r].count = ri[r].count;
        }
        v->rare = x->rare;
        v->nrare = nr;
        free(ri);
        if (pf_sh_is_enum(b, x)) {
            sk_val **sv = pf_sh_sorted_vals(x);
            x->enum_v = calloc(x->nvals + 1, sizeof *x->enum_v);
            if (!sv || !x->enum_v) {
                free(sv);
                rc = -1;
                break;
            }
            for (size_t e = 0; e < x->nvals; e++)
                x->enum_v[e] = sv[e]->text;
            free(sv);
            v->enum_values = x->enum_v;
            v->nenum = x->nvals;
        }
    }
    d.sorted = NULL; /* now s->sorted */
    pf_sh_derived_free(&d);
    return rc;
}

int pf_shape_parse(const char *text, size_t len, const char *name, pf_shape **out,
                   pf_err *err)
{
    *out = NULL;
    if (!name)
        name = "profile";
    pf_shape_opts o;
    if (pf_sh_parse_into(NULL, &o, text, len, name, err) < 0)
        return -1;
    pf_shape *s = calloc(1, sizeof *s);
    if (!s || !(s->b = pf_shape_builder_new(&o, err))) {
        free(s);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    if (pf_sh_parse_into(s->b, NULL, text, len, name, err) < 0) {
        pf_shape_free(s);
        return -1;
    }
    if (build_views(s) < 0) {
        pf_shape_free(s);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    *out = s;
    return 0;
}

int pf_shape_load(const char *path, pf_shape **out, pf_err *err)
{
    *out = NULL;
    pf_buf t = PF_BUF_INIT;
    if (pf_fs_read_file(path, (size_t)1 << 30, &t, err) < 0) {
        pf_buf_free(&t);
        return -1;
    }
    int rc = pf_shape_parse(t.data ? t.data : "", t.len, path, out, err);
    pf_buf_free(&t);
    return rc;
}

void pf_shape_free(pf_shape *s)
{
    if (!s)
        return;
    free(s->sorted);
    pf_shape_builder_free(s->b);
    free(s);
}

uint64_t pf_shape_documents(const pf_shape *s) { return s->b->docs; }
uint64_t pf_shape_unlisted(const pf_shape *s) { return s->b->unlisted; }
uint64_t pf_shape_invalid(const pf_shape *s) { return s->b->invalid; }
int pf_shape_max_depth(const pf_shape *s) { return s->b->max_depth; }
uint64_t pf_shape_max_bytes(const pf_shape *s) { return s->b->max_bytes; }
int pf_shape_anonymized(const pf_shape *s) { return s->b->anonymized; }
void pf_shape_builder_set_anonymized(pf_shape_builder *b, int yes) { b->anonymized = !!yes; }
size_t pf_shape_npaths(const pf_shape *s) { return s->n; }

const pf_shape_path *pf_shape_at(const pf_shape *s, size_t i)
{
    return i < s->n ? &s->sorted[i]->view : NULL;
}

const pf_shape_path *pf_shape_find(const pf_shape *s, const char *path)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->sorted[mid]->path, path);
        if (!c)
            return &s->sorted[mid]->view;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t pf_shape_formats(const pf_shape *s, const pf_shape_path *p, const char **names,
                        uint64_t *counts, size_t max)
{
    const node *x = p ? pf_sh_find_node(s->b, p->path, strlen(p->path)) : NULL;
    size_t n = 0;
    for (int f = 0; x && f < PF_FMT_N && n < max; f++)
        if (x->fmt[f]) {
            names[n] = pf_fmt_names[f];
            counts[n++] = x->fmt[f];
        }
    return n;
}
