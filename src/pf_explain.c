/*
 * pf_explain: say, in production terms, how a reproducer differs from what
 * production has shown (contract and examples in pf_explain.h, user guide
 * in docs/explain.md).
 *
 * One explanation is four passes over the reproducer:
 *   1. read it as cJSON would (lenient): a leading BOM and raw control
 *      bytes inside strings are noted and blanked, trailing text after the
 *      first value is noted and cut; what still is not JSON is located
 *      (byte offset, and the path there, found by closing the prefix);
 *   2. walk every value with its shape path and compare it with the
 *      profile (types, nulls, lengths, ranges, enums, keys, formats) and
 *      with what any parser must survive (invalid UTF-8, surrogates, NUL,
 *      duplicate keys, hostile numbers, odd spellings);
 *   3. find the nearest corpus document (smallest structural difference:
 *      the symmetric difference of (path, type, length bucket) feature
 *      sets, pruned by set size and bounded merges) and drop every
 *      difference that document shares;
 *   4. rank by score (docs/explain.md):
 *        B = log2(production documents + 1)   (10 when nothing is known)
 *        never seen in production           B
 *        seen in k of N documents           log2(N / k)
 *        past production's extreme          B + log2(value / extreme)
 *        breaks parsers (invalid UTF-8, NUL, duplicate key, not JSON)
 *                                           B + 2 (B + 1 for milder ones)
 *        a spelling only (whitespace, escapes, number spelling)  B / 2
 *      plus 1 when the file name (prodfuzz mutate, AFL++) names the same
 *      class and path: a hint that breaks ties, never an item by itself.
 *
 * No raw value longer than 8 bytes is ever printed: lengths, counts,
 * classes and format names stand for them.
 */
#include "pf_explain.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pf_fs.h"
#include "pf_json.h"
#include "pf_path.h"
#include "pf_shape.h"

#define MAX_DOC_BYTES ((size_t)256 << 20)
#define PATH_SEGMENTS 128 /* the profile's path limit (docs/shape.md) */
#define SHOW_MAX 8        /* longest raw number text quoted */

/* ---- the explainer ------------------------------------------------------- */

typedef struct cdoc {
    char *name;     /* file name shown (the corpus file's base name) */
    char *file;     /* full path to re-read, or NULL when data is kept */
    uint8_t *data;  /* kept copy for documents added from memory */
    size_t len;
    uint64_t *feat; /* sorted, unique structural features */
    size_t nfeat;
    uint64_t sig;   /* path-set signature */
} cdoc;

struct pf_explainer {
    pf_shape *shape;
    pf_shape_builder *builder; /* profile made from the corpus, when none */
    int built;
    cdoc *docs;
    size_t ndocs, cap;
    /* spellings seen in the corpus (the profile does not record them) */
    size_t ws_run_max; /* longest whitespace run between tokens */
    unsigned ws_kinds; /* 1 space, 2 newline, 4 tab, 8 CR */
    int ascii_escapes; /* some document spelled plain ASCII as \u00XX */
    uint64_t corpus_docs;
    int unfinished;    /* documents added since finish() ran (after a
                          given profile, too) */
};

/* ---- items ----------------------------------------------------------------- */

/* arr with room for element n (it has *cap elements of elem bytes; the
 * capacity doubles, from first), or NULL when out of memory: arr is then
 * unchanged and still the caller's. *cap changes only on success. The one
 * way this file grows an array. */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return arr;
    size_t nc = *cap ? *cap * 2 : first;
    while (nc <= n)
        nc *= 2;
    void *nv = realloc(arr, nc * elem);
    if (nv)
        *cap = nc;
    return nv;
}

typedef struct ivec {
    pf_explain_item *v;
    size_t n, cap;
    int oom;
} ivec;

static void ivec_free(ivec *iv)
{
    for (size_t i = 0; i < iv->n; i++) {
        free(iv->v[i].path);
        free(iv->v[i].text);
    }
    free(iv->v);
    memset(iv, 0, sizeof *iv);
}

static void ivec_drop(ivec *iv, size_t i)
{
    free(iv->v[i].path);
    free(iv->v[i].text);
    memmove(iv->v + i, iv->v + i + 1, (iv->n - i - 1) * sizeof *iv->v);
    iv->n--;
}

static const char *const class_names[] = {
    "null", "missing", "type", "oversize", "number", "deep", "legacy",
    "unicode", "dupkey", "truncate", "format", "empty"};

static const char *cls_name(const char *c)
{
    for (size_t i = 0; i < sizeof class_names / sizeof *class_names; i++)
        if (!strcmp(class_names[i], c))
            return class_names[i];
    return "format";
}

/* Add an item; an item for the same path and class keeps the higher score. */
static void add_item(ivec *iv, const char *path, const char *cls, double score,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void add_item(ivec *iv, const char *path, const char *cls, double score,
                     const char *fmt, ...)
{
    if (iv->oom)
        return;
    cls = cls_name(cls);
    pf_buf t = PF_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pf_buf_vaddf(&t, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < iv->n; i++)
        if (iv->v[i].cls == cls && !strcmp(iv->v[i].path, path)) {
            if (score > iv->v[i].score && !t.oom) {
                free(iv->v[i].text);
                iv->v[i].text = pf_buf_detach(&t, NULL);
                iv->v[i].score = score;
            }
            pf_buf_free(&t);
            return;
        }
    pf_explain_item *nv = grow(iv->v, &iv->cap, iv->n, sizeof *nv, 16);
    if (!nv) {
        iv->oom = 1;
        pf_buf_free(&t);
        return;
    }
    iv->v = nv;
    char *p = strdup(path);
    if (!p || t.oom) {
        free(p);
        pf_buf_free(&t);
        iv->oom = 1;
        return;
    }
    pf_explain_item *it = &iv->v[iv->n++];
    it->path = p;
    it->cls = (char *)cls; /* one of class_names: never freed */
    it->score = score;
    it->text = pf_buf_detach(&t, NULL);
}

/* "24,000" */
static const char *grp(char *buf, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    int o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}
#define G(v) grp((char[40]){0}, (uint64_t)(v))

static double lg(double x) { return x > 1 ? log2(x) : 0; }
/* How much "never in n documents" says: log2(n + 1). */
static double bn(uint64_t n) { return log2((double)n + 1); }

/* ---- reading as cJSON reads ---------------------------------------------- */

typedef struct doc {
    const char *text; /* the (possibly repaired) working text */
    size_t len;
    pf_buf work;      /* owns text when repaired */
    pf_json j;
    int parsed;
    /* lenient notes */
    int bom;
    size_t *ctl;      /* offsets of raw control bytes inside strings */
    size_t nctl;
    size_t trailing;  /* bytes after the first value */
    size_t orig_len;
    char errmsg[PF_ERR_MSG_MAX];
    size_t erroff;
} doc;

static void doc_free(doc *d)
{
    pf_json_free(&d->j);
    pf_buf_free(&d->work);
    free(d->ctl);
    memset(d, 0, sizeof *d);
}

static int is_ws(unsigned char c) { return pf_json_is_ws(c); }
static int digit_c(char c) { return c >= '0' && c <= '9'; }

static size_t err_offset(const char *msg)
{
    const char *p = strstr(msg, "at byte ");
    return p ? (size_t)strtoull(p + 8, NULL, 10) : 0;
}

/* Returns 0 (parsed or located), -1 out of memory. */
static int doc_read(doc *d, const uint8_t *data, size_t len, pf_err *err)
{
    memset(d, 0, sizeof *d);
    pf_json tmp = PF_JSON_INIT;
    d->j = tmp;
    d->orig_len = len;
    d->text = (const char *)data;
    d->len = len;
    pf_err e = PF_ERR_INIT;
    if (pf_json_parse(&d->j, d->text, d->len, &e) == 0) {
        d->parsed = 1;
        return 0;
    }
    if (e.code == PF_E_NOMEM)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    /* lenient: a copy with the BOM and raw control bytes in strings blanked */
    pf_buf_add(&d->work, data, len);
    if (pf_buf_ok(&d->work, err) < 0)
        return -1;
    char *w = d->work.data;
    if (len >= 3 && !memcmp(w, "\xef\xbb\xbf", 3)) {
        memset(w, ' ', 3);
        d->bom = 1;
    }
    size_t cap = 0;
    int in = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)w[i];
        if (in) {
            if (c == '\\' && i + 1 < len && (unsigned char)w[i + 1] >= 0x20)
                i++;
            else if (c == '"')
                in = 0;
            else if (c < 0x20) {
                size_t *nc = grow(d->ctl, &cap, d->nctl, sizeof *nc, 16);
                if (!nc)
                    return pf_err_set(err, PF_E_NOMEM, "out of memory");
                d->ctl = nc;
                d->ctl[d->nctl++] = i;
                w[i] = ' ';
            }
        } else if (c == '"') {
            in = 1;
        }
    }
    d->text = w;
    pf_json_free(&d->j);
    pf_err_clear(&e);
    if (pf_json_parse(&d->j, w, len, &e) == 0) {
        d->parsed = 1;
        return 0;
    }
    if (e.code == PF_E_NOMEM)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    /* cJSON_Parse stops after the first value: find its end */
    size_t k = 0;
    {
        size_t i = 0, depth = 0;
        int ins = 0;
        while (i < len && is_ws((unsigned char)w[i]))
            i++;
        if (i < len && (w[i] == '{' || w[i] == '[')) {
            for (; i < len; i++) {
                char ch = w[i];
                if (ins) {
                    if (ch == '\\')
                        i++;
                    else if (ch == '"')
                        ins = 0;
                } else if (ch == '"') {
                    ins = 1;
                } else if (ch == '{' || ch == '[') {
                    depth++;
                } else if ((ch == '}' || ch == ']') && --depth == 0) {
                    k = i + 1;
                    break;
                }
            }
        } else if (strstr(e.msg, "more than one top-level value")) {
            k = err_offset(e.msg);
        }
    }
    if (k > 0 && k < len) {
        pf_err e2 = PF_ERR_INIT;
        pf_json_free(&d->j);
        if (k > 0 && k < len && pf_json_parse(&d->j, w, k, &e2) == 0) {
            d->len = k;
            size_t t = len;
            while (t > k && is_ws((unsigned char)w[t - 1]))
                t--;
            d->trailing = t - k;
            d->parsed = 1;
            return 0;
        }
        pf_json_free(&d->j);
    }
    snprintf(d->errmsg, sizeof d->errmsg, "%s", e.msg);
    d->erroff = err_offset(e.msg);
    if (d->erroff > len)
        d->erroff = len;
    return 0;
}

/* ---- shape paths ------------------------------------------------------------ */

