/*
 * pf_seed: path signatures, one fixture per key with the smallest input,
 * readable unique names, JSON-value output comparison, and a folder that
 * is written whole or not at all.
 */
#include "pf_test.h"

#include "pf_hash.h"
#include "pf_seed.h"

static void result(pf_result *r, pf_outcome o, const char *out)
{
    pf_result_init(r);
    r->outcome = o;
    if (out)
        pf_buf_adds(&r->out, out);
}

static void path_signature_is_the_sorted_set_of_paths_and_kinds(void **state)
{
    (void)state;
    pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    const char *d1 = "{\"b\":[1,2,3],\"a\":{\"x\":\"s\",\"y\":null}}";
    const char *d2 = "{\"a\":{\"y\":null,\"x\":\"other\"},\"b\":[7]}";
    assert_int_equal(pf_seed_path_signature(d1, strlen(d1), &a, &err), 6);
    assert_string_equal(a.data, "$.a.x:string\n$.a.y:null\n$.a:object\n"
                                "$.b:array\n$.b[*]:int\n$:object\n");
    /* another order, other values, another array length: the same */
    assert_int_equal(pf_seed_path_signature(d2, strlen(d2), &b, &err), 6);
    assert_string_equal(a.data, b.data);
    const char *d3 = "{\"a\":{\"y\":1,\"x\":\"s\"},\"b\":[7]}";
    assert_int_equal(pf_seed_path_signature(d3, strlen(d3), &b, &err), 6);
    assert_string_not_equal(a.data, b.data);
    assert_int_equal(pf_seed_path_signature("{\"a\":", 5, &b, &err), 0);
    assert_string_equal(b.data, "not-json");
    pf_buf_free(&a);
    pf_buf_free(&b);
}

static void one_fixture_per_key_keeping_the_smallest_input(void **state)
{
    (void)state;
    pf_seed s;
    pf_seed_init(&s);
    pf_err err = PF_ERR_INIT;
    pf_result ok, rej;
    result(&ok, PF_OUT_OK, "{\"ok\":true}");
    result(&rej, PF_OUT_REJECTED, NULL);
    const char *big = "{\"a\":\"long value\",\"b\":1}";
    const char *small = "{\"a\":\"v\",\"b\":2}";
    const char *other = "{\"a\":\"v\"}";
    assert_int_equal(pf_seed_offer(&s, big, strlen(big), "d:1", NULL, "production", 0, &ok, 1, &err), 1);
    assert_int_equal(pf_seed_offer(&s, small, strlen(small), "d:2", NULL, "production", 0, &ok, 1, &err), 1);
    assert_int_equal(pf_seed_offer(&s, big, strlen(big), "d:3", NULL, "production", 0, &ok, 1, &err), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.f[0].data, small);
    assert_string_equal(s.f[0].origin, "d:2");
    assert_int_equal(s.f[0].covers, 3);
    /* another outcome or other paths: another fixture */
    assert_int_equal(pf_seed_offer(&s, big, strlen(big), "d:4", NULL, "production", 0, &rej, 1, &err), 1);
    assert_int_equal(pf_seed_offer(&s, other, strlen(other), "d:5", NULL, "production", 0, &ok, 1, &err), 1);
    /* a mutant is known by its class and path */
    assert_int_equal(pf_seed_offer(&s, "{\"a\":null,\"b\":1}", 16, "null:$.a <- d:1", "$.a", "null", 0, &ok, 1, &err), 1);
    assert_int_equal(pf_seed_offer(&s, "{\"a\":null,\"b\":22}", 17, "null:$.a <- d:2", "$.a", "null", 0, &ok, 1, &err), 0);
    /* a reproducer is always kept */
    assert_int_equal(pf_seed_offer(&s, small, strlen(small), "r", NULL, "reproducer", 1, &ok, 1, &err), 1);
    assert_int_equal(s.n, 5);
    assert_int_equal(pf_seed_name(&s, &err), 0);
    char hex[41], want[64];
    assert_int_equal(pf_sha1_hex(s.f[3].data, s.f[3].len, hex, &err), 0);
    snprintf(want, sizeof want, "ok-null-$.a-%.4s.json", hex);
    assert_string_equal(s.f[3].name, want);
    for (size_t i = 0; i < s.n; i++)
        for (size_t j = i + 1; j < s.n; j++)
            assert_string_not_equal(s.f[i].name, s.f[j].name);
    assert_int_equal(strncmp(s.f[1].name, "rejected-production-", 20), 0);
    assert_int_equal(strncmp(s.f[4].name, "ok-reproducer-", 14), 0);
    /* outputs: recorded for ok, JSON noticed */
    assert_non_null(s.f[0].out);
    assert_int_equal(s.f[0].out_json, 1);
    assert_null(s.f[1].out);
    pf_result_free(&ok);
    pf_result_free(&rej);
    pf_seed_free(&s);
}

