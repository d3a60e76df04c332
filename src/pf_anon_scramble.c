/*
 * pf_anon_scramble: the scramble engine. It classifies every character:
 * ASCII lower, upper, digit; non-ASCII letters by script (alphabets below,
 * each of one UTF-8 byte width); other code points by their aligned block
 * of 64 (same width); separators, punctuation, whitespace, controls and
 * marks are kept. The transformable characters form a mixed-radix digit
 * vector that a keyed Feistel permutation (pf_feistel_digits) maps to
 * another vector of the same radices, with the class pattern (and the kept
 * characters) as tweak: the map is one-to-one on each pattern, so on all
 * values, and every output character depends on the whole value. In each
 * run of digits, leading zeros are kept and the first significant digit
 * stays non-zero, so digit counts, magnitudes and JSON number validity
 * survive. Also the engine's keyed state (pf_xf_init/free). The
 * per-format transforms built on it are pf_anon_fmt.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_anon_int.h"
#include "pf_format.h"

/* ---- character classes --------------------------------------------------- */

typedef struct ucls {
    const char *name;
    uint32_t lo[3], hi[3];
    int nr;
} ucls;

static const ucls U[] = {
    {"latin1-upper", {0xC0, 0xD8}, {0xD6, 0xDE}, 2},
    {"latin1-lower", {0xDF, 0xF8}, {0xF6, 0xFF}, 2},
    {"latin-ext-a", {0x100}, {0x17F}, 1},
    {"latin-ext-b", {0x180}, {0x24F}, 1},
    {"greek-upper", {0x391, 0x3A3}, {0x3A1, 0x3A9}, 2},
    {"greek-lower", {0x3B1}, {0x3C9}, 1},
    {"cyrillic-upper", {0x410}, {0x42F}, 1},
    {"cyrillic-lower", {0x430}, {0x44F}, 1},
    {"cyrillic-other", {0x400, 0x450}, {0x40F, 0x45F}, 2},
    {"hebrew", {0x5D0}, {0x5EA}, 1},
    {"arabic", {0x621, 0x641}, {0x63A, 0x64A}, 2},
    {"hiragana", {0x3041}, {0x3096}, 1},
    {"katakana", {0x30A1}, {0x30FA}, 1},
    {"cjk", {0x4E00}, {0x9FFF}, 1},
    {"hangul", {0xAC00}, {0xD7A3}, 1},
};
#define NU (sizeof U / sizeof U[0])

/* Computed each time, never cached in the table: engines on several
 * threads (pf_anon_pool) share it read-only. */
static uint32_t ucls_total(const ucls *c)
{
    uint32_t t = 0;
    for (int i = 0; i < c->nr; i++)
        t += c->hi[i] - c->lo[i] + 1;
    return t;
}

/* Kept as separators: marks, punctuation blocks, specials. */
static int cp_keep(uint32_t cp)
{
    return cp < 0xC0 || cp == 0xD7 || cp == 0xF7 || (cp >= 0x300 && cp <= 0x36F) ||
           (cp >= 0x591 && cp <= 0x5C7) || (cp >= 0x64B && cp <= 0x65F) ||
           (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x303F) ||
           (cp >= 0xD7C0 && cp <= 0xDFFF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0xFFC0 && cp <= 0xFFFF) || (cp >= 0xE0000);
}

/* Class and index of a non-ASCII code point; 0 means keep it. */
static uint32_t classify_cp(uint32_t cp, uint32_t *idx, uint32_t *radix)
{
    if (cp_keep(cp))
        return C_KEEP;
    /* only the classes whose ranges can hold cp (U is in code point order
     * and its ranges do not overlap) */
    size_t c0 = cp < 0x250 ? 0 : cp < 0x400 ? 4 : cp < 0x500 ? 6 : cp < 0x700 ? 9
              : cp < 0x3100 ? 11 : cp < 0xA000 ? 13 : 14;
    size_t c1 = cp < 0x250 ? 4 : cp < 0x400 ? 6 : cp < 0x500 ? 9 : cp < 0x700 ? 11
              : cp < 0x3100 ? 13 : cp < 0xA000 ? 14 : NU;
    for (size_t c = c0; c < c1; c++) {
        uint32_t base = 0;
        for (int r = 0; r < U[c].nr; r++) {
            if (cp >= U[c].lo[r] && cp <= U[c].hi[r]) {
                *idx = base + cp - U[c].lo[r];
                *radix = ucls_total(&U[c]);
                return C_UNI + (uint32_t)c;
            }
            base += U[c].hi[r] - U[c].lo[r] + 1;
        }
    }
    *idx = cp & 63;
    *radix = 64;
    return C_FALLBACK | (cp & ~63u);
}

