/*
 * Unit tests of the keyed primitives: FF1 against NIST SP 800-38G's
 * published sample vectors, the HMAC PRF's reused context against a
 * one-shot HMAC, and the Feistel permutations being one-to-one.
 */
#include "pf_test.h"

#include <openssl/evp.h>

#include "pf_fpe.h"

static void unhex(const char *h, unsigned char *out, size_t *n)
{
    size_t l = strlen(h) / 2;
    for (size_t i = 0; i < l; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
    *n = l;
}

static const char A36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

static void ff1_matches_nist_samples_1_to_9(void **st)
{
    (void)st;
    static const struct {
        const char *key, *tweak, *pt, *ct;
        unsigned radix;
    } v[] = {
        {"2B7E151628AED2A6ABF7158809CF4F3C", "", "0123456789", "2433477484", 10},
        {"2B7E151628AED2A6ABF7158809CF4F3C", "39383736353433323130", "0123456789", "6124200773", 10},
        {"2B7E151628AED2A6ABF7158809CF4F3C", "3737373770717273373737", "0123456789abcdefghi",
         "a9tv40mll9kdu509eum", 36},
        {"2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F", "", "0123456789", "2830668132", 10},
        {"2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F", "39383736353433323130", "0123456789",
         "2496655549", 10},
        {"2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F", "3737373770717273373737",
         "0123456789abcdefghi", "xbj3kv35jrawxv32ysr", 36},
        {"2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94", "", "0123456789",
         "6657667009", 10},
        {"2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94",
         "39383736353433323130", "0123456789", "1001623463", 10},
        {"2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94",
         "3737373770717273373737", "0123456789abcdefghi", "xs8a0azh2avyalyzuwd", 36},
    };
    for (size_t s = 0; s < sizeof v / sizeof v[0]; s++) {
        unsigned char key[32], tw[32];
        size_t kl, tl;
        unhex(v[s].key, key, &kl);
        unhex(v[s].tweak, tw, &tl);
        pf_ff1 f;
        pf_err e = PF_ERR_INIT;
        assert_int_equal(pf_ff1_init(&f, key, kl, &e), 0);
        uint16_t x[32];
        size_t n = strlen(v[s].pt);
        for (size_t i = 0; i < n; i++)
            x[i] = (uint16_t)(strchr(A36, v[s].pt[i]) - A36);
        assert_int_equal(pf_ff1_encrypt(&f, v[s].radix, tw, tl, x, n), 0);
        char got[32];
        for (size_t i = 0; i < n; i++)
            got[i] = A36[x[i]];
        got[n] = '\0';
        print_message("FF1 sample %zu: %s\n", s + 1, got);
        assert_string_equal(got, v[s].ct);
        pf_ff1_free(&f);
    }
}

static void ff1_refuses_bad_arguments(void **st)
{
    (void)st;
    unsigned char key[16] = {0};
    pf_ff1 f;
    assert_int_equal(pf_ff1_init(&f, key, 16, NULL), 0);
    uint16_t x[4] = {1, 2, 3, 4};
    assert_int_equal(pf_ff1_encrypt(&f, 10, NULL, 0, x, 1), -1);     /* n < 2 */
    assert_int_equal(pf_ff1_encrypt(&f, 1, NULL, 0, x, 4), -1);      /* radix */
    assert_int_equal(pf_ff1_encrypt(&f, 2, NULL, 0, x, 4), -1);      /* 2^4 < 100 */
    pf_ff1_free(&f);
    assert_int_equal(pf_ff1_init(&f, key, 15, NULL), -1);
}

static void prf_with_reused_context_equals_one_shot_hmac(void **st)
{
    (void)st;
    unsigned char key[32];
    for (int i = 0; i < 32; i++)
        key[i] = (unsigned char)(i * 7 + 1);
    pf_prf p;
    assert_int_equal(pf_prf_init(&p, key, sizeof key, NULL), 0);
    for (int round = 0; round < 3; round++) {
        const char *msgs[] = {"", "a", "hello world", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef+"};
        for (size_t m = 0; m < 4; m++) {
            unsigned char a[32], b[32];
            size_t bl = 0;
            pf_prf_2(&p, msgs[m], strlen(msgs[m]) / 2, msgs[m] + strlen(msgs[m]) / 2,
                     strlen(msgs[m]) - strlen(msgs[m]) / 2, a);
            assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, sizeof key,
                                      (const unsigned char *)msgs[m], strlen(msgs[m]), b,
                                      sizeof b, &bl));
            assert_int_equal(bl, 32);
            assert_memory_equal(a, b, 32);
        }
    }
    pf_prf_free(&p);
}

static void feistel_digits_is_one_to_one_and_keyed(void **st)
{
    (void)st;
    unsigned char key[32] = "feistel test key ............";
    pf_prf p;
    assert_int_equal(pf_prf_init(&p, key, sizeof key, NULL), 0);
    static unsigned char seen[9 * 10 * 26 * 10];
    memset(seen, 0, sizeof seen);
    uint32_t radix[4] = {9, 10, 26, 10};
    int changed = 0;
    for (uint32_t a = 0; a < 9; a++)
        for (uint32_t b = 0; b < 10; b++)
            for (uint32_t c = 0; c < 26; c++)
                for (uint32_t d = 0; d < 10; d++) {
                    uint32_t x[4] = {a, b, c, d};
                    pf_feistel_digits(&p, 42, x, radix, 4);
                    for (int i = 0; i < 4; i++)
                        assert_true(x[i] < radix[i]);
                    size_t idx = ((x[0] * 10 + x[1]) * 26 + x[2]) * 10 + x[3];
                    assert_int_equal(seen[idx], 0);
                    seen[idx] = 1;
                    changed += x[0] != a || x[1] != b || x[2] != c || x[3] != d;
                }
    assert_true(changed > 9 * 10 * 26 * 10 * 9 / 10);
    pf_prf_free(&p);
}

static void permute_int_is_a_permutation_of_the_domain(void **st)
{
    (void)st;
    unsigned char key[16] = "0123456789abcdef";
    pf_prf p;
    assert_int_equal(pf_prf_init(&p, key, sizeof key, NULL), 0);
    const uint64_t doms[] = {1, 2, 365, 366, 1440};
    for (size_t d = 0; d < 5; d++) {
        unsigned char *seen = calloc(doms[d], 1);
        for (uint64_t x = 0; x < doms[d]; x++) {
            uint64_t y = pf_permute_int(&p, 7, x, doms[d]);
            assert_true(y < doms[d]);
            assert_int_equal(seen[y], 0);
            seen[y] = 1;
        }
        free(seen);
    }
    pf_prf_free(&p);
}

static void siphash_matches_reference_vector(void **st)
{
    (void)st;
    /* SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e */
    unsigned char k[16], m[15];
    for (int i = 0; i < 16; i++)
        k[i] = (unsigned char)i;
    for (int i = 0; i < 15; i++)
        m[i] = (unsigned char)i;
    assert_true(pf_sip(k, m, 15) == 0xa129ca6149be45e5ULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ff1_matches_nist_samples_1_to_9),
        cmocka_unit_test(ff1_refuses_bad_arguments),
        cmocka_unit_test(prf_with_reused_context_equals_one_shot_hmac),
        cmocka_unit_test(feistel_digits_is_one_to_one_and_keyed),
        cmocka_unit_test(permute_int_is_a_permutation_of_the_domain),
        cmocka_unit_test(siphash_matches_reference_vector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
