/*
 * pf_json: jsmn tokens plus the validation jsmn does not do (pf_json.h).
 *
 * jsmn (strict mode, parent links) finds the structure and the spans; this
 * file checks everything between and inside the tokens that jsmn accepts
 * too loosely: number grammar, literals, raw control bytes in strings, the
 * separators between tokens and a single top-level value. Nothing here
 * recurses, so a 100,000-level document is checked in O(tokens) with O(1)
 * C stack.
 */
#define JSMN_PARENT_LINKS
#define JSMN_STRICT
#define JSMN_STATIC
#include <jsmn.h>

#include "pf_json.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pf_json_free(pf_json *j)
{
    free(j->tok);
    free(j->scratch);
    free(j->next);
    free(j->open);
    memset(j, 0, sizeof *j);
}


static int bad(pf_err *err, size_t at, const char *what)
{
    return pf_err_set(err, PF_E_INPUT, "invalid JSON at byte %zu: %s", at, what);
}

int pf_json_is_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return 0;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return 0;
    }
    if (i < n && s[i] == '.') {
        i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return 0;
    }
    return i == n;
}

static void outer(const pf_jtok *t, size_t *os, size_t *oe)
{
    if (t->type == PF_JT_STRING) {
        *os = (size_t)t->start - 1;
        *oe = (size_t)t->end + 1;
    } else {
        *os = (size_t)t->start;
        *oe = (size_t)t->end;
    }
}

/* text[a..b) must be whitespace around exactly one sep (or none if sep 0). */
static int gap(const char *s, size_t a, size_t b, char sep, pf_err *err)
{
    size_t i = a;
    while (i < b && pf_json_is_ws(s[i]))
        i++;
    if (sep) {
        if (i >= b || s[i] != sep) {
            char msg[40];
            snprintf(msg, sizeof msg, "expected '%c'", sep);
            return bad(err, i, msg);
        }
        i++;
        while (i < b && pf_json_is_ws(s[i]))
            i++;
    }
    if (i < b)
        return bad(err, i, "unexpected character");
    return 0;
}

static int check_token(const pf_json *j, int i, int ctl, pf_err *err)
{
    const pf_jtok *t = &j->tok[i];
    const char *s = j->text;
    if (t->end < 0 || t->start < 0)
        return bad(err, (size_t)(t->start < 0 ? 0 : t->start), "unterminated value");
    if (t->type == PF_JT_PRIMITIVE) {
        const char *p = s + t->start;
        size_t n = (size_t)(t->end - t->start);
        if ((n == 4 && !memcmp(p, "true", 4)) || (n == 5 && !memcmp(p, "false", 5)) ||
            (n == 4 && !memcmp(p, "null", 4)))
            return 0;
        if (!pf_json_is_number(p, n))
            return bad(err, (size_t)t->start, "not a number or literal");
    } else if (t->type == PF_JT_STRING && ctl) {
        for (int k = t->start; k < t->end; k++) {
            unsigned char c = (unsigned char)s[k];
            if (c < 0x20)
                return bad(err, (size_t)k, "control character in string");
            if (c == '\\')
                k++; /* jsmn has checked the escape itself */
        }
    }
    return 0;
}

/* Check separators inside container c, whose children are known. */
static int check_container(const pf_json *j, int c, pf_err *err)
{
    const pf_jtok *t = &j->tok[c];
    const char *s = j->text;
    size_t os = (size_t)t->start, oe = (size_t)t->end;
    size_t pos = os + 1; /* after the opening bracket */
    int child = c + 1;
    int is_obj = t->type == PF_JT_OBJECT;
    for (int m = 0; m < t->size; m++) {
        if (child >= j->ntok || j->tok[child].parent != c)
            return bad(err, pos, "malformed container");
        size_t cs, ce;
        outer(&j->tok[child], &cs, &ce);
        if (gap(s, pos, cs, m ? ',' : 0, err) < 0)
            return -1;
        if (is_obj) {
            const pf_jtok *k = &j->tok[child];
            if (k->type != PF_JT_STRING || k->size != 1)
                return bad(err, cs, "object key must be a string followed by a value");
            int v = child + 1;
            if (v >= j->ntok || j->tok[v].parent != child)
                return bad(err, ce, "object member without a value");
            size_t vs, ve;
            outer(&j->tok[v], &vs, &ve);
            if (gap(s, ce, vs, ':', err) < 0)
                return -1;
            pos = ve;
            child = j->next[v];
        } else {
            if (j->tok[child].type == PF_JT_STRING && j->tok[child].size != 0)
                return bad(err, ce, "unexpected ':' in array");
            pos = ce;
            child = j->next[child];
        }
    }
    if (child != j->next[c])
        return bad(err, pos, "malformed container");
    return gap(s, pos, oe - 1, 0, err);
}

