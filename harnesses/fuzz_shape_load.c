/*
 * fuzz_shape_load: the shape-profile loader (pf_shape_parse, the read side
 * the mutation engine uses) under libFuzzer. A profile that loads is also
 * queried path by path, merged into a builder and written back, and the
 * written text must load again: the writer never emits a profile its own
 * loader refuses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_shape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_shape *s = NULL;
    pf_err err = PF_ERR_INIT;
    if (pf_shape_parse((const char *)data, size, "fuzz", &s, &err) < 0)
        return 0;
    size_t sum = 0;
    for (size_t i = 0; i < pf_shape_npaths(s); i++) {
        const pf_shape_path *p = pf_shape_at(s, i);
        if (pf_shape_find(s, p->path) != p)
            abort();
        sum += strlen(p->path) + p->nkeys + p->nenum + p->nrare;
        for (size_t k = 0; k < p->nrare; k++)
            sum += strlen(p->rare[k].kind) + strlen(p->rare[k].what);
        for (size_t k = 0; k < p->nenum; k++)
            sum += strlen(p->enum_values[k]);
        if (p->num_min_text)
            sum += strlen(p->num_min_text) + strlen(p->num_max_text);
    }
    (void)sum;
    pf_shape_free(s);

    pf_shape_opts o;
    pf_shape_opts_default(&o);
    pf_shape_builder *b = NULL;
    /* settings come from the profile itself, as --merge does */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    b = pf_shape_builder_new(&o, &err);
    if (b && pf_shape_builder_merge_text(b, text, size, "fuzz", &err) == 0) {
        pf_buf out = PF_BUF_INIT;
        if (pf_shape_builder_write(b, &out, &err) == 0) {
            pf_shape *again = NULL;
            if (pf_shape_parse(out.data, out.len, "rewritten", &again, &err) < 0)
                abort();
            pf_shape_free(again);
        }
        pf_buf_free(&out);
        pf_buf d = PF_BUF_INIT;
        pf_shape_builder_dict(b, &d, &err);
        pf_buf_free(&d);
    }
    pf_shape_builder_free(b);
    free(text);
    return 0;
}
