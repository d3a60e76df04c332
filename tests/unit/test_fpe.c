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
    unsigned char key[16] = "feistel test key";
    pf_aes p;
    assert_int_equal(pf_aes_init(&p, key, NULL), 0);
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
    pf_aes_free(&p);
}

/* FIPS-197 appendix C.1: AES-128, key 00..0f, plaintext 00112233..ff. */
static void aes_matches_fips197_vector(void **st)
{
    (void)st;
    unsigned char key[16], blk[32];
    for (int i = 0; i < 16; i++) {
        key[i] = (unsigned char)i;
        blk[i] = blk[16 + i] = (unsigned char)(i * 0x11);
    }
    static const unsigned char want[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                           0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
    pf_aes p;
    assert_int_equal(pf_aes_init(&p, key, NULL), 0);
    pf_aes_blocks(&p, blk, blk, 2); /* in place, two blocks in one call */
    assert_memory_equal(blk, want, 16);
    assert_memory_equal(blk + 16, want, 16);
    assert_int_equal(p.calls, 1);
    pf_aes_free(&p);
}

/* Radices above 256 (two-byte digits in the round input, 32 bits of key
 * stream each) and halves longer than one AES block of key stream: still
 * one-to-one, and a different key or tweak gives a different map. */
static void feistel_digits_wide_radices_and_long_vectors(void **st)
{
    (void)st;
    unsigned char k1[16] = "wide radix key 1", k2[16] = "wide radix key 2";
    pf_aes p, q;
    assert_int_equal(pf_aes_init(&p, k1, NULL), 0);
    assert_int_equal(pf_aes_init(&q, k2, NULL), 0);
    /* whole domain of radices {20992, 3, 2}: 125952 vectors */
    uint32_t radix[3] = {20992, 3, 2};
    unsigned char *seen = calloc(20992 * 6, 1);
    assert_non_null(seen);
    int differ_key = 0, differ_tweak = 0;
    for (uint32_t a = 0; a < 20992; a++)
        for (uint32_t b = 0; b < 3; b++)
            for (uint32_t c = 0; c < 2; c++) {
                uint32_t x[3] = {a, b, c}, y[3] = {a, b, c}, z[3] = {a, b, c};
                pf_feistel_digits(&p, 9, x, radix, 3);
                pf_feistel_digits(&q, 9, y, radix, 3);
                pf_feistel_digits(&p, 10, z, radix, 3);
                assert_true(x[0] < 20992 && x[1] < 3 && x[2] < 2);
                size_t idx = ((size_t)x[0] * 3 + x[1]) * 2 + x[2];
                assert_int_equal(seen[idx], 0);
                seen[idx] = 1;
                differ_key += memcmp(x, y, sizeof x) != 0;
                differ_tweak += memcmp(x, z, sizeof x) != 0;
            }
    free(seen);
    assert_true(differ_key > 20992 * 6 * 9 / 10);
    assert_true(differ_tweak > 20992 * 6 * 9 / 10);
    /* 61 digits of radix 26: a half of 31 digits needs 62 bytes of key
     * stream; two inputs one digit apart differ in most outputs */
    uint32_t r26[61], x[61], y[61];
    for (int i = 0; i < 61; i++) {
        r26[i] = 26;
        x[i] = y[i] = (uint32_t)(i % 26);
    }
    y[60] = 0;
    pf_feistel_digits(&p, 1, x, r26, 61);
    pf_feistel_digits(&p, 1, y, r26, 61);
    int diff = 0;
    for (int i = 0; i < 61; i++) {
        assert_true(x[i] < 26);
        diff += x[i] != y[i];
    }
    assert_true(diff > 61 * 3 / 4);
    pf_aes_free(&p);
    pf_aes_free(&q);
}

static void permute_int_is_a_permutation_of_the_domain(void **st)
{
    (void)st;
    unsigned char key[16] = "0123456789abcdef";
    pf_aes p;
    assert_int_equal(pf_aes_init(&p, key, NULL), 0);
    const uint64_t doms[] = {1, 2, 365, 366, 1440, 86400};
    for (size_t d = 0; d < 6; d++) {
        unsigned char *seen = calloc(doms[d], 1);
        for (uint64_t x = 0; x < doms[d]; x++) {
            uint64_t y = pf_permute_int(&p, 7, x, doms[d]);
            assert_true(y < doms[d]);
            assert_int_equal(seen[y], 0);
            seen[y] = 1;
        }
        free(seen);
    }
    pf_aes_free(&p);
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
        cmocka_unit_test(aes_matches_fips197_vector),
        cmocka_unit_test(feistel_digits_wide_radices_and_long_vectors),
        cmocka_unit_test(permute_int_is_a_permutation_of_the_domain),
        cmocka_unit_test(siphash_matches_reference_vector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
