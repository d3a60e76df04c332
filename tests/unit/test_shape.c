/*
 * Unit tests of shape profiles (src/pf_shape.c): the numbers a profile
 * holds on fixtures with nulls, legacy variants and id-keyed maps
 * (tests/fixtures/shape/orders.jsonl, made by gen_orders.py), exact merges,
 * write -> load round trips, the loader's errors, and the nativejson files
 * (twitter statuses one per line, citm_catalog's id-keyed maps, canada's
 * deep arrays).
 */
#include "pf_test.h"

#include "pf_docs.h"
#include "pf_json.h"
#include "pf_shape.h"

#define ORDERS "tests/fixtures/shape/orders.jsonl"

/* Profile lines [from, to) of a JSONL text; origins are "name:LINE" so
 * that split runs name invalid lines exactly as a whole run does. */
static pf_shape_builder *profile_lines(const char *text, size_t from, size_t to,
                                       const pf_shape_opts *o)
{
    pf_err e = PF_ERR_INIT;
    pf_shape_builder *b = pf_shape_builder_new(o, &e);
    assert_non_null(b);
    size_t line = 0;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (line >= from && line < to) {
            char origin[64];
            snprintf(origin, sizeof origin, "orders:%zu", line + 1);
            assert_true(pf_shape_add_doc(b, p, n, origin, &e) >= 0);
        }
        line++;
        p += n + (nl ? 1 : 0);
    }
    return b;
}

static char *write_text(const pf_shape_builder *b)
{
    pf_buf out = PF_BUF_INIT;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_shape_builder_write(b, &out, &e), 0);
    return pf_buf_detach(&out, NULL);
}

static pf_shape *load_text(const char *t)
{
    pf_shape *s = NULL;
    pf_err e = PF_ERR_INIT;
    if (pf_shape_parse(t, strlen(t), "test", &s, &e) < 0)
        fail_msg("profile does not load: %s", e.msg);
    return s;
}

static pf_shape *orders_shape(void)
{
    char *text = pf_test_read(ORDERS, NULL);
    assert_non_null(text);
    pf_shape_builder *b = profile_lines(text, 0, 1000, NULL);
    char *t = write_text(b);
    pf_shape *s = load_text(t);
    free(t);
    free(text);
    pf_shape_builder_free(b);
    return s;
}

static const pf_shape_rare *find_rare(const pf_shape_path *p, const char *kind,
                                      const char *what)
{
    for (size_t i = 0; i < p->nrare; i++)
        if (!strcmp(p->rare[i].kind, kind) && !strcmp(p->rare[i].what, what))
            return &p->rare[i];
    return NULL;
}

static void shape_counts_types_nulls_and_lengths(void **st)
{
    (void)st;
    pf_shape *s = orders_shape();
    assert_int_equal(pf_shape_documents(s), 200);
    assert_int_equal(pf_shape_invalid(s), 0);
    assert_int_equal(pf_shape_max_depth(s), 3);
    const pf_shape_path *p = pf_shape_find(s, "$.customer.email");
    assert_non_null(p);
    assert_int_equal(p->count, 200);
    assert_int_equal(p->types[PF_J_NULL], 10); /* i % 20 == 3 */
    assert_int_equal(p->types[PF_J_STRING], 190);
    assert_int_equal(p->str_min_len, 17);      /* user3@example.com */
    assert_int_equal(p->str_max_len, 19);      /* user199@example.com */
    const char *fn[16];
    uint64_t fc[16];
    assert_int_equal(pf_shape_formats(s, p, fn, fc, 16), 1);
    assert_string_equal(fn[0], "email");
    assert_int_equal(fc[0], 190);
    /* lengths 0..99 twice each: the 198th of 200 is 98 */
    p = pf_shape_find(s, "$.note");
    assert_int_equal(p->str_min_len, 0);
    assert_int_equal(p->str_p99_len, 98);
    assert_int_equal(p->str_max_len, 99);
    p = pf_shape_find(s, "$.items");
    assert_int_equal(p->arr_min_len, 1);
    assert_int_equal(p->arr_max_len, 5);
    /* array elements share one path; count is per document */
    p = pf_shape_find(s, "$.items[*].qty");
    assert_int_equal(p->count, 200);
    assert_int_equal(p->nenum, 5);
    assert_null(pf_shape_find(s, "$.items[0]"));
    pf_shape_free(s);
}

