/*
 * pf_shape_load: a profile file read back into a builder's nodes, one
 * parser over pf_json spans for both pf_shape_parse and
 * pf_shape_builder_merge_text, so numbers and examples stay exactly as
 * production wrote them. Errors name the file and a byte offset.
 */
#include "pf_shape_int.h"
#include "pf_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_fs.h"

/* ---- loading -------------------------------------------------------------- */

typedef struct loader {
    const pf_json *j;
    const char *name;
    pf_err *err;
} loader;

static int load_error(loader *ld, int tok, const char *what)
{
    size_t s = 0, e = 0;
    if (tok >= 0)
        pf_json_span(ld->j, tok, &s, &e);
    return pf_err_set(ld->err, PF_E_INPUT, "%s: byte %zu: %s", ld->name, s, what);
}

/* Value token of member `key` of object obj, or -1. */
static int member(const pf_json *j, int obj, const char *key)
{
    if (obj < 0 || j->tok[obj].type != PF_JT_OBJECT)
        return -1;
    size_t kl = strlen(key);
    int k = obj + 1;
    for (int m = 0; m < j->tok[obj].size; m++) {
        const pf_jtok *t = &j->tok[k];
        if ((size_t)(t->end - t->start) == kl && !memcmp(j->text + t->start, key, kl))
            return k + 1;
        k = j->next[k];
    }
    return -1;
}

static int is_kind(const pf_json *j, int tok, pf_jkind k)
{
    return tok >= 0 && pf_json_kind(j, tok) == k;
}

