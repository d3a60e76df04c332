/*
 * fuzz_explain: pf_explain reads outside input twice over, reproducers and
 * profiles, so both are fuzzed here. An input starting with "P" is a
 * profile text, a blank line, then a reproducer (a fresh explainer on that
 * profile); anything else is a reproducer for one explainer made once
 * from a small in-memory corpus of orders (profile built from it, nearest
 * document search on). Every explanation must be ranked, name a known
 * class and a path starting with "$", and write as JSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_explain.h"

static const char *const classes[] = {"null", "missing", "type", "oversize", "number",
                                      "deep", "legacy", "unicode", "dupkey", "truncate",
                                      "format", "empty"};

static void check(pf_explainer *x, const uint8_t *d, size_t n)
{
    pf_explanation e;
    pf_err err = PF_ERR_INIT;
    if (pf_explainer_explain_named(x, "fuzz", d, n, &e, &err) < 0) {
        if (err.code != PF_E_NOMEM)
            abort(); /* any input is explained */
        return;
    }
    for (size_t i = 0; i < e.n; i++) {
        const pf_explain_item *it = &e.items[i];
        int known = 0;
        for (size_t k = 0; k < sizeof classes / sizeof *classes; k++)
            known |= !strcmp(classes[k], it->cls);
        if (!known || it->path[0] != '$' || !it->text[0])
            abort();
        if (i && it->score > e.items[i - 1].score)
            abort(); /* ranked */
    }
    pf_buf js = PF_BUF_INIT;
    pf_explanation_json(&e, &js);
    pf_buf_free(&js);
    pf_explanation_free(&e);
}

static pf_explainer *fixed(void)
{
    static pf_explainer *x;
    if (x)
        return x;
    pf_err err = PF_ERR_INIT;
    if (pf_explainer_new(&x, &err) < 0)
        abort();
    for (int i = 0; i < 40; i++) {
        char doc[512], name[16];
        int n = snprintf(doc, sizeof doc,
                         "{\"id\":%d,\"total\":%d.%02d,\"status\":\"%s\",\"customer\":{\"name\":"
                         "\"Customer %d\",\"email\":%s},\"created_at\":\"2024-03-%02dT10:00:00Z\","
                         "\"items\":[{\"sku\":\"SKU-%04d\",\"qty\":%d}],\"seen_by\":{\"%d\":true}}",
                         1000 + i, 10 + i, i % 100, i % 2 ? "paid" : "shipped", i,
                         i % 7 ? "\"u@example.com\"" : "null", 1 + i % 28, i, 1 + i % 4,
                         10000 + i);
        snprintf(name, sizeof name, "d%02d", i);
        if (pf_explainer_add_doc(x, name, (const uint8_t *)doc, (size_t)n, &err) < 0)
            abort();
    }
    return x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == 'P') {
        const uint8_t *sep = NULL;
        for (size_t i = 1; i + 1 < size; i++)
            if (data[i] == '\n' && data[i + 1] == '\n') {
                sep = data + i;
                break;
            }
        if (!sep)
            return 0;
        pf_explainer *x = NULL;
        pf_err err = PF_ERR_INIT;
        if (pf_explainer_new(&x, &err) < 0)
            return 0;
        if (pf_explainer_set_shape(x, (const char *)data + 1, (size_t)(sep - data - 1), "fuzz",
                                   &err) == 0)
            check(x, sep + 2, size - (size_t)(sep + 2 - data));
        pf_explainer_close(x);
        return 0;
    }
    check(fixed(), data, size);
    return 0;
}
