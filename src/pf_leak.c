/*
 * pf_leak: the bounded memory behind the leak check (--verify).
 *
 * Original values are never kept: only 64-bit keyed fingerprints
 * (SipHash under a key derived from the anonymization key) of their
 * "tokens" -- runs of letters, digits and non-ASCII characters of 6 or
 * more characters. The set is an open-addressing table that grows up to
 * max_cap slots and then stops taking new fingerprints (counted as
 * untracked), so memory stays bounded whatever the run size. With 64-bit
 * fingerprints a false report needs a collision (about n / 2^64 per
 * lookup), unlike a Bloom filter of the same size.
 */
#include <stdlib.h>
#include <string.h>

#include "pf_anon_int.h"

void pf_leakset_init(pf_leakset *s, size_t max_cap)
{
    memset(s, 0, sizeof *s);
    s->max_cap = max_cap < 1024 ? 1024 : max_cap;
}

void pf_leakset_free(pf_leakset *s)
{
    free(s->slot);
    memset(s, 0, sizeof *s);
}

static void put(uint64_t *slot, size_t cap, uint64_t fp)
{
    size_t i = (size_t)fp & (cap - 1);
    while (slot[i] && slot[i] != fp)
        i = (i + 1) & (cap - 1);
    slot[i] = fp;
}

static int grow(pf_leakset *s)
{
    size_t nc = s->cap ? s->cap * 2 : 4096;
    if (nc > s->max_cap)
        return -1;
    uint64_t *ns = calloc(nc, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i])
            put(ns, nc, s->slot[i]);
    free(s->slot);
    s->slot = ns;
    s->cap = nc;
    return 0;
}

void pf_leakset_add(pf_leakset *s, uint64_t fp)
{
    if (!fp)
        fp = 1;
    if (s->cap == 0 || (s->used + 1) * 4 > s->cap * 3) {
        if ((s->cap == 0 || (s->used + 1) * 2 > s->cap) && grow(s) < 0 &&
            (s->cap == 0 || (s->used + 1) * 4 > s->cap * 3)) {
            s->untracked++;
            return;
        }
    }
    size_t i = (size_t)fp & (s->cap - 1);
    while (s->slot[i]) {
        if (s->slot[i] == fp)
            return;
        i = (i + 1) & (s->cap - 1);
    }
    s->slot[i] = fp;
    s->used++;
}

int pf_leakset_has(const pf_leakset *s, uint64_t fp)
{
    if (!s->cap)
        return 0;
    if (!fp)
        fp = 1;
    size_t i = (size_t)fp & (s->cap - 1);
    while (s->slot[i]) {
        if (s->slot[i] == fp)
            return 1;
        i = (i + 1) & (s->cap - 1);
    }
    return 0;
}

/* Byte classes for tokens: 0 not in a token, 1 digit, 2 ASCII letter,
 * 3 first byte of a non-ASCII character, 4 continuation byte. */
static const unsigned char TB[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x40 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, /* 0x50 */
    0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x60 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, /* 0x70 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0x80 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0x90 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0xA0 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0xB0 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xC0 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xD0 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xE0 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0xF0 */
};

void pf_leak_tokens(const char *s, size_t n,
                    void (*fn)(void *ctx, const char *tok, size_t len, size_t off, int wide),
                    void *ctx)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    if (n < 6)
        return; /* no token can be that short */
    while (i < n) {
        if (!TB[u[i]]) {
            i++;
            continue;
        }
        size_t st = i;
        /* counts by class: [1] digits, [2] ASCII letters, [3] non-ASCII
         * characters, [4] continuation bytes */
        size_t cnt[5] = {0, 0, 0, 0, 0};
        int same = 1;
        unsigned char c;
        while (i < n && (c = TB[u[i]]) != 0) {
            cnt[c]++;
            same &= u[i] == u[st];
            i++;
        }
        size_t chars = cnt[1] + cnt[2] + cnt[3]; /* continuation bytes are no character */
        size_t letters = cnt[2] + cnt[3] + cnt[4];
        if (chars >= 6 && !same && (letters > 0 || cnt[1] >= 10)) {
            /* bits in hundredths: 3.32 a digit, 4.70 an ASCII letter, 6 a
             * non-ASCII character */
            size_t bits = 332 * cnt[1] + 470 * cnt[2] + 600 * cnt[3];
            fn(ctx, s + st, i - st, st, bits >= 4800);
        }
    }
}
