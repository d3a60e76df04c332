/*
 * Unit tests of the mutation engine (pf_mutate.h): each class produces what
 * it promises, asserted on the output document (the null is at the path
 * the mutant names, the depth and the string length are what it says),
 * bytes the mutation did not touch survive exactly, max_size holds,
 * the same seed gives the same mutant, oversized inputs shrink
 * structurally, and hostile inputs neither crash nor leak.
 */
#include "pf_test.h"

#include <cjson/cJSON.h>
#include <limits.h>

#include "pf_json.h"
#include "pf_mutate.h"
#include "pf_shape.h"

static const char ORDER[] =
    "{\"id\":\"ord-1\",\"big\":505874924095815700,"
    "\"customer\":{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\"},"
    "\"items\":[{\"sku\":\"A1\",\"qty\":2,\"price\":12.5}],"
    "\"total\":25.0,\"paid\":true,\"note\":null}";
#define MARK "505874924095815700"
#define MAXSZ (1u << 20)

static pf_mutator *new_mutator(unsigned classes, int max_depth)
{
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    if (classes)
        cfg.classes = classes;
    if (max_depth)
        cfg.max_depth = max_depth;
    pf_err err = PF_ERR_INIT;
    pf_mutator *m = pf_mutator_new(&cfg, &err);
    assert_non_null(m);
    return m;
}

/* Values at `path` in a document: how many, and the kind of the first. */
typedef struct at_path {
    const char *want;
    int n;
    int tok;
    pf_jkind kind;
} at_path;

static int visit_at(void *ctx, const pf_json *j, int tok, int key,
                    const pf_path *path, pf_err *err)
{
    (void)key;
    (void)err;
    at_path *a = ctx;
    if (strcmp(pf_path_str(path), a->want) == 0) {
        if (a->n++ == 0) {
            a->tok = tok;
            a->kind = pf_json_kind(j, tok);
        }
    }
    return 0;
}

static at_path find_at(pf_json *j, const char *text, size_t len,
                       const char *path)
{
    pf_err err = PF_ERR_INIT;
    at_path a = {path, 0, -1, PF_J_NULL};
    assert_int_equal(pf_json_parse(j, text, len, &err), 0);
    assert_int_equal(pf_json_walk(j, visit_at, &a, &err), 0);
    return a;
}

/* The untouched parts survive: the 64-bit id is still written as
 * production wrote it unless the mutation was on it or around it. */
static void assert_marker_kept(const pf_mutator *m, const pf_buf *out)
{
    const char *p = pf_mutator_last_path(m);
    if (strcmp(p, "$.big") == 0 || strcmp(p, "$") == 0)
        return;
    assert_non_null(memmem(out->data, out->len, MARK, strlen(MARK)));
}

static void run_class(pf_mutator *m, pf_mclass cls, uint64_t seed,
                      size_t max, pf_buf *out)
{
    pf_err err = PF_ERR_INIT;
    pf_mutator_seed(m, seed);
    int r = pf_mutate_class(m, cls, ORDER, strlen(ORDER), max, out, &err);
    assert_int_equal(r, 1);
    assert_true(out->len <= max);
    assert_int_equal(pf_mutator_last_class(m), cls);
    char want[32];
    snprintf(want, sizeof want, "%s:$", pf_mclass_name(cls));
    assert_true(strncmp(pf_mutator_describe(m), want, strlen(want)) == 0);
}