static void shape_p99_is_within_a_sixteenth_for_long_strings(void **st)
{
    (void)st;
    /* lengths 1..1000 once each: the 990th is the 99th percentile */
    pf_err e = PF_ERR_INIT;
    pf_shape_builder *b = pf_shape_builder_new(NULL, &e);
    char *doc = malloc(1100);
    for (int n = 1; n <= 1000; n++) {
        int k = snprintf(doc, 16, "{\"s\": \"");
        memset(doc + k, 'a', (size_t)n);
        memcpy(doc + k + n, "\"}", 2);
        assert_int_equal(pf_shape_add_doc(b, doc, (size_t)(k + n + 2), "t", &e), 1);
    }
    free(doc);
    char *t = write_text(b);
    pf_shape *s = load_text(t);
    const pf_shape_path *p = pf_shape_find(s, "$.s");
    assert_int_equal(p->str_min_len, 1);
    assert_int_equal(p->str_max_len, 1000);
    assert_true(p->str_p99_len >= 990);
    assert_true(p->str_p99_len <= 990 + 990 / 16);
    pf_shape_free(s);
    free(t);
    pf_shape_builder_free(b);
}

static void shape_keeps_digits_and_decimals_as_written(void **st)
{
    (void)st;
    pf_shape *s = orders_shape();
    const pf_shape_path *p = pf_shape_find(s, "$.id");
    assert_true(p->has_number);
    assert_string_equal(p->num_min_text, "1000");
    assert_string_equal(p->num_max_text, "505874924095815700");
    assert_int_equal(p->max_digits, 18);
    assert_int_equal(p->max_decimals, 0);
    p = pf_shape_find(s, "$.total");
    assert_int_equal(p->types[PF_J_FLOAT], 199);
    assert_int_equal(p->max_digits, 2);
    assert_int_equal(p->max_decimals, 2);
    assert_string_equal(p->num_min_text, "10.00");
    pf_shape_free(s);

    /* extremes compared as decimal text, huge and tiny alike */
    static const char *docs[] = {"0.5", "99999999999999999999999", "-1e400", "1e400",
                                 "-0.0000000000000000000001", "12.50", "1E+2"};
    pf_err e = PF_ERR_INIT;
    pf_shape_builder *b = pf_shape_builder_new(NULL, &e);
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
        assert_int_equal(pf_shape_add_doc(b, docs[i], strlen(docs[i]), "t", &e), 1);
    char *t = write_text(b);
    s = load_text(t);
    p = pf_shape_find(s, "$");
    assert_string_equal(p->num_min_text, "-1e400");
    assert_string_equal(p->num_max_text, "1e400");
    assert_int_equal(p->max_digits, 23);
    assert_int_equal(p->max_decimals, 22);
    assert_int_equal(p->types[PF_J_INT], 1); /* per document: only 9999...9 */
    pf_shape_free(s);
    free(t);
    pf_shape_builder_free(b);
}

