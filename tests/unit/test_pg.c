/*
 * test_pg: the parts of pf_pg that need no server: spotting a password in
 * a connection string (to warn about it), and decoding COPY's text format
 * and bytea's hex output. Everything that talks to PostgreSQL is tested
 * against a real server in tests/integration/test_sample*.sh.
 */
#include "pf_test.h"

#include "pf_pg.h"

static void conninfo_password_is_spotted_in_strings_and_uris(void **state)
{
    (void)state;
    assert_int_equal(pf_pg_conninfo_has_password("host=db user=u password=s3cret"), 1);
    assert_int_equal(pf_pg_conninfo_has_password("postgresql://u:s3cret@db/shop"), 1);
    assert_int_equal(pf_pg_conninfo_has_password("postgresql://u@db/shop?password=x"), 1);
    assert_int_equal(pf_pg_conninfo_has_password("host=db user=u"), 0);
    assert_int_equal(pf_pg_conninfo_has_password("postgresql://u@db/shop"), 0);
    assert_int_equal(pf_pg_conninfo_has_password("password=''"), 0);
    assert_int_equal(pf_pg_conninfo_has_password(""), 0);
    assert_int_equal(pf_pg_conninfo_has_password(NULL), 0);
    assert_int_equal(pf_pg_conninfo_has_password("host=db nosuchkeyword=1"), -1);
    assert_int_equal(pf_pg_conninfo_has_password("host='unterminated"), -1);
}

static void copy_text_row_is_unescaped(void **state)
{
    (void)state;
    char a[] = "{\"a\": \"x\\\\ny\"}\\n\\t\n";
    size_t n = strlen(a);
    assert_int_equal(pf_pg_copy_unescape(a, &n), 0);
    assert_int_equal(n, strlen("{\"a\": \"x\\ny\"}\n\t"));
    assert_memory_equal(a, "{\"a\": \"x\\ny\"}\n\t", n);

    char b[] = "\\N\n";
    n = strlen(b);
    assert_int_equal(pf_pg_copy_unescape(b, &n), 1);

    char c[] = "\\\\N";
    n = strlen(c);
    assert_int_equal(pf_pg_copy_unescape(c, &n), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(c, "\\N", 2);

    char d[] = "\\101\\x42\\b\\f\\r\\v\\q";
    n = strlen(d);
    assert_int_equal(pf_pg_copy_unescape(d, &n), 0);
    assert_int_equal(n, 7);
    assert_memory_equal(d, "AB\b\f\r\vq", 7);

    char e[] = "";
    n = 0;
    assert_int_equal(pf_pg_copy_unescape(e, &n), 0);
    assert_int_equal(n, 0);
}

static void bytea_hex_is_decoded_and_bad_hex_refused(void **state)
{
    (void)state;
    char a[] = "\\xdeadBEEF00";
    size_t n = strlen(a);
    assert_int_equal(pf_pg_bytea_decode(a, &n), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(a, "\xde\xad\xbe\xef\x00", 5);
    char b[] = "\\x";
    n = strlen(b);
    assert_int_equal(pf_pg_bytea_decode(b, &n), 0);
    assert_int_equal(n, 0);
    char c[] = "\\x123";
    n = strlen(c);
    assert_int_equal(pf_pg_bytea_decode(c, &n), -1);
    char d[] = "\\xzz";
    n = strlen(d);
    assert_int_equal(pf_pg_bytea_decode(d, &n), -1);
    char e[] = "deadbeef";
    n = strlen(e);
    assert_int_equal(pf_pg_bytea_decode(e, &n), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conninfo_password_is_spotted_in_strings_and_uris),
        cmocka_unit_test(copy_text_row_is_unescaped),
        cmocka_unit_test(bytea_hex_is_decoded_and_bad_hex_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