/* Nesting depth by a bracket count outside strings, so a document too deep
 * for jsmn's quadratic bracket matching is refused before jsmn sees it. */
/* Also says whether the text holds any byte below 0x20 at all (JSON
 * whitespace included): when it does not, no string can hold a control
 * character and check_token need not look at every string byte again. */
static int prescan_depth(const pf_json *j, const char *s, size_t n, int *ctl, pf_err *err)
{
    int limit = j->depth_limit > 0 ? j->depth_limit : PF_JSON_DEPTH_LIMIT;
    if (n <= (size_t)limit) {
        /* too short to open more than limit brackets: only the control
         * bytes to look for, in a loop the compiler vectorizes */
        uint64_t low = 0;
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            /* eight bytes at once: a byte below 0x20 sets its top bit */
            uint64_t x;
            memcpy(&x, s + i, 8);
            low |= (x - 0x2020202020202020ULL) & ~x & 0x8080808080808080ULL;
        }
        for (; i < n; i++)
            low |= (unsigned char)s[i] < 0x20;
        *ctl = low != 0;
        return 0;
    }
    int depth = 0, in_str = 0, low = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        low |= (unsigned char)c < 0x20;
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > limit)
                return pf_err_set(err, PF_E_INPUT, "invalid JSON at byte %zu: "
                                  "nesting deeper than %d levels", i, limit);
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    *ctl = low;
    return 0;
}

int pf_json_parse(pf_json *j, const char *text, size_t len, pf_err *err)
{
    j->text = text;
    j->len = len;
    j->ntok = 0;
    j->max_depth = 0;
    if (len > PF_JSON_MAX_BYTES)
        return pf_err_set(err, PF_E_INPUT, "document of %zu bytes is too large "
                          "to tokenize (limit 1 GiB)", len);
    int ctl = 1;
    if (prescan_depth(j, text, len, &ctl, err) < 0)
        return -1;
    if (!j->scratch) {
        /* jsmn counts instead of parsing when given no tokens */
        j->scratch = malloc(64 * sizeof(jsmntok_t));
        if (!j->scratch)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        j->scap = 64;
    }
    jsmn_parser p;
    jsmn_init(&p);
    int r;
    for (;;) {
        r = jsmn_parse(&p, text, len, (jsmntok_t *)j->scratch, (unsigned)j->scap);
        if (r != JSMN_ERROR_NOMEM)
            break;
        /* in size_t: an int doubling past INT_MAX was undefined; len + 64
         * tokens is the most any document can have, and fits an int */
        size_t ncap = (size_t)j->scap * 2;
        if (ncap > len + 64)
            ncap = len + 64;
        void *nt = realloc(j->scratch, ncap * sizeof(jsmntok_t));
        if (!nt)
            return pf_err_set(err, PF_E_NOMEM, "out of memory tokenizing a "
                              "document of %zu bytes", len);
        j->scratch = nt;
        j->scap = (int)ncap;
    }
    if (r == JSMN_ERROR_INVAL)
        return bad(err, p.pos, "unexpected character");
    if (r == JSMN_ERROR_PART) {
        /* Strict jsmn wants a delimiter after a primitive, so a document
         * that is one bare number or literal ends "early": take it whole. */
        size_t a = 0, b = len;
        while (a < b && pf_json_is_ws(text[a]))
            a++;
        while (b > a && pf_json_is_ws(text[b - 1]))
            b--;
        if (a < b && text[a] != '{' && text[a] != '[' && text[a] != '"') {
            for (size_t k = a; k < b; k++)
                if (pf_json_is_ws(text[k]) || text[k] == ',' || text[k] == ':')
                    return bad(err, k, "more than one top-level value");
            jsmntok_t *t0 = (jsmntok_t *)j->scratch;
            t0->type = JSMN_PRIMITIVE;
            t0->start = (int)a;
            t0->end = (int)b;
            t0->size = 0;
            t0->parent = -1;
            r = 1;
        }
    }
    if (r == JSMN_ERROR_PART || r < 0)
        return bad(err, len, "unexpected end of input (truncated document?)");
    if (r == 0)
        return bad(err, len, "empty document");
    if (r > j->cap) {
        pf_jtok *nt = realloc(j->tok, (size_t)r * sizeof *nt);
        int *nn = realloc(j->next, (size_t)r * sizeof *nn);
        if (nt)
            j->tok = nt;
        if (nn)
            j->next = nn;
        if (!nt || !nn)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        j->cap = r;
    }
    const jsmntok_t *jt = (const jsmntok_t *)j->scratch;
    for (int i = 0; i < r; i++) {
        j->tok[i].type = (pf_jtype)jt[i].type;
        j->tok[i].start = jt[i].start;
        j->tok[i].end = jt[i].end;
        j->tok[i].size = jt[i].size;
        j->tok[i].parent = jt[i].parent;
        j->next[i] = 1;
    }
    j->ntok = r;
    /* Subtree sizes: a parent always precedes its children. */
    for (int i = r - 1; i > 0; i--) {
        int par = j->tok[i].parent;
        if (par < 0 || par >= i)
            return bad(err, (size_t)(j->tok[i].start > 0 ? j->tok[i].start : 0),
                       "more than one top-level value");
        j->next[par] += j->next[i];
    }
    for (int i = 0; i < r; i++)
        j->next[i] += i;
    if (j->next[0] != r || j->tok[0].parent != -1)
        return bad(err, (size_t)j->tok[j->next[0] < r ? j->next[0] : 0].start,
                   "more than one top-level value");
    if (j->tok[0].type == PF_JT_STRING && j->tok[0].size != 0)
        return bad(err, (size_t)j->tok[0].end, "unexpected ':' at top level");
    /* Tokens, containers and depth. */
    int depth = 0;
    for (int i = 0; i < r; i++) {
        while (depth > 0 && j->next[j->open[depth - 1]] <= i)
            depth--;
        if (check_token(j, i, ctl, err) < 0)
            return -1;
        if (j->tok[i].type == PF_JT_OBJECT || j->tok[i].type == PF_JT_ARRAY) {
            if (check_container(j, i, err) < 0)
                return -1;
            if (depth == j->ocap) {
                int cap = j->ocap ? j->ocap * 2 : 64;
                int *no = realloc(j->open, (size_t)cap * sizeof *no);
                if (!no)
                    return pf_err_set(err, PF_E_NOMEM, "out of memory");
                j->open = no;
                j->ocap = cap;
            }
            j->open[depth++] = i;
            if (depth > j->max_depth)
                j->max_depth = depth;
        }
    }
    size_t os, oe;
    outer(&j->tok[0], &os, &oe);
    if (gap(text, 0, os, 0, err) < 0 || gap(text, oe, len, 0, err) < 0)
        return -1;
    return 0;
}