static void outputs_compare_as_json_values(void **state)
{
    (void)state;
    const char *a = "{\"a\": [1, 2.0], \"b\": null}\n", *b = "{\"b\":null,\"a\":[1,2]}";
    assert_true(pf_seed_same_output(a, strlen(a), b, strlen(b)));
    assert_false(pf_seed_same_output(a, strlen(a), "{\"a\":[2,1],\"b\":null}", 21));
    assert_true(pf_seed_same_output("text", 4, "text", 4));
    assert_false(pf_seed_same_output("text", 4, "text\n", 5));
    /* trailing text makes it not JSON: bytes then */
    assert_false(pf_seed_same_output("{} x", 4, "{}", 2));
    assert_true(pf_seed_output_is_json(a, strlen(a)));
    assert_false(pf_seed_output_is_json("{} x", 4));
}

static void a_folder_is_written_whole_and_refused_when_not_ours(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    pf_seed s;
    pf_seed_init(&s);
    pf_err err = PF_ERR_INIT;
    pf_result ok;
    result(&ok, PF_OUT_OK, "1\n");
    assert_int_equal(pf_seed_offer(&s, "{\"a\":1}", 7, "d:1", NULL, "production", 0, &ok, 1, &err), 1);
    assert_int_equal(pf_seed_name(&s, &err), 0);
    pf_seed_meta m = {.engine = "cmd", .target = "cat @@", .timeout_s = 2,
                      .mem_model = "none", .outputs = 1, .created = "now"};
    char *out = NULL, *p = NULL;
    assert_true(asprintf(&out, "%s/t", dir) > 0);
    assert_int_equal(pf_seed_write(&s, &m, out, 0, &err), 0);
    assert_true(asprintf(&p, "%s/fixtures/ok-production-9f89.json.out", out) > 0);
    size_t n = 0;
    char *got = pf_test_read(p, &n);
    assert_non_null(got);
    assert_string_equal(got, "1\n");
    free(got);
    free(p);
    /* again: refused without update, replaced with it */
    assert_int_equal(pf_seed_write(&s, &m, out, 0, &err), -1);
    assert_int_equal(err.code, PF_E_INPUT);
    assert_int_equal(pf_seed_write(&s, &m, out, 1, &err), 0);
    /* a folder of someone else's files: refused even with update */
    assert_true(asprintf(&p, "%s/mine", dir) > 0);
    assert_int_equal(mkdir(p, 0755), 0);
    char *f = NULL;
    assert_true(asprintf(&f, "%s/x", p) > 0);
    pf_test_write(f, "x", 1);
    assert_int_equal(pf_seed_write(&s, &m, p, 1, &err), -1);
    assert_non_null(strstr(err.msg, "not seed tests"));
    free(f);
    free(p);
    free(out);
    pf_result_free(&ok);
    pf_seed_free(&s);
    pf_test_rmtmp(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(path_signature_is_the_sorted_set_of_paths_and_kinds),
        cmocka_unit_test(one_fixture_per_key_keeping_the_smallest_input),
        cmocka_unit_test(outputs_compare_as_json_values),
        cmocka_unit_test(a_folder_is_written_whole_and_refused_when_not_ours),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