/* The profile's path for a member of parent: "{*}" when production folded
 * the map (keys are ids), else the key's canonical segment. */
static void member_path(const pf_shape *s, const char *parent, size_t plen,
                        const char *key, size_t klen, pf_buf *out)
{
    pf_buf_reset(out);
    pf_buf_add(out, parent, plen);
    if (s) {
        size_t mark = out->len;
        pf_path_add_key(out, key, klen);
        if (pf_buf_ok(out, NULL) < 0 || pf_shape_find(s, pf_buf_str(out)))
            return;
        pf_buf_truncate(out, mark);
        pf_buf_adds(out, "{*}");
        if (pf_buf_ok(out, NULL) == 0 && pf_shape_find(s, pf_buf_str(out)))
            return;
        pf_buf_truncate(out, mark);
    }
    pf_path_add_key(out, key, klen);
}

/* ---- the analysis ------------------------------------------------------------ */

typedef struct fvec {
    uint64_t *v;
    size_t n, cap;
    int oom;
} fvec;

static void fpush(fvec *f, uint64_t h)
{
    if (f->oom)
        return;
    uint64_t *nv = grow(f->v, &f->cap, f->n, sizeof *nv, 64);
    if (!nv) {
        f->oom = 1;
        return;
    }
    f->v = nv;
    f->v[f->n++] = h;
}

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int bitlen(uint64_t v)
{
    int b = 0;
    while (v) {
        b++;
        v >>= 1;
    }
    return b;
}

typedef struct fmtcand {
    int tok;
    size_t pathoff;
    const char *want;
    uint64_t have, total;
} fmtcand;

typedef struct actx {
    pf_explainer *x;
    const pf_shape *s;
    doc *d;
    ivec *items;
    fvec *feat;       /* structural features, or NULL */
    fvec paths;       /* path hashes, for the signature */
    double B;
    pf_buf *stack;    /* shape path per walk depth */
    size_t nstack;
    char *skip;       /* tokens that are later duplicates of a key */
    int *pathof;      /* token -> offset into ptext, or -1 */
    char *known;      /* token's path is in the profile */
    pf_buf ptext;     /* shape paths of tokens, NUL-separated */
    pf_buf tmp, tmp2;
    fmtcand *fc;
    size_t nfc, cfc;
    int oom;
} actx;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Decoded string length (escapes resolved). */
static size_t str_len(actx *c, int tok)
{
    const pf_jtok *t = &c->d->j.tok[tok];
    if (!memchr(c->d->text + t->start, '\\', (size_t)(t->end - t->start)))
        return (size_t)(t->end - t->start);
    pf_buf_reset(&c->tmp);
    pf_json_unescape(&c->d->j, tok, &c->tmp);
    return c->tmp.len;
}

/* ---- unicode: what a string's bytes hold that parsers trip on -------------- */

typedef struct uscan {
    size_t invalid, cut, surrogate, nul, ctl_esc, bom, bidi, ascii_esc;
    int first_bad; /* the first invalid byte's value */
    size_t first_at;
    size_t rare;           /* valid but rare characters (rare_char) */
    unsigned rare_cp;      /* the first one */
    const char *rare_what; /* and what it is */
} uscan;

/* Valid text that everyday input does not carry and that the mutator's
 * unicode class writes: what it is, or NULL. pair: written as a UTF-16
 * surrogate pair escape; esc: written as any \u escape. */
static const char *rare_char(unsigned cp, int pair, int esc)
{
    if ((cp & 0xfffe) == 0xfffe || (cp >= 0xfdd0 && cp <= 0xfdef))
        return "a Unicode non-character";
    if (pair)
        return "a character past U+FFFF written as a surrogate pair escape";
    if (cp >= 0x200b && cp <= 0x200d)
        return "a zero-width character";
    if (cp >= 0x2066 && cp <= 0x2069)
        return "a bidirectional isolate";
    if (cp >= 0x0300 && cp <= 0x036f)
        return "a combining mark";
    if (cp >= 0x0590 && cp <= 0x08ff)
        return "right-to-left text";
    if (cp >= 0x10000)
        return "a character past U+FFFF (four UTF-8 bytes)";
    if (esc && cp >= 0x80)
        return "a non-ASCII character written as a \\u escape";
    return NULL;
}

static void note_rare(uscan *u, unsigned cp, int pair, int esc)
{
    const char *what = rare_char(cp, pair, esc);
    if (what && !u->rare++) {
        u->rare_cp = cp;
        u->rare_what = what;
    }
}

static unsigned hex4(const char *s)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char h = s[i];
        v = v * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0'
                                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                                       : h - 'A' + 10);
    }
    return v;
}

static void scan_string(const char *s, size_t n, uscan *u)
{
    memset(u, 0, sizeof *u);
    u->first_bad = -1;
    size_t i = 0;
    while (i < n) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\\' && i + 1 < n) {
            if (s[i + 1] == 'u' && i + 5 < n + 0 + 0 && i + 6 <= n) {
                unsigned v = hex4(s + i + 2);
                if (v >= 0xd800 && v <= 0xdbff) {
                    if (i + 12 <= n && s[i + 6] == '\\' && s[i + 7] == 'u' &&
                        hex4(s + i + 8) >= 0xdc00 && hex4(s + i + 8) <= 0xdfff) {
                        note_rare(u, 0x10000 + ((v - 0xd800) << 10) + (hex4(s + i + 8) - 0xdc00),
                                  1, 1);
                        i += 12;
                        continue;
                    }
                    u->surrogate++;
                } else if (v >= 0xdc00 && v <= 0xdfff) {
                    u->surrogate++;
                } else if (v == 0) {
                    u->nul++;
                } else if (v < 0x20 && v != '\n' && v != '\t' && v != '\r') {
                    u->ctl_esc++;
                } else if (v == 0xfeff) {
                    u->bom++;
                } else if (v == 0x202e || v == 0x202d || v == 0x200f || v == 0x200e ||
                           v == 0x2066 || v == 0x2067 || v == 0x2068) {
                    u->bidi++;
                } else if (v >= 0x20 && v < 0x7f) {
                    u->ascii_esc++;
                } else {
                    note_rare(u, v, 0, 1);
                }
                i += 6;
                continue;
            }
            if (s[i + 1] == '/')
                u->ascii_esc++;
            i += 2;
            continue;
        }
        if (ch < 0x80) {
            i++;
            continue;
        }
        size_t need;
        int ok = pf_utf8_next(s + i, n - i, &need);
        if (ok != 1) {
            if (ok < 0)
                u->cut++; /* a character cut short at the end */
            else
                u->invalid++;
            if (u->first_bad < 0) {
                u->first_bad = ch;
                u->first_at = i;
            }
            i += need;
            continue;
        }
        unsigned cp = need == 2 ? ch & 0x1fu : need == 3 ? ch & 0x0fu : ch & 0x07u;
        for (size_t x = 1; x < need; x++)
            cp = cp << 6 | ((unsigned char)s[i + x] & 0x3fu);
        note_rare(u, cp, 0, 0);
        if (need == 3 && ch == 0xef && (unsigned char)s[i + 1] == 0xbb &&
            (unsigned char)s[i + 2] == 0xbf)
            u->bom++;
        if (need == 3 && ch == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
            ((unsigned char)s[i + 2] == 0xae || (unsigned char)s[i + 2] == 0xad ||
             (unsigned char)s[i + 2] == 0x8f || (unsigned char)s[i + 2] == 0x8e))
            u->bidi++;
        i += need;
    }
}

static size_t ctl_in(const doc *d, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = 0; i < d->nctl; i++)
        n += d->ctl[i] >= a && d->ctl[i] < b;
    return n;
}

static void check_string(actx *c, int tok, const char *path,
                         const pf_shape_path *sp)
{
    const pf_jtok *t = &c->d->j.tok[tok];
    const char *s = c->d->text + t->start;
    size_t raw = (size_t)(t->end - t->start);
    double B = c->B;
    uscan u;
    scan_string(s, raw, &u);
    size_t ctl = ctl_in(c->d, (size_t)t->start, (size_t)t->end);
    if (u.invalid)
        add_item(c->items, path, "unicode", B + 2,
                 "%s holds invalid UTF-8 (byte 0x%02x at byte %s of %s); production "
                 "text is valid UTF-8", path, u.first_bad, G(u.first_at), G(raw));
    else if (u.cut)
        add_item(c->items, path, "unicode", B + 2,
                 "%s ends in a multi-byte UTF-8 character cut short (lead byte 0x%02x); "
                 "production text is valid UTF-8", path, u.first_bad);
    else if (u.surrogate)
        add_item(c->items, path, "unicode", B + 2,
                 "%s holds %s lone UTF-16 surrogate escape(s) (\\ud800-\\udfff); "
                 "production text never had one", path, G(u.surrogate));
    else if (u.nul)
        add_item(c->items, path, "unicode", B + 2,
                 "%s holds a NUL character (\\u0000), which ends C strings early; "
                 "production text never had one", path);
    else if (ctl)
        add_item(c->items, path, "unicode", B + 1,
                 "%s holds %s raw control byte(s) that JSON requires escaped "
                 "(cJSON takes them, strict parsers refuse); production had none",
                 path, G(ctl));
    else if (u.ctl_esc)
        add_item(c->items, path, "unicode", B + 1,
                 "%s holds %s escaped control character(s); production text had none",
                 path, G(u.ctl_esc));
    else if (u.bom)
        add_item(c->items, path, "unicode", B + 1,
                 "%s holds a byte order mark (U+FEFF); production text had none", path);
    else if (u.bidi)
        add_item(c->items, path, "unicode", B + 1,
                 "%s holds a bidirectional override (U+202E and kin); production text "
                 "had none", path);
    else if (u.rare)
        add_item(c->items, path, "unicode", B + 1,
                 "%s holds %s (U+%04X); production text had none", path, u.rare_what,
                 u.rare_cp);
    if (u.ascii_esc && !c->x->ascii_escapes)
        add_item(c->items, path, "format", B / 2,
                 "%s spells %s plain character(s) as escapes (\\u00XX, \\/); "
                 "production never did", path, G(u.ascii_esc));
    if (!sp || !sp->has_string)
        return;
    size_t n = str_len(c, tok);
    if (n > sp->str_max_len)
        add_item(c->items, path, "oversize",
                 bn(sp->types[PF_J_STRING]) + lg((double)n / (double)(sp->str_max_len ? sp->str_max_len : 1)),
                 "%s is %s bytes; production's p99 is %s, max %s", path, G(n),
                 G(sp->str_p99_len), G(sp->str_max_len));
    else if (n == 0 && sp->str_min_len > 0)
        add_item(c->items, path, "empty", bn(sp->types[PF_J_STRING]),
                 "%s is an empty string; production's shortest is %s bytes", path,
                 G(sp->str_min_len));
    /* rare values, then values never seen at an enum path */
    int found = 0;
    for (size_t k = 0; k < sp->nrare && !found; k++)
        if (sp->rare[k].kind && !strcmp(sp->rare[k].kind, "value") && sp->rare[k].what &&
            strlen(sp->rare[k].what) == raw + 2 && !memcmp(sp->rare[k].what + 1, s, raw)) {
            found = 1;
            add_item(c->items, path, "legacy",
                     lg((double)sp->count / (double)(sp->rare[k].count ? sp->rare[k].count : 1)),
                     "%s is a rare value: %s of %s documents (legacy) had it", path,
                     G(sp->rare[k].count), G(sp->count));
        }
    if (sp->nenum && !found) {
        for (size_t k = 0; k < sp->nenum && !found; k++) {
            const char *e = sp->enum_values[k];
            found = strlen(e) == raw + 2 && !memcmp(e + 1, s, raw);
        }
        if (!found && !memchr(s, '\\', raw))
            add_item(c->items, path, "legacy", bn(sp->count) * 0.9,
                     "%s is a value never seen in %s documents (production had %s "
                     "distinct values here)", path, G(sp->count), G(sp->nenum));
    }
    /* a format production always had here: checked in one batch later */
    const char *names[16];
    uint64_t counts[16];
    size_t nf = pf_shape_formats(c->s, sp, names, counts, 16);
    uint64_t strings = sp->types[PF_J_STRING];
    for (size_t k = 0; k < nf; k++)
        if (strings && counts[k] * 50 >= strings * 49) {
            fmtcand *nv = grow(c->fc, &c->cfc, c->nfc, sizeof *nv, 16);
            if (!nv) {
                c->oom = 1;
                return;
            }
            c->fc = nv;
            c->fc[c->nfc++] = (fmtcand){tok, (size_t)c->pathof[tok], names[k], counts[k], strings};
            break;
        }
}

