/*
 * test_explain: pf_explain names the right cause first. Each test builds a
 * reproducer whose cause is known and asserts the FIRST item's class and
 * path (and what the text must and must not say), against a small
 * production corpus made here: 200 orders where billing_city is null in a
 * third of them and total is never 0.
 */
#include "pf_test.h"

#include "pf_explain.h"
#include "pf_shape.h"

static void order(pf_buf *b, int i, const char *total, const char *city, const char *name)
{
    pf_buf_reset(b);
    char tot[32], nm[64];
    snprintf(tot, sizeof tot, "%d.%02d", 10 + i % 90, (i * 7) % 100);
    snprintf(nm, sizeof nm, "\"Customer %d\"", i);
    pf_buf_addf(b,
                "{\"id\":%d,\"total\":%s,\"status\":\"%s\",\"customer\":{\"name\":%s,"
                "\"email\":\"user%d@example.com\"},\"billing_city\":%s,"
                "\"created_at\":\"2024-03-%02dT10:00:00Z\",\"items\":[{\"sku\":\"SKU-%04d\",\"qty\":%d}",
                1000 + i, total ? total : tot, i % 2 ? "paid" : "shipped", name ? name : nm, i,
                city ? city : (i % 3 == 0 ? "null" : "\"Berlin\""), 1 + i % 28, i, 1 + i % 5);
    for (int k = 0; k < i % 3; k++)
        pf_buf_addf(b, ",{\"sku\":\"SKU-%04d\",\"qty\":%d}", i + k + 1, 1 + k);
    pf_buf_adds(b, "]}");
}

/* An explainer over the 200 orders (profile made from them). */
static pf_explainer *corpus_explainer(void)
{
    pf_explainer *x = NULL;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_explainer_new(&x, &err), 0);
    pf_buf b = PF_BUF_INIT;
    for (int i = 0; i < 200; i++) {
        order(&b, i, NULL, NULL, NULL);
        char name[32];
        snprintf(name, sizeof name, "doc%03d", i);
        assert_int_equal(pf_explainer_add_doc(x, name, (const uint8_t *)b.data, b.len, &err), 0);
    }
    pf_buf_free(&b);
    return x;
}

static void explain(pf_explainer *x, const char *name, const char *doc, size_t len,
                    pf_explanation *e)
{
    pf_err err = PF_ERR_INIT;
    int rc = pf_explainer_explain_named(x, name, (const uint8_t *)doc, len, e, &err);
    if (rc)
        fail_msg("explain failed: %s", err.msg);
    assert_true(e->n > 0);
}

static void assert_first(const pf_explanation *e, const char *cls, const char *path)
{
    if (strcmp(e->items[0].cls, cls) || strcmp(e->items[0].path, path))
        fail_msg("first item is %s %s (%s), expected %s %s", e->items[0].cls,
                 e->items[0].path, e->items[0].text, cls, path);
}

static int has_path(const pf_explanation *e, const char *path)
{
    for (size_t i = 0; i < e->n; i++)
        if (!strcmp(e->items[i].path, path))
            return 1;
    return 0;
}

static void explain_names_a_never_null_field_with_production_count(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    pf_buf b = PF_BUF_INIT;
    order(&b, 4, NULL, NULL, NULL);
    const char *at = strstr(b.data, "\"user4@example.com\"");
    assert_non_null(at);
    pf_buf d = PF_BUF_INIT;
    pf_buf_add(&d, b.data, (size_t)(at - b.data));
    pf_buf_adds(&d, "null");
    pf_buf_adds(&d, at + strlen("\"user4@example.com\""));
    pf_explanation e;
    explain(x, NULL, d.data, d.len, &e);
    assert_first(&e, "null", "$.customer.email");
    assert_non_null(strstr(e.items[0].text, "never null in 200 sampled documents"));
    assert_non_null(e.nearest);
    pf_explanation_free(&e);
    pf_buf_free(&b);
    pf_buf_free(&d);
    pf_explainer_close(x);
}

/* The demo's [null] group was really this bug: "name":"\xff". */
static void explain_invalid_utf8_name_is_unicode_not_unrelated_nulls(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    pf_buf b = PF_BUF_INIT;
    order(&b, 3, NULL, "null", "\"\xff\""); /* billing_city null, as in 1/3 of production */
    pf_explanation e;
    explain(x, NULL, b.data, b.len, &e);
    assert_first(&e, "unicode", "$.customer.name");
    assert_non_null(strstr(e.items[0].text, "invalid UTF-8"));
    assert_false(has_path(&e, "$.billing_city"));
    pf_explanation_free(&e);
    pf_buf_free(&b);
    pf_explainer_close(x);
}