static void shape_records_legacy_variants_as_rare(void **st)
{
    (void)st;
    pf_shape *s = orders_shape();
    /* 1 in 200 totals is the string "12.50" where numbers dominate */
    const pf_shape_rare *r = find_rare(pf_shape_find(s, "$.total"), "type", "string");
    assert_non_null(r);
    assert_int_equal(r->count, 1);
    assert_string_equal(r->example, "\"12.50\"");
    /* an epoch where ISO dates dominate */
    r = find_rare(pf_shape_find(s, "$.created_at"), "type", "int");
    assert_non_null(r);
    assert_int_equal(r->count, 1);
    assert_string_equal(r->example, "1600000000");
    /* a key only one old row carries */
    r = find_rare(pf_shape_find(s, "$"), "key", "coupon_code");
    assert_non_null(r);
    assert_int_equal(r->count, 1);
    /* a rare value at a low-cardinality path */
    const pf_shape_path *p = pf_shape_find(s, "$.status");
    assert_int_equal(p->nenum, 4);
    r = find_rare(p, "value", "\"legacy_hold\"");
    assert_non_null(r);
    assert_int_equal(r->count, 1);
    /* a unique id is not rare, and not an enum */
    p = pf_shape_find(s, "$.id");
    assert_int_equal(p->nrare, 0);
    assert_int_equal(p->nenum, 0);
    /* nulls in 5% of documents are not rare at the 1% cut-off */
    assert_null(find_rare(pf_shape_find(s, "$.customer.email"), "type", "null"));
    pf_shape_free(s);

    /* the cut-off is configurable: at 10% the nulls are rare */
    char *text = pf_test_read(ORDERS, NULL);
    pf_shape_opts o;
    pf_shape_opts_default(&o);
    o.rare_cutoff = 0.10;
    pf_shape_builder *b = profile_lines(text, 0, 1000, &o);
    char *t = write_text(b);
    s = load_text(t);
    r = find_rare(pf_shape_find(s, "$.customer.email"), "type", "null");
    assert_non_null(r);
    assert_int_equal(r->count, 10);
    pf_shape_free(s);
    free(t);
    pf_shape_builder_free(b);
    free(text);
}

static void shape_folds_maps_keyed_by_ids(void **st)
{
    (void)st;
    pf_shape *s = orders_shape();
    const pf_shape_path *p = pf_shape_find(s, "$.seen_by{*}");
    assert_non_null(p);
    assert_int_equal(p->count, 200);
    assert_int_equal(p->types[PF_J_BOOL], 200);
    assert_null(pf_shape_find(s, "$.seen_by.10000"));
    assert_int_equal(pf_shape_find(s, "$.seen_by")->nkeys, 0);
    /* 2 + 16 paths would be 400 with the ids unfolded */
    assert_int_equal(pf_shape_npaths(s), 16);
    pf_shape_free(s);

    /* more distinct keys than --max-keys: folded, earlier paths moved */
    pf_shape_opts o;
    pf_shape_opts_default(&o);
    o.max_keys = 10;
    pf_err e = PF_ERR_INIT;
    pf_shape_builder *b = pf_shape_builder_new(&o, &e);
    for (int i = 0; i < 30; i++) {
        char d[128];
        int n = snprintf(d, sizeof d, "{\"m\": {\"key_%c%c\": {\"v\": %d}}, \"k\": 1}",
                         'a' + i % 26, 'a' + i / 26, i);
        assert_int_equal(pf_shape_add_doc(b, d, (size_t)n, "t", &e), 1);
    }
    char *t = write_text(b);
    assert_non_null(strstr(t, "more than 10 distinct keys"));
    s = load_text(t);
    p = pf_shape_find(s, "$.m{*}.v");
    assert_non_null(p);
    assert_int_equal(p->count, 30);
    assert_string_equal(p->num_max_text, "29");
    assert_null(pf_shape_find(s, "$.m.key_aa"));
    assert_int_equal(pf_shape_npaths(s), 5); /* $ $.k $.m $.m{*} $.m{*}.v */
    pf_shape_free(s);
    free(t);
    pf_shape_builder_free(b);
}