/* ---- numbers ---------------------------------------------------------------- */

static void num_shape(const char *s, size_t n, int *digits, int *decimals, int *expo,
                      int *negzero)
{
    size_t i = 0;
    int neg = n && s[0] == '-';
    i = (size_t)neg;
    size_t ib = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    *digits = (int)(i - ib);
    *decimals = 0;
    int nonzero = 0;
    for (size_t k = ib; k < i; k++)
        nonzero |= s[k] != '0';
    if (i < n && s[i] == '.') {
        size_t f = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            nonzero |= s[i] != '0';
            i++;
        }
        *decimals = (int)(i - f);
    }
    *expo = i < n && (s[i] == 'e' || s[i] == 'E');
    *negzero = neg && !nonzero;
}

static const char *show_num(char *buf, const char *s, size_t n, int digits)
{
    if (n <= SHOW_MAX)
        snprintf(buf, 64, "%.*s", (int)n, s);
    else
        snprintf(buf, 64, "a %d-digit number", digits);
    return buf;
}

static void check_number(actx *c, int tok, const char *path, const pf_shape_path *sp,
                         pf_jkind k)
{
    size_t a, b;
    pf_json_span(&c->d->j, tok, &a, &b);
    const char *s = c->d->text + a;
    size_t n = b - a;
    char tbuf[400];
    size_t tn = n < sizeof tbuf - 1 ? n : sizeof tbuf - 1;
    memcpy(tbuf, s, tn);
    tbuf[tn] = 0;
    errno = 0;
    double x = strtod(tbuf, NULL);
    int range_err = errno == ERANGE;
    int digits, decimals, expo, negzero;
    num_shape(s, n, &digits, &decimals, &expo, &negzero);
    char show[64];
    show_num(show, s, n, digits);
    double B = c->B;
    if (range_err && isinf(x)) {
        add_item(c->items, path, "number", B + 3,
                 "%s is %s, which overflows a double%s", path, show,
                 sp && sp->has_number ? "; production's numbers here all fit" : "");
        return;
    }
    if (range_err && x == 0) {
        add_item(c->items, path, "number", B + 1,
                 "%s is %s, which underflows a double to 0", path, show);
        return;
    }
    if (k == PF_J_INT && fabs(x) > 9007199254740992.0 &&
        (!sp || !sp->has_number || sp->max_digits < 16)) {
        add_item(c->items, path, "number", B + 1 + lg(fabs(x) / 9007199254740992.0) / 8,
                 "%s is %s, an integer past 2^53 where doubles lose precision%s", path,
                 show, sp && sp->has_number ? "; production's stayed below" : "");
        return;
    }
    if (negzero && (!sp || !sp->has_number || sp->num_min >= 0)) {
        add_item(c->items, path, "number", B + 1, "%s is negative zero (%s)%s", path, show,
                 sp && sp->has_number ? "; production never had a negative number here" : "");
        return;
    }
    if (!sp || !sp->has_number)
        return;
    double NB = bn(sp->types[PF_J_INT] + sp->types[PF_J_FLOAT]);
    double lo = sp->num_min, hi = sp->num_max;
    double span = fmax(fmax(hi - lo, fabs(hi)), fmax(fabs(lo), 1));
    if (x > hi || x < lo) {
        double dist = x > hi ? x - hi : lo - x;
        double sc = NB + lg(1 + dist / span);
        int zero = x == 0 && (lo > 0 || hi < 0);
        if (zero)
            sc += 1;
        int shortr = sp->num_min_text && strlen(sp->num_min_text) <= SHOW_MAX &&
                     sp->num_max_text && strlen(sp->num_max_text) <= SHOW_MAX;
        add_item(c->items, path, "number", sc,
                 "%s is %s; %s%s%s%s%s", path, show,
                 shortr ? "production's range is " : "outside production's range",
                 shortr ? sp->num_min_text : "", shortr ? " to " : "",
                 shortr ? sp->num_max_text : "",
                 zero ? " and never 0 (a divisor?)" : x < 0 && lo >= 0 ? " and never negative" : "");
        if (!expo)
            return;
    }
    if (digits > sp->max_digits) {
        add_item(c->items, path, "number", NB + lg((double)digits / (sp->max_digits ? sp->max_digits : 1)),
                 "%s has %d digits before the point; production wrote at most %d", path,
                 digits, sp->max_digits);
        return;
    }
    if (k == PF_J_FLOAT && sp->types[PF_J_INT] && !sp->types[PF_J_FLOAT]) {
        if (x == floor(x))
            add_item(c->items, path, "format", B / 2,
                     "%s is a whole number spelled as a float (%s); production wrote "
                     "integers here", path, show);
        else
            add_item(c->items, path, "number", NB,
                     "%s has a fraction (%d decimals); production had only integers here "
                     "(%s documents)", path, decimals, G(sp->count));
        return;
    }
    if (decimals > sp->max_decimals && !expo) {
        add_item(c->items, path, "number", NB + lg((double)decimals / (sp->max_decimals ? sp->max_decimals : 1)),
                 "%s has %d decimals; production wrote at most %d", path, decimals,
                 sp->max_decimals);
        return;
    }
    if (expo && !(sp->num_min_text && strpbrk(sp->num_min_text, "eE")) &&
        !(sp->num_max_text && strpbrk(sp->num_max_text, "eE")))
        add_item(c->items, path, "format", B / 2,
                 "%s is written with an exponent (%s); production never was", path, show);
}

/* ---- per value ---------------------------------------------------------------- */

static const char *kind_list(char *buf, size_t cap, const pf_shape_path *sp)
{
    size_t o = 0;
    buf[0] = 0;
    for (int k = 0; k < 7; k++)
        if (sp->types[k] && o < cap)
            o += (size_t)snprintf(buf + o, cap - o, "%s%s (%s)", o ? ", " : "",
                                  pf_jkind_name((pf_jkind)k), G(sp->types[k]));
    return buf;
}


static const pf_shape_rare *rare_of(const pf_shape_path *sp, const char *kind, const char *what)
{
    for (size_t k = 0; k < sp->nrare; k++)
        if (sp->rare[k].kind && !strcmp(sp->rare[k].kind, kind) && sp->rare[k].what &&
            !strcmp(sp->rare[k].what, what))
            return &sp->rare[k];
    return NULL;
}

/* Keys of object tok, decoded, into c->tmp2 (NUL-separated); marks later
 * duplicates in c->skip and reports them. */