/* Valid but rare text in a name (what the mutator's unicode class writes
 * besides broken text): named for what it is, with its code point. */
static void explain_valid_rare_unicode_names_the_character(void **st)
{
    (void)st;
    static const struct { const char *name, *says; } cases[] = {
        {"\"Ada \\ud83d\\ude00\"", "surrogate pair escape (U+1F600)"},
        {"\"Ada \xef\xbf\xbe\"", "non-character (U+FFFE)"},
        {"\"A\xe2\x80\x8d" "da\"", "zero-width character (U+200D)"},
        {"\"Ade\xcc\x81\"", "combining mark (U+0301)"},
    };
    pf_explainer *x = corpus_explainer();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pf_buf b = PF_BUF_INIT;
        order(&b, 3, NULL, "null", cases[k].name);
        pf_explanation e;
        explain(x, NULL, b.data, b.len, &e);
        assert_first(&e, "unicode", "$.customer.name");
        assert_non_null(strstr(e.items[0].text, cases[k].says));
        pf_explanation_free(&e);
        pf_buf_free(&b);
    }
    pf_explainer_close(x);
}

/* A division by zero on total, with billing_city null as in its nearest
 * production document: total first, billing_city never listed. */
static void explain_zero_total_is_not_headed_by_a_null_the_nearest_shares(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    pf_buf b = PF_BUF_INIT;
    order(&b, 6, "0", "null", NULL);
    pf_explanation e;
    explain(x, NULL, b.data, b.len, &e);
    assert_first(&e, "number", "$.total");
    assert_non_null(strstr(e.items[0].text, "never 0"));
    assert_false(has_path(&e, "$.billing_city"));
    pf_explanation_free(&e);
    pf_buf_free(&b);
    pf_explainer_close(x);
}

static void explain_deep_nesting_names_the_value_and_both_depths(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    pf_buf b = PF_BUF_INIT, w = PF_BUF_INIT;
    order(&b, 5, NULL, NULL, NULL);
    const char *at = strstr(b.data, "\"SKU-0005\"");
    pf_buf_add(&w, b.data, (size_t)(at - b.data));
    for (int k = 0; k < 60; k++)
        pf_buf_adds(&w, "[");
    pf_buf_adds(&w, "\"SKU-0005\"");
    for (int k = 0; k < 60; k++)
        pf_buf_adds(&w, "]");
    pf_buf_adds(&w, at + 10);
    pf_explanation e;
    explain(x, NULL, w.data, w.len, &e);
    assert_first(&e, "deep", "$.items[*].sku");
    assert_non_null(strstr(e.items[0].text, "nested 63 deep; production's deepest is 3"));
    pf_explanation_free(&e);
    pf_buf_free(&b);
    pf_buf_free(&w);
    pf_explainer_close(x);
}

/* Deep nesting under a key production never had, hanging off the root
 * (a fuzzer's renamed "metadaat" wrapped 13 times): the depth is named
 * at that key, and the document's other differences stay listed; the
 * crash here came from the e-mail sent as an array. Before, the depth was
 * put on $ and every other item under $ was dropped. */
static void explain_deep_unknown_branch_keeps_the_other_differences(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    pf_buf b = PF_BUF_INIT, w = PF_BUF_INIT;
    order(&b, 5, NULL, NULL, NULL);
    const char *at = strstr(b.data, "\"user5@example.com\"");
    assert_non_null(at);
    pf_buf_add(&w, b.data, (size_t)(at - b.data));
    pf_buf_adds(&w, "[\"user5@example.com\"]");
    pf_buf_add(&w, at + 19, b.len - (size_t)(at - b.data) - 20); /* without the last } */
    pf_buf_adds(&w, ",\"metadaat\":");
    for (int k = 0; k < 13; k++)
        pf_buf_adds(&w, "{\"a\":");
    pf_buf_adds(&w, "1");
    for (int k = 0; k < 13; k++)
        pf_buf_adds(&w, "}");
    pf_buf_adds(&w, "}");
    pf_explanation e;
    explain(x, NULL, w.data, w.len, &e);
    assert_true(has_path(&e, "$.metadaat"));
    assert_false(has_path(&e, "$"));
    assert_true(has_path(&e, "$.customer.email"));
    pf_explanation_free(&e);
    pf_buf_free(&b);
    pf_buf_free(&w);
    pf_explainer_close(x);
}

