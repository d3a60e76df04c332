/*
 * pf_shape_write: a builder's state written out as a profile (format in
 * docs/shape.md: the derived fields plus the "sketch" objects that let
 * pf_shape_load.c rebuild the same nodes) and as a libFuzzer/AFL++
 * dictionary (keys, enum values, the tokens of the formats seen).
 *
 * Paths, keys and values keep production's bytes, invalid UTF-8 included
 * (pf_buf_add_json_bytes; examples are spans of the documents): explain
 * and the mutator match them byte for byte, and cJSON reads them back.
 * Notes, which are for people, are valid UTF-8.
 */
#include "pf_shape_int.h"
#include "pf_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_fs.h"

/* ---- writing -------------------------------------------------------------- */

static void add_u64(pf_buf *o, const char *name, uint64_t v, int comma)
{
    pf_buf_addf(o, "%s\"%s\": %llu", comma ? ", " : "", name, (unsigned long long)v);
}

static void add_text_or_null(pf_buf *o, const char *t)
{
    pf_buf_adds(o, t ? t : "null");
}

static void write_node(const pf_shape_builder *b, const derived *d, size_t i,
                       rare_item *ri, pf_buf *o)
{
    const node *x = d->sorted[i];
    pf_buf_adds(o, "    ");
    pf_buf_add_json_bytes(o, x->path, x->plen);
    pf_buf_adds(o, ": {");
    add_u64(o, "count", x->count, 0);
    add_u64(o, "occurrences", x->occ, 1);
    pf_buf_adds(o, ",\n      \"types\": {");
    for (int k = 0; k < 7; k++)
        add_u64(o, pf_sh_type_names[k], x->types[k], k > 0);
    pf_buf_adds(o, "}");
    if (x->nstr) {
        pf_buf_adds(o, ",\n      \"string\": {");
        add_u64(o, "min_len", x->smin, 0);
        add_u64(o, "max_len", x->smax, 1);
        add_u64(o, "p99_len", pf_sh_node_p99(x), 1);
        pf_buf_adds(o, ", \"classes\": {");
        int c1 = 0;
        for (int c = 0; c < PF_CC_N; c++)
            if (x->cls[c])
                add_u64(o, pf_cc_names[c], x->cls[c], c1++);
        pf_buf_adds(o, "}, \"formats\": {");
        c1 = 0;
        for (int f = 0; f < PF_FMT_N; f++)
            if (x->fmt[f])
                add_u64(o, pf_fmt_names[f], x->fmt[f], c1++);
        pf_buf_adds(o, "}}");
    }
    if (x->nmin) {
        pf_buf_addf(o, ",\n      \"number\": {\"min\": %s, \"max\": %s", x->nmin, x->nmax);
        pf_buf_addf(o, ", \"max_digits\": %d, \"max_decimals\": %d}", x->max_digits,
                    x->max_decimals);
    }
    if (x->narr) {
        pf_buf_adds(o, ",\n      \"array\": {");
        add_u64(o, "min_len", x->amin, 0);
        add_u64(o, "max_len", x->amax, 1);
        pf_buf_adds(o, "}");
    }
    if (x->types[PF_J_OBJECT]) {
        pf_buf_adds(o, ",\n      \"object\": {\"keys\": {");
        for (size_t k = d->kid_start[i]; k < d->kid_start[i + 1]; k++) {
            const node *c = d->kids[k];
            if (k > d->kid_start[i])
                pf_buf_adds(o, ", ");
            pf_buf_add_json_bytes(o, c->key, c->klen);
            pf_buf_addf(o, ": %llu", (unsigned long long)c->count);
        }
        pf_buf_adds(o, "}");
        if (x->cap_folded || x->id_folds)
            pf_buf_adds(o, ", \"folded\": true");
        pf_buf_adds(o, "}");
    }
    sk_val **sv = x->nvals ? pf_sh_sorted_vals(x) : NULL;
    if (x->nvals && !sv) {
        o->oom = 1;
        return;
    }
    if (pf_sh_is_enum(b, x)) {
        pf_buf_adds(o, ",\n      \"enum\": [");
        for (size_t v = 0; v < x->nvals; v++) {
            if (v)
                pf_buf_adds(o, ", ");
            pf_buf_adds(o, sv[v]->text);
        }
        pf_buf_adds(o, "]");
    }
    size_t nr = pf_sh_rare_items(b, d, i, ri);
    if (nr) {
        pf_buf_adds(o, ",\n      \"rare\": [");
        for (size_t r = 0; r < nr; r++) {
            pf_buf_addf(o, "%s{\"kind\": \"%s\", \"what\": ", r ? ",\n        " : "", ri[r].kind);
            if (ri[r].what_is_json)
                pf_buf_add(o, ri[r].what, ri[r].what_len);
            else
                pf_buf_add_json_bytes(o, ri[r].what, ri[r].what_len);
            pf_buf_addf(o, ", \"count\": %llu, \"example\": ", (unsigned long long)ri[r].count);
            add_text_or_null(o, ri[r].example);
            pf_buf_adds(o, "}");
        }
        pf_buf_adds(o, "]");
    }
    if (x->nex) {
        pf_buf_adds(o, ",\n      \"examples\": [");
        for (size_t e = 0; e < x->nex; e++) {
            if (e)
                pf_buf_adds(o, ", ");
            pf_buf_adds(o, x->ex[e]);
        }
        pf_buf_adds(o, "]");
    }
    /* sketch: the state a merge needs beyond the fields above */
    pf_buf_adds(o, ",\n      \"sketch\": {");
    add_u64(o, "strings", x->nstr, 0);
    add_u64(o, "arrays", x->narr, 1);
    add_u64(o, "id_folds", x->id_folds, 1);
    pf_buf_addf(o, ", \"cap_folded\": %s", x->cap_folded ? "true" : "false");
    if (x->hist) {
        pf_buf_adds(o, ", \"len_hist\": [");
        int first = 1;
        for (size_t h = 0; h < NHIST; h++)
            if (x->hist[h]) {
                pf_buf_addf(o, "%s[%llu, %llu]", first ? "" : ", ",
                            (unsigned long long)pf_sh_bucket_lo(h),
                            (unsigned long long)x->hist[h]);
                first = 0;
            }
        pf_buf_adds(o, "]");
    }
    if (x->vals_over)
        pf_buf_adds(o, ", \"values\": null");
    else {
        pf_buf_adds(o, ", \"values\": [");
        for (size_t v = 0; v < x->nvals; v++)
            pf_buf_addf(o, "%s[%s, %llu]", v ? ", " : "", sv[v]->text,
                        (unsigned long long)sv[v]->count);
        pf_buf_adds(o, "]");
    }
    pf_buf_adds(o, ", \"type_examples\": {");
    int c1 = 0;
    for (int k = 0; k < 7; k++)
        if (x->type_ex[k]) {
            pf_buf_addf(o, "%s\"%s\": %s", c1++ ? ", " : "", pf_sh_type_names[k], x->type_ex[k]);
        }
    pf_buf_adds(o, "}, \"format_examples\": {");
    c1 = 0;
    for (int f = 0; f < PF_FMT_N; f++)
        if (x->fmt_ex[f])
            pf_buf_addf(o, "%s\"%s\": %s", c1++ ? ", " : "", pf_fmt_names[f], x->fmt_ex[f]);
    pf_buf_adds(o, "}}}");
    free(sv);
}