static void shape_merge_equals_profile_of_concatenation(void **st)
{
    (void)st;
    char *text = pf_test_read(ORDERS, NULL);
    assert_non_null(text);
    pf_buf all = PF_BUF_INIT;
    pf_buf_adds(&all, text);
    pf_buf_adds(&all, "{not json\n[[[1]]]\n");
    pf_shape_opts o;
    pf_shape_opts_default(&o);
    o.max_examples = 5;
    static const size_t cuts[] = {1, 60, 137, 150, 201};
    pf_shape_builder *whole = profile_lines(all.data, 0, 1000, &o);
    char *want = write_text(whole);
    for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
        pf_shape_builder *a = profile_lines(all.data, 0, cuts[c], &o);
        pf_shape_builder *b = profile_lines(all.data, cuts[c], 1000, &o);
        char *ta = write_text(a), *tb = write_text(b);
        pf_err e = PF_ERR_INIT;
        pf_shape_builder *m = pf_shape_builder_new(&o, &e);
        assert_int_equal(pf_shape_builder_merge_text(m, ta, strlen(ta), "a", &e), 0);
        assert_int_equal(pf_shape_builder_merge_text(m, tb, strlen(tb), "b", &e), 0);
        char *got = write_text(m);
        if (strcmp(got, want)) {
            size_t i = 0;
            while (got[i] == want[i])
                i++;
            fail_msg("merge at line %zu differs at byte %zu: ...%.80s", cuts[c], i,
                     got + (i > 40 ? i - 40 : 0));
        }
        free(ta);
        free(tb);
        free(got);
        pf_shape_builder_free(a);
        pf_shape_builder_free(b);
        pf_shape_builder_free(m);
    }
    /* different settings cannot merge exactly: refused */
    pf_err e = PF_ERR_INIT;
    pf_shape_builder *d = pf_shape_builder_new(NULL, &e);
    assert_int_equal(pf_shape_builder_merge_text(d, want, strlen(want), "w", &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);
    assert_non_null(strstr(e.msg, "settings differ"));
    pf_shape_builder_free(d);
    free(want);
    pf_shape_builder_free(whole);
    pf_buf_free(&all);
    free(text);
}

static void shape_round_trips_write_load_write(void **st)
{
    (void)st;
    char *text = pf_test_read(ORDERS, NULL);
    pf_shape_builder *b = profile_lines(text, 0, 1000, NULL);
    char *t1 = write_text(b);
    pf_err e = PF_ERR_INIT;
    pf_shape_builder *c = pf_shape_builder_new(NULL, &e);
    assert_int_equal(pf_shape_builder_merge_text(c, t1, strlen(t1), "t1", &e), 0);
    char *t2 = write_text(c);
    assert_string_equal(t1, t2);
    /* and through a file written atomically */
    char *dir = pf_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/shape.json", dir);
    assert_int_equal(pf_fs_write_atomic(path, t1, strlen(t1), 0644, &e), 0);
    pf_shape *s = NULL;
    assert_int_equal(pf_shape_load(path, &s, &e), 0);
    assert_int_equal(pf_shape_documents(s), 200);
    assert_int_equal(pf_shape_find(s, "$.note")->str_p99_len, 98);
    pf_shape_free(s);
    pf_test_rmtmp(dir);
    /* an empty key has a path too ($[""]) and survives the round trip */
    pf_shape_builder *k = pf_shape_builder_new(NULL, &e);
    assert_int_equal(pf_shape_add_doc(k, "{\"\": 1}", 7, "t", &e), 1);
    char *tk = write_text(k);
    s = load_text(tk);
    assert_non_null(pf_shape_find(s, "$[\"\"]"));
    pf_shape_free(s);
    free(tk);
    pf_shape_builder_free(k);
    free(t1);
    free(t2);
    pf_shape_builder_free(b);
    pf_shape_builder_free(c);
    free(text);
}