static void check_keys(actx *c, int tok, const char *path, const pf_shape_path *sp)
{
    const pf_json *j = &c->d->j;
    int n = j->tok[tok].size;
    pf_buf_reset(&c->tmp2);
    if (n <= 0)
        return;
    size_t *off = malloc((size_t)n * sizeof *off);
    int *kt = malloc((size_t)n * sizeof *kt);
    if (!off || !kt) {
        free(off);
        free(kt);
        c->oom = 1;
        return;
    }
    int key = tok + 1;
    for (int m = 0; m < n; m++) {
        kt[m] = key;
        off[m] = c->tmp2.len;
        pf_buf_reset(&c->tmp);
        pf_json_unescape(j, key, &c->tmp);
        pf_buf_add(&c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len);
        pf_buf_addc(&c->tmp2, 0);
        key = j->next[key + 1];
    }
    /* duplicates: quadratic for small objects, which is nearly all of them */
    if (n <= 256) {
        for (int m = 1; m < n; m++)
            for (int p = 0; p < m; p++) {
                const char *a = c->tmp2.data + off[m], *b = c->tmp2.data + off[p];
                size_t la = (m + 1 < n ? off[m + 1] : c->tmp2.len) - off[m];
                size_t lb = off[p + 1] - off[p];
                if (la == lb && !memcmp(a, b, la)) {
                    c->skip[kt[m]] = 1;
                    pf_buf mp = PF_BUF_INIT;
                    member_path(c->s, path, strlen(path), a, la - 1, &mp);
                    const pf_jtok *t1 = &j->tok[kt[p]], *t2 = &j->tok[kt[m]];
                    int spelled = (t1->end - t1->start) != (t2->end - t2->start) ||
                                  memcmp(c->d->text + t1->start, c->d->text + t2->start,
                                         (size_t)(t1->end - t1->start));
                    add_item(c->items, pf_buf_str(&mp), "dupkey", c->B + 2,
                             "%s appears twice in one object%s (parsers disagree on which "
                             "value wins); production objects never repeat a key",
                             pf_buf_str(&mp), spelled ? ", the second time spelled with escapes" : "");
                    pf_buf_free(&mp);
                    break;
                }
            }
    }
    /* always-present members that are missing */
    int rare_done = 0;
    if (sp && sp->nkeys && sp->types[PF_J_OBJECT]) {
        uint64_t objs = sp->types[PF_J_OBJECT];
        pf_buf cp = PF_BUF_INIT;
        for (size_t k = 0; k < sp->nkeys; k++) {
            const char *kn = sp->keys[k];
            size_t kl = strlen(kn);
            int have = 0;
            for (int m = 0; m < n && !have; m++) {
                size_t la = (m + 1 < n ? off[m + 1] : c->tmp2.len) - off[m] - 1;
                have = la == kl && !memcmp(c->tmp2.data + off[m], kn, kl);
            }
            if (have)
                continue;
            pf_buf_reset(&cp);
            pf_buf_adds(&cp, path);
            pf_path_add_key(&cp, kn, kl);
            const pf_shape_path *csp = pf_shape_find(c->s, pf_buf_str(&cp));
            if (!csp || csp->count * 50 < objs * 49)
                continue;
            int renamed = -1; /* a member production never had, in its place */
            const pf_shape_rare *rk = NULL; /* or one only old documents had */
            for (int m = 0; m < n && renamed < 0 && csp->count >= objs; m++) {
                if (c->skip[kt[m]])
                    continue;
                size_t la = (m + 1 < n ? off[m + 1] : c->tmp2.len) - off[m] - 1;
                pf_buf_reset(&c->tmp);
                member_path(c->s, path, strlen(path), c->tmp2.data + off[m], la, &c->tmp);
                if (pf_buf_ok(&c->tmp, NULL) == 0 && !pf_shape_find(c->s, pf_buf_str(&c->tmp)))
                    renamed = m;
                else if ((rk = rare_of(sp, "key", c->tmp2.data + off[m])))
                    renamed = m;
            }
            if (renamed >= 0 && rk) {
                rare_done = 1;
                add_item(c->items, path, "legacy", bn(objs) + 1,
                         "%s: %s, a key only %s of %s documents (legacy) had, stands where "
                         "%s (present in all %s) is missing: the old schema",
                         path, pf_buf_str(&c->tmp), G(rk->count), G(objs), pf_buf_str(&cp),
                         G(csp->count));
            } else if (renamed >= 0) {
                c->skip[kt[renamed]] = 1;
                add_item(c->items, pf_buf_str(&cp), "legacy", bn(objs) + 1,
                         "%s is missing (present in all %s sampled documents that had %s) "
                         "and %s, a key production never had, stands in its place: "
                         "renamed, as an old or other client spells it",
                         pf_buf_str(&cp), G(csp->count), path, pf_buf_str(&c->tmp));
            } else if (csp->count >= objs)
                add_item(c->items, pf_buf_str(&cp), "missing", bn(objs),
                         "%s is missing; present in all %s sampled documents that had %s",
                         pf_buf_str(&cp), G(csp->count), path);
            else
                add_item(c->items, pf_buf_str(&cp), "missing",
                         lg((double)objs / (double)(objs - csp->count)),
                         "%s is missing; absent from only %s of %s documents that had %s",
                         pf_buf_str(&cp), G(objs - csp->count), G(objs), path);
        }
        pf_buf_free(&cp);
    }
    /* keys only old documents carry */
    for (int m = 0; m < n && sp && sp->nrare && !rare_done; m++) {
        const pf_shape_rare *r = rare_of(sp, "key", c->tmp2.data + off[m]);
        if (r) {
            pf_buf kp = PF_BUF_INIT;
            size_t la = (m + 1 < n ? off[m + 1] : c->tmp2.len) - off[m] - 1;
            member_path(c->s, path, strlen(path), c->tmp2.data + off[m], la, &kp);
            add_item(c->items, path, "legacy",
                     lg((double)sp->types[PF_J_OBJECT] / (double)(r->count ? r->count : 1)),
                     "%s has %s, a key only %s of %s documents (legacy) had", path,
                     pf_buf_str(&kp), G(r->count), G(sp->types[PF_J_OBJECT]));
            pf_buf_free(&kp);
        }
    }
    free(off);
    free(kt);
}

static int visit(void *ctx, const pf_json *j, int tok, int key, const pf_path *path,
                 pf_err *err)
{
    actx *c = ctx;
    (void)err;
    size_t dpt = path->depth;
    size_t had = c->nstack;
    pf_buf *ns = grow(c->stack, &c->nstack, dpt, sizeof *ns, 32);
    if (!ns) {
        c->oom = 1;
        return -1;
    }
    for (size_t i = had; i < c->nstack; i++)
        pf_buf_init(&ns[i]);
    c->stack = ns;
    pf_buf *me = &c->stack[dpt];
    if (dpt == 0) {
        pf_buf_reset(me);
        pf_buf_adds(me, "$");
    } else if (dpt <= PATH_SEGMENTS) {
        const pf_buf *par = &c->stack[dpt - 1];
        if (key >= 0) {
            pf_buf_reset(&c->tmp);
            pf_json_unescape(j, key, &c->tmp);
            member_path(c->s, par->data, par->len, c->tmp.data ? c->tmp.data : "", c->tmp.len, me);
        } else {
            pf_buf_reset(me);
            pf_buf_add(me, par->data, par->len);
            pf_buf_adds(me, "[*]");
        }
    }
    if (me->oom) {
        c->oom = 1;
        return -1;
    }
    pf_jkind k = pf_json_kind(j, tok);
    const pf_jtok *t = &j->tok[tok];
    if (dpt > PATH_SEGMENTS)
        return 0; /* past the profile's paths: the depth item covers it */
    const char *p = pf_buf_str(me);
    c->pathof[tok] = (int)c->ptext.len;
    pf_buf_add(&c->ptext, p, me->len + 1);
    /* features: (path, type, length bucket) */
    uint64_t ph = fnv(p, me->len);
    fpush(&c->paths, ph);
    if (c->feat) {
        uint64_t len = t->type == PF_JT_STRING ? (uint64_t)(t->end - t->start) : (uint64_t)t->size;
        fpush(c->feat, ph ^ ((uint64_t)(k + 1) * 0x9e3779b97f4a7c15ull) ^
                           ((uint64_t)bitlen(len) * 0xc2b2ae3d27d4eb4full));
    }
    if (key >= 0 && c->skip[key])
        return 1;
    const pf_shape_path *sp = c->s ? pf_shape_find(c->s, p) : NULL;
    c->known[tok] = sp != NULL;
    char kb[200];
    if (c->s && !sp) {
        /* a path production never had; say it once, at its top */
        if (dpt > 0 && key >= 0) {
            const pf_shape_path *psp = pf_shape_find(c->s, c->stack[dpt - 1].data);
            if (psp && psp->types[PF_J_OBJECT]) {
                /* a renamed key? compare letters only, ignoring case */
                const char *like = NULL;
                pf_buf_reset(&c->tmp);
                pf_json_unescape(j, key, &c->tmp);
                for (size_t q = 0; q < psp->nkeys && !like; q++) {
                    const char *a = psp->keys[q], *b = c->tmp.data ? c->tmp.data : "";
                    size_t ia = 0, ib = 0, la = strlen(a), lb = c->tmp.len;
                    int same = 1;
                    for (;;) {
                        while (ia < la && (a[ia] == '_' || a[ia] == '-'))
                            ia++;
                        while (ib < lb && (b[ib] == '_' || b[ib] == '-'))
                            ib++;
                        if (ia >= la || ib >= lb)
                            break;
                        char x1 = a[ia] | (a[ia] >= 'A' && a[ia] <= 'Z' ? 0x20 : 0);
                        char x2 = b[ib] | (b[ib] >= 'A' && b[ib] <= 'Z' ? 0x20 : 0);
                        if (x1 != x2) {
                            same = 0;
                            break;
                        }
                        ia++, ib++;
                    }
                    if (same && ia >= la && ib >= lb)
                        like = a;
                }
                const pf_shape_rare *rk = NULL;
                if (!like)
                    add_item(c->items, p, "legacy", bn(psp->types[PF_J_OBJECT]) * 0.9,
                             "%s is a key production never had under %s (%s documents)", p,
                             c->stack[dpt - 1].data, G(psp->types[PF_J_OBJECT]));
                else {
                    pf_buf lp = PF_BUF_INIT;
                    pf_buf_adds(&lp, c->stack[dpt - 1].data);
                    pf_path_add_key(&lp, like, strlen(like));
                    add_item(c->items, p, "legacy", bn(psp->types[PF_J_OBJECT]),
                             "%s is a key production never had: %s renamed, as an old or "
                             "other client spells it", p, pf_buf_str(&lp));
                    pf_buf_free(&lp);
                }
                (void)rk;
            }
        }
        return 1;
    }
    if (sp) {
        if (k == PF_J_NULL) {
            uint64_t nulls = sp->types[PF_J_NULL];
            if (!nulls)
                add_item(c->items, p, "null", bn(sp->count), "%s is null; never null in %s sampled documents",
                         p, G(sp->count));
            else if (nulls * 50 < sp->count)
                add_item(c->items, p, "null", lg((double)sp->count / (double)nulls),
                         "%s is null; %s of %s sampled documents had null there", p, G(nulls),
                         G(sp->count));
            return 0;
        }
        int numeric_ok = (k == PF_J_INT && sp->types[PF_J_FLOAT]) ||
                         (k == PF_J_FLOAT && sp->types[PF_J_INT]);
        if (!sp->types[k] && !numeric_ok) {
            add_item(c->items, p, "type", bn(sp->count), "%s is %s %s; production had only %s", p,
                     k == PF_J_INT || k == PF_J_ARRAY || k == PF_J_OBJECT ? "an" : "a",
                     pf_jkind_name(k), kind_list(kb, sizeof kb, sp));
            return 1;
        }
        const pf_shape_rare *r = rare_of(sp, "type", pf_jkind_name(k));
        if (r)
            add_item(c->items, p, "legacy", lg((double)sp->count / (double)(r->count ? r->count : 1)),
                     "%s is %s %s; %s of %s documents (legacy) had that", p,
                     k == PF_J_INT || k == PF_J_ARRAY || k == PF_J_OBJECT ? "an" : "a",
                     pf_jkind_name(k), G(r->count), G(sp->count));
    }
    switch (k) {
    case PF_J_STRING:
        check_string(c, tok, p, sp);
        break;
    case PF_J_INT:
    case PF_J_FLOAT:
        check_number(c, tok, p, sp, k);
        break;
    case PF_J_ARRAY:
        if (sp && sp->has_array) {
            uint64_t n = (uint64_t)t->size;
            if (n > sp->arr_max_len)
                add_item(c->items, p, "oversize",
                         bn(sp->types[PF_J_ARRAY]) + lg((double)n / (double)(sp->arr_max_len ? sp->arr_max_len : 1)),
                         "%s has %s elements; production's most is %s", p, G(n), G(sp->arr_max_len));
            else if (n == 0 && sp->arr_min_len > 0)
                add_item(c->items, p, "empty", bn(sp->types[PF_J_ARRAY]),
                         "%s is an empty array; production's shortest is %s", p, G(sp->arr_min_len));
        }
        break;
    case PF_J_OBJECT:
        check_keys(c, tok, p, sp);
        if (t->size == 0 && sp && sp->nkeys && sp->types[PF_J_OBJECT]) {
            int always = 0;
            for (size_t q = 0; q < sp->nkeys && !always; q++) {
                pf_buf cp = PF_BUF_INIT;
                pf_buf_adds(&cp, p);
                pf_path_add_key(&cp, sp->keys[q], strlen(sp->keys[q]));
                const pf_shape_path *csp = pf_shape_find(c->s, pf_buf_str(&cp));
                always = csp && csp->count >= sp->types[PF_J_OBJECT];
                pf_buf_free(&cp);
            }
            if (always) {
                /* the members it lacks are this one fact */
                for (size_t q = c->items->n; q-- > 0;)
                    if (c->items->v[q].cls == cls_name("missing") &&
                        !strncmp(c->items->v[q].path, p, strlen(p)))
                        ivec_drop(c->items, q);
                add_item(c->items, p, "empty", bn(sp->types[PF_J_OBJECT]),
                         "%s is an empty object; production's objects here always had members "
                         "(%s documents)", p, G(sp->types[PF_J_OBJECT]));
            }
        }
        break;
    default:
        break;
    }
    return c->oom ? -1 : 0;
}