static void null_puts_null_at_the_named_path(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    pf_json j = PF_JSON_INIT;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        run_class(m, PF_M_NULL, seed, MAXSZ, &out);
        at_path a = find_at(&j, out.data, out.len, pf_mutator_last_path(m));
        assert_true(a.n >= 1);
        assert_int_equal(a.kind, PF_J_NULL);
        assert_string_not_equal(pf_mutator_last_path(m), "$.note");
        assert_marker_kept(m, &out);
    }
    pf_json_free(&j);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void missing_drops_the_member_and_stays_valid(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    pf_json j = PF_JSON_INIT;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        run_class(m, PF_M_MISSING, seed, MAXSZ, &out);
        at_path a = find_at(&j, out.data, out.len, pf_mutator_last_path(m));
        assert_int_equal(a.n, 0);
        assert_true(out.len < strlen(ORDER));
        assert_marker_kept(m, &out);
    }
    pf_json_free(&j);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void type_changes_the_kind_at_the_path(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    pf_json j = PF_JSON_INIT, orig = PF_JSON_INIT;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        run_class(m, PF_M_TYPE, seed, MAXSZ, &out);
        const char *p = pf_mutator_last_path(m);
        at_path b = find_at(&orig, ORDER, strlen(ORDER), p);
        at_path a = find_at(&j, out.data, out.len, p);
        assert_int_equal(a.n, 1);
        int num_a = a.kind == PF_J_INT || a.kind == PF_J_FLOAT;
        int num_b = b.kind == PF_J_INT || b.kind == PF_J_FLOAT;
        assert_true(a.kind != b.kind && !(num_a && num_b));
        assert_marker_kept(m, &out);
    }
    pf_json_free(&j);
    pf_json_free(&orig);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void oversize_string_has_the_length_it_says(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT, s = PF_BUF_INIT;
    pf_json j = PF_JSON_INIT;
    int strings = 0, arrays = 0;
    size_t maxes[] = {MAXSZ, 4096, 300};
    for (uint64_t seed = 1; seed <= 150; seed++) {
        size_t max = maxes[seed % 3];
        run_class(m, PF_M_OVERSIZE, seed, max, &out);
        at_path a = find_at(&j, out.data, out.len, pf_mutator_last_path(m));
        assert_true(a.n >= 1);
        if (a.kind == PF_J_STRING) {
            pf_buf_reset(&s);
            pf_json_unescape(&j, a.tok, &s);
            assert_int_equal(s.len, pf_mutator_last_amount(m));
            strings++;
        } else {
            assert_int_equal(a.kind, PF_J_ARRAY);
            assert_int_equal(j.tok[a.tok].size, pf_mutator_last_amount(m));
            assert_true(pf_mutator_last_amount(m) > 1);
            arrays++;
        }
        pf_json o = PF_JSON_INIT;
        at_path b = find_at(&o, ORDER, strlen(ORDER), pf_mutator_last_path(m));
        if (a.kind == PF_J_STRING)
            assert_true(pf_mutator_last_amount(m) >
                        (uint64_t)(o.tok[b.tok].end - o.tok[b.tok].start));
        else
            assert_true(pf_mutator_last_amount(m) > (uint64_t)o.tok[b.tok].size);
        pf_json_free(&o);
        assert_marker_kept(m, &out);
    }
    assert_true(strings > 0 && arrays > 0);
    pf_json_free(&j);
    pf_buf_free(&s);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void oversize_reaches_one_mebibyte_when_allowed(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    uint64_t biggest = 0;
    /* one string mutant in about 700 (each costs a thousand executions) */
    for (uint64_t seed = 1; seed <= 6000; seed++) {
        run_class(m, PF_M_OVERSIZE, seed, 2u << 20, &out);
        if (pf_mutator_last_amount(m) > biggest)
            biggest = pf_mutator_last_amount(m);
    }
    assert_int_equal(biggest, 1u << 20);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void number_puts_a_number_at_the_path(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    pf_json j = PF_JSON_INIT;
    int edge = 0, magnitude = 0;
    for (uint64_t seed = 1; seed <= 300; seed++) {
        run_class(m, PF_M_NUMBER, seed, MAXSZ, &out);
        at_path a = find_at(&j, out.data, out.len, pf_mutator_last_path(m));
        assert_true(a.kind == PF_J_INT || a.kind == PF_J_FLOAT);
        if (memmem(out.data, out.len, "2147483648", 10) ||
            memmem(out.data, out.len, "9007199254740993", 16))
            edge++;
        if (memmem(out.data, out.len, "\"qty\":2000000", 13))
            magnitude++; /* 2 x 10^k: still valid, overflows products */
        assert_marker_kept(m, &out);
    }
    assert_true(edge > 0);
    assert_true(magnitude > 0);
    pf_json_free(&j);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void deep_nests_as_deep_as_it_says(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    pf_json j = PF_JSON_INIT;
    int past_10000 = 0, common = 0;
    for (uint64_t seed = 1; seed <= 120; seed++) {
        run_class(m, PF_M_DEEP, seed, MAXSZ, &out);
        uint64_t d = pf_mutator_last_amount(m);
        assert_true(d >= 2);
        if (d + 3 > 10000) { /* beyond what pf_json parses */
            past_10000++;
            continue;
        }
        if (d == 64 || d == 65 || d == 128 || d == 129 || d == 256)
            common++;
        pf_err err = PF_ERR_INIT;
        assert_int_equal(pf_json_parse(&j, out.data, out.len, &err), 0);
        /* the wrapped value may itself hold up to 3 more levels */
        if (!((uint64_t)j.max_depth >= d && (uint64_t)j.max_depth <= d + 3))
            fail_msg("%s: depth %d, said %llu", pf_mutator_describe(m),
                     j.max_depth, (unsigned long long)d);
        assert_marker_kept(m, &out);
    }
    assert_true(common > 0);
    assert_true(past_10000 > 0);
    pf_json_free(&j);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void deep_respects_max_depth_and_max_size(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 50);
    pf_buf out = PF_BUF_INIT;
    pf_json j = PF_JSON_INIT;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        run_class(m, PF_M_DEEP, seed, MAXSZ, &out);
        assert_true(pf_mutator_last_amount(m) <= 50);
        pf_err err = PF_ERR_INIT;
        assert_int_equal(pf_json_parse(&j, out.data, out.len, &err), 0);
        assert_true(j.max_depth <= 53);
    }
    pf_mutator_free(m);
    m = new_mutator(0, 0);
    for (uint64_t seed = 1; seed <= 50; seed++) {
        run_class(m, PF_M_DEEP, seed, strlen(ORDER) + 40, &out);
        assert_true(out.len <= strlen(ORDER) + 40);
    }
    pf_json_free(&j);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void legacy_without_profile_sends_numbers_as_strings_or_renames(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    pf_json j = PF_JSON_INIT;
    int strnum = 0, renamed = 0;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        run_class(m, PF_M_LEGACY, seed, MAXSZ, &out);
        at_path a = find_at(&j, out.data, out.len, pf_mutator_last_path(m));
        if (a.n == 1 && a.kind == PF_J_STRING)
            strnum++;
        else if (a.n == 0)
            renamed++;
        else
            fail_msg("legacy left %s as it was", pf_mutator_last_path(m));
    }
    assert_true(strnum > 0 && renamed > 0);
    assert_non_null(strstr(ORDER, "\"total\":25.0"));
    pf_json_free(&j);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void unicode_breaks_text_inside_a_string_only(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    int invalid = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        run_class(m, PF_M_UNICODE, seed, MAXSZ, &out);
        assert_true(out.len != strlen(ORDER) || memcmp(out.data, ORDER, out.len));
        assert_non_null(memmem(out.data, out.len, MARK, strlen(MARK)));
        /* everything before the first difference and after the last is
         * the input; the change is inside one string */
        size_t p = 0, n = strlen(ORDER);
        while (p < n && p < out.len && out.data[p] == ORDER[p])
            p++;
        assert_true(p > 0);
        if (memchr(out.data, 0xff, out.len) || memmem(out.data, out.len, "\\ud800", 6))
            invalid++;
    }
    assert_true(invalid > 0);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void dupkey_repeats_the_key(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    pf_json j = PF_JSON_INIT;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        run_class(m, PF_M_DUPKEY, seed, MAXSZ, &out);
        at_path a = find_at(&j, out.data, out.len, pf_mutator_last_path(m));
        assert_int_equal(a.n, 2);
        assert_marker_kept(m, &out);
    }
    pf_json_free(&j);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void truncate_cuts_a_prefix(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        run_class(m, PF_M_TRUNCATE, seed, MAXSZ, &out);
        assert_int_equal(out.len, pf_mutator_last_amount(m));
        assert_true(out.len > 0 && out.len < strlen(ORDER));
        assert_memory_equal(out.data, ORDER, out.len);
    }
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void format_keeps_the_rest_of_the_document(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        run_class(m, PF_M_FORMAT, seed, MAXSZ, &out);
        assert_true(out.len != strlen(ORDER) || memcmp(out.data, ORDER, out.len));
        assert_marker_kept(m, &out);
    }
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void same_seed_same_mutant(void **st)
{
    (void)st;
    pf_mutator *a = new_mutator(0, 0), *b = new_mutator(0, 0);
    pf_buf x = PF_BUF_INIT, y = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    int differ = 0;
    for (uint64_t seed = 0; seed < 500; seed++) {
        pf_mutator_seed(a, seed);
        pf_mutator_seed(b, seed);
        assert_int_equal(pf_mutate(a, ORDER, strlen(ORDER), 8192, &x, &err), 0);
        assert_int_equal(pf_mutate(b, ORDER, strlen(ORDER), 8192, &y, &err), 0);
        assert_int_equal(x.len, y.len);
        assert_memory_equal(x.data, y.data, x.len);
        assert_string_equal(pf_mutator_describe(a), pf_mutator_describe(b));
        pf_mutator_seed(b, seed + 1000);
        assert_int_equal(pf_mutate(b, ORDER, strlen(ORDER), 8192, &y, &err), 0);
        differ += x.len != y.len || memcmp(x.data, y.data, x.len);
    }
    assert_true(differ > 400);
    pf_buf_free(&x);
    pf_buf_free(&y);
    pf_mutator_free(a);
    pf_mutator_free(b);
}

static void every_mutant_fits_max_size(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    int seen[PF_M_NONE + 1] = {0};
    for (uint64_t seed = 0; seed < 3000; seed++) {
        size_t max = strlen(ORDER) + (seed % 7) * 20;
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate(m, ORDER, strlen(ORDER), max, &out, &err), 0);
        assert_true(out.len <= max);
        seen[pf_mutator_last_class(m)]++;
    }
    for (int c = 0; c < PF_M_NCLASSES; c++)
        if (!seen[c])
            fail_msg("class %s never chosen", pf_mclass_name((pf_mclass)c));
    assert_true(seen[PF_M_BYTES] > 300 && seen[PF_M_BYTES] < 1000); /* 0.2 */
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void classes_restrict_what_is_chosen(void **st)
{
    (void)st;
    unsigned mask;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_mclass_parse("null, deep", &mask, &err), 0);
    assert_int_equal(mask, (1u << PF_M_NULL) | (1u << PF_M_DEEP));
    assert_int_equal(pf_mclass_parse("null,bogus", &mask, &err), -1);
    assert_int_equal(err.code, PF_E_USAGE);
    assert_non_null(strstr(err.msg, "'bogus'"));
    assert_non_null(strstr(err.msg, "oversize"));
    pf_mutator *m = new_mutator((1u << PF_M_NULL) | (1u << PF_M_DEEP), 0);
    pf_buf out = PF_BUF_INIT;
    for (uint64_t seed = 0; seed < 300; seed++) {
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate(m, ORDER, strlen(ORDER), MAXSZ, &out, &err), 0);
        pf_mclass c = pf_mutator_last_class(m);
        assert_true(c == PF_M_NULL || c == PF_M_DEEP || c == PF_M_BYTES);
    }
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void shrink_is_structural_when_max_is_below_input(void **st)
{
    (void)st;
    pf_buf in = PF_BUF_INIT, out = PF_BUF_INIT;
    pf_buf_adds(&in, "{\"id\":505874924095815700,\"name\":\"");
    pf_buf_addrep(&in, 'x', 5000);
    pf_buf_adds(&in, "\",\"list\":[");
    for (int i = 0; i < 500; i++)
        pf_buf_addf(&in, "%s{\"k\":%d}", i ? "," : "", i);
    pf_buf_adds(&in, "],\"tail\":\"end\"}");
    pf_mutator *m = new_mutator(0, 0);
    pf_err err = PF_ERR_INIT;
    pf_json j = PF_JSON_INIT;
    size_t maxes[] = {4000, 1000, 120, 60};
    for (size_t k = 0; k < 4; k++) {
        pf_mutator_seed(m, k);
        assert_int_equal(pf_mutate(m, in.data, in.len, maxes[k], &out, &err), 0);
        assert_true(out.len <= maxes[k]);
        assert_int_equal(pf_mutator_last_class(m), PF_M_SHRINK);
        assert_int_equal(pf_json_parse(&j, out.data, out.len, &err), 0);
        assert_non_null(memmem(out.data, out.len, MARK, strlen(MARK)));
    }
    /* non-JSON input is cut to size */
    assert_int_equal(pf_mutate(m, "not json at all", 15, 5, &out, &err), 0);
    assert_int_equal(out.len, 5);
    pf_json_free(&j);
    pf_buf_free(&in);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static size_t count_calls(uint8_t *d, size_t size, size_t max, void *ctx)
{
    (*(int *)ctx)++;
    if (size < max)
        d[size++] = 'Z';
    return size;
}

static void non_json_goes_to_byte_mutation(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    int calls = 0;
    pf_mutator_set_bytes(m, count_calls, &calls);
    pf_buf out = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(pf_mutate(m, "{\"a\":", 5, 100, &out, &err), 0);
    assert_int_equal(calls, 1);
    assert_int_equal(out.len, 6);
    assert_memory_equal(out.data, "{\"a\":Z", 6);
    assert_int_equal(pf_mutator_last_class(m), PF_M_BYTES);
    assert_string_equal(pf_mutator_describe(m), "bytes");
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void hostile_inputs_do_not_crash(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT, deep = PF_BUF_INIT, huge = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    pf_buf_addrep(&deep, '[', 20000);
    pf_buf_addrep(&deep, ']', 20000);
    pf_buf_adds(&huge, "[\"");
    pf_buf_addrep(&huge, 'h', 3u << 20);
    pf_buf_adds(&huge, "\"]");
    const char bin[] = {0, 1, 2, (char)0xff, '{', '"', 0, '"', ':'};
    struct { const char *p; size_t n; } in[] = {
        {"", 0}, {"{", 1}, {"1", 1}, {bin, sizeof bin}, {"[]", 2}, {"{}", 2},
        {"\"\"", 2}, {"null", 4}, {deep.data, deep.len}, {huge.data, huge.len},
        {"[[[[[[[[1]]]]]]]]", 17}};
    size_t maxes[] = {0, 1, 2, 64, 4096, MAXSZ};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        for (size_t k = 0; k < 6; k++)
            for (uint64_t seed = 0; seed < (in[i].n > 100000 ? 3 : 30); seed++) {
                pf_mutator_seed(m, seed);
                assert_int_equal(pf_mutate(m, in[i].p, in[i].n, maxes[k], &out, &err), 0);
                assert_true(out.len <= maxes[k]);
                for (int c = 0; c < PF_M_NCLASSES && in[i].n < 100000; c++) {
                    int r = pf_mutate_class(m, (pf_mclass)c, in[i].p, in[i].n,
                                            maxes[k], &out, &err);
                    assert_true(r == 0 || r == 1);
                    assert_true(out.len <= maxes[k]);
                }
            }
    pf_buf_free(&out);
    pf_buf_free(&deep);
    pf_buf_free(&huge);
    pf_mutator_free(m);
}

static void crossover_takes_the_value_at_the_same_path(void **st)
{
    (void)st;
    const char *b = "{\"id\":\"ord-2\",\"customer\":{\"name\":\"Grace Hopper\","
                    "\"email\":null},\"total\":99.99,\"paid\":false}";
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    pf_json j = PF_JSON_INIT;
    int took = 0;
    for (uint64_t seed = 0; seed < 100; seed++) {
        pf_mutator_seed(m, seed);
        int r = pf_crossover(m, ORDER, strlen(ORDER), b, strlen(b), MAXSZ, &out, &err);
        assert_int_equal(r, 1);
        assert_true(strncmp(pf_mutator_describe(m), "crossover:$", 11) == 0);
        assert_int_equal(pf_json_parse(&j, out.data, out.len, &err), 0);
        if (memmem(out.data, out.len, "Grace Hopper", 12) ||
            memmem(out.data, out.len, "99.99", 5))
            took++;
    }
    assert_true(took > 0);
    assert_int_equal(pf_crossover(m, "x", 1, b, strlen(b), MAXSZ, &out, &err), 0);
    pf_json_free(&j);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void env_configures_the_engine(void **st)
{
    (void)st;
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    pf_shape *shape = NULL;
    pf_err err = PF_ERR_INIT;
    setenv("PRODFUZZ_CLASSES", "deep,oversize", 1);
    setenv("PRODFUZZ_BYTE_SHARE", "0", 1);
    setenv("PRODFUZZ_MAX_DEPTH", "300", 1);
    assert_int_equal(pf_mutate_cfg_env(&cfg, &shape, &err), 0);
    assert_int_equal(cfg.classes, (1u << PF_M_DEEP) | (1u << PF_M_OVERSIZE));
    assert_true(cfg.byte_share == 0);
    assert_int_equal(cfg.max_depth, 300);
    setenv("PRODFUZZ_BYTE_SHARE", "2", 1);
    assert_int_equal(pf_mutate_cfg_env(&cfg, &shape, &err), -1);
    assert_int_equal(err.code, PF_E_USAGE);
    unsetenv("PRODFUZZ_BYTE_SHARE");
    setenv("PRODFUZZ_SHAPE", "/nonexistent/shape.json", 1);
    assert_int_equal(pf_mutate_cfg_env(&cfg, &shape, &err), -1);
    assert_non_null(strstr(err.msg, "PRODFUZZ_SHAPE"));
    unsetenv("PRODFUZZ_SHAPE");
    unsetenv("PRODFUZZ_CLASSES");
    unsetenv("PRODFUZZ_MAX_DEPTH");
}


/* ---- with a shape profile ------------------------------------------------ */

/* A shape builder with the default options. */
static pf_shape_builder *new_builder(void)
{
    pf_shape_opts o;
    pf_shape_opts_default(&o);
    pf_err err = PF_ERR_INIT;
    pf_shape_builder *b = pf_shape_builder_new(&o, &err);
    assert_non_null(b);
    return b;
}

/* The profile b learnt, written and read back as a user's would be; b is
 * freed. */
static pf_shape *finish_profile(pf_shape_builder *b)
{
    pf_err err = PF_ERR_INIT;
    pf_buf prof = PF_BUF_INIT;
    assert_int_equal(pf_shape_builder_write(b, &prof, &err), 0);
    pf_shape *s = NULL;
    assert_int_equal(pf_shape_parse(prof.data, prof.len, "profile", &s, &err), 0);
    pf_shape_builder_free(b);
    pf_buf_free(&prof);
    return s;
}

static pf_shape *orders_profile(void)
{
    pf_err err = PF_ERR_INIT;
    pf_shape_builder *b = new_builder();
    pf_buf doc = PF_BUF_INIT;
    for (int i = 0; i < 200; i++) {
        pf_buf_reset(&doc);
        /* names 5..24 bytes, totals 10.00..29.90, one legacy string total,
         * note null in half, a legacy key "mail" in one document */
        pf_buf_addf(&doc, "{\"id\":%d,\"customer\":{\"name\":\"", 1000 + i);
        pf_buf_addrep(&doc, 'n', 5 + (size_t)(i % 20));
        pf_buf_addf(&doc, "\",\"%s\":\"a@b.c\"},", i == 7 ? "mail" : "email");
        if (i == 3)
            pf_buf_adds(&doc, "\"total\":\"12.50\",");
        else
            pf_buf_addf(&doc, "\"total\":%d.%02d,", 10 + i % 20, i % 10 * 10);
        pf_buf_addf(&doc, "\"items\":[{\"qty\":%d}],\"note\":%s}", 1 + i % 3,
                    i % 2 ? "null" : "\"x\"");
        assert_int_equal(pf_shape_add_doc(b, doc.data, doc.len, "t", &err), 1);
    }
    pf_shape *s = finish_profile(b);
    pf_buf_free(&doc);
    return s;
}

static const char PDOC[] =
    "{\"id\":1005,\"customer\":{\"name\":\"nnnnnnnnnn\",\"email\":\"a@b.c\"},"
    "\"total\":15.50,\"items\":[{\"qty\":2}],\"note\":null,\"big\":505874924095815700}";

static pf_mutator *profile_mutator(const pf_shape *s)
{
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    cfg.shape = s;
    pf_err err = PF_ERR_INIT;
    pf_mutator *m = pf_mutator_new(&cfg, &err);
    assert_non_null(m);
    return m;
}

static void profile_values_are_just_past_production(void **st)
{
    (void)st;
    pf_shape *s = orders_profile();
    const pf_shape_path *name = pf_shape_find(s, "$.customer.name");
    assert_non_null(name);
    assert_int_equal(name->str_max_len, 24);
    assert_int_equal(pf_shape_max_depth(s), 3);
    pf_mutator *m = profile_mutator(s);
    pf_buf out = PF_BUF_INIT, v = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    pf_json j = PF_JSON_INIT;
    int len25 = 0, len48 = 0, depth_past = 0, id_past = 0, nulls_new = 0, nulls = 0;
    for (uint64_t seed = 0; seed < 400; seed++) {
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate_class(m, PF_M_OVERSIZE, PDOC, strlen(PDOC),
                                         MAXSZ, &out, &err), 1);
        if (!strcmp(pf_mutator_last_path(m), "$.customer.name")) {
            len25 += pf_mutator_last_amount(m) == 25;
            len48 += pf_mutator_last_amount(m) == 48;
        }
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate_class(m, PF_M_DEEP, PDOC, strlen(PDOC),
                                         MAXSZ, &out, &err), 1);
        uint64_t d = pf_mutator_last_amount(m);
        depth_past += d >= 4 && d <= 6;
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate_class(m, PF_M_NUMBER, PDOC, strlen(PDOC),
                                         MAXSZ, &out, &err), 1);
        if (!strcmp(pf_mutator_last_path(m), "$.id")) {
            at_path a = find_at(&j, out.data, out.len, "$.id");
            size_t ts, te;
            pf_json_span(&j, a.tok, &ts, &te);
            id_past += te - ts == 4 && !memcmp(out.data + ts, "1200", 4);
        }
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate_class(m, PF_M_NULL, PDOC, strlen(PDOC),
                                         MAXSZ, &out, &err), 1);
        const pf_shape_path *sp = pf_shape_find(s, pf_mutator_last_path(m));
        nulls++;
        nulls_new += sp && sp->types[PF_J_NULL] == 0;
    }
    assert_true(len25 > 0);   /* the longest name + 1 */
    assert_true(len48 > 0);   /* twice the longest */
    assert_true(depth_past > 50); /* just past production's 3 levels */
    assert_true(id_past > 0); /* the largest id + 1 */
    assert_true(nulls_new * 10 >= nulls * 9); /* where production had none */
    pf_json_free(&j);
    pf_buf_free(&v);
    pf_buf_free(&out);
    pf_mutator_free(m);
    pf_shape_free(s);
}

static void legacy_applies_the_rare_variants_of_the_profile(void **st)
{
    (void)st;
    pf_shape *s = orders_profile();
    const pf_shape_path *total = pf_shape_find(s, "$.total");
    assert_non_null(total);
    assert_true(total->nrare >= 1);
    pf_mutator *m = profile_mutator(s);
    pf_buf out = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    pf_json j = PF_JSON_INIT;
    int string_total = 0, old_key = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate_class(m, PF_M_LEGACY, PDOC, strlen(PDOC),
                                         MAXSZ, &out, &err), 1);
        at_path a = find_at(&j, out.data, out.len, "$.total");
        if (a.n == 1 && a.kind == PF_J_STRING)
            string_total++;
        if (memmem(out.data, out.len, "\"mail\"", 6))
            old_key++;
        assert_non_null(memmem(out.data, out.len, MARK, strlen(MARK)));
    }
    assert_true(string_total > 0);
    assert_true(old_key > 0);
    pf_json_free(&j);
    pf_buf_free(&out);
    pf_mutator_free(m);
    pf_shape_free(s);
}

