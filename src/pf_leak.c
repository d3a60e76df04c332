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

static int tok_byte(unsigned char c)
{
    static const uint64_t lo = 0x03FF000000000000ULL; /* '0'-'9' */
    static const uint64_t hi = 0x07FFFFFE07FFFFFEULL; /* 'A'-'Z', 'a'-'z' */
    return c >= 0x80 || (c < 64 ? (lo >> c) & 1 : (hi >> (c - 64)) & 1);
}

void pf_leak_tokens(const char *s, size_t n,
                    void (*fn)(void *ctx, const char *tok, size_t len, size_t off),
                    void *ctx)
{
    size_t i = 0;
    if (n < 6)
        return; /* no token can be that short */
    while (i < n) {
        if (!tok_byte((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t st = i, chars = 0, digits = 0, letters = 0;
        int same = 1;
        while (i < n && tok_byte((unsigned char)s[i])) {
            unsigned char c = (unsigned char)s[i];
            if ((c & 0xC0) != 0x80)
                chars++;
            if (c >= '0' && c <= '9')
                digits++;
            else
                letters++;
            if (c != (unsigned char)s[st])
                same = 0;
            i++;
        }
        if (chars >= 6 && !same && (letters > 0 || digits >= 10))
            fn(ctx, s + st, i - st, st);
    }
}