/* ---- formats, in one batch through shape's own detectors ------------------ */

/* The profile builder is where the format predicates live (the same ones
 * `prodfuzz shape` counts with): one small document {"a0": s0, ...} gives
 * each candidate string's format. */
static void check_formats(actx *c)
{
    if (!c->nfc)
        return;
    pf_shape_opts o;
    pf_shape_opts_default(&o);
    pf_err e = PF_ERR_INIT;
    pf_shape_builder *b = pf_shape_builder_new(&o, &e);
    pf_buf doc = PF_BUF_INIT, prof = PF_BUF_INIT, kp = PF_BUF_INIT;
    pf_shape *s = NULL;
    size_t n = c->nfc < 500 ? c->nfc : 500;
    if (!b)
        goto out;
    pf_buf_addc(&doc, '{');
    for (size_t i = 0; i < n; i++) {
        size_t a, z;
        pf_json_span(&c->d->j, c->fc[i].tok, &a, &z);
        pf_buf_addf(&doc, "%s\"a%zu\":", i ? "," : "", i);
        pf_buf_add(&doc, c->d->text + a, z - a);
    }
    pf_buf_addc(&doc, '}');
    if (pf_buf_ok(&doc, NULL) < 0 || pf_shape_add_doc(b, doc.data, doc.len, "explain", &e) != 1 ||
        pf_shape_builder_write(b, &prof, &e) < 0 ||
        pf_shape_parse(prof.data, prof.len, "explain", &s, &e) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        pf_buf_reset(&kp);
        pf_buf_addf(&kp, "$.a%zu", i);
        const pf_shape_path *sp = pf_shape_find(s, pf_buf_str(&kp));
        const char *names[4];
        uint64_t counts[4];
        size_t nf = sp ? pf_shape_formats(s, sp, names, counts, 4) : 0;
        const char *have = nf ? names[0] : NULL;
        if (have && !strcmp(have, c->fc[i].want))
            continue;
        const char *path = c->d->text ? c->ptext.data + c->fc[i].pathoff : "$";
        const pf_jtok *t = &c->d->j.tok[c->fc[i].tok];
        if (t->end == t->start)
            continue; /* the empty string has its own item */
        add_item(c->items, path, "format", bn(c->fc[i].total) + (c->fc[i].have == c->fc[i].total ? 0.5 : -1),
                 "%s is no longer %s %s (%s of %s production strings here were); it is %s%s",
                 path, strchr("aeiou", c->fc[i].want[0]) ? "an" : "a", c->fc[i].want,
                 G(c->fc[i].have), G(c->fc[i].total), have ? (strchr("aeiou", have[0]) ? "an " : "a ") : "",
                 have ? have : "text of no known format");
    }
out:
    pf_shape_free(s);
    pf_shape_builder_free(b);
    pf_buf_free(&doc);
    pf_buf_free(&prof);
    pf_buf_free(&kp);
}

/* ---- whitespace between tokens --------------------------------------------- */

typedef struct wsrun {
    size_t at, len;
    unsigned kinds;
} wsrun;

static unsigned ws_kind(char ch)
{
    return ch == ' ' ? 1 : ch == '\n' ? 2 : ch == '\t' ? 4 : 8;
}

/* Runs of whitespace outside strings, before the end of the document. */
static void ws_stats(const char *s, size_t n, size_t *maxrun, unsigned *kinds)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (is_ws((unsigned char)ch)) {
            run++;
            *kinds |= ws_kind(ch);
            if (run > *maxrun)
                *maxrun = run;
            continue;
        }
        run = 0;
        if (ch == '"')
            i = pf_json_str_end(s, n, i);
    }
}

static int tok_at_or_after(const pf_json *j, size_t off)
{
    int lo = 0, hi = j->ntok;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        size_t a, b;
        pf_json_span(j, mid, &a, &b);
        if (a < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < j->ntok ? lo : -1;
}

static int value_tok(const pf_json *j, int t)
{
    /* a key stands for its value */
    if (t >= 0 && j->tok[t].type == PF_JT_STRING && j->tok[t].parent >= 0 &&
        j->tok[j->tok[t].parent].type == PF_JT_OBJECT)
        return t + 1;
    return t;
}

static void check_whitespace(actx *c)
{
    const char *s = c->d->text;
    size_t n = c->d->len;
    const pf_json *j = &c->d->j;
    int have_corpus = c->x->corpus_docs > 0;
    size_t runs = 0, best = 0;
    wsrun worst = {0, 0, 0};
    /* a document spaced throughout (", " and ": ") is a printer's style */
    size_t gaps = 0;
    for (size_t q = 0; q + 1 < n; q++)
        gaps += (s[q] == ',' || s[q] == ':') && is_ws((unsigned char)s[q + 1]);
    int spaced = j->ntok > 4 && gaps * 4 >= (size_t)j->ntok;
    size_t i = 0;
    while (i < n) {
        char ch = s[i];
        if (!is_ws((unsigned char)ch)) {
            i = ch == '"' ? pf_json_str_end(s, n, i) + 1 : i + 1;
            continue;
        }
        size_t a = i;
        unsigned kinds = 0;
        while (i < n && is_ws((unsigned char)s[i]))
            kinds |= ws_kind(s[i++]);
        if (a < 3 && c->d->bom)
            continue;
        if (i >= n || a == 0)
            continue; /* around the document: no parser cares */
        runs++;
        size_t len = i - a;
        int odd = have_corpus ? (len > c->x->ws_run_max || (kinds & ~c->x->ws_kinds))
                              : (kinds & 12) || len > 2;
        if (odd && spaced) /* another printer's style: only what stands out in it */
            odd = (kinds & 12 & ~c->x->ws_kinds) || len > (c->x->ws_run_max > 2 ? c->x->ws_run_max : 2);
        size_t weight = len + ((kinds & 12) ? 100 : 0);
        if (odd && weight > best) {
            best = weight;
            worst = (wsrun){a, len, kinds};
        }
    }
    if (!have_corpus && !best && runs && runs * 4 < (size_t)j->ntok) {
        /* a compact document with a few spaced gaps: those are odd */
        for (i = 1; i < n; i++) {
            char ch = s[i];
            if (ch == '"')
                i = pf_json_str_end(s, n, i);
            else if (is_ws((unsigned char)ch) && !(c->d->bom && i < 3)) {
                size_t a = i;
                while (i < n && is_ws((unsigned char)s[i]))
                    i++;
                if (i < n) {
                    worst = (wsrun){a, i - a, ws_kind(s[a])};
                    best = 1;
                }
                break;
            }
        }
    }
    if (!best)
        return;
    /* the value the run sits before, or after when a separator follows */
    size_t e = worst.at + worst.len;
    int t;
    if (e < n && (s[e] == ',' || s[e] == '}' || s[e] == ']')) {
        t = tok_at_or_after(j, worst.at);
        t = value_tok(j, t > 0 ? t - 1 : (t < 0 ? j->ntok - 1 : 0));
        for (;;) { /* the outermost value ending right there */
            int par = j->tok[t].parent;
            if (par >= 0 && j->tok[par].type == PF_JT_STRING)
                par = j->tok[par].parent;
            if (par < 0)
                break;
            size_t a, b;
            pf_json_span(j, par, &a, &b);
            if (b > worst.at)
                break;
            t = par;
        }
    } else {
        t = value_tok(j, tok_at_or_after(j, e));
    }
    if (t < 0)
        t = 0;
    while (t > 0 && c->pathof[t] < 0)
        t = j->tok[t].parent;
    const char *path = t >= 0 && c->pathof[t] >= 0 ? c->ptext.data + c->pathof[t] : "$";
    char kinds[64] = "";
    const char *names[] = {"spaces", "newlines", "tabs", "carriage returns"};
    for (int k = 0; k < 4; k++)
        if (worst.kinds & (1u << k))
            snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%s",
                     kinds[0] ? ", " : "", names[k]);
    if (have_corpus)
        add_item(c->items, path, "format", c->B / 2,
                 "%s has %s bytes of whitespace (%s) beside it; production documents had "
                 "runs of at most %s", path, G(worst.len), kinds, G(c->x->ws_run_max));
    else
        add_item(c->items, path, "format", c->B / 2,
                 "%s has %s bytes of whitespace (%s) beside it, unlike the rest of the "
                 "document", path, G(worst.len), kinds);
}

/* ---- depth ---------------------------------------------------------------------- */