int pf_shape_builder_write(const pf_shape_builder *b, pf_buf *o, pf_err *err)
{
    derived d;
    if (pf_sh_derive(b, &d) < 0)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    size_t maxr = 7 + PF_FMT_N + b->o.enum_cap + 1;
    for (size_t i = 0; i < d.n; i++) {
        size_t k = d.kid_start[i + 1] - d.kid_start[i] + 7 + PF_FMT_N + b->o.enum_cap + 1;
        if (k > maxr)
            maxr = k;
    }
    rare_item *ri = malloc(maxr * sizeof *ri);
    if (!ri) {
        pf_sh_derived_free(&d);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    pf_buf_reset(o);
    pf_buf_adds(o, "{\"format\": \"prodfuzz-shape\", \"version\": 1");
    add_u64(o, "documents", b->docs, 1);
    add_u64(o, "invalid", b->invalid, 1);
    /* written only when some were included, so profiles of production
     * data alone stay as they were */
    if (b->unlisted)
        add_u64(o, "unlisted_documents", b->unlisted, 1);
    add_u64(o, "too_deep", b->too_deep, 1);
    add_u64(o, "deep_paths", b->deep_paths, 1);
    add_u64(o, "over_cjson_depth", b->over_cjson, 1);
    pf_buf_addf(o, ", \"max_depth\": %d", b->max_depth);
    add_u64(o, "max_bytes", b->max_bytes, 1);
    pf_buf_addf(o, ", \"anonymized\": %s", b->anonymized ? "true" : "false");
    pf_buf_adds(o, ",\n  \"invalid_at\": [");
    for (size_t i = 0; i < b->ninvalid_at; i++) {
        if (i)
            pf_buf_adds(o, ", ");
        pf_buf_add_json_str(o, b->invalid_at[i], strlen(b->invalid_at[i]));
    }
    pf_buf_addf(o, "],\n  \"settings\": {\"rare_cutoff\": %.17g, \"enum_cap\": %u, "
                "\"max_examples\": %u, \"max_keys\": %u},\n  \"notes\": [",
                b->o.rare_cutoff, b->o.enum_cap, b->o.max_examples, b->o.max_keys);
    int nn = 0;
    for (size_t i = 0; i < d.n; i++) {
        const node *x = d.sorted[i];
        if (!x->id_folds && !x->cap_folded)
            continue;
        pf_buf t = PF_BUF_INIT;
        if (x->cap_folded)
            pf_buf_addf(&t, "%s: more than %u distinct keys; members folded into %s{*}",
                        x->path, b->o.max_keys, x->path);
        else
            pf_buf_addf(&t, "%s: %llu documents had a map keyed by ids; members folded into %s{*}",
                        x->path, (unsigned long long)x->id_folds, x->path);
        pf_buf_adds(o, nn++ ? ",\n    " : "\n    ");
        pf_buf_add_json_str(o, t.data ? t.data : "", t.len);
        if (t.oom)
            o->oom = 1;
        pf_buf_free(&t);
    }
    if (b->over_cjson) {
        pf_buf_adds(o, nn++ ? ",\n    " : "\n    ");
        pf_buf_addf(o, "\"%llu documents nest deeper than %d levels, past cJSON's "
                    "nesting limit: parsers built on cJSON refuse them\"",
                    (unsigned long long)b->over_cjson, CJSON_DEPTH);
    }
    if (b->deep_paths) {
        pf_buf_adds(o, nn++ ? ",\n    " : "\n    ");
        pf_buf_addf(o, "\"%llu documents nest deeper than %d path segments: values below "
                    "that depth are counted in max_depth, not profiled per path\"",
                    (unsigned long long)b->deep_paths, MAX_PATH_DEPTH);
    }
    pf_buf_adds(o, "],\n  \"paths\": {\n");
    for (size_t i = 0; i < d.n; i++) {
        write_node(b, &d, i, ri, o);
        pf_buf_adds(o, i + 1 < d.n ? ",\n" : "\n");
    }
    pf_buf_adds(o, "  }\n}\n");
    free(ri);
    pf_sh_derived_free(&d);
    return pf_buf_ok(o, err);
}

/* ---- dictionary ----------------------------------------------------------- */

static void dict_entry(pf_buf *o, const char *s, size_t n, int quoted)
{
    if (!n || n + (quoted ? 2 : 0) > 64)
        return;
    pf_buf_addc(o, '"');
    if (quoted)
        pf_buf_adds(o, "\\\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            pf_buf_addf(o, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            pf_buf_addf(o, "\\x%02X", c);
        else
            pf_buf_addc(o, (char)c);
    }
    if (quoted)
        pf_buf_adds(o, "\\\"");
    pf_buf_adds(o, "\"\n");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int pf_shape_builder_dict(const pf_shape_builder *b, pf_buf *out, pf_err *err)
{
    static const char *fmt_tokens[PF_FMT_N] = {
        [PF_FMT_EMAIL] = "@",   [PF_FMT_UUID] = "-",   [PF_FMT_DATETIME] = "T",
        [PF_FMT_DATE] = "-",    [PF_FMT_TIME] = ":",   [PF_FMT_IPV4] = ".",
        [PF_FMT_IPV6] = "::",   [PF_FMT_URL] = "://",  [PF_FMT_DIGITS] = "0",
        [PF_FMT_PHONE] = "+",   [PF_FMT_HEX] = "0x",   [PF_FMT_BASE64] = "==",
        [PF_FMT_CARD] = "4111111111111111", [PF_FMT_MAC] = "ff:ff:ff:ff:ff:ff",
        [PF_FMT_CIDR] = "/0"};
    pf_buf all = PF_BUF_INIT;
    int seen_fmt[PF_FMT_N] = {0};
    pf_buf_adds(&all, "# prodfuzz shape dictionary: keys, enum values, format tokens\n");
    size_t head = all.len;
    for (size_t i = 0; i < b->n; i++) {
        const node *x = b->nodes[i];
        if (x->key)
            dict_entry(&all, x->key, x->klen, 1);
        if (pf_sh_is_enum(b, x))
            for (size_t v = 0; v < x->nvals; v++)
                dict_entry(&all, x->vals[v].text, x->vals[v].len, 0);
        for (int f = 0; f < PF_FMT_N; f++)
            seen_fmt[f] |= x->fmt[f] > 0;
    }
    for (int f = 0; f < PF_FMT_N; f++)
        if (seen_fmt[f])
            dict_entry(&all, fmt_tokens[f], strlen(fmt_tokens[f]), 0);
    if (pf_buf_ok(&all, err) < 0) {
        pf_buf_free(&all);
        return -1;
    }
    /* sort and drop duplicates so the dictionary is stable */
    size_t nl = 0;
    for (size_t i = head; i < all.len; i++)
        nl += all.data[i] == '\n';
    char **lines = malloc((nl + 1) * sizeof *lines);
    if (!lines) {
        pf_buf_free(&all);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    size_t k = 0;
    for (char *s = all.data + head; s < all.data + all.len;) {
        char *e = strchr(s, '\n');
        *e = '\0';
        lines[k++] = s;
        s = e + 1;
    }
    qsort(lines, k, sizeof *lines, cmp_str);
    pf_buf_reset(out);
    pf_buf_add(out, all.data, head);
    for (size_t i = 0; i < k; i++) {
        if (i && !strcmp(lines[i], lines[i - 1]))
            continue;
        pf_buf_adds(out, lines[i]);
        pf_buf_addc(out, '\n');
    }
    free(lines);
    pf_buf_free(&all);
    return pf_buf_ok(out, err);
}
