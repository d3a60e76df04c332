/*
 * pf_diff: outputs compared as JSON values (what a serializer may choose
 * does not count, what it says does, with the first differing path), a
 * pair of results turned into the right divergence kind, and the allow
 * file's format and matching.
 */
#include "pf_test.h"

#include "pf_diff.h"

/* compare two outputs; returns the verdict, the path into *path */
static int cmp(const char *a, const char *b, int exact, char **path)
{
    pf_buf x = PF_BUF_INIT, y = PF_BUF_INIT, p = PF_BUF_INIT;
    pf_err err = PF_ERR_INIT;
    pf_buf_adds(&x, a);
    pf_buf_adds(&y, b);
    int rc = pf_diff_output(&x, &y, exact, &p, &err);
    assert_true(rc == 0 || rc == 1);
    /* the verdict does not depend on which side is which */
    pf_buf q = PF_BUF_INIT;
    assert_int_equal(pf_diff_output(&y, &x, exact, &q, &err), rc);
    if (path)
        *path = strdup(pf_buf_str(&p));
    pf_buf_free(&x);
    pf_buf_free(&y);
    pf_buf_free(&p);
    pf_buf_free(&q);
    return rc;
}

static void output_ignores_key_order_whitespace_and_number_spelling(void **state)
{
    (void)state;
    assert_int_equal(cmp("{\"a\":1,\"b\":[1,2],\"c\":{\"d\":null}}",
                         " {\n  \"c\": {\"d\": null},\n  \"b\": [ 1, 2 ],\n  \"a\": 1\n}\n", 0,
                         NULL), 0);
    assert_int_equal(cmp("{\"n\":1.0}", "{\"n\":1}", 0, NULL), 0);
    assert_int_equal(cmp("{\"n\":1e2}", "{\"n\":100}", 0, NULL), 0);
    assert_int_equal(cmp("{\"n\":-0.5E1}", "{\"n\":-5}", 0, NULL), 0);
    assert_int_equal(cmp("[true,false,null,\"x\\u0041\"]", "[true,false,null,\"xA\"]", 0, NULL),
                     0);
    assert_int_equal(cmp("", "", 0, NULL), 0);
}

static void output_difference_has_the_first_differing_path(void **state)
{
    (void)state;
    char *p = NULL;
    assert_int_equal(cmp("{\"a\":1,\"b\":{\"c\":2}}", "{\"b\":{\"c\":3},\"a\":1}", 0, &p), 1);
    assert_string_equal(p, "$.b.c");
    free(p);
    assert_int_equal(cmp("{\"lines\":[{\"q\":1},{\"q\":2}]}", "{\"lines\":[{\"q\":1},{\"q\":5}]}",
                         0, &p), 1);
    assert_string_equal(p, "$.lines[*].q");
    free(p);
    /* a member only one side has */
    assert_int_equal(cmp("{\"a\":1}", "{\"a\":1,\"new field\":2}", 0, &p), 1);
    assert_string_equal(p, "$[\"new field\"]");
    free(p);
    /* an array whose length changed is the array's own path */
    assert_int_equal(cmp("{\"t\":[1,2]}", "{\"t\":[1,2,3]}", 0, &p), 1);
    assert_string_equal(p, "$.t");
    free(p);
    /* a type change */
    assert_int_equal(cmp("{\"id\":\"7\"}", "{\"id\":7}", 0, &p), 1);
    assert_string_equal(p, "$.id");
    free(p);
}