static void check_depth(actx *c)
{
    const pf_json *j = &c->d->j;
    int deepest = j->max_depth;
    int prod = c->s ? pf_shape_max_depth(c->s) : 0;
    int limit = prod > 0 ? prod : 64;
    if (deepest <= limit || j->ntok <= 0)
        return;
    /* the deepest value, then up the chain production never had */
    int *dep = malloc((size_t)j->ntok * sizeof *dep);
    if (!dep) {
        c->oom = 1;
        return;
    }
    int best = 0;
    for (int i = 0; i < j->ntok; i++) {
        int par = j->tok[i].parent;
        dep[i] = par < 0 ? 0 : dep[par] + (j->tok[par].type != PF_JT_STRING);
        if (dep[i] > dep[best])
            best = i;
    }
    free(dep);
    int t = value_tok(j, best), below = -1;
    for (;;) {
        int par = j->tok[t].parent;
        if (par >= 0 && j->tok[par].type == PF_JT_STRING)
            par = j->tok[par].parent;
        if (par < 0)
            break;
        if (c->s ? c->known[t] && c->pathof[t] >= 0 : j->tok[par].size > 1 && c->pathof[t] >= 0)
            break;
        below = t;
        t = par;
    }
    /* up to the root, from one of its several members: the depth is that
     * member's (a key production never had, nested), not the document's,
     * whose other differences are no part of it */
    if (j->tok[t].parent < 0 && below >= 0 && j->tok[t].size > 1 && c->pathof[below] >= 0)
        t = below;
    const char *path = c->pathof[t] >= 0 ? c->ptext.data + c->pathof[t] : "$";
    size_t pl = strlen(path);
    if (deepest - limit <= 1)
        for (size_t q = 0; q < c->items->n; q++)
            if (!strcmp(c->items->v[q].cls, "type") && !strcmp(c->items->v[q].path, path)) {
                /* one level more, from a scalar made a list: as much a type
                 * flip as nesting; the type says more, a hint may say deep */
                double sc = c->items->v[q].score - 0.25;
                add_item(c->items, path, "deep", sc,
                         "%s is nested %s deep; production's deepest is %d", path, G(deepest), prod);
                return;
            }
    for (size_t q = c->items->n; q-- > 0;) {
        const pf_explain_item *it = &c->items->v[q];
        if (!strncmp(it->path, path, pl) && strcmp(it->cls, "unicode") && strcmp(it->cls, "dupkey"))
            ivec_drop(c->items, q);
    }
    if (prod > 0)
        add_item(c->items, path, "deep", c->B + lg((double)deepest / prod),
                 "%s is nested %s deep; production's deepest is %d", path, G(deepest), prod);
    else
        add_item(c->items, path, "deep", c->B + lg((double)deepest / 64),
                 "%s is nested %s deep; parsers commonly stop at 1,000 or less "
                 "(cJSON: 1,000)", path, G(deepest));
}

/* ---- documents that are not JSON ------------------------------------------------- */

/* Where a prefix stops: close what is open and see which value that was. */
static void locate(const char *s, size_t e, const pf_shape *sh, pf_buf *path, int *open_out)
{
    pf_buf_reset(path);
    pf_buf_adds(path, "$");
    size_t cap = 64, depth = 0;
    char *st = malloc(cap);
    if (!st)
        return;
    int in = 0, in_key = 0;
    char last = 0;
    size_t last_at = 0;
    int expect_key = 0; /* inside an object, before the key's ':' */
    for (size_t i = 0; i < e; i++) {
        char ch = s[i];
        if (in) {
            if (ch == '\\')
                i++;
            else if (ch == '"') {
                in = 0;
                last = '"';
                last_at = i;
            }
            continue;
        }
        if (is_ws((unsigned char)ch))
            continue;
        if (ch == '"') {
            in = 1;
            in_key = depth && st[depth - 1] == '{' && expect_key;
        } else if (ch == '{' || ch == '[') {
            char *ns = grow(st, &cap, depth, 1, 64);
            if (!ns) {
                free(st);
                return;
            }
            st = ns;
            st[depth++] = ch;
            expect_key = ch == '{';
        } else if (ch == '}' || ch == ']') {
            if (depth)
                depth--;
            expect_key = 0;
        } else if (ch == ',') {
            expect_key = depth && st[depth - 1] == '{';
        } else if (ch == ':') {
            expect_key = 0;
        }
        last = ch;
        last_at = i;
    }
    *open_out = (int)depth + in;
    pf_buf r = PF_BUF_INIT;
    int key_repair = 0;
    size_t cut = e;
    if (in) {
        pf_buf_add(&r, s, e);
        pf_buf_addc(&r, '"');
        if (in_key) {
            pf_buf_adds(&r, ":null");
            key_repair = 1;
        }
    } else {
        /* drop a partial primitive, then complete what precedes it */
        if (last && last != '"' && !strchr("{}[],:", last)) {
            size_t k = last_at + 1;
            while (k > 0 && !strchr("{}[],:\"", s[k - 1]) && !is_ws((unsigned char)s[k - 1]))
                k--;
            cut = k;
            while (k > 0 && is_ws((unsigned char)s[k - 1]))
                k--;
            last = k ? s[k - 1] : 0;
            last_at = k ? k - 1 : 0;
        }
        if (last == ',') {
            cut = last_at;
            pf_buf_add(&r, s, cut);
        } else if (last == ':') {
            pf_buf_add(&r, s, cut);
            pf_buf_adds(&r, "null");
        } else if (last == '"' && expect_key && depth && st[depth - 1] == '{') {
            pf_buf_add(&r, s, cut);
            pf_buf_adds(&r, ":null");
            key_repair = 1;
        } else {
            pf_buf_add(&r, s, cut);
        }
    }
    size_t plen = r.len; /* the repaired prefix, before the closers */
    for (size_t k = depth; k-- > 0;)
        pf_buf_addc(&r, st[k] == '{' ? '}' : ']');
    free(st);
    pf_json j = PF_JSON_INIT;
    pf_err err = PF_ERR_INIT;
    if (pf_buf_ok(&r, NULL) == 0 && pf_json_parse(&j, r.data, r.len, &err) == 0) {
        /* the value the prefix ends in: outermost one ending at the cut,
         * else the innermost one that starts before the end */
        size_t end = plen;
        while (end > 0 && is_ws((unsigned char)r.data[end - 1]))
            end--;
        int target = -1;
        for (int i = 0; i < j.ntok; i++) {
            size_t a, b;
            pf_json_span(&j, i, &a, &b);
            int par = j.tok[i].parent;
            int is_key = par >= 0 && j.tok[par].type == PF_JT_OBJECT;
            if (is_key)
                continue;
            if (b == end && a < end) {
                target = i;
                break;
            }
            if (a <= end)
                target = i;
        }
        if (key_repair && target >= 0) {
            /* the cut fell in a key: the object it belongs to */
            int par = j.tok[target].parent;
            if (par >= 0 && j.tok[par].type == PF_JT_STRING)
                target = j.tok[par].parent;
        }
        if (target >= 0) {
            /* the path of target, mapped onto the profile's paths */
            int chain[PATH_SEGMENTS + 1], nc = 0;
            for (int t = target; t > 0 && nc <= PATH_SEGMENTS;) {
                chain[nc++] = t;
                int par = j.tok[t].parent;
                if (par >= 0 && j.tok[par].type == PF_JT_STRING)
                    par = j.tok[par].parent;
                t = par;
            }
            if (nc <= PATH_SEGMENTS) {
                pf_buf k = PF_BUF_INIT, nxt = PF_BUF_INIT;
                for (int q = nc; q-- > 0;) {
                    int t = chain[q];
                    int par = j.tok[t].parent;
                    if (par >= 0 && j.tok[par].type == PF_JT_STRING) {
                        pf_buf_reset(&k);
                        pf_json_unescape(&j, par, &k);
                        member_path(sh, path->data, path->len, pf_buf_str(&k), k.len, &nxt);
                        pf_buf_reset(path);
                        pf_buf_add(path, nxt.data, nxt.len);
                    } else {
                        pf_buf_adds(path, "[*]");
                    }
                }
                pf_buf_free(&k);
                pf_buf_free(&nxt);
            }
        }
    }
    pf_json_free(&j);
    pf_buf_free(&r);
}

static void explain_invalid(pf_explainer *x, const pf_shape *s, doc *d, double B, ivec *items)
{
    const char *t = d->text;
    size_t e = d->erroff;
    pf_buf path = PF_BUF_INIT;
    int open = 0;
    uint64_t docs = s ? pf_shape_documents(s) : x->corpus_docs;
    uint64_t bad = s ? pf_shape_invalid(s) : 0;
    char prod[160];
    if (docs && !bad)
        snprintf(prod, sizeof prod, "all %s production documents were complete JSON", G(docs));
    else if (docs)
        snprintf(prod, sizeof prod, "%s of %s production inputs were not JSON either", G(bad), G(docs + bad));
    else
        snprintf(prod, sizeof prod, "strict parsers refuse it");
    double sc = docs && bad ? lg((double)(docs + bad) / (double)bad) + 2 : B + 2;
    if (strstr(d->errmsg, "nesting deeper")) {
        add_item(items, "$", "deep", B + lg(10000.0 / (s && pf_shape_max_depth(s) ? pf_shape_max_depth(s) : 64)),
                 "$ nests deeper than 10,000 levels (at byte %s)%s%d", G(e),
                 s ? "; production's deepest is " : "", s ? pf_shape_max_depth(s) : 0);
        if (!s) /* "...%d" printed 0: say it plainly instead */
            items->v[items->n - 1].text[strlen(items->v[items->n - 1].text) - 1] = 0;
        pf_buf_free(&path);
        return;
    }
    locate(t, e, s, &path, &open);
    const char *p = pf_buf_ok(&path, NULL) == 0 ? pf_buf_str(&path) : "$";
    if (e >= d->len || strstr(d->errmsg, "unexpected end")) {
        add_item(items, p, "truncate", sc,
                 "%s: the document stops inside this value at byte %s, with %d bracket(s) "
                 "or string(s) still open; %s", p, G(d->len), open, prod);
        pf_buf_free(&path);
        return;
    }
    unsigned char ch = (unsigned char)t[e];
    /* the token that starts at e, for what it is */
    size_t k = e;
    while (k < d->len && !strchr(",:]}\" \t\r\n", t[k]))
        k++;
    const char *what;
    const char *cls = "format";
    if (ch >= 0x80) {
        what = "a non-ASCII byte outside any string";
        cls = "unicode";
    } else if (ch < 0x20 && !is_ws(ch)) {
        what = "a control byte outside any string";
        cls = "unicode";
    } else if (ch == 'N' || ch == 'I' || (ch == '-' && e + 1 < d->len && t[e + 1] == 'I')) {
        what = "a number spelled NaN or Infinity, which JSON does not have";
    } else if (ch == '+' || ch == '.' || (ch == '0' && k > e + 1 && digit_c(t[e + 1])) ||
               ((digit_c(ch) || ch == '-') && k > e && (t[k - 1] == '.' || t[k - 1] == 'e' ||
                                                             t[k - 1] == 'E' || t[k - 1] == '-'))) {
        what = "a number spelling JSON does not allow (a leading + or 0, a bare point or exponent)";
    } else if (ch == '\'') {
        what = "a single-quoted string";
    } else if (ch == ',' || ch == '}' || ch == ']') {
        what = "a misplaced separator or bracket";
        cls = open ? "truncate" : "format";
    } else {
        what = "text that is no JSON value";
    }
    add_item(items, p, cls, sc, "%s: the document stops being JSON at byte %s of %s: %s; %s",
             p, G(e), G(d->orig_len), what, prod);
    pf_buf_free(&path);
}

