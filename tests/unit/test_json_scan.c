/*
 * test_json_scan: pf_json's text scans, the one home of each (whitespace,
 * hex digits, \u escapes, the number grammar, string ends, depth and value
 * counts) that the mutator, the path parser and the PostgreSQL stream use.
 */
#include "pf_test.h"

#include "pf_json.h"

#define S(lit) lit, sizeof lit - 1

static void whitespace_is_jsons_four(void **st)
{
    (void)st;
    assert_true(pf_json_is_ws(' ') && pf_json_is_ws('\t') && pf_json_is_ws('\n') &&
                pf_json_is_ws('\r'));
    assert_false(pf_json_is_ws('\v') || pf_json_is_ws('\f') || pf_json_is_ws(0xA0));
}

static void hex_digits_and_u_escapes(void **st)
{
    (void)st;
    assert_int_equal(pf_json_hexval('0'), 0);
    assert_int_equal(pf_json_hexval('f'), 15);
    assert_int_equal(pf_json_hexval('F'), 15);
    assert_int_equal(pf_json_hexval('g'), -1);
    assert_int_equal(pf_json_read_u4("00e9"), 0xe9);
    assert_int_equal(pf_json_read_u4("D83D"), 0xD83D);
    assert_int_equal(pf_json_read_u4("12x4"), -1);
}

static void number_grammar_is_rfc_8259s(void **st)
{
    (void)st;
    assert_true(pf_json_is_number(S("0")));
    assert_true(pf_json_is_number(S("-12.50e+3")));
    assert_true(pf_json_is_number(S("1E-7")));
    assert_false(pf_json_is_number(S("01")));
    assert_false(pf_json_is_number(S("+1")));
    assert_false(pf_json_is_number(S("1.")));
    assert_false(pf_json_is_number(S(".5")));
    assert_false(pf_json_is_number(S("1e")));
    assert_false(pf_json_is_number(S("NaN")));
    assert_false(pf_json_is_number(S("")));
    assert_false(pf_json_is_number(S("1 ")));
}

static void string_ends_skip_escapes(void **st)
{
    (void)st;
    static const char t[] = "\"a\\\"b\\\\\" x";
    assert_int_equal(pf_json_str_end(t, sizeof t - 1, 0), 7);
    assert_int_equal(pf_json_str_end(S("\"open"), 0), 5); /* unterminated: n */
}

static void depth_scan_counts_values_and_skips_strings(void **st)
{
    (void)st;
    uint64_t v = 0;
    assert_int_equal(pf_json_scan_depth(S("{\"a\":[1,2,{\"b\":\"[[[\"}],\"c\":3}"), 100, &v), 3);
    assert_int_equal(v, 7); /* 3 openers, 3 commas, the root */
    assert_int_equal(pf_json_scan_depth(S("[[[[[[[[[["), 3, NULL), 4); /* stops past 3 */
    assert_int_equal(pf_json_scan_depth(S("\"}}}\""), 100, &v), 0);
    assert_int_equal(v, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whitespace_is_jsons_four),
        cmocka_unit_test(hex_digits_and_u_escapes),
        cmocka_unit_test(number_grammar_is_rfc_8259s),
        cmocka_unit_test(string_ends_skip_escapes),
        cmocka_unit_test(depth_scan_counts_values_and_skips_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