static void duplicate_keys_are_matched_one_to_one(void **state)
{
    (void)state;
    char *p = NULL;
    assert_int_equal(cmp("{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}", 0, NULL), 0);
    assert_int_equal(cmp("{\"a\":1,\"a\":2}", "{\"a\":1}", 0, &p), 1);
    assert_string_equal(p, "$.a");
    free(p);
    assert_int_equal(cmp("{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":3}", 0, NULL), 1);
}

static void non_json_or_exact_outputs_compare_bytes(void **state)
{
    (void)state;
    char *p = NULL;
    assert_int_equal(cmp("plain text\n", "plain text\n", 0, NULL), 0);
    assert_int_equal(cmp("plain text\n", "plain text", 0, &p), 1);
    assert_string_equal(p, "$");
    free(p);
    /* JSON on one side only, or a trailing word after the value */
    assert_int_equal(cmp("{\"a\":1}", "{\"a\":1} done", 0, NULL), 1);
    assert_int_equal(cmp("{\"a\":1}", "", 0, NULL), 1);
    /* --exact-output: spelling counts */
    assert_int_equal(cmp("{\"n\":1.0}", "{\"n\":1}", 1, &p), 1);
    assert_string_equal(p, "$");
    free(p);
    assert_int_equal(cmp("{\"n\":1}", "{\"n\":1}", 1, NULL), 0);
}

/* ---- pairs of results ---------------------------------------------------- */

static void result(pf_result *r, pf_outcome o, const char *out)
{
    pf_result_init(r);
    r->outcome = o;
    if (out)
        pf_buf_adds(&r->out, out);
}

static void crash(pf_result *r, const char *kind, const char *f1, int line)
{
    result(r, PF_OUT_CRASH, NULL);
    snprintf(r->crash.kind, sizeof r->crash.kind, "%s", kind);
    r->crash.nframes = 2;
    r->crash.frames[0].func = strdup("memcpy");
    r->crash.frames[0].own = 0;
    r->crash.frames[1].func = strdup(f1);
    r->crash.frames[1].file = strdup("parse.c");
    r->crash.frames[1].line = line;
    r->crash.frames[1].own = 1;
}

static pf_diff_verdict verdict(pf_result *o, pf_result *n, const char *kind, const char *path)
{
    pf_diff d;
    pf_diff_init(&d);
    pf_err err = PF_ERR_INIT;
    pf_diff_opts opt = {0};
    assert_int_equal(pf_diff_results(o, n, &opt, &d, &err), 0);
    assert_string_equal(d.kind, kind);
    assert_string_equal(pf_buf_str(&d.path), path);
    pf_diff_verdict v = d.verdict;
    pf_diff_free(&d);
    pf_result_free(o);
    pf_result_free(n);
    return v;
}

static void result_pairs_get_the_documented_kinds(void **state)
{
    (void)state;
    pf_result o, n;
    result(&o, PF_OUT_OK, "{\"a\":1}");
    result(&n, PF_OUT_REJECTED, NULL);
    assert_int_equal(verdict(&o, &n, "accept->reject", ""), PF_DIFF_DIVERGED);
    result(&o, PF_OUT_REJECTED, NULL);
    result(&n, PF_OUT_OK, "{}");
    assert_int_equal(verdict(&o, &n, "reject->accept", ""), PF_DIFF_DIVERGED);
    result(&o, PF_OUT_OK, "{\"a\":{\"b\":1}}");
    result(&n, PF_OUT_OK, "{\"a\":{\"b\":2}}");
    assert_int_equal(verdict(&o, &n, "output", "$.a.b"), PF_DIFF_DIVERGED);
    result(&o, PF_OUT_OK, "{\"a\":1.0}");
    result(&n, PF_OUT_OK, "{\"a\":1}");
    assert_int_equal(verdict(&o, &n, "", ""), PF_DIFF_SAME);
    /* two rejections' messages are not compared */
    result(&o, PF_OUT_REJECTED, "bad id");
    result(&n, PF_OUT_REJECTED, "invalid id");
    assert_int_equal(verdict(&o, &n, "", ""), PF_DIFF_SAME);
    result(&o, PF_OUT_OK, NULL);
    result(&n, PF_OUT_TIMEOUT, NULL);
    assert_int_equal(verdict(&o, &n, "new-timeout", ""), PF_DIFF_DIVERGED);
    result(&o, PF_OUT_REJECTED, NULL);
    crash(&n, "heap-buffer-overflow", "parse_name", 10);
    assert_int_equal(verdict(&o, &n, "new-crash", ""), PF_DIFF_DIVERGED);
    result(&o, PF_OUT_SILENT_EXIT, NULL);
    result(&n, PF_OUT_OK, NULL);
    assert_int_equal(verdict(&o, &n, "fixed-silent-exit", ""), PF_DIFF_DIVERGED);
    result(&o, PF_OUT_TIMEOUT, NULL);
    result(&n, PF_OUT_OOM, NULL);
    assert_int_equal(verdict(&o, &n, "changed-oom", ""), PF_DIFF_DIVERGED);
}

static void the_same_failure_in_both_is_no_divergence(void **state)
{
    (void)state;
    pf_result o, n;
    /* same kind and function; the line moved with the change */
    crash(&o, "heap-buffer-overflow", "parse_name", 10);
    crash(&n, "heap-buffer-overflow", "parse_name", 14);
    assert_int_equal(verdict(&o, &n, "", ""), PF_DIFF_BOTH);
    crash(&o, "heap-buffer-overflow", "parse_name", 10);
    crash(&n, "heap-buffer-overflow", "parse_email", 10);
    assert_int_equal(verdict(&o, &n, "changed-crash", ""), PF_DIFF_DIVERGED);
    crash(&o, "heap-buffer-overflow", "parse_name", 10);
    crash(&n, "stack-buffer-overflow", "parse_name", 10);
    assert_int_equal(verdict(&o, &n, "changed-crash", ""), PF_DIFF_DIVERGED);
    /* where a timeout was stopped is no identity */
    result(&o, PF_OUT_TIMEOUT, NULL);
    result(&n, PF_OUT_TIMEOUT, NULL);
    assert_int_equal(verdict(&o, &n, "", ""), PF_DIFF_BOTH);
}

/* ---- the allow file ------------------------------------------------------ */

static int parse(pf_allow *a, const char *text, pf_err *err)
{
    pf_allow_init(a);
    return pf_allow_parse(a, text, strlen(text), "allow.txt", err);
}

static void allow_file_lines_comments_and_globs(void **state)
{
    (void)state;
    pf_allow a;
    pf_err err = PF_ERR_INIT;
    assert_int_equal(parse(&a,
                           "# intended changes of PR 1234\n"
                           "\n"
                           "accept->reject   $.customer.email\n"
                           "   # an indented comment\n"
                           "output\t$.totals.**\r\n"
                           "fixed-* *\n"
                           "new-?rash $[\"odd key\"].x\n",
                           &err),
                     0);
    assert_int_equal(a.n, 4);
    assert_int_equal(a.rules[0].line, 3);
    assert_int_equal(a.rules[1].line, 5);
    assert_null(a.rules[2].path);
    assert_ptr_equal(pf_allow_match(&a, "accept->reject", "$.customer.email"), &a.rules[0]);
    assert_null(pf_allow_match(&a, "accept->reject", "$.customer.name"));
    assert_null(pf_allow_match(&a, "reject->accept", "$.customer.email"));
    assert_ptr_equal(pf_allow_match(&a, "output", "$.totals.net"), &a.rules[1]);
    assert_ptr_equal(pf_allow_match(&a, "output", "$.totals.lines[*].tax"), &a.rules[1]);
    assert_null(pf_allow_match(&a, "output", "$.total"));
    assert_ptr_equal(pf_allow_match(&a, "fixed-crash", "$"), &a.rules[2]);
    assert_ptr_equal(pf_allow_match(&a, "fixed-timeout", "$.a"), &a.rules[2]);
    assert_ptr_equal(pf_allow_match(&a, "new-crash", "$[\"odd key\"].x"), &a.rules[3]);
    assert_null(pf_allow_match(&a, "new-crash", "$.odd"));
    assert_int_equal(a.rules[0].hits, 1);
    assert_int_equal(a.rules[2].hits, 2);
    pf_allow_free(&a);
    /* an empty file allows nothing */
    assert_int_equal(parse(&a, "", &err), 0);
    assert_int_equal(a.n, 0);
    assert_null(pf_allow_match(&a, "output", "$"));
    pf_allow_free(&a);
}

static void allow_file_errors_name_the_line(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"output $.a\naccept-reject $.b\n", "allow.txt:2: 'accept-reject' matches no divergence kind"},
        {"output\n", "allow.txt:1: want KIND PATH"},
        {"# c\noutput a.b\n", "allow.txt:2: bad path"},
        {"new-crash $.a[\n", "allow.txt:1: bad path"},
        {"output $.a\nx\0y $.b\n", "allow.txt:2: a NUL byte"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pf_allow a;
        pf_err err = PF_ERR_INIT;
        size_t len = strlen(bad[i].text);
        if (i == 4)
            len = 19; /* past the NUL */
        pf_allow_init(&a);
        assert_int_equal(pf_allow_parse(&a, bad[i].text, len, "allow.txt", &err), -1);
        assert_int_equal(err.code, PF_E_INPUT);
        if (!strstr(err.msg, bad[i].want))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].want);
        pf_allow_free(&a);
    }
}

static void glob_has_star_and_question_mark_only(void **state)
{
    (void)state;
    assert_true(pf_glob_match("*", ""));
    assert_true(pf_glob_match("new-*", "new-silent-exit"));
    assert_true(pf_glob_match("*->*", "accept->reject"));
    assert_true(pf_glob_match("?ixed-crash", "fixed-crash"));
    assert_false(pf_glob_match("new-*", "fixed-crash"));
    assert_false(pf_glob_match("[a]", "a"));
    assert_true(pf_glob_match("[a]", "[a]"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(output_ignores_key_order_whitespace_and_number_spelling),
        cmocka_unit_test(output_difference_has_the_first_differing_path),
        cmocka_unit_test(duplicate_keys_are_matched_one_to_one),
        cmocka_unit_test(non_json_or_exact_outputs_compare_bytes),
        cmocka_unit_test(result_pairs_get_the_documented_kinds),
        cmocka_unit_test(the_same_failure_in_both_is_no_divergence),
        cmocka_unit_test(allow_file_lines_comments_and_globs),
        cmocka_unit_test(allow_file_errors_name_the_line),
        cmocka_unit_test(glob_has_star_and_question_mark_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