/* A non-negative integer; missing is 0 unless required. */
static int member_u64(loader *ld, int obj, const char *key, uint64_t *out, int required)
{
    int t = member(ld->j, obj, key);
    *out = 0;
    if (t < 0) {
        if (!required)
            return 0;
        pf_buf m = PF_BUF_INIT;
        pf_buf_addf(&m, "missing \"%s\"", key);
        int r = load_error(ld, obj, pf_buf_str(&m));
        pf_buf_free(&m);
        return r;
    }
    const pf_jtok *tk = &ld->j->tok[t];
    const char *s = ld->j->text + tk->start;
    size_t n = (size_t)(tk->end - tk->start);
    if (!is_kind(ld->j, t, PF_J_INT) || s[0] == '-' || n > 20) {
        pf_buf m = PF_BUF_INIT;
        pf_buf_addf(&m, "\"%s\" must be a non-negative integer", key);
        int r = load_error(ld, t, pf_buf_str(&m));
        pf_buf_free(&m);
        return r;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return load_error(ld, t, "integer out of range");
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int member_text(loader *ld, int tok, char **out)
{
    size_t s, e;
    pf_json_span(ld->j, tok, &s, &e);
    if (pf_sh_set_text(out, ld->j->text + s, e - s) < 0)
        return pf_err_set(ld->err, PF_E_NOMEM, "out of memory");
    return 0;
}

static int name_index(const char *const *names, int n, const pf_json *j, int ktok)
{
    const pf_jtok *t = &j->tok[ktok];
    size_t kl = (size_t)(t->end - t->start);
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == kl && !memcmp(names[i], j->text + t->start, kl))
            return i;
    return -1;
}

/* Read {"name": n, ...} counters by name table (unknown names ignored). */
static int read_counters(loader *ld, int obj, const char *const *names, int n, uint64_t *out)
{
    if (obj < 0)
        return 0;
    if (ld->j->tok[obj].type != PF_JT_OBJECT)
        return load_error(ld, obj, "expected an object of counts");
    int k = obj + 1;
    for (int m = 0; m < ld->j->tok[obj].size; m++, k = ld->j->next[k]) {
        int idx = name_index(names, n, ld->j, k);
        if (idx < 0)
            continue;
        pf_jtok *t = &ld->j->tok[k + 1];
        const char *s = ld->j->text + t->start;
        size_t len = (size_t)(t->end - t->start);
        if (!is_kind(ld->j, k + 1, PF_J_INT) || s[0] == '-' || len > 19)
            return load_error(ld, k + 1, "a count must be a non-negative integer");
        uint64_t v = 0;
        for (size_t i = 0; i < len; i++)
            v = v * 10 + (uint64_t)(s[i] - '0');
        out[idx] = v;
    }
    return 0;
}

static int read_examples(loader *ld, int obj, const char *const *names, int n, char **out)
{
    if (obj < 0)
        return 0;
    if (ld->j->tok[obj].type != PF_JT_OBJECT)
        return load_error(ld, obj, "expected an object of examples");
    int k = obj + 1;
    for (int m = 0; m < ld->j->tok[obj].size; m++, k = ld->j->next[k]) {
        int idx = name_index(names, n, ld->j, k);
        if (idx >= 0 && member_text(ld, k + 1, &out[idx]) < 0)
            return -1;
    }
    return 0;
}

static int load_node(pf_shape_builder *b, loader *ld, node *x, int o)
{
    const pf_json *j = ld->j;
    if (j->tok[o].type != PF_JT_OBJECT)
        return load_error(ld, o, "a path entry must be an object");
    node t;
    memset(&t, 0, sizeof t);
    int rc = -1;
    if (member_u64(ld, o, "count", &t.count, 1) < 0 || member_u64(ld, o, "occurrences", &t.occ, 0) < 0)
        goto out;
    if (read_counters(ld, member(j, o, "types"), pf_sh_type_names, 7, t.types) < 0)
        goto out;
    int sk = member(j, o, "sketch");
    if (sk >= 0 && j->tok[sk].type != PF_JT_OBJECT) {
        load_error(ld, sk, "\"sketch\" must be an object");
        goto out;
    }
    int s = member(j, o, "string");
    if (s >= 0) {
        uint64_t p99 = 0;
        if (member_u64(ld, s, "min_len", &t.smin, 1) < 0 || member_u64(ld, s, "max_len", &t.smax, 1) < 0 ||
            member_u64(ld, s, "p99_len", &p99, 0) < 0 ||
            read_counters(ld, member(j, s, "classes"), pf_cc_names, PF_CC_N, t.cls) < 0 ||
            read_counters(ld, member(j, s, "formats"), pf_fmt_names, PF_FMT_N, t.fmt) < 0 ||
            member_u64(ld, sk, "strings", &t.nstr, 0) < 0)
            goto out;
        if (!t.nstr)
            t.nstr = t.types[PF_J_STRING] ? t.types[PF_J_STRING] : 1;
        t.p99_file = p99;
        int h = member(j, sk, "len_hist");
        if (h >= 0) {
            if (j->tok[h].type != PF_JT_ARRAY) {
                load_error(ld, h, "\"len_hist\" must be an array");
                goto out;
            }
            if (!(t.hist = calloc(NHIST, sizeof *t.hist))) {
                pf_err_set(ld->err, PF_E_NOMEM, "out of memory");
                goto out;
            }
            int e = h + 1;
            for (int m = 0; m < j->tok[h].size; m++, e = j->next[e]) {
                if (j->tok[e].type != PF_JT_ARRAY || j->tok[e].size != 2 ||
                    !is_kind(j, e + 1, PF_J_INT) || !is_kind(j, e + 2, PF_J_INT) ||
                    j->text[j->tok[e + 1].start] == '-' || j->text[j->tok[e + 2].start] == '-') {
                    load_error(ld, e, "a len_hist entry must be [length, count]");
                    goto out;
                }
                unsigned long long lo = strtoull(j->text + j->tok[e + 1].start, NULL, 10);
                unsigned long long c = strtoull(j->text + j->tok[e + 2].start, NULL, 10);
                t.hist[pf_sh_hist_bucket(lo)] += c;
            }
        }
    }
    int nm = member(j, o, "number");
    if (nm >= 0) {
        int mn = member(j, nm, "min"), mx = member(j, nm, "max");
        if (!(is_kind(j, mn, PF_J_INT) || is_kind(j, mn, PF_J_FLOAT)) ||
            !(is_kind(j, mx, PF_J_INT) || is_kind(j, mx, PF_J_FLOAT))) {
            load_error(ld, nm, "\"number\" needs numbers \"min\" and \"max\"");
            goto out;
        }
        uint64_t dg, dc;
        if (member_text(ld, mn, &t.nmin) < 0 || member_text(ld, mx, &t.nmax) < 0 ||
            member_u64(ld, nm, "max_digits", &dg, 0) < 0 || member_u64(ld, nm, "max_decimals", &dc, 0) < 0)
            goto out;
        if (dg > 100000000 || dc > 100000000) {
            load_error(ld, nm, "digit counts out of range");
            goto out;
        }
        t.max_digits = (int)dg;
        t.max_decimals = (int)dc;
    }
    int a = member(j, o, "array");
    if (a >= 0) {
        if (member_u64(ld, a, "min_len", &t.amin, 1) < 0 || member_u64(ld, a, "max_len", &t.amax, 1) < 0 ||
            member_u64(ld, sk, "arrays", &t.narr, 0) < 0)
            goto out;
        if (!t.narr)
            t.narr = 1;
    }
    if (member_u64(ld, sk, "id_folds", &t.id_folds, 0) < 0)
        goto out;
    int cf = member(j, sk, "cap_folded");
    t.cap_folded = cf >= 0 && j->text[j->tok[cf].start] == 't';
    int v = member(j, sk, "values");
    if (v >= 0 && is_kind(j, v, PF_J_NULL))
        t.vals_over = 1;
    else if (v >= 0) {
        if (j->tok[v].type != PF_JT_ARRAY) {
            load_error(ld, v, "\"values\" must be an array or null");
            goto out;
        }
        int e = v + 1;
        for (int m = 0; m < j->tok[v].size; m++, e = j->next[e]) {
            if (j->tok[e].type != PF_JT_ARRAY || j->tok[e].size != 2 ||
                !is_kind(j, j->next[e + 1], PF_J_INT)) {
                load_error(ld, e, "a values entry must be [value, count]");
                goto out;
            }
            size_t s0, s1;
            pf_json_span(j, e + 1, &s0, &s1);
            int ct = j->next[e + 1];
            if (j->text[j->tok[ct].start] == '-') {
                load_error(ld, ct, "a count must be a non-negative integer");
                goto out;
            }
            uint64_t c = strtoull(j->text + j->tok[ct].start, NULL, 10);
            if (pf_sh_add_value(b, &t, j->text + s0, s1 - s0, c, 0) < 0) {
                pf_err_set(ld->err, PF_E_NOMEM, "out of memory");
                goto out;
            }
        }
    }
    int ex = member(j, o, "examples");
    if (ex >= 0) {
        if (j->tok[ex].type != PF_JT_ARRAY) {
            load_error(ld, ex, "\"examples\" must be an array");
            goto out;
        }
        int e = ex + 1;
        for (int m = 0; m < j->tok[ex].size; m++, e = j->next[e]) {
            size_t s0, s1;
            pf_json_span(j, e, &s0, &s1);
            if (pf_sh_add_example(b, &t, j->text + s0, s1 - s0) < 0) {
                pf_err_set(ld->err, PF_E_NOMEM, "out of memory");
                goto out;
            }
        }
    }
    if (read_examples(ld, member(j, sk, "type_examples"), pf_sh_type_names, 7, t.type_ex) < 0 ||
        read_examples(ld, member(j, sk, "format_examples"), pf_fmt_names, PF_FMT_N, t.fmt_ex) < 0)
        goto out;
    if (pf_sh_merge_node(b, x, &t) < 0) {
        pf_err_set(ld->err, PF_E_NOMEM, "out of memory");
        goto out;
    }
    rc = 0;
out:
    t.path = NULL;
    t.key = NULL;
    free(t.hist);
    t.hist = NULL;
    for (int k = 0; k < 7; k++)
        free(t.type_ex[k]);
    for (int k = 0; k < PF_FMT_N; k++)
        free(t.fmt_ex[k]);
    free(t.nmin);
    free(t.nmax);
    for (size_t i = 0; i < t.nvals; i++)
        free(t.vals[i].text);
    free(t.vals);
    for (size_t i = 0; i < t.nex; i++)
        free(t.ex[i]);
    free(t.ex);
    return rc;
}

static int read_settings(const pf_json *j, int top, pf_shape_opts *o, loader *ld)
{
    pf_shape_opts_default(o);
    int s = member(j, top, "settings");
    if (s < 0)
        return 0;
    uint64_t v;
    if (member_u64(ld, s, "enum_cap", &v, 0) < 0)
        return -1;
    if (member(j, s, "enum_cap") >= 0)
        o->enum_cap = v > 4096 ? 4096 : (unsigned)v;
    if (member_u64(ld, s, "max_examples", &v, 0) < 0)
        return -1;
    if (member(j, s, "max_examples") >= 0)
        o->max_examples = v > 1000 ? 1000 : (unsigned)v;
    if (member_u64(ld, s, "max_keys", &v, 0) < 0)
        return -1;
    if (member(j, s, "max_keys") >= 0)
        o->max_keys = v < 1 ? 1 : v > 100000000 ? 100000000 : (unsigned)v;
    int rc = member(j, s, "rare_cutoff");
    if (rc >= 0) {
        if (!is_kind(j, rc, PF_J_FLOAT) && !is_kind(j, rc, PF_J_INT))
            return load_error(ld, rc, "\"rare_cutoff\" must be a number");
        double d = strtod(j->text + j->tok[rc].start, NULL);
        if (!(d >= 0 && d <= 1))
            return load_error(ld, rc, "\"rare_cutoff\" must be between 0 and 1");
        o->rare_cutoff = d;
    }
    return 0;
}

/* Parse a profile; with b NULL only check the header and settings. */
int pf_sh_parse_into(pf_shape_builder *b, pf_shape_opts *opts_out,
                     const char *text, size_t len, const char *name,
                     pf_err *err)
{
    pf_json j = PF_JSON_INIT;
    j.depth_limit = 2 * MAX_EX_LEN + 16; /* examples nest at most that deep */
    pf_err perr = PF_ERR_INIT;
    if (pf_json_parse(&j, text, len, &perr) < 0) {
        pf_json_free(&j);
        return pf_err_set(err, perr.code == PF_E_NOMEM ? PF_E_NOMEM : PF_E_INPUT,
                          "%s: not a JSON shape profile: %s", name, perr.msg);
    }
    loader ld = {&j, name, err};
    int rc = -1;
    int f = member(&j, 0, "format"), v = member(&j, 0, "version");
    if (j.tok[0].type != PF_JT_OBJECT || f < 0 || !is_kind(&j, f, PF_J_STRING) ||
        j.tok[f].end - j.tok[f].start != 14 || memcmp(text + j.tok[f].start, "prodfuzz-shape", 14)) {
        load_error(&ld, 0, "not a shape profile (\"format\": \"prodfuzz-shape\" missing)");
        goto out;
    }
    if (!is_kind(&j, v, PF_J_INT) || j.tok[v].end - j.tok[v].start != 1 ||
        text[j.tok[v].start] != '1') {
        load_error(&ld, v >= 0 ? v : 0, "unsupported profile version (this prodfuzz reads version 1)");
        goto out;
    }
    pf_shape_opts so;
    if (read_settings(&j, 0, &so, &ld) < 0)
        goto out;
    if (opts_out)
        *opts_out = so;
    if (!b) {
        rc = 0;
        goto out;
    }
    if (so.enum_cap != b->o.enum_cap || so.max_examples != b->o.max_examples ||
        so.max_keys != b->o.max_keys) {
        pf_err_set(err, PF_E_INPUT,
                   "%s: settings differ (enum_cap %u, max_examples %u, max_keys %u; "
                   "expected %u, %u, %u): profiles made with different settings "
                   "cannot be merged exactly",
                   name, so.enum_cap, so.max_examples, so.max_keys, b->o.enum_cap,
                   b->o.max_examples, b->o.max_keys);
        goto out;
    }
    uint64_t docs, inv, deep, mb, md, dp, oc, unl;
    if (member_u64(&ld, 0, "documents", &docs, 1) < 0 || member_u64(&ld, 0, "invalid", &inv, 0) < 0 ||
        member_u64(&ld, 0, "unlisted_documents", &unl, 0) < 0 ||
        member_u64(&ld, 0, "deep_paths", &dp, 0) < 0 ||
        member_u64(&ld, 0, "over_cjson_depth", &oc, 0) < 0 ||
        member_u64(&ld, 0, "too_deep", &deep, 0) < 0 || member_u64(&ld, 0, "max_bytes", &mb, 0) < 0 ||
        member_u64(&ld, 0, "max_depth", &md, 0) < 0)
        goto out;
    if (md > 1000000) {
        load_error(&ld, member(&j, 0, "max_depth"), "\"max_depth\" out of range");
        goto out;
    }
    int ia = member(&j, 0, "invalid_at");
    if (ia >= 0 && j.tok[ia].type == PF_JT_ARRAY) {
        int e = ia + 1;
        for (int m = 0; m < j.tok[ia].size; m++, e = j.next[e])
            if (is_kind(&j, e, PF_J_STRING)) {
                pf_buf s = PF_BUF_INIT;
                pf_json_unescape(&j, e, &s);
                if (b->ninvalid_at < MAX_INVALID_AT && s.data)
                    b->invalid_at[b->ninvalid_at++] = pf_buf_detach(&s, NULL);
                pf_buf_free(&s);
            }
    }
    int ps = member(&j, 0, "paths");
    if (ps < 0 || j.tok[ps].type != PF_JT_OBJECT) {
        load_error(&ld, ps >= 0 ? ps : 0, "missing \"paths\" object");
        goto out;
    }
    pf_buf key = PF_BUF_INIT, canon = PF_BUF_INIT;
    size_t first_new = b->n;
    int k = ps + 1, bad = 0;
    for (int m = 0; m < j.tok[ps].size && !bad; m++, k = j.next[k]) {
        pf_buf_reset(&key);
        pf_buf_reset(&canon);
        pf_json_unescape(&j, k, &key);
        pf_err pe = PF_ERR_INIT;
        if (key.oom ||
            pf_path_canon(key.data ? key.data : "", key.len, 0, &canon, &pe) < 0) {
            /* out of memory is not a bad path */
            if (key.oom || pe.code == PF_E_NOMEM)
                pf_err_set(err, PF_E_NOMEM, "out of memory");
            else
                load_error(&ld, k, "a key of \"paths\" is not a JSON path");
            pf_buf_free(&key);
            bad = 1;
            break;
        }
        node *x = pf_sh_get_node(b, canon.data, canon.len);
        if (!x || load_node(b, &ld, x, k + 1) < 0) {
            if (!x)
                pf_err_set(err, PF_E_NOMEM, "out of memory");
            bad = 1;
        }
    }
    /* Key children: parents' "object.keys" name them. */
    k = ps + 1;
    for (int m = 0; m < j.tok[ps].size && !bad; m++, k = j.next[k]) {
        int keys = member(&j, member(&j, k + 1, "object"), "keys");
        if (keys < 0 || j.tok[keys].type != PF_JT_OBJECT)
            continue;
        pf_buf_reset(&key);
        pf_buf_reset(&canon);
        pf_json_unescape(&j, k, &key);
        pf_err pe = PF_ERR_INIT;
        if (key.oom ||
            (pf_path_canon(key.data ? key.data : "", key.len, 0, &canon, &pe) < 0 &&
             pe.code == PF_E_NOMEM)) {
            pf_err_set(err, PF_E_NOMEM, "out of memory");
            bad = 1;
            break;
        }
        node *par = pf_sh_find_node(b, canon.data, canon.len);
        int kk = keys + 1;
        for (int q = 0; q < j.tok[keys].size && par && !bad; q++, kk = j.next[kk]) {
            pf_buf kd = PF_BUF_INIT, cp = PF_BUF_INIT;
            pf_json_unescape(&j, kk, &kd);
            pf_buf_add(&cp, canon.data, canon.len);
            pf_path_add_key(&cp, kd.data ? kd.data : "", kd.len);
            if (kd.oom || cp.oom) { /* the child would silently go unlinked */
                pf_err_set(err, PF_E_NOMEM, "out of memory");
                bad = 1;
            }
            node *c = !bad && cp.data ? pf_sh_find_node(b, cp.data, cp.len) : NULL;
            if (c && !c->parent) {
                c->parent = par;
                c->key = pf_sh_dupn(kd.data ? kd.data : "", kd.len);
                c->klen = kd.len;
                if (!c->key) {
                    pf_err_set(err, PF_E_NOMEM, "out of memory");
                    bad = 1;
                }
                par->nchildren++;
            }
            pf_buf_free(&kd);
            pf_buf_free(&cp);
        }
    }
    (void)first_new;
    pf_buf_free(&key);
    pf_buf_free(&canon);
    if (bad)
        goto out;
    b->docs += docs;
    b->invalid += inv;
    b->unlisted += unl;
    b->too_deep += deep;
    b->deep_paths += dp;
    b->over_cjson += oc;
    if (mb > b->max_bytes)
        b->max_bytes = mb;
    if ((int)md > b->max_depth)
        b->max_depth = (int)md;
    /* absent (older profiles): not known to be anonymized */
    int an = member(&j, 0, "anonymized");
    if (is_kind(&j, an, PF_J_BOOL) && text[j.tok[an].start] == 't')
        b->anonymized = 1;
    rc = 0;
out:
    pf_json_free(&j);
    return rc;
}

int pf_shape_builder_merge_text(pf_shape_builder *b, const char *text, size_t len,
                                const char *name, pf_err *err)
{
    return pf_sh_parse_into(b, NULL, text, len, name, err);
}

int pf_shape_builder_merge_file(pf_shape_builder *b, const char *path, pf_err *err)
{
    pf_buf t = PF_BUF_INIT;
    if (pf_fs_read_file(path, (size_t)1 << 30, &t, err) < 0) {
        pf_buf_free(&t);
        return -1;
    }
    int rc = pf_sh_parse_into(b, NULL, t.data ? t.data : "", t.len, path, err);
    pf_buf_free(&t);
    return rc;
}

int pf_shape_opts_from_file(const char *path, pf_shape_opts *o, pf_err *err)
{
    pf_buf t = PF_BUF_INIT;
    if (pf_fs_read_file(path, (size_t)1 << 30, &t, err) < 0) {
        pf_buf_free(&t);
        return -1;
    }
    int rc = pf_sh_parse_into(NULL, o, t.data ? t.data : "", t.len, path, err);
    pf_buf_free(&t);
    return rc;
}