/* ---- one document, all passes but the nearest ---------------------------------- */

typedef struct result {
    ivec items;
    fvec feat;
    uint64_t sig;
    int parsed;
} result;

static void result_free(result *r)
{
    ivec_free(&r->items);
    free(r->feat.v);
    memset(r, 0, sizeof *r);
}

static double base_score(const pf_explainer *x)
{
    uint64_t n = x->shape ? pf_shape_documents(x->shape) : x->corpus_docs;
    return n ? log2((double)n + 1) : 10;
}

static int analyze(pf_explainer *x, const uint8_t *data, size_t len, int want_feat,
                   result *res, pf_err *err)
{
    memset(res, 0, sizeof *res);
    doc d;
    if (doc_read(&d, data, len, err) < 0) {
        doc_free(&d);
        return -1;
    }
    const pf_shape *s = x->shape;
    double B = base_score(x);
    if (d.bom)
        add_item(&res->items, "$", "unicode", B + 1,
                 "$ starts with a byte order mark (cJSON skips it, strict parsers refuse it); "
                 "production documents never did");
    if (!d.parsed) {
        explain_invalid(x, s, &d, B, &res->items);
        doc_free(&d);
        return res->items.oom ? pf_err_set(err, PF_E_NOMEM, "out of memory") : 0;
    }
    res->parsed = 1;
    actx c;
    memset(&c, 0, sizeof c);
    c.x = x;
    c.s = s;
    c.d = &d;
    c.items = &res->items;
    c.feat = want_feat ? &res->feat : NULL;
    c.B = B;
    int nt = d.j.ntok > 0 ? d.j.ntok : 1;
    c.skip = calloc((size_t)nt, 1);
    c.known = calloc((size_t)nt, 1);
    c.pathof = malloc((size_t)nt * sizeof *c.pathof);
    int rc = 0;
    if (!c.skip || !c.known || !c.pathof) {
        rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < nt; i++)
        c.pathof[i] = -1;
    pf_err we = PF_ERR_INIT;
    if (pf_json_walk(&d.j, visit, &c, &we) < 0 || c.oom || pf_buf_ok(&c.ptext, NULL) < 0) {
        rc = pf_err_set(err, PF_E_NOMEM, "out of memory explaining a document of %zu bytes", len);
        goto out;
    }
    check_formats(&c);
    check_whitespace(&c);
    check_depth(&c);
    if (d.nctl) {
        /* raw control bytes the walk did not place in a value (keys) */
        int placed = 0;
        for (size_t q = 0; q < res->items.n; q++)
            placed |= !strcmp(res->items.v[q].cls, "unicode");
        if (!placed)
            add_item(&res->items, "$", "unicode", B + 1,
                     "$ holds %s raw control byte(s) inside strings that JSON requires "
                     "escaped (cJSON takes them, strict parsers refuse)", G(d.nctl));
    }
    if (d.trailing)
        add_item(&res->items, "$", "format", B / 2,
                 "$ is followed by %s bytes of text after the document (cJSON_Parse ignores "
                 "them, strict parsers refuse)", G(d.trailing));
    if (s && pf_shape_max_bytes(s) && len > pf_shape_max_bytes(s)) {
        int other = 0;
        for (size_t q = 0; q < res->items.n; q++)
            other |= !strcmp(res->items.v[q].cls, "oversize") || !strcmp(res->items.v[q].cls, "deep");
        if (!other)
            add_item(&res->items, "$", "oversize", lg((double)len / (double)pf_shape_max_bytes(s)),
                     "$ is %s bytes; production's largest document is %s", G(len),
                     G(pf_shape_max_bytes(s)));
    }
    if (res->items.oom || res->feat.oom || c.paths.oom) {
        rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
        goto out;
    }
    if (want_feat) {
        if (res->feat.n)
            qsort(res->feat.v, res->feat.n, sizeof *res->feat.v, cmp_u64);
        size_t u = 0;
        for (size_t i = 0; i < res->feat.n; i++)
            if (!u || res->feat.v[u - 1] != res->feat.v[i])
                res->feat.v[u++] = res->feat.v[i];
        res->feat.n = u;
        if (c.paths.n)
            qsort(c.paths.v, c.paths.n, sizeof *c.paths.v, cmp_u64);
        uint64_t sig = 0, prev = 0;
        for (size_t i = 0; i < c.paths.n; i++)
            if (!i || c.paths.v[i] != prev) {
                sig = sig * 31 + c.paths.v[i];
                prev = c.paths.v[i];
            }
        res->sig = sig;
    }
out:
    for (size_t i = 0; i < c.nstack; i++)
        pf_buf_free(&c.stack[i]);
    free(c.stack);
    free(c.skip);
    free(c.known);
    free(c.pathof);
    free(c.fc);
    free(c.paths.v);
    pf_buf_free(&c.ptext);
    pf_buf_free(&c.tmp);
    pf_buf_free(&c.tmp2);
    doc_free(&d);
    return rc;
}