/* An old key name that is not valid UTF-8 (a legacy export's cp1252
 * byte) comes back in a legacy mutant byte for byte, as production sent
 * it, not with U+FFFD in its place. */
static void legacy_keys_keep_their_exact_bytes(void **st)
{
    (void)st;
    pf_err err = PF_ERR_INIT;
    pf_shape_builder *b = new_builder();
    pf_buf doc = PF_BUF_INIT;
    for (int i = 0; i < 200; i++) {
        pf_buf_reset(&doc);
        pf_buf_addf(&doc, "{\"id\":%d,\"%s\":\"a@b.c\"}", i, i == 7 ? "m\x94il" : "email");
        assert_int_equal(pf_shape_add_doc(b, doc.data, doc.len, "t", &err), 1);
    }
    pf_shape *s = finish_profile(b);
    pf_mutator *m = profile_mutator(s);
    pf_buf out = PF_BUF_INIT;
    const char *in = "{\"id\":3,\"email\":\"x@y.z\"}";
    int exact = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        pf_mutator_seed(m, seed);
        if (pf_mutate_class(m, PF_M_LEGACY, in, strlen(in), MAXSZ, &out, &err) != 1)
            continue;
        exact += memmem(out.data, out.len, "\"m\x94il\"", 6) != NULL;
        assert_null(memmem(out.data, out.len, "m\xef\xbf\xbdil", 6));
    }
    assert_true(exact > 0);
    pf_buf_free(&out);
    pf_buf_free(&doc);
    pf_mutator_free(m);
    pf_shape_free(s);
}