static void shape_counts_invalid_and_too_deep_documents(void **st)
{
    (void)st;
    pf_err e = PF_ERR_INIT;
    pf_shape_builder *b = pf_shape_builder_new(NULL, &e);
    assert_int_equal(pf_shape_add_doc(b, "{\"a\":", 5, "f.jsonl:1", &e), 0);
    size_t n = PF_JSON_DEPTH_LIMIT + 5;
    char *deep = malloc(2 * n);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    assert_int_equal(pf_shape_add_doc(b, deep, 2 * n, "f.jsonl:2", &e), 0);
    assert_int_equal(pf_shape_add_doc(b, deep + 5, 2 * n - 10, "f.jsonl:3", &e), 1);
    free(deep);
    pf_shape_add_invalid(b, "f.jsonl:4", "line longer than --max-doc-size");
    assert_int_equal(pf_shape_builder_invalid(b), 3);
    assert_int_equal(pf_shape_builder_documents(b), 1);
    char *t = write_text(b);
    assert_non_null(strstr(t, "\"too_deep\": 1"));
    assert_non_null(strstr(t, "\"f.jsonl:1: "));
    assert_non_null(strstr(t, "\"f.jsonl:2: "));
    assert_non_null(strstr(t, "\"max_depth\": 10000"));
    /* paths stop at 128 segments so the profile stays small */
    assert_non_null(strstr(t, "\"deep_paths\": 1"));
    /* 10000 levels parse here but not with cJSON: said so */
    assert_non_null(strstr(t, "\"over_cjson_depth\": 1"));
    assert_non_null(strstr(t, "past cJSON's nesting limit"));
    assert_true(strlen(t) < 200000);
    pf_shape *s = load_text(t);
    assert_int_equal(pf_shape_npaths(s), 129); /* $ and 128 [*] */
    assert_int_equal(pf_shape_invalid(s), 3);
    assert_int_equal(pf_shape_max_depth(s), PF_JSON_DEPTH_LIMIT);
    pf_shape_free(s);
    free(t);
    pf_shape_builder_free(b);
}

static void shape_loader_refuses_bad_profiles_clearly(void **st)
{
    (void)st;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"{\"format\": \"prodfuzz-shape\", \"version\": 1, \"documents\": 1", "not a JSON shape profile"},
        {"{\"format\": \"other\", \"version\": 1}", "not a shape profile"},
        {"{\"format\": \"prodfuzz-shape\", \"version\": 2, \"documents\": 1, \"paths\": {}}", "unsupported profile version"},
        {"{\"format\": \"prodfuzz-shape\", \"version\": 1, \"paths\": {}}", "missing \"documents\""},
        {"{\"format\": \"prodfuzz-shape\", \"version\": 1, \"documents\": 1}", "missing \"paths\""},
        {"{\"format\": \"prodfuzz-shape\", \"version\": 1, \"documents\": 1, \"paths\": {\"a.b\": {\"count\": 1}}}", "not a JSON path"},
        {"{\"format\": \"prodfuzz-shape\", \"version\": 1, \"documents\": 1, \"paths\": {\"$\": {\"count\": -1}}}", "non-negative integer"},
        {"{\"format\": \"prodfuzz-shape\", \"version\": 1, \"documents\": 1, \"paths\": {\"$\": {\"count\": 1, \"number\": {\"min\": \"1\", \"max\": 2}}}}", "needs numbers"},
        {"{\"format\": \"prodfuzz-shape\", \"version\": 1, \"documents\": 1, \"settings\": {\"rare_cutoff\": 2}, \"paths\": {}}", "between 0 and 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pf_shape *s = (pf_shape *)1;
        pf_err e = PF_ERR_INIT;
        assert_int_equal(pf_shape_parse(cases[i].text, strlen(cases[i].text), "p.json", &s, &e), -1);
        assert_null(s);
        assert_int_equal(e.code, PF_E_INPUT);
        if (!strstr(e.msg, cases[i].msg) || strncmp(e.msg, "p.json: ", 8))
            fail_msg("case %zu: message '%s' lacks '%s'", i, e.msg, cases[i].msg);
    }
    /* a minimal hand-written profile without sketches still loads */
    const char *min = "{\"format\": \"prodfuzz-shape\", \"version\": 1, \"documents\": 4, "
                      "\"paths\": {\"$.a\": {\"count\": 4, \"types\": {\"string\": 4}, "
                      "\"string\": {\"min_len\": 1, \"max_len\": 9, \"p99_len\": 8}}}}";
    pf_shape *s = load_text(min);
    const pf_shape_path *p = pf_shape_find(s, "$.a");
    assert_int_equal(p->types[PF_J_STRING], 4);
    assert_int_equal(p->str_p99_len, 8);
    assert_null(pf_shape_find(s, "$.b"));
    pf_shape_free(s);
}