static size_t u8enc(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 63));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 63));
        o[2] = (char)(0x80 | (cp & 63));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 63));
    o[2] = (char)(0x80 | ((cp >> 6) & 63));
    o[3] = (char)(0x80 | (cp & 63));
    return 4;
}

/* Length of a valid UTF-8 sequence at s (code point in *cp), 0 if invalid. */
static size_t u8dec(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 63);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

size_t pf_xs_encode_digit(uint32_t cls, uint32_t d, char *o)
{
    switch (cls) {
    case C_LOWER: o[0] = (char)('a' + d); return 1;
    case C_UPPER: o[0] = (char)('A' + d); return 1;
    case C_DIGIT: case C_DIGIT_ANY: o[0] = (char)('0' + d); return 1;
    case C_NZDIGIT: o[0] = (char)('1' + d); return 1;
    case C_HEXL: o[0] = "0123456789abcdef"[d]; return 1;
    case C_HEXU: o[0] = "0123456789ABCDEF"[d]; return 1;
    case C_VARL: o[0] = "89ab"[d]; return 1;
    case C_VARU: o[0] = "89AB"[d]; return 1;
    case C_RAWCONT: o[0] = (char)(0x80 + d); return 1;
    case C_RAWLEAD: o[0] = (char)(d < 2 ? 0xC0 + d : 0xF5 + (d - 2)); return 1;
    default: break;
    }
    if (cls & C_FALLBACK)
        return u8enc((cls & ~C_FALLBACK) + d, o);
    const ucls *c = &U[cls - C_UNI];
    for (int r = 0; r < c->nr; r++) {
        uint32_t w = c->hi[r] - c->lo[r] + 1;
        if (d < w)
            return u8enc(c->lo[r] + d, o);
        d -= w;
    }
    return u8enc(c->lo[0], o); /* not reached */
}

/* ---- the engine's keyed state ------------------------------------------------- */

int pf_xf_init(pf_xf *xf, const pf_key *key, pf_err *err)
{
    memset(xf, 0, sizeof *xf);
    if (pf_prf_init(&xf->prf, key->bytes, key->len, err) < 0)
        return -1;
    unsigned char d[32];
    static const char l1[] = "prodfuzz ff1 key v1", l2[] = "prodfuzz sip key v1";
    pf_prf_2(&xf->prf, l1, sizeof l1 - 1, NULL, 0, d);
    if (pf_ff1_init(&xf->ff1, d, 32, err) < 0) {
        pf_prf_free(&xf->prf);
        return -1;
    }
    pf_prf_2(&xf->prf, l2, sizeof l2 - 1, NULL, 0, d);
    memcpy(xf->sipkey, d, 16);
    static const char l3[] = "prodfuzz feistel aes key v2";
    pf_prf_2(&xf->prf, l3, sizeof l3 - 1, NULL, 0, d);
    if (pf_aes_init(&xf->aes, d, err) < 0) {
        memset(d, 0, sizeof d);
        pf_ff1_free(&xf->ff1);
        pf_prf_free(&xf->prf);
        return -1;
    }
    memset(d, 0, sizeof d);
    xf->dom = calloc(PF_XF_DOM_SLOTS, sizeof *xf->dom); /* NULL: no memo, still right */
    pf_buf_init(&xf->pat);
    pf_buf_init(&xf->tmp);
    return 0;
}

void pf_xf_free(pf_xf *xf)
{
    pf_prf_free(&xf->prf);
    pf_ff1_free(&xf->ff1);
    pf_aes_free(&xf->aes);
    free(xf->dom);
    free(xf->x);
    free(xf->radix);
    free(xf->cls);
    pf_buf_free(&xf->pat);
    pf_buf_free(&xf->tmp);
    memset(xf, 0, sizeof *xf);
}

int pf_xs_ensure(pf_xf *xf, size_t n)
{
    if (n <= xf->xcap)
        return 0;
    size_t c = xf->xcap ? xf->xcap : 64;
    while (c < n)
        c *= 2;
    uint32_t *x = realloc(xf->x, c * sizeof *x);
    if (x)
        xf->x = x;
    uint32_t *r = realloc(xf->radix, c * sizeof *r);
    if (r)
        xf->radix = r;
    uint32_t *k = realloc(xf->cls, c * 2 * sizeof *k);
    if (k)
        xf->cls = k;
    if (!x || !r || !k)
        return -1;
    xf->xcap = c;
    return 0;
}

uint64_t pf_xs_tweak(pf_xf *xf, unsigned tag)
{
    pf_buf_addc(&xf->pat, (char)tag);
    return pf_sip(xf->sipkey, xf->pat.data, xf->pat.len);
}