/* ---- round 2: empty, control characters, width boundaries, legacy ---- */

static int all_blank(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (s[k] != ' ' && s[k] != '\t' && s[k] != '\n' && s[k] != '\r')
            return 0;
    return 1;
}

static void empty_empties_a_value_that_had_content(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT, v = PF_BUF_INIT;
    pf_json j = PF_JSON_INIT, o = PF_JSON_INIT;
    int str_empty = 0, str_blank = 0, arrays = 0, objects = 0;
    for (uint64_t seed = 1; seed <= 300; seed++) {
        run_class(m, PF_M_EMPTY, seed, MAXSZ, &out);
        const char *p = pf_mutator_last_path(m);
        at_path b = find_at(&o, ORDER, strlen(ORDER), p);
        assert_int_equal(b.n, 1);
        /* raw tabs and newlines are not strict JSON: cJSON takes them */
        if (memchr(out.data, '\t', out.len) || memchr(out.data, '\n', out.len) ||
            memchr(out.data, '\r', out.len)) {
            str_blank++;
            continue;
        }
        at_path a = find_at(&j, out.data, out.len, p);
        assert_int_equal(a.n, 1);
        assert_int_equal(a.kind, b.kind); /* same type, no content */
        if (a.kind == PF_J_STRING) {
            pf_buf_reset(&v);
            pf_json_unescape(&j, a.tok, &v);
            assert_true(all_blank(v.data ? v.data : "", v.len));
            if (v.len)
                str_blank++;
            else
                str_empty++;
        } else if (a.kind == PF_J_ARRAY) {
            /* [] or one element with nothing in it */
            assert_true(j.tok[a.tok].size == 0 ||
                        (j.tok[a.tok].size == 1 && j.tok[a.tok + 1].size == 0));
            arrays++;
        } else {
            assert_int_equal(a.kind, PF_J_OBJECT);
            assert_int_equal(j.tok[a.tok].size, 0);
            objects++;
        }
        assert_marker_kept(m, &out);
    }
    assert_true(str_empty > 0 && str_blank > 0 && arrays > 0 && objects > 0);
    pf_json_free(&j);
    pf_json_free(&o);
    pf_buf_free(&v);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void unicode_puts_control_characters_raw_and_escaped(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    int raw = 0, escaped = 0, runs = 0, at_start = 0, at_end = 0, middle = 0;
    int tab = 0, nl = 0, nul = 0;
    size_t n = strlen(ORDER);
    for (uint64_t seed = 1; seed <= 600; seed++) {
        run_class(m, PF_M_UNICODE, seed, MAXSZ, &out);
        uint64_t count = pf_mutator_last_amount(m);
        if (!count)
            continue; /* another unicode mutation */
        /* a pure insertion inside a string: before and after are the input */
        size_t d = 0;
        while (d < n && out.data[d] == ORDER[d])
            d++;
        size_t ins = out.len - n;
        assert_true(ins >= count);
        assert_memory_equal(out.data + d + ins, ORDER + d, n - d);
        const char *x = out.data + d;
        if (x[0] == '\\') { /* \u00XX, below 0x20, count of them */
            assert_int_equal(ins, 6 * count);
            for (uint64_t k = 0; k < count; k++) {
                unsigned v;
                assert_int_equal(sscanf(x + 6 * k, "\\u%4x", &v), 1);
                assert_true(v < 0x20 || v == 0x7f);
            }
            escaped++;
        } else {
            assert_int_equal(ins, count);
            for (size_t k = 0; k < ins; k++) {
                unsigned char ch = (unsigned char)x[k];
                assert_true(ch < 0x20 || ch == 0x7f);
                tab += ch == '\t';
                nl += ch == '\n';
                nul += ch == 0;
            }
            raw++;
        }
        runs += count > 1;
        if (ORDER[d - 1] == '"' && ORDER[d] != ',' && ORDER[d] != '}' && ORDER[d] != ':')
            at_start++;
        else if (ORDER[d] == '"')
            at_end++;
        else
            middle++;
    }
    assert_true(raw > 20 && escaped > 20);
    assert_true(runs > 10 && at_start > 10 && at_end > 10 && middle > 10);
    assert_true(tab > 0 && nl > 0 && nul > 0);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t k = 0; k < n;) {
        unsigned c = s[k];
        size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2
                   : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (!len || k + len > n)
            return 0;
        unsigned cp = len == 1 ? c : c & (0x7f >> len);
        for (size_t x = 1; x < len; x++) {
            if ((s[k + x] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[k + x] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        k += len;
    }
    return 1;
}

/* An escaped surrogate pair: \uD800-\uDBFF then \uDC00-\uDFFF, any case. */
static int has_escaped_pair(const char *s, size_t n)
{
    for (size_t k = 0; k + 12 <= n; k++) {
        unsigned hi, lo;
        char a[7], b[7];
        memcpy(a, s + k, 6), a[6] = 0;
        memcpy(b, s + k + 6, 6), b[6] = 0;
        if (a[0] == '\\' && a[1] == 'u' && b[0] == '\\' && b[1] == 'u' &&
            sscanf(a + 2, "%4x", &hi) == 1 && sscanf(b + 2, "%4x", &lo) == 1 &&
            hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff)
            return 1;
    }
    return 0;
}

#define HAS(lit) (memmem(out.data, out.len, lit, sizeof lit - 1) != NULL)

static void unicode_writes_valid_rare_text_and_surrogate_pairs(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    int pairs = 0, valid = 0, invalid = 0, raw4 = 0, nonchar = 0, zwj = 0;
    int combining = 0, rtl = 0, cesu = 0, overlong = 0, cut = 0, whole = 0;
    for (uint64_t seed = 1; seed <= 1500; seed++) {
        run_class(m, PF_M_UNICODE, seed, MAXSZ, &out);
        if (pf_mutator_last_amount(m))
            continue; /* control characters: their own test */
        assert_non_null(memmem(out.data, out.len, MARK, strlen(MARK)));
        cJSON *doc = cJSON_ParseWithLength(out.data, out.len);
        if (has_escaped_pair(out.data, out.len)) {
            /* a valid pair: cJSON decodes it to one four-byte character */
            assert_non_null(doc);
            char *text = cJSON_PrintUnformatted(doc);
            assert_non_null(text);
            int four = 0;
            for (const unsigned char *p = (const unsigned char *)text; *p; p++)
                four |= *p >= 0xf0 && *p <= 0xf4;
            assert_true(four);
            assert_true(utf8_valid((const unsigned char *)text, strlen(text)));
            cJSON_free(text);
            pairs++;
        }
        if (doc && utf8_valid((const unsigned char *)out.data, out.len))
            valid++;
        else
            invalid++;
        /* the whole value is the rare text: "id":"<it>" */
        const char *id = memmem(out.data, out.len, "\"id\":\"", 6);
        whole += id && (id[6] == '\\' || (unsigned char)id[6] >= 0x80) &&
                 memcmp(id + 6, "ord-1", 5) && !memmem(id, 12, "ord-1", 5);
        raw4 += HAS("\xf0\x9f\x98\x80") || HAS("\xf0\x90\x80\x80") || HAS("\xf4\x8f\xbf\xbf");
        nonchar += HAS("\xef\xbf\xbe") || HAS("\xef\xbf\xbf") || HAS("\xef\xb7\x90");
        zwj += HAS("\xe2\x80\x8d") || HAS("\\u200d");
        combining += HAS("\xcc\x81") || HAS("\\u0301");
        rtl += HAS("\xe2\x80\x8f") || HAS("\xe2\x80\xae") || HAS("\\u202e");
        cesu += HAS("\xed\xa0\x80") || HAS("\xed\xa0\xbd\xed\xb8\x80") || HAS("\xed\xb0\x80");
        overlong += HAS("\xc0\x80") || HAS("\xc0\xaf") || HAS("\xe0\x80\xaf");
        /* a character cut at the end: a lead byte (or a lead and too few
         * continuation bytes) right before a closing quote */
        for (size_t k = 1; k + 1 < out.len; k++) {
            unsigned char ch = (unsigned char)out.data[k];
            if (out.data[k + 1] == '"' && (ch >= 0xc2 ||
                (ch >= 0x80 && ch < 0xc0 && (unsigned char)out.data[k - 1] >= 0xe0))) {
                cut++;
                break;
            }
        }
        cJSON_Delete(doc);
    }
    assert_true(pairs >= 10);
    assert_true(valid >= 100 && invalid >= 100);
    assert_true(raw4 > 0 && nonchar > 0 && zwj > 0 && combining > 0 && rtl > 0);
    assert_true(cesu > 0 && overlong > 0 && cut >= 20 && whole > 0);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

/* The decoded string at key k of a cJSON object, or NULL. */
static const char *str_at(const cJSON *doc, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void format_respells_dates_ids_and_addresses_as_their_format_allows(void **st)
{
    (void)st;
    static const char DOC[] =
        "{\"ts\":\"2024-03-18T09:12:44Z\",\"day\":\"2024-03-18\","
        "\"uid\":\"9f1c2e4a-3b5d-4c6e-8f70-1a2b3c4d5e6f\","
        "\"mail\":\"ada@example.com\",\"ip\":\"10.1.2.3\",\"n\":1}";
    pf_mutator *m = new_mutator(1u << PF_M_FORMAT, 0);
    pf_buf out = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    int ts = 0, day = 0, uid = 0, mail = 0, ip = 0;
    char seen[8][40];
    int nseen = 0;
    for (uint64_t seed = 1; seed <= 2000; seed++) {
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate_class(m, PF_M_FORMAT, DOC, strlen(DOC), MAXSZ, &out, &err), 1);
        cJSON *doc = cJSON_ParseWithLength(out.data, out.len);
        if (!doc)
            continue; /* a lenient number spelling */
        const char *v;
        if ((v = str_at(doc, "ts")) && strcmp(v, "2024-03-18T09:12:44Z")) {
            /* the same instant: the date stays, the rest is respelled */
            assert_memory_equal(v, "2024-03-18", 10);
            int known = 0;
            for (int k = 0; k < nseen; k++)
                known |= !strcmp(seen[k], v);
            if (!known && nseen < 8)
                snprintf(seen[nseen++], sizeof seen[0], "%s", v);
            ts++;
        }
        if ((v = str_at(doc, "day")) && strcmp(v, "2024-03-18")) {
            assert_true(!strncmp(v, "2024-03-18", 10) || !strcmp(v, "20240318"));
            day++;
        }
        if ((v = str_at(doc, "uid")) && strcmp(v, "9f1c2e4a-3b5d-4c6e-8f70-1a2b3c4d5e6f")) {
            char hex[40];
            size_t h = 0;
            if (!strncmp(v, "urn:uuid:", 9))
                v += 9;
            for (; *v && h < sizeof hex - 1; v++)
                if (*v != '-' && *v != '{' && *v != '}')
                    hex[h++] = (char)(*v | 0x20);
            hex[h] = 0;
            assert_string_equal(hex, "9f1c2e4a3b5d4c6e8f701a2b3c4d5e6f");
            uid++;
        }
        if ((v = str_at(doc, "mail")) && strcmp(v, "ada@example.com")) {
            char low[64];
            size_t h = 0;
            for (; *v && h < sizeof low - 1; v++)
                low[h++] = (char)(*v >= 'A' && *v <= 'Z' ? *v | 0x20 : *v);
            low[h] = 0;
            assert_true(!strcmp(low, "ada@example.com.") || !strcmp(low, "ada+tag@example.com") ||
                        !strcmp(low, "ada@example.com"));
            mail++;
        }
        if ((v = str_at(doc, "ip")) && strcmp(v, "10.1.2.3")) {
            unsigned o[4];
            if (!strncmp(v, "::ffff:", 7))
                v += 7;
            assert_int_equal(sscanf(v, "%u.%u.%u.%u", &o[0], &o[1], &o[2], &o[3]), 4);
            assert_true(o[0] == 10 && o[1] == 1 && o[2] == 2 && o[3] == 3);
            ip++;
        }
        cJSON_Delete(doc);
    }
    assert_true(ts >= 5 && day >= 5 && uid >= 5 && mail >= 5 && ip >= 5);
    assert_true(nseen >= 3);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void oversize_hits_integer_width_boundaries(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    int s255 = 0, s256 = 0, s65535 = 0, s65536 = 0, a255 = 0, a256 = 0;
    int doc_w = 0;
    pf_json j = PF_JSON_INIT;
    for (uint64_t seed = 1; seed <= 1500; seed++) {
        run_class(m, PF_M_OVERSIZE, seed, MAXSZ, &out);
        at_path a = find_at(&j, out.data, out.len, pf_mutator_last_path(m));
        uint64_t amt = pf_mutator_last_amount(m);
        if (a.kind == PF_J_STRING) {
            s255 += amt == 255;
            s256 += amt == 256;
            s65535 += amt == 65535;
            s65536 += amt == 65536;
        } else {
            a255 += amt == 255;
            a256 += amt == 256;
        }
        doc_w += out.len == 65535 || out.len == 65536 || out.len == 255 ||
                 out.len == 256;
    }
    assert_true(s255 > 0 && s256 > 0 && s65535 > 0 && s65536 > 0);
    assert_true(a255 > 0 && a256 > 0);
    assert_true(doc_w > 0); /* whole documents at a width boundary */
    /* within a small limit, no width that does not fit */
    for (uint64_t seed = 1; seed <= 300; seed++) {
        run_class(m, PF_M_OVERSIZE, seed, 4096, &out);
        assert_true(out.len <= 4096);
    }
    pf_json_free(&j);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

static void oversize_widths_are_relative_to_the_profile(void **st)
{
    (void)st;
    /* names up to 300 bytes: the 8-bit width is not past production,
     * so the width boundaries go to 65,535/65,536 */
    pf_err err = PF_ERR_INIT;
    pf_shape_builder *b = new_builder();
    pf_buf doc = PF_BUF_INIT;
    for (int i = 0; i < 50; i++) {
        pf_buf_reset(&doc);
        pf_buf_adds(&doc, "{\"name\":\"");
        pf_buf_addrep(&doc, 'n', 10 + (size_t)i * 6);
        pf_buf_adds(&doc, "\"}");
        assert_int_equal(pf_shape_add_doc(b, doc.data, doc.len, "t", &err), 1);
    }
    pf_shape *s = finish_profile(b);
    assert_int_equal(pf_shape_find(s, "$.name")->str_max_len, 304);
    pf_mutator *m = profile_mutator(s);
    pf_buf out = PF_BUF_INIT;
    int w16 = 0;
    const char *in = "{\"name\":\"nnnn\"}";
    for (uint64_t seed = 0; seed < 400; seed++) {
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate_class(m, PF_M_OVERSIZE, in, strlen(in),
                                         MAXSZ, &out, &err), 1);
        uint64_t amt = pf_mutator_last_amount(m);
        assert_true(amt != 255 && amt != 256);
        w16 += amt == 65535 || amt == 65536;
    }
    assert_true(w16 > 50);
    pf_buf_free(&out);
    pf_buf_free(&doc);
    pf_mutator_free(m);
    pf_shape_free(s);
}

static void legacy_never_sends_an_ordinary_rare_value(void **st)
{
    (void)st;
    /* invoices: totals are a small set of prices with a few odd ones (each
     * rare), quantities are integers with one float; the status is
     * "paid" or "open", and two old documents say "settled" */
    pf_err err = PF_ERR_INIT;
    pf_shape_builder *b = new_builder();
    pf_buf doc = PF_BUF_INIT;
    static const char *const odd[] = {"7.96", "18.86", "21.86"};
    for (int i = 0; i < 300; i++) {
        pf_buf_reset(&doc);
        pf_buf_addf(&doc, "{\"total\":%s,\"qty\":%s,\"status\":\"%s\"}",
                    i < 3 ? odd[i] : i % 2 ? "0.99" : "1.98",
                    i == 5 ? "1.5" : "2",
                    i == 9 || i == 11 ? "settled" : i % 3 ? "paid" : "open");
        assert_int_equal(pf_shape_add_doc(b, doc.data, doc.len, "t", &err), 1);
    }
    pf_shape *s = finish_profile(b);
    const pf_shape_path *tp = pf_shape_find(s, "$.total");
    assert_non_null(tp);
    assert_true(tp->nrare >= 3); /* the profile does call them rare */
    pf_mutator *m = profile_mutator(s);
    pf_buf out = PF_BUF_INIT;
    pf_json j = PF_JSON_INIT;
    const char *in = "{\"total\":0.99,\"qty\":2,\"status\":\"paid\"}";
    int settled = 0;
    for (uint64_t seed = 0; seed < 300; seed++) {
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate_class(m, PF_M_LEGACY, in, strlen(in), MAXSZ,
                                         &out, &err), 1);
        for (size_t k = 0; k < 3; k++)
            assert_null(memmem(out.data, out.len, odd[k], strlen(odd[k])));
        assert_null(memmem(out.data, out.len, "1.5", 3));
        assert_null(memmem(out.data, out.len, "\"qty\":2.", 8));
        settled += memmem(out.data, out.len, "\"status\":\"settled\"", 18) != NULL;
    }
    assert_true(settled > 0); /* the old status is a legacy shape */
    pf_json_free(&j);
    pf_buf_free(&out);
    pf_buf_free(&doc);
    pf_mutator_free(m);
    pf_shape_free(s);
}

static void trim_candidates_stay_json_and_shrink(void **st)
{
    (void)st;
    pf_mutator *m = new_mutator(0, 0);
    pf_buf out = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    pf_json j = PF_JSON_INIT;
    int n = pf_mutate_trim_count(m, ORDER, strlen(ORDER));
    assert_int_equal(n, 13); /* every member and element below the root */
    for (int k = 0; k < n; k++) {
        assert_int_equal(pf_mutate_trim_candidate(m, ORDER, strlen(ORDER), k,
                                                  &out, &err), 1);
        assert_true(out.len < strlen(ORDER));
        assert_int_equal(pf_json_parse(&j, out.data, out.len, &err), 0);
    }
    assert_int_equal(pf_mutate_trim_candidate(m, ORDER, strlen(ORDER), n, &out, &err), 0);
    assert_int_equal(out.len, strlen(ORDER));
    assert_int_equal(pf_mutate_trim_count(m, "{\"a\":", 5), 0);
    pf_json_free(&j);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

/* ---- size schedule (fuzzing loops) -------------------------------------- */

static pf_mutator *loop_mutator_of(int schedule, unsigned classes)
{
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    cfg.size_schedule = schedule;
    if (classes)
        cfg.classes = classes;
    cfg.byte_share = 0;
    pf_err err = PF_ERR_INIT;
    pf_mutator *m = pf_mutator_new(&cfg, &err);
    assert_non_null(m);
    /* the first inputs of a run: the seeds */
    pf_buf out = PF_BUF_INIT;
    for (uint64_t seed = 0; seed < 200; seed++) {
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate(m, ORDER, strlen(ORDER), MAXSZ, &out, &err), 0);
    }
    pf_buf_free(&out);
    return m;
}

static pf_mutator *loop_mutator(int schedule)
{
    return loop_mutator_of(schedule, 0);
}

/* ORDER with its items array grown to n copies of its element. */
static void grown_items(pf_buf *b, int n)
{
    const char *at = strstr(ORDER, "[{");
    const char *end = strstr(ORDER, "}]") + 1;
    pf_buf_reset(b);
    pf_buf_add(b, ORDER, (size_t)(at - ORDER) + 1);
    for (int k = 0; k < n; k++) {
        if (k)
            pf_buf_addc(b, ',');
        pf_buf_add(b, at + 1, (size_t)(end - at - 1));
    }
    pf_buf_adds(b, end);
}

static int items_count(pf_json *j, const pf_buf *doc)
{
    pf_err err = PF_ERR_INIT;
    if (pf_json_parse(j, doc->data, doc->len, &err) < 0)
        return -1;
    at_path a = find_at(j, doc->data, doc->len, "$.items");
    return a.n && a.kind == PF_J_ARRAY ? j->tok[a.tok].size : -1;
}

static void schedule_learns_the_typical_size(void **st)
{
    (void)st;
    pf_mutator *m = loop_mutator(1);
    size_t typ = pf_mutator_typical_size(m);
    /* ORDER is 200-odd bytes: typical is its power-of-two ceiling */
    assert_true(typ >= strlen(ORDER) && typ < 2 * strlen(ORDER) + 2);
    assert_int_equal(pf_mutator_grown_size(m), 1024); /* the floor */
    pf_mutator_free(m);
    pf_mutator *fresh = new_mutator(0, 0);
    assert_int_equal(pf_mutator_typical_size(fresh), 0);
    pf_mutator_free(fresh);
}

static void schedule_reduces_a_grown_array_before_mutating(void **st)
{
    (void)st;
    pf_buf big = PF_BUF_INIT, out = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    pf_json j = PF_JSON_INIT;
    grown_items(&big, 2000);
    assert_int_equal(items_count(&j, &big), 2000);
    for (int schedule = 0; schedule <= 1; schedule++) {
        pf_mutator *m = loop_mutator(schedule);
        int small = 0, runs = 64;
        for (uint64_t seed = 1000; seed < 1000 + (uint64_t)runs; seed++) {
            pf_mutator_seed(m, seed);
            assert_int_equal(pf_mutate(m, big.data, big.len, MAXSZ, &out, &err), 0);
            int n = items_count(&j, &out);
            /* the items cut to at most four (an oversize string on top
             * of the reduction may still make it long) */
            if (n >= 0 && n <= 4 && (out.len < big.len / 100 ||
                                     pf_mutator_last_class(m) == PF_M_OVERSIZE))
                small++;
        }
        if (schedule)
            assert_true(small >= runs * 3 / 4); /* 7 in 8 are reduced */
        else
            assert_int_equal(small, 0); /* `prodfuzz mutate` keeps sizes */
        pf_mutator_free(m);
    }
    pf_json_free(&j);
    pf_buf_free(&big);
    pf_buf_free(&out);
}

/* ORDER with the customer's name (the string, quotes included) replaced
 * by the JSON text value. */
static void order_with_name(pf_buf *b, const pf_buf *value)
{
    const char *at = strstr(ORDER, "\"Ada Lovelace\"");
    pf_buf_reset(b);
    pf_buf_add(b, ORDER, (size_t)(at - ORDER));
    pf_buf_add(b, value->data, value->len);
    pf_buf_adds(b, at + strlen("\"Ada Lovelace\""));
}

static void schedule_denests_deep_parents_in_one_pass(void **st)
{
    (void)st;
    /* 20,000 levels: past what the tokenizer accepts at all */
    pf_buf deep = PF_BUF_INIT, out = PF_BUF_INIT, v = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    pf_json j = PF_JSON_INIT;
    for (int k = 0; k < 20000; k++)
        pf_buf_adds(&v, k % 2 ? "[" : "{\"a\":");
    pf_buf_adds(&v, "\"Ada Lovelace\"");
    for (int k = 19999; k >= 0; k--)
        pf_buf_addc(&v, k % 2 ? ']' : '}');
    order_with_name(&deep, &v);
    pf_buf_free(&v);
    pf_mutator *m = loop_mutator(1);
    int reduced = 0;
    for (uint64_t seed = 1; seed <= 32; seed++) {
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate(m, deep.data, deep.len, MAXSZ, &out, &err), 0);
        reduced += out.len < deep.len / 100;
    }
    assert_true(reduced >= 20); /* 7 in 8 are reduced, and mostly stay small */
    /* the reduction is valid JSON: seen through a mutation that keeps a
     * document valid and its members where they were (format) */
    pf_mutator *f = loop_mutator_of(1, 1u << PF_M_FORMAT);
    int valid = 0;
    for (uint64_t seed = 1; seed <= 32; seed++) {
        pf_mutator_seed(f, seed);
        assert_int_equal(pf_mutate(f, deep.data, deep.len, MAXSZ, &out, &err), 0);
        int pr = pf_json_parse(&j, out.data, out.len, &err);
        /* shallow again, valid, and the rest of the document is there */
        if (out.len < deep.len / 100 && pr == 0 && j.max_depth <= 32 &&
            memmem(out.data, out.len, "\"items\"", 7))
            valid++;
    }
    assert_true(valid >= 16);
    pf_mutator_free(f);
    pf_mutator_free(m);
    pf_json_free(&j);
    pf_buf_free(&deep);
    pf_buf_free(&out);
}

static void schedule_cuts_a_grown_string_without_breaking_it(void **st)
{
    (void)st;
    /* a 96 KiB name of two-byte characters and escapes: whatever prefix
     * the reduction keeps, it ends on a character and escape boundary */
    pf_buf big = PF_BUF_INIT, out = PF_BUF_INIT, v = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    pf_json j = PF_JSON_INIT;
    pf_buf_addc(&v, '"');
    for (int k = 0; k < 8192; k++)
        pf_buf_adds(&v, "\xc3\xa9\\u00e9\\n\xe2\x82\xac");
    pf_buf_addc(&v, '"');
    order_with_name(&big, &v);
    pf_buf_free(&v);
    assert_int_equal(pf_json_parse(&j, big.data, big.len, &err), 0);
    /* null keeps a document valid JSON (format may spell numbers as
     * JSON forbids) */
    pf_mutator *f = loop_mutator_of(1, 1u << PF_M_NULL);
    int cut = 0, named = 0;
    for (uint64_t seed = 1; seed <= 48; seed++) {
        pf_mutator_seed(f, seed);
        assert_int_equal(pf_mutate(f, big.data, big.len, MAXSZ, &out, &err), 0);
        if (out.len >= big.len / 100)
            continue; /* the one in eight mutated at full size */
        cut++;
        assert_int_equal(pf_json_parse(&j, out.data, out.len, &err), 0);
        at_path a = find_at(&j, out.data, out.len, "$.customer.name");
        assert_true(a.n <= 1);
        if (a.n == 1 && a.kind == PF_J_STRING) { /* null may be there */
            assert_true(j.tok[a.tok].end - j.tok[a.tok].start <= 64 + 5);
            named++;
        }
    }
    assert_true(cut >= 36);
    assert_true(named >= 24);
    pf_mutator_free(f);
    pf_json_free(&j);
    pf_buf_free(&big);
    pf_buf_free(&out);
}

/* PRODFUZZ_SIZE_SCHEDULE and PRODFUZZ_FIRST_PASS: off by default (as
 * `prodfuzz mutate` runs), 0 turns off what a front end turned on, and
 * anything but 0 or 1 is an error that names the variable. */
static void switches_are_set_by_env(void **st)
{
    (void)st;
    static const char *const names[] = {"PRODFUZZ_SIZE_SCHEDULE",
                                        "PRODFUZZ_FIRST_PASS"};
    for (int k = 0; k < 2; k++) {
        pf_mutate_cfg cfg;
        pf_mutate_cfg_default(&cfg);
        int *on = k ? &cfg.first_pass : &cfg.size_schedule;
        assert_int_equal(*on, 0);
        *on = 1;
        pf_shape *shape = NULL;
        pf_err err = PF_ERR_INIT;
        setenv(names[k], "0", 1);
        assert_int_equal(pf_mutate_cfg_env(&cfg, &shape, &err), 0);
        assert_int_equal(*on, 0);
        setenv(names[k], "yes", 1);
        assert_int_equal(pf_mutate_cfg_env(&cfg, &shape, &err), -1);
        assert_non_null(strstr(err.msg, names[k]));
        unsetenv(names[k]);
    }
}

/* The growth credit: in a fuzzing loop, mutants past the free size (4 x
 * the typical size, at least 2 KiB) take at most the starting credits
 * (64 KiB for mid sizes, 1 MiB for 64 KiB and up) plus three eighths of
 * the ordinary mutants' bytes; without the schedule the same calls make
 * far more big bytes, so the bound bites. Huge ones still come. */
static void schedule_credit_bounds_big_mutants(void **st)
{
    (void)st;
    uint64_t big[2] = {0, 0}, ordinary[2] = {0, 0}, nbig[2] = {0, 0};
    uint64_t nhuge[2] = {0, 0};
    for (int schedule = 0; schedule <= 1; schedule++) {
        pf_mutator *m = loop_mutator_of(schedule, (1u << PF_M_OVERSIZE) | (1u << PF_M_DEEP));
        size_t typ = pf_mutator_typical_size(m);
        size_t free_size = typ > 512 ? 4 * typ : 2048;
        pf_buf out = PF_BUF_INIT;
        pf_err err = PF_ERR_INIT;
        for (uint64_t seed = 10000; seed < 30000; seed++) {
            pf_mutator_seed(m, seed);
            assert_int_equal(pf_mutate(m, ORDER, strlen(ORDER), MAXSZ, &out, &err), 0);
            if (out.len > free_size) {
                big[schedule] += out.len;
                nbig[schedule]++;
                nhuge[schedule] += out.len >= 65536;
            } else {
                ordinary[schedule] += out.len;
            }
        }
        pf_buf_free(&out);
        pf_mutator_free(m);
    }
    uint64_t bound = ((uint64_t)64 << 10) + ((uint64_t)1 << 20) +
                     ordinary[1] / 8 + ordinary[1] / 4 + 2048;
    assert_true(nbig[1] > 100);  /* the big sizes still come */
    assert_true(nhuge[1] >= 10); /* and the 64 KiB ones among them */
    assert_true(big[1] <= bound);
    assert_true(big[0] > 2 * bound);
}

static void schedule_makes_growth_classes_rarer(void **st)
{
    (void)st;
    int grew[2] = {0, 0}, over = 0, deep = 0, uni = 0, uni_warm = 0;
    for (int schedule = 0; schedule <= 1; schedule++) {
        pf_mutator *m = loop_mutator(schedule);
        pf_buf out = PF_BUF_INIT;
        pf_err err = PF_ERR_INIT;
        /* the rest of the first 1,024 calls (loop_mutator made 200):
         * while the typical size is learnt, unicode weighs 32 */
        for (uint64_t seed = 4000; seed < 4824; seed++) {
            pf_mutator_seed(m, seed);
            assert_int_equal(pf_mutate(m, ORDER, strlen(ORDER), MAXSZ, &out, &err), 0);
            if (schedule)
                uni_warm += pf_mutator_last_class(m) == PF_M_UNICODE;
        }
        for (uint64_t seed = 5000; seed < 7000; seed++) {
            pf_mutator_seed(m, seed);
            assert_int_equal(pf_mutate(m, ORDER, strlen(ORDER), MAXSZ, &out, &err), 0);
            pf_mclass c = pf_mutator_last_class(m);
            grew[schedule] += c == PF_M_OVERSIZE || c == PF_M_DEEP;
            if (schedule) {
                over += c == PF_M_OVERSIZE;
                deep += c == PF_M_DEEP;
                uni += c == PF_M_UNICODE;
            }
        }
        pf_buf_free(&out);
        pf_mutator_free(m);
    }
    /* uniform: 2 in 12 (333 of 2000); in a loop, once learnt: deep 2,
     * unicode 12 and 8 for each of the ten others (oversize 170 of 2000,
     * deep 43, unicode 255); while learning, unicode 32 of 114 (231 of
     * 824) */
    assert_true(grew[0] > 250);
    assert_true(over > 120 && over < 240);
    assert_true(deep > 15 && deep < 80);
    assert_true(uni > 190 && uni < 330 && uni > over + 40);
    assert_true(uni_warm > 170 && uni_warm < 300);
}

/* ---- the first pass (fuzzing loops) ------------------------------------- */

static pf_mutator *first_pass_mutator(const pf_shape *shape)
{
    pf_mutate_cfg cfg;
    pf_mutate_cfg_default(&cfg);
    cfg.size_schedule = 1;
    cfg.first_pass = 1;
    cfg.byte_share = 0;
    cfg.shape = shape;
    pf_err err = PF_ERR_INIT;
    pf_mutator *m = pf_mutator_new(&cfg, &err);
    assert_non_null(m);
    return m;
}

static int path_index(const char *const *paths, int n, const char *p)
{
    for (int k = 0; k < n; k++)
        if (!strcmp(paths[k], p))
            return k;
    return -1;
}

/* Within its first 600 calls a fuzzing loop's mutator has taken every
 * string of ORDER to a control character, to 4,097 bytes and to 65,536,
 * every number to a million times itself and past 32 bits, and nested
 * 65 and 257 levels, each asserted on the mutant itself; with the first
 * pass off, the same calls leave most of those out. */
static void first_pass_takes_every_field_to_its_boundaries(void **st)
{
    (void)st;
    static const char *const strs[] = {"$.id", "$.customer.name",
                                       "$.customer.email", "$.items[*].sku"};
    static const char *const nums[] = {"$.big", "$.items[*].qty",
                                       "$.items[*].price", "$.total"};
    int hits[2] = {0, 0};
    for (int on = 0; on <= 1; on++) {
        pf_mutator *m = first_pass_mutator(NULL);
        if (!on)
            pf_mutator_free(m), m = loop_mutator_of(1, 0);
        int ctl[4] = {0}, k4[4] = {0}, k64[4] = {0}, mil[4] = {0}, p32[4] = {0};
        int d65 = 0, d257 = 0;
        pf_buf out = PF_BUF_INIT;
        pf_err err = PF_ERR_INIT;
        pf_json j = PF_JSON_INIT;
        for (uint64_t seed = 0; seed < 600; seed++) {
            pf_mutator_seed(m, 900000 + seed);
            assert_int_equal(pf_mutate(m, ORDER, strlen(ORDER), MAXSZ, &out, &err), 0);
            pf_mclass c = pf_mutator_last_class(m);
            const char *path = pf_mutator_last_path(m);
            int s = path_index(strs, 4, path), n = path_index(nums, 4, path);
            if (c == PF_M_UNICODE && s >= 0) {
                /* the inserted text is control characters, raw or \u00XX */
                size_t d = 0;
                while (d < out.len && out.data[d] == ORDER[d])
                    d++;
                unsigned char ch = (unsigned char)out.data[d];
                ctl[s] += ch < 0x20 || ch == 0x7f ||
                          (ch == '\\' && !strncmp(out.data + d, "\\u00", 4) &&
                           (out.data[d + 4] == '0' || out.data[d + 4] == '1'));
            }
            if (c == PF_M_OVERSIZE && s >= 0) {
                at_path a = find_at(&j, out.data, out.len, path);
                assert_int_equal(a.kind, PF_J_STRING);
                size_t len = (size_t)(j.tok[a.tok].end - j.tok[a.tok].start);
                k4[s] += len == 4097;
                k64[s] += len == 65536;
            }
            if (c == PF_M_NUMBER && n >= 0) {
                at_path a = find_at(&j, out.data, out.len, path);
                const char *v = out.data + j.tok[a.tok].start;
                size_t len = (size_t)(j.tok[a.tok].end - j.tok[a.tok].start);
                p32[n] += len == 10 && !memcmp(v, "2147483648", 10);
                mil[n] += (len > 6 && !memcmp(v + len - 6, "000000", 6)) ||
                          (len > 2 && !memcmp(v + len - 2, "e6", 2));
            }
            if (c == PF_M_DEEP) {
                assert_true(pf_json_scan_depth(out.data, out.len, INT_MAX, NULL) >=
                            (int)pf_mutator_last_amount(m));
                d65 += pf_mutator_last_amount(m) == 65;
                d257 += pf_mutator_last_amount(m) == 257;
            }
        }
        for (int k = 0; k < 4; k++)
            hits[on] += (ctl[k] > 0) + (k4[k] > 0) + (k64[k] > 0) +
                        (mil[k] > 0) + (p32[k] > 0);
        hits[on] += (d65 > 0) + (d257 > 0);
        pf_json_free(&j);
        pf_buf_free(&out);
        pf_mutator_free(m);
    }
    assert_int_equal(hits[1], 22); /* every field, every boundary */
    assert_true(hits[0] < 16);
}

/* With a profile, the pass mutates documents in production's shape only:
 * given one order once and then, for every call, a document the target
 * would reject (a total sent as a string, which production never did),
 * the pass's 4,097-byte strings are all cut from the order. */
static void first_pass_mutates_production_shaped_parents(void **st)
{
    (void)st;
    pf_shape_builder *b = new_builder();
    pf_err err = PF_ERR_INIT;
    for (int k = 0; k < 20; k++)
        assert_int_equal(pf_shape_add_doc(b, ORDER, strlen(ORDER), "t", &err), 1);
    pf_shape *shape = finish_profile(b);
    pf_mutator *m = first_pass_mutator(shape);
    char odd[sizeof ORDER + 8];
    const char *t = strstr(ORDER, "\"total\":25.0");
    assert_non_null(t);
    snprintf(odd, sizeof odd, "%.*s\"total\":\"25\"%s", (int)(t - ORDER), ORDER,
             t + strlen("\"total\":25.0"));
    pf_buf out = PF_BUF_INIT;
    int from_order = 0, from_odd = 0;
    for (uint64_t seed = 0; seed < 600; seed++) {
        const char *in = seed ? odd : ORDER;
        pf_mutator_seed(m, 700000 + seed);
        assert_int_equal(pf_mutate(m, in, strlen(in), MAXSZ, &out, &err), 0);
        if (pf_mutator_last_class(m) != PF_M_OVERSIZE || out.len < 4097)
            continue;
        from_order += memmem(out.data, out.len, "\"total\":25.0", 12) != NULL;
        from_odd += memmem(out.data, out.len, "\"total\":\"25\"", 12) != NULL;
    }
    assert_true(from_order >= 4); /* the four strings at 4,097 and 65,536 */
    assert_true(from_odd < from_order);
    pf_buf_free(&out);
    pf_mutator_free(m);
    pf_shape_free(shape);
}

/* A target whose inputs are not JSON: the pass pools none of them, so
 * every mutant is made from the input the fuzzer handed over, never from
 * one it handed over before (16 earlier inputs, then another one 2,000
 * times: no mutant carries the earlier ones' text). */
static void first_pass_leaves_inputs_that_are_not_json_alone(void **st)
{
    (void)st;
    pf_mutator *m = first_pass_mutator(NULL);
    pf_buf out = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    char early[32];
    for (int k = 0; k < 16; k++) {
        snprintf(early, sizeof early, "COPY t FROM stdin; -- %02d", k);
        pf_mutator_seed(m, (uint64_t)k);
        assert_int_equal(pf_mutate(m, early, strlen(early), 4096, &out, &err), 0);
    }
    static const char later[] = "host=db port=5432 dbname=orders";
    int from_early = 0;
    for (uint64_t seed = 100; seed < 2100; seed++) {
        pf_mutator_seed(m, seed);
        assert_int_equal(pf_mutate(m, later, strlen(later), 4096, &out, &err), 0);
        from_early += memmem(out.data, out.len, "COPY t", 6) != NULL;
    }
    assert_int_equal(from_early, 0);
    pf_buf_free(&out);
    pf_mutator_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(null_puts_null_at_the_named_path),
        cmocka_unit_test(missing_drops_the_member_and_stays_valid),
        cmocka_unit_test(type_changes_the_kind_at_the_path),
        cmocka_unit_test(oversize_string_has_the_length_it_says),
        cmocka_unit_test(oversize_reaches_one_mebibyte_when_allowed),
        cmocka_unit_test(number_puts_a_number_at_the_path),
        cmocka_unit_test(deep_nests_as_deep_as_it_says),
        cmocka_unit_test(deep_respects_max_depth_and_max_size),
        cmocka_unit_test(legacy_without_profile_sends_numbers_as_strings_or_renames),
        cmocka_unit_test(unicode_breaks_text_inside_a_string_only),
        cmocka_unit_test(dupkey_repeats_the_key),
        cmocka_unit_test(truncate_cuts_a_prefix),
        cmocka_unit_test(format_keeps_the_rest_of_the_document),
        cmocka_unit_test(same_seed_same_mutant),
        cmocka_unit_test(every_mutant_fits_max_size),
        cmocka_unit_test(classes_restrict_what_is_chosen),
        cmocka_unit_test(shrink_is_structural_when_max_is_below_input),
        cmocka_unit_test(non_json_goes_to_byte_mutation),
        cmocka_unit_test(hostile_inputs_do_not_crash),
        cmocka_unit_test(crossover_takes_the_value_at_the_same_path),
        cmocka_unit_test(env_configures_the_engine),
        cmocka_unit_test(trim_candidates_stay_json_and_shrink),
        cmocka_unit_test(profile_values_are_just_past_production),
        cmocka_unit_test(legacy_applies_the_rare_variants_of_the_profile),
        cmocka_unit_test(legacy_keys_keep_their_exact_bytes),
        cmocka_unit_test(empty_empties_a_value_that_had_content),
        cmocka_unit_test(unicode_puts_control_characters_raw_and_escaped),
        cmocka_unit_test(unicode_writes_valid_rare_text_and_surrogate_pairs),
        cmocka_unit_test(format_respells_dates_ids_and_addresses_as_their_format_allows),
        cmocka_unit_test(oversize_hits_integer_width_boundaries),
        cmocka_unit_test(oversize_widths_are_relative_to_the_profile),
        cmocka_unit_test(legacy_never_sends_an_ordinary_rare_value),
        cmocka_unit_test(schedule_learns_the_typical_size),
        cmocka_unit_test(schedule_reduces_a_grown_array_before_mutating),
        cmocka_unit_test(schedule_denests_deep_parents_in_one_pass),
        cmocka_unit_test(schedule_cuts_a_grown_string_without_breaking_it),
        cmocka_unit_test(switches_are_set_by_env),
        cmocka_unit_test(schedule_makes_growth_classes_rarer),
        cmocka_unit_test(schedule_credit_bounds_big_mutants),
        cmocka_unit_test(first_pass_takes_every_field_to_its_boundaries),
        cmocka_unit_test(first_pass_mutates_production_shaped_parents),
        cmocka_unit_test(first_pass_leaves_inputs_that_are_not_json_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
