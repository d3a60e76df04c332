/*
 * pf_buf: growable byte buffer with sticky allocation failure, and the
 * library's one UTF-8 decoder and one JSON string writer (pf_buf.h).
 */
#include "pf_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char pf_buf_empty[1];

void pf_buf_init(pf_buf *b)
{
    b->data = pf_buf_empty;
    b->len = 0;
    b->cap = 0;
    b->oom = 0;
}

void pf_buf_free(pf_buf *b)
{
    if (b->cap)
        free(b->data);
    pf_buf_init(b);
}

void pf_buf_reset(pf_buf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->cap)
        b->data[0] = '\0';
}

int pf_buf_reserve(pf_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->data == NULL)
        pf_buf_init(b);
    if (extra >= (size_t)-1 / 2 - b->len) {
        b->oom = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap / 2 * 3 + 16;
    char *p = realloc(b->cap ? b->data : NULL, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    if (!b->cap)
        p[0] = '\0';
    b->data = p;
    b->cap = cap;
    return 0;
}

void pf_buf_add(pf_buf *b, const void *p, size_t n)
{
    if (n == 0 || pf_buf_reserve(b, n) < 0)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void pf_buf_addc(pf_buf *b, char c)
{
    if (pf_buf_reserve(b, 1) < 0)
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void pf_buf_adds(pf_buf *b, const char *s) { pf_buf_add(b, s, strlen(s)); }

void pf_buf_vaddf(pf_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0 || pf_buf_reserve(b, (size_t)n) < 0)
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void pf_buf_addf(pf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pf_buf_vaddf(b, fmt, ap);
    va_end(ap);
}

void pf_buf_addrep(pf_buf *b, char c, size_t n)
{
    if (n == 0 || pf_buf_reserve(b, n) < 0)
        return;
    memset(b->data + b->len, c, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void pf_buf_truncate(pf_buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

void pf_buf_add_shell_word(pf_buf *b, const char *s, int always_quote)
{
    int plain = !always_quote && *s != '\0';
    for (const char *p = s; plain && *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789_-./=:,+@%", *p))
            plain = 0;
    if (plain) {
        pf_buf_adds(b, s);
        return;
    }
    pf_buf_addc(b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            pf_buf_adds(b, "'\\''");
        else
            pf_buf_addc(b, *p);
    }
    pf_buf_addc(b, '\'');
}

/* ---- UTF-8 ---------------------------------------------------------------- */

/* The second byte's range for each lead byte, from the Unicode standard's
 * table of well-formed sequences (3-7): narrower after E0 (no overlong
 * 3-byte forms), ED (no surrogates), F0 (no overlong 4-byte forms) and F4
 * (nothing past U+10FFFF). */
int pf_utf8_next(const char *s, size_t n, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned c = p[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xbf;
    *len = 1;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef)
        need = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 0; /* a continuation byte, C0, C1 or F5..FF: never a lead */
    for (size_t k = 1; k < need; k++, lo = 0x80, hi = 0xbf) {
        if (k >= n)
            return -1;
        if (p[k] < lo || p[k] > hi)
            return 0;
        *len = k + 1;
    }
    return 1;
}

int pf_utf8_valid(const char *s, size_t n)
{
    size_t k;
    for (size_t i = 0; i < n; i += k)
        if (pf_utf8_next(s + i, n - i, &k) != 1)
            return 0;
    return 1;
}

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

void pf_buf_add_utf8(pf_buf *b, const char *s, size_t n)
{
    size_t run = 0, k;
    for (size_t i = 0; i < n; i += k) {
        k = 1;
        if ((unsigned char)s[i] < 0x80 || pf_utf8_next(s + i, n - i, &k) == 1)
            continue;
        pf_buf_add(b, s + run, i - run);
        pf_buf_add(b, REPLACEMENT, 3);
        run = i + k;
    }
    pf_buf_add(b, s + run, n - run);
}

static void add_json(pf_buf *b, const char *s, size_t n, int keep_bytes)
{
    static const char hex[] = "0123456789abcdef";
    if (pf_buf_reserve(b, n + 2) < 0)
        return;
    pf_buf_addc(b, '"');
    size_t run = 0, k;
    for (size_t i = 0; i < n; i += k) {
        unsigned char c = (unsigned char)s[i];
        k = 1;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
            continue;
        if (c >= 0x80) {
            if (keep_bytes || pf_utf8_next(s + i, n - i, &k) == 1)
                continue;
            pf_buf_add(b, s + run, i - run);
            pf_buf_add(b, REPLACEMENT, 3);
            run = i + k;
            continue;
        }
        pf_buf_add(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': pf_buf_add(b, "\\\"", 2); break;
        case '\\': pf_buf_add(b, "\\\\", 2); break;
        case '\n': pf_buf_add(b, "\\n", 2); break;
        case '\r': pf_buf_add(b, "\\r", 2); break;
        case '\t': pf_buf_add(b, "\\t", 2); break;
        case '\b': pf_buf_add(b, "\\b", 2); break;
        case '\f': pf_buf_add(b, "\\f", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            pf_buf_add(b, u, 6);
        }
        }
    }
    pf_buf_add(b, s + run, n - run);
    pf_buf_addc(b, '"');
}

void pf_buf_add_json_str(pf_buf *b, const char *s, size_t n) { add_json(b, s, n, 0); }

void pf_buf_add_json_bytes(pf_buf *b, const char *s, size_t n) { add_json(b, s, n, 1); }

char *pf_buf_detach(pf_buf *b, size_t *len)
{
    if (b->oom)
        return NULL;
    if (!b->cap && pf_buf_reserve(b, 0) < 0)
        return NULL;
    char *p = b->data;
    if (len)
        *len = b->len;
    pf_buf_init(b);
    return p;
}

int pf_buf_ok(const pf_buf *b, pf_err *err)
{
    if (b->oom)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    return 0;
}

const char *pf_buf_str(const pf_buf *b) { return b->data ? b->data : ""; }