pf_jkind pf_json_kind(const pf_json *j, int i)
{
    const pf_jtok *t = &j->tok[i];
    switch (t->type) {
    case PF_JT_OBJECT: return PF_J_OBJECT;
    case PF_JT_ARRAY: return PF_J_ARRAY;
    case PF_JT_STRING: return PF_J_STRING;
    default: break;
    }
    char c = j->text[t->start];
    if (c == 'n')
        return PF_J_NULL;
    if (c == 't' || c == 'f')
        return PF_J_BOOL;
    for (int k = t->start; k < t->end; k++) {
        char d = j->text[k];
        if (d == '.' || d == 'e' || d == 'E')
            return PF_J_FLOAT;
    }
    return PF_J_INT;
}

const char *pf_jkind_name(pf_jkind k)
{
    static const char *names[] = {"null", "bool", "int", "float",
                                  "string", "object", "array"};
    return (unsigned)k < 7 ? names[k] : "?";
}

void pf_json_span(const pf_json *j, int i, size_t *start, size_t *end)
{
    outer(&j->tok[i], start, end);
}

int pf_json_hexval(int h)
{
    if (h >= '0' && h <= '9') return h - '0';
    if (h >= 'a' && h <= 'f') return h - 'a' + 10;
    if (h >= 'A' && h <= 'F') return h - 'A' + 10;
    return -1;
}

long pf_json_read_u4(const char *p)
{
    long v = 0;
    for (int k = 0; k < 4; k++) {
        int h = pf_json_hexval((unsigned char)p[k]);
        if (h < 0)
            return -1;
        v = (v << 4) | h;
    }
    return v;
}

size_t pf_json_str_end(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i;
    }
    return n;
}

int pf_json_scan_depth(const char *s, size_t n, int stop, uint64_t *values)
{
    int d = 0, max = 0;
    uint64_t v = 1;
    for (size_t i = 0; i < n && max <= stop; i++) {
        char ch = s[i];
        if (ch == '"') {
            i = pf_json_str_end(s, n, i);
        } else if (ch == '[' || ch == '{') {
            v++;
            if (++d > max)
                max = d;
        } else if (ch == ']' || ch == '}') {
            d--;
        } else if (ch == ',') {
            v++;
        }
    }
    if (values)
        *values = v;
    return max;
}