static void shape_dict_lists_keys_enums_and_format_tokens(void **st)
{
    (void)st;
    char *text = pf_test_read(ORDERS, NULL);
    pf_shape_builder *b = profile_lines(text, 0, 1000, NULL);
    pf_buf d = PF_BUF_INIT;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_shape_builder_dict(b, &d, &e), 0);
    assert_non_null(strstr(d.data, "\n\"\\\"customer\\\"\"\n"));
    assert_non_null(strstr(d.data, "\n\"\\\"legacy_hold\\\"\"\n"));
    assert_non_null(strstr(d.data, "\n\"@\"\n"));
    assert_null(strstr(d.data, "10000")); /* folded id keys are not keys */
    pf_buf_free(&d);
    pf_shape_builder_free(b);
    free(text);
    /* non-printable bytes as \xNN */
    b = pf_shape_builder_new(NULL, &e);
    const char *doc = "{\"k\\u0001\\u00e9\": 1}";
    assert_int_equal(pf_shape_add_doc(b, doc, strlen(doc), "t", &e), 1);
    assert_int_equal(pf_shape_builder_dict(b, &d, &e), 0);
    assert_non_null(strstr(d.data, "\"\\\"k\\x01\\xC3\\xA9\\\"\""));
    pf_buf_free(&d);
    pf_shape_builder_free(b);
}

/* ---- nativejson ----------------------------------------------------------- */

static pf_shape_builder *profile_file(const char *path)
{
    pf_err e = PF_ERR_INIT;
    pf_shape_builder *b = pf_shape_builder_new(NULL, &e);
    char *in[] = {(char *)path};
    pf_docs d;
    assert_int_equal(pf_docs_open(&d, in, 1, 0, &e), 0);
    const char *doc;
    size_t len;
    int r;
    while ((r = pf_docs_next(&d, &doc, &len, &e)) == 1)
        assert_true(pf_shape_add_doc(b, doc, len, pf_docs_origin(&d), &e) >= 0);
    assert_int_equal(r, 0);
    pf_docs_close(&d);
    return b;
}

static void shape_profiles_twitter_statuses_one_per_line(void **st)
{
    (void)st;
    const char *data = pf_test_data_dir();
    if (!data)
        skip();
    char path[4096];
    snprintf(path, sizeof path, "%s/nativejson/twitter.json", data);
    size_t n;
    char *text = pf_test_read(path, &n);
    if (!text)
        skip();
    /* statuses one per line, as a table of tweets would give them */
    pf_json j = PF_JSON_INIT;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_json_parse(&j, text, n, &e), 0);
    int k = 1, arr = -1;
    for (int m = 0; m < j.tok[0].size; m++, k = j.next[k])
        if (j.tok[k].end - j.tok[k].start == 8 && !memcmp(text + j.tok[k].start, "statuses", 8))
            arr = k + 1;
    assert_true(arr > 0);
    pf_buf jl = PF_BUF_INIT;
    int el = arr + 1;
    for (int m = 0; m < j.tok[arr].size; m++, el = j.next[el]) {
        size_t s0, s1;
        pf_json_span(&j, el, &s0, &s1);
        size_t at = jl.len;
        pf_buf_add(&jl, text + s0, s1 - s0);
        for (size_t c = at; c < jl.len; c++) /* the file is pretty-printed */
            if (jl.data[c] == '\n')
                jl.data[c] = ' ';
        pf_buf_addc(&jl, '\n');
    }
    pf_json_free(&j);
    pf_shape_builder *b = profile_lines(jl.data, 0, 100000, NULL);
    char *t = write_text(b);
    pf_shape *s = load_text(t);
    assert_int_equal(pf_shape_documents(s), 100);
    const pf_shape_path *p = pf_shape_find(s, "$.id");
    assert_int_equal(p->types[PF_J_INT], 100);
    assert_int_equal(p->max_digits, 18);
    assert_string_equal(p->num_max_text, "505874924095815700");
    p = pf_shape_find(s, "$.id_str");
    assert_int_equal(p->str_min_len, 18);
    const char *fn[16];
    uint64_t fc[16];
    assert_int_equal(pf_shape_formats(s, p, fn, fc, 16), 1);
    assert_string_equal(fn[0], "digits");
    p = pf_shape_find(s, "$.in_reply_to_status_id");
    assert_int_equal(p->types[PF_J_NULL], 94);
    assert_int_equal(p->types[PF_J_INT], 6);
    p = pf_shape_find(s, "$.metadata.iso_language_code");
    assert_int_equal(p->nenum, 2);
    p = pf_shape_find(s, "$.entities.hashtags");
    assert_non_null(p);
    assert_true(p->has_array);
    assert_non_null(pf_shape_find(s, "$.user.screen_name"));
    pf_shape_free(s);
    free(t);
    pf_shape_builder_free(b);
    pf_buf_free(&jl);
    free(text);
}

