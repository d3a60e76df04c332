/*
 * test_json_limits: pf_json's size limit. Token offsets and capacities are
 * ints (jsmn's); documents over 1 GiB are refused before a byte is read,
 * so no capacity arithmetic can overflow (it used to double an int
 * capacity and add 64 to (int)len, undefined past 1 GiB).
 */
#include "pf_test.h"

#include <sys/mman.h>

#include "pf_json.h"

static void documents_over_1_gib_are_refused_before_reading(void **st)
{
    (void)st;
    /* address space only: PROT_NONE, so any read of it would crash */
    size_t len = PF_JSON_MAX_BYTES + 1;
    void *big = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    assert_true(big != MAP_FAILED);
    pf_json j = PF_JSON_INIT;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_json_parse(&j, big, len, &e), -1);
    assert_int_equal(e.code, PF_E_INPUT);
    assert_non_null(strstr(e.msg, "too large"));
    assert_non_null(strstr(e.msg, "1 GiB"));
    pf_json_free(&j);
    munmap(big, len);
}

static void a_document_needing_many_token_regrowths_parses(void **st)
{
    (void)st;
    /* 200,000 tokens: the token array doubles from 64 a dozen times */
    pf_buf b = PF_BUF_INIT;
    pf_buf_addc(&b, '[');
    for (int i = 0; i < 200000; i++)
        pf_buf_adds(&b, i ? ",1" : "1");
    pf_buf_addc(&b, ']');
    pf_json j = PF_JSON_INIT;
    pf_err e = PF_ERR_INIT;
    assert_int_equal(pf_json_parse(&j, b.data, b.len, &e), 0);
    assert_int_equal(j.ntok, 200001);
    pf_json_free(&j);
    pf_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(documents_over_1_gib_are_refused_before_reading),
        cmocka_unit_test(a_document_needing_many_token_regrowths_parses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