/* The scramble core: classify, permute, emit. Appends to out. */
void pf_xs_scramble(pf_xf *xf, unsigned tag, const char *s, size_t n,
                    int mode, pf_buf *out)
{
    if (n == 0)
        return;
    if (pf_xs_ensure(xf, n) < 0) {
        out->oom = 1;
        return;
    }
    const unsigned char *u = (const unsigned char *)s;
    uint32_t *cls = xf->cls, *off = xf->cls + xf->xcap;
    size_t k = 0;
    int leading = 1;
    pf_buf_reset(&xf->pat);
    /* the pattern takes at most 5 bytes per input byte (and a tag) */
    if (pf_buf_reserve(&xf->pat, 5 * n + 1) < 0 || pf_buf_reserve(out, n) < 0) {
        out->oom = 1;
        return;
    }
    char *pat = xf->pat.data;
    size_t pl = 0;
    /* hex in capitals: digits may become A-F, never a-f */
    int hexup = 0;
    if (mode & M_HEX)
        for (size_t i = 0; i < n && !hexup; i++)
            hexup = u[i] >= 'A' && u[i] <= 'F';
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        uint32_t cl = C_KEEP, v = 0, r = 0;
        size_t w = 1;
        if (c < 0x80) {
            int isdig = c >= '0' && c <= '9';
            if ((mode & M_PCT) && c == '%' && i + 2 < n && pf_is_hexdigit(u[i + 1]) &&
                pf_is_hexdigit(u[i + 2])) {
                w = 3;
            } else if ((mode & M_HEX) && isdig) {
                cl = hexup ? C_HEXU : C_HEXL, r = 16, v = c - '0';
            } else if ((mode & M_HEX) && c >= 'a' && c <= 'f') {
                cl = C_HEXL, r = 16, v = c - 'a' + 10;
            } else if ((mode & M_HEX) && c >= 'A' && c <= 'F') {
                cl = C_HEXU, r = 16, v = c - 'A' + 10;
            } else if (c >= 'a' && c <= 'z') {
                cl = C_LOWER, r = 26, v = c - 'a';
            } else if (c >= 'A' && c <= 'Z') {
                cl = C_UPPER, r = 26, v = c - 'A';
            } else if (isdig) {
                if (!(mode & M_RUNS)) {
                    cl = C_DIGIT_ANY, r = 10, v = c - '0';
                } else if (leading && c == '0') {
                    cl = C_KEEP;
                } else if (leading) {
                    cl = C_NZDIGIT, r = 9, v = c - '1';
                    leading = 0;
                } else {
                    cl = C_DIGIT, r = 10, v = c - '0';
                }
            }
            if (!isdig)
                leading = 1;
        } else {
            uint32_t cp;
            w = u8dec(u + i, n - i, &cp);
            if (w != 0) {
                cl = classify_cp(cp, &v, &r);
            } else if (c == 0xED && n - i >= 3 && (u[i + 1] & 0xE0) == 0xA0 &&
                       (u[i + 2] & 0xC0) == 0x80) {
                /* a surrogate (a lone \ud800 escape decodes to these
                 * three bytes): kept whole, it goes out as the escape */
                w = 3;
            } else if (c < 0xC0) {
                /* text in a legacy encoding (a database in SQL_ASCII
                 * holding cp1251 or Latin-1 names) is all such bytes:
                 * kept, it would go out verbatim. Scrambled like
                 * letters, each stays a byte of no valid sequence, so
                 * the value stays invalid UTF-8 at the same places: a
                 * stray continuation byte stays one, */
                w = 1, cl = C_RAWCONT, r = 64, v = c - 0x80;
            } else {
                /* and a lead byte becomes one never valid in UTF-8, so
                 * no scrambled continuation byte after it can complete
                 * a character */
                w = 1, cl = C_RAWLEAD, r = 13, v = c <= 0xC1 ? c - 0xC0 : c >= 0xF5 ? c - 0xF5 + 2 : c % 13;
            }
            leading = 1;
        }
        if (cl == C_KEEP) {
            pat[pl++] = '\xff';
            memcpy(pat + pl, s + i, w);
            pl += w;
        } else {
            xf->x[k] = v;
            xf->radix[k] = r;
            cls[k] = cl;
            off[k] = (uint32_t)i;
            k++;
            if (cl < 0x80) { /* the classes below C_FALLBACK: one byte */
                pat[pl++] = (char)cl;
            } else {
                pat[pl++] = '\xfe';
                memcpy(pat + pl, &cl, sizeof cl);
                pl += sizeof cl;
            }
        }
        i += w;
    }
    xf->pat.len = pl;
    if (k)
        pf_feistel_digits(&xf->aes, pf_xs_tweak(xf, tag), xf->x, xf->radix, k);
    /* every replaced character has the width of the original (same
     * class), so the output is the input with those characters rewritten */
    char *o = out->data + out->len;
    memcpy(o, s, n);
    for (size_t j = 0; j < k; j++)
        pf_xs_encode_digit(cls[j], xf->x[j], o + off[j]);
    out->len += n;
    out->data[out->len] = '\0';
}