static void shape_folds_citm_id_maps_and_walks_canada(void **st)
{
    (void)st;
    const char *data = pf_test_data_dir();
    if (!data)
        skip();
    char path[4096];
    snprintf(path, sizeof path, "%s/nativejson/citm_catalog.json", data);
    if (access(path, R_OK) != 0)
        skip();
    pf_shape_builder *b = profile_file(path);
    char *t = write_text(b);
    pf_shape *s = load_text(t);
    assert_int_equal(pf_shape_documents(s), 1);
    const pf_shape_path *p = pf_shape_find(s, "$.events{*}.id");
    assert_non_null(p);
    assert_int_equal(p->types[PF_J_INT], 1);
    assert_non_null(pf_shape_find(s, "$.areaNames{*}"));
    assert_non_null(pf_shape_find(s, "$.topicSubTopics{*}[*]"));
    assert_null(pf_shape_find(s, "$.events.138586341"));
    assert_non_null(pf_shape_find(s, "$.venueNames.PLEYEL_PLEYEL")); /* one named key */
    assert_true(pf_shape_npaths(s) < 60);
    assert_non_null(strstr(t, "$.events: 1 documents had a map keyed by ids"));
    pf_shape_free(s);
    free(t);
    pf_shape_builder_free(b);

    snprintf(path, sizeof path, "%s/nativejson/canada.json", data);
    if (access(path, R_OK) != 0)
        skip();
    b = profile_file(path);
    t = write_text(b);
    s = load_text(t);
    assert_int_equal(pf_shape_max_depth(s), 7);
    p = pf_shape_find(s, "$.features[*].geometry.coordinates[*][*][*]");
    assert_non_null(p);
    assert_true(p->types[PF_J_FLOAT] == 1);
    assert_int_equal(p->max_decimals, 15);
    p = pf_shape_find(s, "$.features[*].geometry.coordinates[*][*]");
    assert_int_equal(p->arr_min_len, 2);
    assert_int_equal(p->arr_max_len, 2);
    pf_shape_free(s);
    free(t);
    pf_shape_builder_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shape_counts_types_nulls_and_lengths),
        cmocka_unit_test(shape_keeps_digits_and_decimals_as_written),
        cmocka_unit_test(shape_p99_is_within_a_sixteenth_for_long_strings),
        cmocka_unit_test(shape_records_legacy_variants_as_rare),
        cmocka_unit_test(shape_folds_maps_keyed_by_ids),
        cmocka_unit_test(shape_merge_equals_profile_of_concatenation),
        cmocka_unit_test(shape_round_trips_write_load_write),
        cmocka_unit_test(shape_counts_invalid_and_too_deep_documents),
        cmocka_unit_test(shape_loader_refuses_bad_profiles_clearly),
        cmocka_unit_test(shape_dict_lists_keys_enums_and_format_tokens),
        cmocka_unit_test(shape_profiles_twitter_statuses_one_per_line),
        cmocka_unit_test(shape_folds_citm_id_maps_and_walks_canada),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