static void explain_truncated_document_names_the_value_it_stops_in(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    pf_buf b = PF_BUF_INIT;
    order(&b, 7, NULL, NULL, NULL);
    const char *at = strstr(b.data, "Customer 7");
    size_t cut = (size_t)(at - b.data) + 5;
    pf_explanation e;
    explain(x, NULL, b.data, cut, &e);
    assert_first(&e, "truncate", "$.customer.name");
    assert_non_null(strstr(e.items[0].text, "all 200 production documents were complete"));
    pf_explanation_free(&e);
    pf_buf_free(&b);
    pf_explainer_close(x);
}

static void explain_nan_says_where_json_stops_and_which_path(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    pf_buf b = PF_BUF_INIT;
    order(&b, 8, "NaN", NULL, NULL);
    pf_explanation e;
    explain(x, NULL, b.data, b.len, &e);
    assert_first(&e, "format", "$.total");
    char want[64];
    snprintf(want, sizeof want, "stops being JSON at byte %zu", (size_t)(strstr(b.data, "NaN") - b.data));
    assert_non_null(strstr(e.items[0].text, want));
    pf_explanation_free(&e);
    pf_buf_free(&b);
    pf_explainer_close(x);
}

static void explain_duplicate_key_spelled_with_escapes(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    pf_buf b = PF_BUF_INIT;
    order(&b, 9, NULL, NULL, NULL);
    b.len--; /* drop the final '}' */
    pf_buf_adds(&b, ",\"\\u0074otal\":null}");
    pf_explanation e;
    explain(x, NULL, b.data, b.len, &e);
    assert_first(&e, "dupkey", "$.total");
    assert_non_null(strstr(e.items[0].text, "spelled with escapes"));
    pf_explanation_free(&e);
    pf_buf_free(&b);
    pf_explainer_close(x);
}

static void explain_hostile_numbers(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    static const char *const cases[][2] = {
        {"1e400", "overflows a double"},
        {"-0", "negative zero"},
        {"123456789012345678901", "past 2^53"},
    };
    for (size_t i = 0; i < 3; i++) {
        pf_buf b = PF_BUF_INIT;
        order(&b, 10, cases[i][0], NULL, NULL);
        pf_explanation e;
        explain(x, NULL, b.data, b.len, &e);
        assert_first(&e, "number", "$.total");
        if (!strstr(e.items[0].text, cases[i][1]))
            fail_msg("%s: %s", cases[i][0], e.items[0].text);
        pf_explanation_free(&e);
        pf_buf_free(&b);
    }
    pf_explainer_close(x);
}

static void explain_empty_array_where_production_never_had_one(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    const char *d = "{\"id\":1001,\"total\":11.07,\"status\":\"paid\",\"customer\":{\"name\":"
                    "\"Customer 1\",\"email\":\"user1@example.com\"},\"billing_city\":\"Berlin\","
                    "\"created_at\":\"2024-03-02T10:00:00Z\",\"items\":[]}";
    pf_explanation e;
    explain(x, NULL, d, strlen(d), &e);
    assert_first(&e, "empty", "$.items");
    assert_non_null(strstr(e.items[0].text, "production's shortest is 1"));
    pf_explanation_free(&e);
    pf_explainer_close(x);
}

/* cJSON takes raw control bytes in strings and ignores trailing text. */
static void explain_reads_what_cjson_reads(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    pf_buf b = PF_BUF_INIT;
    order(&b, 11, NULL, NULL, "\"Cust\x05omer 11\"");
    pf_buf_adds(&b, " trailing junk");
    pf_explanation e;
    explain(x, NULL, b.data, b.len, &e);
    assert_first(&e, "unicode", "$.customer.name");
    assert_non_null(strstr(e.items[0].text, "raw control byte"));
    int trailing = 0;
    for (size_t i = 0; i < e.n; i++)
        trailing |= !strcmp(e.items[i].cls, "format") && strstr(e.items[i].text, "after the document");
    assert_true(trailing);
    pf_explanation_free(&e);
    pf_buf_free(&b);
    pf_explainer_close(x);
}