static int strcmp_p(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the explainer: load once ------------------------------------------------ */

int pf_explainer_new(pf_explainer **out, pf_err *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : pf_err_set(err, PF_E_NOMEM, "out of memory");
}

int pf_explainer_set_shape(pf_explainer *x, const char *text, size_t len,
                           const char *name, pf_err *err)
{
    pf_shape *s = NULL;
    if (pf_shape_parse(text, len, name, &s, err) < 0)
        return -1;
    pf_shape_free(x->shape);
    x->shape = s;
    x->built = 1; /* a given profile wins over one made from the corpus */
    pf_shape_builder_free(x->builder);
    x->builder = NULL;
    return 0;
}

static int add_doc(pf_explainer *x, const char *name, const char *file,
                   const uint8_t *data, size_t len, pf_err *err)
{
    /* the spellings the profile does not keep */
    size_t run = 0;
    unsigned kinds = 0;
    ws_stats((const char *)data, len, &run, &kinds);
    pf_json j = PF_JSON_INIT;
    pf_err e = PF_ERR_INIT;
    int ok = pf_json_parse(&j, (const char *)data, len, &e) == 0;
    if (e.code == PF_E_NOMEM) {
        pf_json_free(&j);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    if (ok) {
        /* whitespace before the first and after the last token does not count */
        size_t a = 0, b = len;
        while (a < b && is_ws(data[a]))
            a++;
        while (b > a && is_ws(data[b - 1]))
            b--;
        run = 0;
        kinds = 0;
        ws_stats((const char *)data + a, b - a, &run, &kinds);
        if (run > x->ws_run_max)
            x->ws_run_max = run;
        x->ws_kinds |= kinds;
        for (int i = 0; i < j.ntok && !x->ascii_escapes; i++)
            if (j.tok[i].type == PF_JT_STRING) {
                uscan u;
                scan_string((const char *)data + j.tok[i].start,
                            (size_t)(j.tok[i].end - j.tok[i].start), &u);
                x->ascii_escapes = u.ascii_esc > 0;
            }
    }
    pf_json_free(&j);
    if (!x->built) {
        if (!x->builder) {
            pf_shape_opts o;
            pf_shape_opts_default(&o);
            x->builder = pf_shape_builder_new(&o, err);
            if (!x->builder)
                return -1;
        }
        if (pf_shape_add_doc(x->builder, (const char *)data, len, name, err) < 0)
            return -1;
    }
    if (!ok)
        return 0; /* not a candidate for nearest */
    cdoc *nv = grow(x->docs, &x->cap, x->ndocs, sizeof *nv, 64);
    if (!nv)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    x->docs = nv;
    cdoc *cd = &x->docs[x->ndocs];
    memset(cd, 0, sizeof *cd);
    cd->name = strdup(name);
    cd->file = file ? strdup(file) : NULL;
    if (!file) {
        cd->data = malloc(len ? len : 1);
        if (cd->data)
            memcpy(cd->data, data, len);
    }
    cd->len = len;
    if (!cd->name || (file && !cd->file) || (!file && !cd->data)) {
        free(cd->name);
        free(cd->file);
        free(cd->data);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    x->ndocs++;
    x->corpus_docs++;
    x->unfinished = 1;
    return 0;
}

int pf_explainer_add_doc(pf_explainer *x, const char *name, const uint8_t *data,
                         size_t len, pf_err *err)
{
    return add_doc(x, name, NULL, data, len, err);
}

/* Make the profile from the corpus (when none was given) and the corpus
 * documents' features (which need the profile's paths). */
static int finish(pf_explainer *x, pf_err *err)
{
    if (!x->built) {
        x->built = 1;
        if (x->builder && pf_shape_builder_documents(x->builder) > 0) {
            pf_buf t = PF_BUF_INIT;
            int rc = pf_shape_builder_write(x->builder, &t, err);
            if (rc == 0)
                rc = pf_shape_parse(t.data, t.len, "corpus", &x->shape, err);
            pf_buf_free(&t);
            if (rc < 0)
                return -1;
        }
        pf_shape_builder_free(x->builder);
        x->builder = NULL;
    }
    for (size_t i = 0; i < x->ndocs; i++) {
        cdoc *cd = &x->docs[i];
        if (cd->feat)
            continue;
        pf_buf b = PF_BUF_INIT;
        const uint8_t *data = cd->data;
        size_t len = cd->len;
        if (cd->file) {
            if (pf_fs_read_file(cd->file, MAX_DOC_BYTES, &b, err) < 0)
                return -1;
            data = (const uint8_t *)b.data;
            len = b.len;
        }
        result r;
        int rc = analyze(x, data, len, 1, &r, err);
        pf_buf_free(&b);
        if (rc < 0)
            return -1;
        cd->feat = r.feat.v;
        cd->nfeat = r.feat.n;
        cd->sig = r.sig;
        r.feat.v = NULL;
        if (!cd->feat) { /* an empty feature set still marks the work done */
            cd->feat = malloc(sizeof *cd->feat);
            if (!cd->feat) {
                result_free(&r);
                return pf_err_set(err, PF_E_NOMEM, "out of memory");
            }
        }
        result_free(&r);
    }
    x->unfinished = 0;
    return 0;
}

int pf_explainer_open(const char *shape_path, const char *corpus_dir,
                      pf_explainer **out, pf_err *err)
{
    pf_explainer *x;
    *out = NULL;
    if (pf_explainer_new(&x, err) < 0)
        return -1;
    if (shape_path) {
        pf_buf t = PF_BUF_INIT;
        int rc = pf_fs_read_file(shape_path, MAX_DOC_BYTES, &t, err);
        if (rc == 0)
            rc = pf_explainer_set_shape(x, t.data, t.len, shape_path, err);
        pf_buf_free(&t);
        if (rc < 0) {
            pf_explainer_close(x);
            return -1;
        }
    }
    if (corpus_dir) {
        DIR *dir = opendir(corpus_dir);
        if (!dir) {
            pf_err_errno(err, errno, "%s", corpus_dir);
            pf_explainer_close(x);
            return -1;
        }
        /* sorted names, so the nearest among equals is always the same */
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        int rc = 0;
        while ((de = readdir(dir))) {
            if (de->d_name[0] == '.')
                continue;
            char **nn = grow(names, &cap, n, sizeof *nn, 256);
            if (!nn) {
                rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
                break;
            }
            names = nn;
            if (!(names[n++] = strdup(de->d_name))) {
                rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
                break;
            }
        }
        closedir(dir);
        if (rc == 0 && n)
            qsort(names, n, sizeof *names, strcmp_p);
        pf_buf file = PF_BUF_INIT, data = PF_BUF_INIT;
        for (size_t i = 0; i < n && rc == 0; i++) {
            pf_buf_reset(&file);
            pf_buf_addf(&file, "%s/%s", corpus_dir, names[i]);
            struct stat st;
            if (pf_buf_ok(&file, err) < 0) {
                rc = -1;
                break;
            }
            if (stat(file.data, &st) < 0 || !S_ISREG(st.st_mode))
                continue;
            pf_buf_reset(&data);
            if (pf_fs_read_file(file.data, MAX_DOC_BYTES, &data, err) < 0) {
                rc = -1;
                break;
            }
            rc = add_doc(x, names[i], file.data, (const uint8_t *)data.data, data.len, err);
        }
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        pf_buf_free(&file);
        pf_buf_free(&data);
        if (rc < 0) {
            pf_explainer_close(x);
            return -1;
        }
    }
    if (finish(x, err) < 0) {
        pf_explainer_close(x);
        return -1;
    }
    *out = x;
    return 0;
}

void pf_explainer_close(pf_explainer *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->ndocs; i++) {
        free(x->docs[i].name);
        free(x->docs[i].file);
        free(x->docs[i].data);
        free(x->docs[i].feat);
    }
    free(x->docs);
    pf_shape_free(x->shape);
    pf_shape_builder_free(x->builder);
    free(x);
}

/* ---- nearest corpus document ----------------------------------------------------- */

/* |A xor B| of two sorted sets, stopping once it reaches bound. */
static size_t set_diff(const uint64_t *a, size_t na, const uint64_t *b, size_t nb, size_t bound)
{
    size_t i = 0, k = 0, d = 0;
    while (i < na && k < nb) {
        if (a[i] == b[k]) {
            i++, k++;
        } else {
            d++;
            if (a[i] < b[k])
                i++;
            else
                k++;
            if (d >= bound)
                return d;
        }
    }
    return d + (na - i) + (nb - k);
}

static long nearest(const pf_explainer *x, const result *r, size_t *diffs)
{
    long best = -1;
    size_t bd = (size_t)-1;
    /* the same set of paths first: usually the nearest, and a tight bound */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < x->ndocs; i++) {
            const cdoc *cd = &x->docs[i];
            if ((cd->sig == r->sig) != (pass == 0) || !cd->feat)
                continue;
            size_t lb = cd->nfeat > r->feat.n ? cd->nfeat - r->feat.n : r->feat.n - cd->nfeat;
            if (lb >= bd)
                continue;
            size_t d = set_diff(r->feat.v, r->feat.n, cd->feat, cd->nfeat, bd);
            if (d < bd) {
                bd = d;
                best = (long)i;
                if (!d)
                    break;
            }
        }
    *diffs = best < 0 ? 0 : bd;
    return best;
}

/* ---- hints from file names ---------------------------------------------------------- */

/* prodfuzz mutate: "CLASS-PATH-HASH" (path without "$.", unsafe bytes as
 * '_'); AFL++ with the prodfuzz mutator: "...,prodfuzz:CLASS:PATH". */
static int hint_of(const char *name, char *cls, size_t cn, char *path, size_t pn)
{
    cls[0] = path[0] = 0;
    if (!name)
        return 0;
    const char *b = strrchr(name, '/');
    b = b ? b + 1 : name;
    const char *p = strstr(b, "prodfuzz:");
    if (p) {
        p += 9;
        const char *c2 = strchr(p, ':');
        if (!c2 || (size_t)(c2 - p) >= cn)
            return 0;
        snprintf(cls, cn, "%.*s", (int)(c2 - p), p);
        const char *e = strchr(c2 + 1, ',');
        snprintf(path, pn, "%.*s", (int)(e ? e - c2 - 1 : (long)strlen(c2 + 1)), c2 + 1);
        return 1;
    }
    const char *d1 = strchr(b, '-'), *d2 = strrchr(b, '-');
    if (!d1)
        return 0;
    snprintf(cls, cn, "%.*s", (int)(d1 - b), b);
    int known = 0;
    for (size_t i = 0; i < sizeof class_names / sizeof *class_names; i++)
        known |= !strcmp(cls, class_names[i]);
    if (!known) {
        cls[0] = 0;
        return 0;
    }
    if (d2 > d1)
        snprintf(path, pn, "mutate:%.*s", (int)(d2 - d1 - 1), d1 + 1);
    return 1;
}

static int hint_path_matches(const char *hint, const char *path)
{
    if (!strncmp(hint, "mutate:", 7)) {
        /* the mutate spelling: path without "$." and unsafe bytes as '_' */
        const char *p = path;
        if (p[0] == '$')
            p++;
        if (p[0] == '.')
            p++;
        const char *h = hint + 7;
        while (*p && *h) {
            if (!strncmp(p, "{*}", 3)) { /* a folded map: any one key */
                p += 3;
                if (*h != '.')
                    return 0;
                h++;
                while (*h && *h != '.')
                    h++;
                continue;
            }
            char ch = *p++;
            int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '.' || ch == '_';
            if ((ok ? ch : '_') != *h++)
                return 0;
        }
        return !*p && !*h;
    }
    return !strcmp(hint, path);
}

/* ---- explain ------------------------------------------------------------------------- */

static int item_cmp(const void *a, const void *b)
{
    const pf_explain_item *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    int c = strcmp(x->cls, y->cls);
    return c ? c : strcmp(x->path, y->path);
}

int pf_explainer_explain_named(pf_explainer *x, const char *name, const uint8_t *data,
                               size_t len, pf_explanation *out, pf_err *err)
{
    memset(out, 0, sizeof *out);
    if ((!x->built || x->unfinished) && finish(x, err) < 0)
        return -1;
    result r;
    if (analyze(x, data, len, x->ndocs > 0, &r, err) < 0) {
        result_free(&r);
        return -1;
    }
    if (r.parsed && x->ndocs) {
        size_t diffs = 0;
        long k = nearest(x, &r, &diffs);
        if (k >= 0) {
            const cdoc *cd = &x->docs[k];
            pf_buf b = PF_BUF_INIT;
            const uint8_t *nd = cd->data;
            size_t nl = cd->len;
            int rc = 0;
            if (cd->file) {
                rc = pf_fs_read_file(cd->file, MAX_DOC_BYTES, &b, err);
                nd = (const uint8_t *)b.data;
                nl = b.len;
            }
            result nr;
            memset(&nr, 0, sizeof nr);
            if (rc == 0)
                rc = analyze(x, nd, nl, 0, &nr, err);
            pf_buf_free(&b);
            if (rc < 0) {
                result_free(&nr);
                result_free(&r);
                return -1;
            }
            /* what the nearest production document shares is no cause */
            for (size_t q = r.items.n; q-- > 0;)
                for (size_t m = 0; m < nr.items.n; m++)
                    if (r.items.v[q].cls == nr.items.v[m].cls &&
                        !strcmp(r.items.v[q].path, nr.items.v[m].path) &&
                        r.items.v[q].score <= nr.items.v[m].score + 1) {
                        ivec_drop(&r.items, q);
                        break;
                    }
            result_free(&nr);
            out->nearest = strdup(cd->name);
            out->nearest_diffs = diffs;
            if (!out->nearest) {
                result_free(&r);
                return pf_err_set(err, PF_E_NOMEM, "out of memory");
            }
        }
    }
    char hc[32], hp[512];
    if (hint_of(name, hc, sizeof hc, hp, sizeof hp))
        for (size_t q = 0; q < r.items.n; q++) {
            pf_explain_item *it = &r.items.v[q];
            int pm = hp[0] && hint_path_matches(hp, it->path);
            if (pm && !strcmp(hc, it->cls))
                it->score += 1;
            else if (pm)
                it->score += 0.5;
        }
    if (r.items.n)
        qsort(r.items.v, r.items.n, sizeof *r.items.v, item_cmp);
    out->items = r.items.v;
    out->n = r.items.n;
    r.items.v = NULL;
    r.items.n = 0;
    result_free(&r);
    return 0;
}

int pf_explainer_explain(pf_explainer *x, const uint8_t *data, size_t len,
                         pf_explanation *out, pf_err *err)
{
    return pf_explainer_explain_named(x, NULL, data, len, out, err);
}

void pf_explanation_free(pf_explanation *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++) {
        free(e->items[i].path);
        free(e->items[i].text);
    }
    free(e->items);
    free(e->nearest);
    memset(e, 0, sizeof *e);
}

void pf_explanation_json(const pf_explanation *e, pf_buf *out)
{
    pf_buf_adds(out, "{\"items\":[");
    for (size_t i = 0; i < e->n; i++) {
        const pf_explain_item *it = &e->items[i];
        pf_buf_adds(out, i ? ",{\"path\":" : "{\"path\":");
        pf_buf_add_json_str(out, it->path, strlen(it->path));
        pf_buf_adds(out, ",\"class\":");
        pf_buf_add_json_str(out, it->cls, strlen(it->cls));
        pf_buf_addf(out, ",\"score\":%.2f,\"text\":", it->score);
        pf_buf_add_json_str(out, it->text, strlen(it->text));
        pf_buf_addc(out, '}');
    }
    pf_buf_adds(out, "],\"differences\":");
    pf_buf_addf(out, "%zu,\"nearest\":", e->n);
    if (e->nearest)
        pf_buf_add_json_str(out, e->nearest, strlen(e->nearest));
    else
        pf_buf_adds(out, "null");
    pf_buf_addf(out, ",\"nearest_diffs\":%zu}", e->nearest_diffs);
}
