/*
 * pf_inputs: documents then mutants, reproducible per seed, and shards
 * that partition the set the same way on every run.
 */
#include "pf_test.h"

#include "pf_inputs.h"
#include "pf_mutate.h"

static const char *DOCS =
    "{\"id\":1,\"name\":\"ann\",\"tags\":[\"a\",\"b\"],\"total\":12.5}\n"
    "{\"id\":2,\"name\":\"bob\",\"tags\":[],\"total\":3}\n"
    "{\"id\":3,\"name\":\"cy\",\"tags\":[\"c\"],\"total\":0.25}\n";

static char *write_docs(char *dir)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/docs.jsonl", dir) > 0);
    pf_test_write(p, DOCS, strlen(DOCS));
    return p;
}

static void build(pf_inputs *s, char *path, uint64_t seed)
{
    pf_err err = PF_ERR_INIT;
    pf_inputs_init(s);
    assert_int_equal(pf_inputs_read(s, &path, 1, 0, &err), 0);
    assert_int_equal(s->n, 3);
    assert_int_equal(s->ndocs, 3);
    unsigned mask = 0;
    assert_int_equal(pf_mclass_parse("null,type,oversize", &mask, &err), 0);
    assert_int_equal(pf_inputs_mutants(s, s->n, 4, mask, NULL, seed, 1u << 20, &err), 0);
}

static void documents_come_first_then_mutants_per_class(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char *path = write_docs(dir);
    pf_inputs s;
    build(&s, path, 7);
    assert_int_equal(s.n, 3 + 3 * 4);
    char *want = NULL;
    assert_true(asprintf(&want, "%s:1", path) > 0);
    assert_string_equal(s.in[0].origin, want);
    free(want);
    assert_int_equal(s.in[0].row, 0);
    assert_string_equal(pf_inputs_row_name(0), "production");
    for (size_t i = 3; i < s.n; i++) {
        assert_true(s.in[i].row > 0);
        assert_non_null(strstr(s.in[i].origin, "docs.jsonl:"));
        assert_non_null(strstr(s.in[i].origin, " <- "));
        assert_non_null(s.in[i].path);
        assert_int_equal(s.in[i].data[s.in[i].len], '\0');
    }
    assert_string_equal(pf_inputs_row_name(s.in[3].row), "null");
    pf_inputs_free(&s);
    free(path);
    pf_test_rmtmp(dir);
}

static void same_seed_same_mutants_other_seed_others(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char *path = write_docs(dir);
    pf_inputs a, b, c;
    build(&a, path, 7);
    build(&b, path, 7);
    build(&c, path, 8);
    size_t differ = 0;
    for (size_t i = 0; i < a.n; i++) {
        assert_int_equal(a.in[i].len, b.in[i].len);
        assert_memory_equal(a.in[i].data, b.in[i].data, a.in[i].len);
        differ += a.in[i].len != c.in[i].len ||
                  memcmp(a.in[i].data, c.in[i].data, a.in[i].len) != 0;
    }
    assert_true(differ > 0);
    pf_inputs_free(&a);
    pf_inputs_free(&b);
    pf_inputs_free(&c);
    free(path);
    pf_test_rmtmp(dir);
}

static void shards_partition_the_inputs(void **state)
{
    (void)state;
    char *dir = pf_test_tmpdir();
    char *path = write_docs(dir);
    pf_inputs all;
    build(&all, path, 3);
    size_t total = 0, docs = 0;
    size_t *seen = calloc(all.n, sizeof *seen);
    assert_non_null(seen);
    for (unsigned k = 1; k <= 3; k++) {
        pf_inputs s;
        build(&s, path, 3);
        pf_err err = PF_ERR_INIT;
        assert_int_equal(pf_inputs_shard(&s, k, 3, &err), 0);
        total += s.n;
        docs += s.ndocs;
        for (size_t i = 0; i < s.n; i++)
            for (size_t j = 0; j < all.n; j++)
                if (all.in[j].len == s.in[i].len &&
                    !memcmp(all.in[j].data, s.in[i].data, s.in[i].len) &&
                    !strcmp(all.in[j].origin, s.in[i].origin))
                    seen[j]++;
        pf_inputs_free(&s);
    }
    assert_int_equal(total, all.n);
    assert_int_equal(docs, 3);
    for (size_t j = 0; j < all.n; j++)
        assert_int_equal(seen[j], 1);
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_inputs_shard(&all, 4, 3, &err), -1);
    assert_int_equal(err.code, PF_E_USAGE);
    free(seen);
    pf_inputs_free(&all);
    free(path);
    pf_test_rmtmp(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(documents_come_first_then_mutants_per_class),
        cmocka_unit_test(same_seed_same_mutants_other_seed_others),
        cmocka_unit_test(shards_partition_the_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