static void explain_works_without_profile_or_corpus(void **st)
{
    (void)st;
    pf_explainer *x = NULL;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_explainer_open(NULL, NULL, &x, &err), 0);
    pf_explanation e;
    const char *d1 = "{\"a\":\"x\xc3\"}";
    explain(x, NULL, d1, strlen(d1), &e);
    assert_first(&e, "unicode", "$.a");
    assert_non_null(strstr(e.items[0].text, "cut short"));
    pf_explanation_free(&e);
    const char *d2 = "{\"a\":{\"b\":[1,2";
    explain(x, NULL, d2, strlen(d2), &e);
    assert_first(&e, "truncate", "$.a.b[*]");
    pf_explanation_free(&e);
    pf_explainer_close(x);
}

static void explain_never_prints_long_raw_values(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    pf_buf name = PF_BUF_INIT, b = PF_BUF_INIT;
    pf_buf_addc(&name, '"');
    for (int i = 0; i < 40; i++)
        pf_buf_adds(&name, "SECRET");
    pf_buf_addc(&name, '"');
    order(&b, 12, "98765432109876", NULL, name.data);
    pf_explanation e;
    explain(x, NULL, b.data, b.len, &e);
    assert_first(&e, "number", "$.total"); /* 14 digits vs 2: further than 240 bytes vs 12 */
    pf_buf js = PF_BUF_INIT;
    pf_explanation_json(&e, &js);
    assert_null(strstr(js.data, "SECRET"));
    assert_null(strstr(js.data, "98765432109876"));
    assert_non_null(strstr(js.data, "\"class\":\"oversize\""));
    pf_buf_free(&js);
    pf_explanation_free(&e);
    pf_buf_free(&b);
    pf_buf_free(&name);
    pf_explainer_close(x);
}

/* [qty] is a type flip and one more level of nesting: the name that
 * prodfuzz mutate gave it breaks the tie, nothing else does. */
static void explain_file_name_breaks_ties_only(void **st)
{
    (void)st;
    pf_explainer *x = corpus_explainer();
    const char *d = "{\"id\":1001,\"total\":11.07,\"status\":\"paid\",\"customer\":{\"name\":"
                    "\"Customer 1\",\"email\":\"user1@example.com\"},\"billing_city\":\"Berlin\","
                    "\"created_at\":\"2024-03-02T10:00:00Z\",\"items\":[{\"sku\":\"SKU-0001\",\"qty\":[2]}]}";
    pf_explanation e;
    explain(x, NULL, d, strlen(d), &e);
    assert_first(&e, "type", "$.items[*].qty");
    pf_explanation_free(&e);
    explain(x, "crashes/deep-items___.qty-0123456789", d, strlen(d), &e);
    assert_first(&e, "deep", "$.items[*].qty");
    pf_explanation_free(&e);
    explain(x, "id:000003,sig:06,src:000001,time:9,execs:7,op:custom,prodfuzz:deep:$.items[*].qty", d,
            strlen(d), &e);
    assert_first(&e, "deep", "$.items[*].qty");
    pf_explanation_free(&e);
    /* a name cannot invent a cause */
    explain(x, "null-customer.email-0123456789", d, strlen(d), &e);
    assert_false(has_path(&e, "$.customer.email"));
    pf_explanation_free(&e);
    pf_explainer_close(x);
}

/* A profile given as text, then documents added one by one (diff hands
 * its production documents over this way): the documents are still the
 * candidates for the nearest one. */
