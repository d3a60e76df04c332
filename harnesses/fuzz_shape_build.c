/*
 * fuzz_shape_build: the shape builder under libFuzzer. Each input line is
 * one document (small enum cap, example count and key cap so folding and
 * value overflow are reached); the profile is written, must load, and a
 * write -> merge -> write round trip must give the same text. The input
 * is also split in two and the merge of the halves' profiles must equal
 * the whole profile whenever no key-cap fold happened (the one documented
 * inexact case).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_shape.h"

static pf_shape_builder *profile(const char *d, size_t n, size_t from, size_t to,
                                 const pf_shape_opts *o)
{
    pf_err e = PF_ERR_INIT;
    pf_shape_builder *b = pf_shape_builder_new(o, &e);
    if (!b)
        return NULL;
    size_t line = 0, i = 0;
    while (i < n) {
        const char *nl = memchr(d + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (d + i)) : n - i;
        if (line >= from && line < to)
            pf_shape_add_doc(b, d + i, len, "fuzz", &e);
        line++;
        i += len + 1;
    }
    return b;
}

static char *text_of(const pf_shape_builder *b)
{
    pf_buf out = PF_BUF_INIT;
    pf_err e = PF_ERR_INIT;
    if (pf_shape_builder_write(b, &out, &e) < 0) {
        pf_buf_free(&out);
        return NULL;
    }
    return pf_buf_detach(&out, NULL);
}

static char *merged(const pf_shape_opts *o, const char *a, const char *b)
{
    pf_err e = PF_ERR_INIT;
    pf_shape_builder *m = pf_shape_builder_new(o, &e);
    if (pf_shape_builder_merge_text(m, a, strlen(a), "a", &e) < 0 ||
        (b && pf_shape_builder_merge_text(m, b, strlen(b), "b", &e) < 0))
        abort(); /* the writer's output must load */
    char *t = text_of(m);
    pf_shape_builder_free(m);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data;
    pf_shape_opts o;
    pf_shape_opts_default(&o);
    o.enum_cap = 4;
    o.max_examples = 2;
    o.max_keys = 6;
    o.depth_limit = 200;
    pf_shape_builder *whole = profile(d, size, 0, SIZE_MAX, &o);
    char *tw = whole ? text_of(whole) : NULL;
    if (tw) {
        pf_shape *s = NULL;
        pf_err e = PF_ERR_INIT;
        if (pf_shape_parse(tw, strlen(tw), "fuzz", &s, &e) < 0)
            abort();
        pf_shape_free(s);
        char *again = merged(&o, tw, NULL);
        if (!again || strcmp(again, tw))
            abort(); /* round trip must be exact */
        free(again);
        if (!strstr(tw, "distinct keys; members folded")) {
            size_t lines = 0;
            for (size_t i = 0; i < size; i++)
                lines += d[i] == '\n';
            size_t cut = lines / 2;
            pf_shape_builder *a = profile(d, size, 0, cut, &o);
            pf_shape_builder *b = profile(d, size, cut, SIZE_MAX, &o);
            char *ta = a ? text_of(a) : NULL, *tb = b ? text_of(b) : NULL;
            if (ta && tb) {
                char *m = merged(&o, ta, tb);
                if (!m || strcmp(m, tw))
                    abort(); /* merge(a, b) == profile(a + b) */
                free(m);
            }
            free(ta);
            free(tb);
            pf_shape_builder_free(a);
            pf_shape_builder_free(b);
        }
    }
    free(tw);
    pf_shape_builder_free(whole);
    return 0;
}