static void put_utf8(pf_buf *out, unsigned v)
{
    if (v < 0x80) {
        pf_buf_addc(out, (char)v);
    } else if (v < 0x800) {
        pf_buf_addc(out, (char)(0xC0 | (v >> 6)));
        pf_buf_addc(out, (char)(0x80 | (v & 0x3F)));
    } else if (v < 0x10000) {
        pf_buf_addc(out, (char)(0xE0 | (v >> 12)));
        pf_buf_addc(out, (char)(0x80 | ((v >> 6) & 0x3F)));
        pf_buf_addc(out, (char)(0x80 | (v & 0x3F)));
    } else {
        pf_buf_addc(out, (char)(0xF0 | (v >> 18)));
        pf_buf_addc(out, (char)(0x80 | ((v >> 12) & 0x3F)));
        pf_buf_addc(out, (char)(0x80 | ((v >> 6) & 0x3F)));
        pf_buf_addc(out, (char)(0x80 | (v & 0x3F)));
    }
}

void pf_json_unescape(const pf_json *j, int i, pf_buf *out)
{
    const pf_jtok *t = &j->tok[i];
    const char *s = j->text;
    int k = t->start, run = t->start;
    while (k < t->end) {
        if (s[k] != '\\') {
            k++;
            continue;
        }
        pf_buf_add(out, s + run, (size_t)(k - run));
        char e = s[k + 1];
        k += 2;
        switch (e) {
        case 'n': pf_buf_addc(out, '\n'); break;
        case 't': pf_buf_addc(out, '\t'); break;
        case 'r': pf_buf_addc(out, '\r'); break;
        case 'b': pf_buf_addc(out, '\b'); break;
        case 'f': pf_buf_addc(out, '\f'); break;
        case 'u': {
            unsigned v = (unsigned)pf_json_read_u4(s + k); /* jsmn checked the digits */
            k += 4;
            if (v >= 0xD800 && v < 0xDC00 && k + 6 <= t->end && s[k] == '\\' &&
                s[k + 1] == 'u') {
                unsigned lo = (unsigned)pf_json_read_u4(s + k + 2);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                    k += 6;
                }
            }
            put_utf8(out, v); /* a lone surrogate stays a 3-byte sequence */
            break;
        }
        default: pf_buf_addc(out, e); break;
        }
        run = k;
    }
    pf_buf_add(out, s + run, (size_t)(t->end - run));
}

typedef struct walk_frame {
    int end;    /* first token index past this frame's scope */
    int pushed; /* popped a path segment when closed */
} walk_frame;

int pf_json_walk(const pf_json *j, pf_json_visit_fn fn, void *ctx, pf_err *err)
{
    pf_path path;
    pf_path_init(&path);
    walk_frame *st = NULL;
    int depth = 0, cap = 0, rc = 0;
    int i = 0;
    while (i < j->ntok) {
        while (depth > 0 && st[depth - 1].end <= i) {
            if (st[--depth].pushed)
                pf_path_pop(&path);
        }
        if (depth + 1 >= cap) {
            cap = cap ? cap * 2 : 64;
            walk_frame *ns = realloc(st, (size_t)cap * sizeof *ns);
            if (!ns) {
                rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
                break;
            }
            st = ns;
        }
        const pf_jtok *t = &j->tok[i];
        int par = t->parent;
        if (par >= 0 && j->tok[par].type == PF_JT_OBJECT) {
            /* a key: its segment covers its value */
            pf_buf key = PF_BUF_INIT;
            pf_json_unescape(j, i, &key);
            if (pf_buf_ok(&key, err) < 0) { /* else the path says [""] */
                pf_buf_free(&key);
                rc = -1;
                break;
            }
            pf_path_push_key(&path, pf_buf_str(&key), key.len);
            pf_buf_free(&key);
            st[depth].end = j->next[i];
            st[depth++].pushed = 1;
            i++;
            continue;
        }
        int key = (par >= 0 && j->tok[par].type == PF_JT_STRING) ? par : -1;
        if (pf_path_ok(&path, err) < 0) {
            rc = -1;
            break;
        }
        int r = fn(ctx, j, i, key, &path, err);
        if (r < 0) {
            rc = -1;
            break;
        }
        if (r == 1) {
            i = j->next[i];
            continue;
        }
        if (t->type == PF_JT_ARRAY) {
            pf_path_push_index(&path);
            st[depth].end = j->next[i];
            st[depth++].pushed = 1;
        } else if (t->type == PF_JT_OBJECT) {
            st[depth].end = j->next[i];
            st[depth++].pushed = 0;
        }
        i++;
    }
    free(st);
    pf_path_free(&path);
    return rc;
}