static void explain_given_profile_then_documents(void **st)
{
    (void)st;
    pf_shape_opts o;
    pf_shape_opts_default(&o);
    pf_err err = PF_ERR_INIT;
    pf_shape_builder *sb = pf_shape_builder_new(&o, &err);
    pf_buf b = PF_BUF_INIT, prof = PF_BUF_INIT;
    for (int i = 0; i < 50; i++) {
        order(&b, i, NULL, NULL, NULL);
        assert_int_equal(pf_shape_add_doc(sb, b.data, b.len, "t", &err), 1);
    }
    assert_int_equal(pf_shape_builder_write(sb, &prof, &err), 0);
    pf_explainer *x = NULL;
    assert_int_equal(pf_explainer_new(&x, &err), 0);
    assert_int_equal(pf_explainer_set_shape(x, prof.data, prof.len, "shape", &err), 0);
    for (int i = 0; i < 50; i++) {
        order(&b, i, NULL, NULL, NULL);
        char name[32];
        snprintf(name, sizeof name, "doc%03d", i);
        assert_int_equal(pf_explainer_add_doc(x, name, (const uint8_t *)b.data, b.len, &err), 0);
    }
    order(&b, 7, NULL, NULL, "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"");
    pf_explanation e;
    explain(x, NULL, b.data, b.len, &e);
    assert_first(&e, "oversize", "$.customer.name");
    assert_non_null(e.nearest); /* none before: the documents had no features */
    assert_int_equal(strncmp(e.nearest, "doc", 3), 0);
    assert_true(e.nearest_diffs > 0);
    pf_explanation_free(&e);
    /* a document added after an explanation counts too: the same one */
    assert_int_equal(pf_explainer_add_doc(x, "late", (const uint8_t *)b.data, b.len, &err), 0);
    assert_int_equal(pf_explainer_explain(x, (const uint8_t *)b.data, b.len, &e, &err), 0);
    assert_non_null(e.nearest);
    assert_string_equal(e.nearest, "late");
    assert_int_equal(e.nearest_diffs, 0);
    pf_explanation_free(&e);
    pf_explainer_close(x);
    pf_shape_builder_free(sb);
    pf_buf_free(&b);
    pf_buf_free(&prof);
}

static void explain_given_profile_and_corpus_folder(void **st)
{
    (void)st;
    char *dir = pf_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/corpus", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    pf_shape_opts o;
    pf_shape_opts_default(&o);
    pf_err err = PF_ERR_INIT;
    pf_shape_builder *sb = pf_shape_builder_new(&o, &err);
    pf_buf b = PF_BUF_INIT, prof = PF_BUF_INIT;
    for (int i = 0; i < 200; i++) {
        order(&b, i, NULL, NULL, NULL);
        snprintf(path, sizeof path, "%s/corpus/d%03d", dir, i);
        pf_test_write(path, b.data, b.len);
        assert_int_equal(pf_shape_add_doc(sb, b.data, b.len, "t", &err), 1);
    }
    assert_int_equal(pf_shape_builder_write(sb, &prof, &err), 0);
    snprintf(path, sizeof path, "%s/shape.json", dir);
    pf_test_write(path, prof.data, prof.len);
    pf_explainer *x = NULL;
    char cdir[512];
    snprintf(cdir, sizeof cdir, "%s/corpus", dir);
    assert_int_equal(pf_explainer_open(path, cdir, &x, &err), 0);
    /* many explanations from one load */
    for (int i = 0; i < 50; i++) {
        char nm[128];
        snprintf(nm, sizeof nm, "\"%.*s\"", 20 + i, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        order(&b, i, NULL, NULL, nm);
        pf_explanation e;
        explain(x, NULL, b.data, b.len, &e);
        assert_first(&e, "oversize", "$.customer.name");
        /* the nearest differs only in the name's length bucket */
        assert_non_null(e.nearest);
        assert_int_equal(e.nearest_diffs, 2);
        pf_explanation_free(&e);
    }
    pf_explainer_close(x);
    /* a profile that is not one is an input error */
    pf_test_write(path, "{\"x\":1}", 7);
    assert_int_equal(pf_explainer_open(path, NULL, &x, &err), -1);
    assert_int_equal(err.code, PF_E_INPUT);
    pf_shape_builder_free(sb);
    pf_buf_free(&b);
    pf_buf_free(&prof);
    pf_test_rmtmp(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(explain_names_a_never_null_field_with_production_count),
        cmocka_unit_test(explain_invalid_utf8_name_is_unicode_not_unrelated_nulls),
        cmocka_unit_test(explain_valid_rare_unicode_names_the_character),
        cmocka_unit_test(explain_zero_total_is_not_headed_by_a_null_the_nearest_shares),
        cmocka_unit_test(explain_deep_nesting_names_the_value_and_both_depths),
        cmocka_unit_test(explain_deep_unknown_branch_keeps_the_other_differences),
        cmocka_unit_test(explain_truncated_document_names_the_value_it_stops_in),
        cmocka_unit_test(explain_nan_says_where_json_stops_and_which_path),
        cmocka_unit_test(explain_duplicate_key_spelled_with_escapes),
        cmocka_unit_test(explain_hostile_numbers),
        cmocka_unit_test(explain_empty_array_where_production_never_had_one),
        cmocka_unit_test(explain_reads_what_cjson_reads),
        cmocka_unit_test(explain_works_without_profile_or_corpus),
        cmocka_unit_test(explain_never_prints_long_raw_values),
        cmocka_unit_test(explain_file_name_breaks_ties_only),
        cmocka_unit_test(explain_given_profile_and_corpus_folder),
        cmocka_unit_test(explain_given_profile_then_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
