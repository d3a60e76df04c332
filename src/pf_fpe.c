/*
 * pf_fpe: FF1, the HMAC PRF with one reused context, SipHash and the
 * mixed-radix Feistel permutation. See pf_fpe.h for why each exists.
 */
#include "pf_fpe.h"

#include <math.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* ---- FF1 ------------------------------------------------------------------ */

int pf_ff1_init(pf_ff1 *f, const unsigned char *key, size_t keylen,
                pf_err *err)
{
    const EVP_CIPHER *c = keylen == 16 ? EVP_aes_128_ecb()
                        : keylen == 24 ? EVP_aes_192_ecb()
                        : keylen == 32 ? EVP_aes_256_ecb() : NULL;
    f->ecb = NULL;
    if (!c)
        return pf_err_set(err, PF_E_INTERNAL, "FF1 key must be 16, 24 or 32 bytes");
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    if (!x || EVP_EncryptInit_ex(x, c, NULL, key, NULL) != 1) {
        EVP_CIPHER_CTX_free(x);
        return pf_err_set(err, PF_E_ENV, "OpenSSL: cannot set up AES for FF1");
    }
    EVP_CIPHER_CTX_set_padding(x, 0);
    f->ecb = x;
    return 0;
}

void pf_ff1_free(pf_ff1 *f)
{
    if (f && f->ecb)
        EVP_CIPHER_CTX_free(f->ecb);
    if (f)
        f->ecb = NULL;
}

static void aes_block(pf_ff1 *f, const unsigned char in[16], unsigned char out[16])
{
    int ol = 0;
    EVP_EncryptUpdate(f->ecb, out, &ol, in, 16);
}

/* Big-endian unsigned integers in byte arrays. */
#define BN_MAX (PF_FF1_MAXLEN * 2 + 64)

static void bn_mul_add(unsigned char *x, size_t len, unsigned mul, unsigned add)
{
    uint64_t carry = add;
    for (size_t i = len; i-- > 0;) {
        uint64_t v = (uint64_t)x[i] * mul + carry;
        x[i] = (unsigned char)v;
        carry = v >> 8;
    }
}

static unsigned bn_divmod(unsigned char *x, size_t len, unsigned d)
{
    uint64_t rem = 0;
    for (size_t i = 0; i < len; i++) {
        uint64_t cur = (rem << 8) | x[i];
        x[i] = (unsigned char)(cur / d);
        rem = cur % d;
    }
    return (unsigned)rem;
}

/* x (len) += y (ylen <= len), both big-endian. */
static void bn_add(unsigned char *x, size_t len, const unsigned char *y, size_t ylen)
{
    unsigned carry = 0;
    for (size_t i = 0; i < len; i++) {
        size_t xi = len - 1 - i;
        unsigned v = x[xi] + carry + (i < ylen ? y[ylen - 1 - i] : 0);
        x[xi] = (unsigned char)v;
        carry = v >> 8;
    }
}

int pf_ff1_encrypt(pf_ff1 *f, unsigned radix, const unsigned char *tweak,
                   size_t tlen, uint16_t *x, size_t n)
{
    if (!f->ecb || radix < 2 || radix > 65536 || n < 2 || n > PF_FF1_MAXLEN ||
        tlen > 256)
        return -1;
    if (pow((double)radix, (double)n) < 100.0)
        return -1;
    size_t u = n / 2, v = n - u;
    double bits = (double)v * log2((double)radix);
    size_t b = (size_t)ceil(ceil(bits - 1e-9) / 8.0);
    size_t d = 4 * ((b + 3) / 4) + 4;
    unsigned char P[16] = {1, 2, 1, (unsigned char)(radix >> 16),
                           (unsigned char)(radix >> 8), (unsigned char)radix,
                           10, (unsigned char)(u % 256),
                           (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                           (unsigned char)(n >> 8), (unsigned char)n,
                           (unsigned char)(tlen >> 24), (unsigned char)(tlen >> 16),
                           (unsigned char)(tlen >> 8), (unsigned char)tlen};
    uint16_t A[PF_FF1_MAXLEN], B[PF_FF1_MAXLEN], C[PF_FF1_MAXLEN];
    memcpy(A, x, u * sizeof *A);
    memcpy(B, x + u, v * sizeof *B);
    size_t la = u, lb = v;
    size_t pad = (16 - ((tlen + b + 1) % 16)) % 16;
    size_t qlen = tlen + pad + 1 + b;
    unsigned char Q[256 + 16 + 1 + BN_MAX];
    unsigned char R[16], S[BN_MAX + 16], blk[16], tmp[16];
    for (unsigned i = 0; i < 10; i++) {
        /* Q = T || 0^pad || [i] || [NUM_radix(B)]^b */
        if (tlen)
            memcpy(Q, tweak, tlen);
        memset(Q + tlen, 0, pad);
        Q[tlen + pad] = (unsigned char)i;
        unsigned char *nb = Q + tlen + pad + 1;
        memset(nb, 0, b);
        for (size_t k = 0; k < lb; k++)
            bn_mul_add(nb, b, radix, B[k]);
        /* R = PRF(P || Q): CBC-MAC with a zero IV. */
        aes_block(f, P, R);
        for (size_t off = 0; off < qlen; off += 16) {
            for (int k = 0; k < 16; k++)
                blk[k] = R[k] ^ Q[off + k];
            aes_block(f, blk, R);
        }
        /* S = R || CIPH(R ^ [1]) || CIPH(R ^ [2]) ... first d bytes */
        memcpy(S, R, 16);
        for (size_t j = 1; j * 16 < d; j++) {
            memcpy(blk, R, 16);
            for (int k = 0; k < 8; k++)
                blk[15 - k] ^= (unsigned char)((uint64_t)j >> (8 * k));
            aes_block(f, blk, tmp);
            memcpy(S + 16 * j, tmp, 16);
        }
        size_t m = (i % 2 == 0) ? u : v;
        /* c = (NUM_radix(A) + NUM(S[0..d))) mod radix^m */
        size_t cl = (d > b ? d : b) + 2;
        unsigned char cnum[BN_MAX + 8];
        memset(cnum, 0, cl);
        for (size_t k = 0; k < la; k++)
            bn_mul_add(cnum, cl, radix, A[k]);
        bn_add(cnum, cl, S, d);
        for (size_t k = m; k-- > 0;)
            C[k] = (uint16_t)bn_divmod(cnum, cl, radix);
        memcpy(A, B, lb * sizeof *A);
        la = lb;
        memcpy(B, C, m * sizeof *B);
        lb = m;
    }
    memcpy(x, A, la * sizeof *x);
    memcpy(x + la, B, lb * sizeof *x);
    return 0;
}

/* ---- HMAC PRF with one context -------------------------------------------- */

int pf_prf_init(pf_prf *p, const unsigned char *key, size_t keylen, pf_err *err)
{
    memset(p, 0, sizeof *p);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end()};
    if (!ctx || EVP_MAC_init(ctx, key, keylen, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        EVP_MAC_free(mac);
        return pf_err_set(err, PF_E_ENV, "OpenSSL: HMAC-SHA-256 is not available");
    }
    p->mac = mac;
    p->ctx = ctx;
    return 0;
}

void pf_prf_free(pf_prf *p)
{
    if (!p)
        return;
    EVP_MAC_CTX_free(p->ctx);
    EVP_MAC_free(p->mac);
    p->ctx = p->mac = NULL;
}

static void prf_begin(pf_prf *p)
{
    /* NULL key: HMAC restarts from the precomputed pads of the key set
     * once in pf_prf_init. */
    EVP_MAC_init(p->ctx, NULL, 0, NULL);
    p->calls++;
}

static void prf_add(pf_prf *p, const void *d, size_t n)
{
    if (n)
        EVP_MAC_update(p->ctx, d, n);
}

static void prf_end(pf_prf *p, unsigned char out[32])
{
    size_t ol = 0;
    EVP_MAC_final(p->ctx, out, &ol, 32);
}

void pf_prf_2(pf_prf *p, const void *a, size_t an, const void *b, size_t bn,
              unsigned char out[32])
{
    prf_begin(p);
    prf_add(p, a, an);
    prf_add(p, b, bn);
    prf_end(p, out);
}

/* ---- SipHash-2-4 ------------------------------------------------------------ */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                        \
    do {                                                                \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);        \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                           \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                           \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);        \
    } while (0)

static uint64_t le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v; /* x86-64 and arm64 are little-endian */
}

uint64_t pf_sip(const unsigned char key[16], const void *data, size_t n)
{
    uint64_t k0 = le64(key), k1 = le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    const unsigned char *p = data;
    size_t full = n & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = le64(p + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)n << 56;
    for (size_t i = 0; i < (n & 7); i++)
        b |= (uint64_t)p[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- AES-128 through one EVP context ------------------------------------------ */

int pf_aes_init(pf_aes *p, const unsigned char key[16], pf_err *err)
{
    memset(p, 0, sizeof *p);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    if (!x || EVP_EncryptInit_ex(x, EVP_aes_128_ecb(), NULL, key, NULL) != 1) {
        EVP_CIPHER_CTX_free(x);
        return pf_err_set(err, PF_E_ENV, "OpenSSL: AES-128 is not available");
    }
    EVP_CIPHER_CTX_set_padding(x, 0);
    p->ecb = x;
    return 0;
}

void pf_aes_free(pf_aes *p)
{
    if (!p)
        return;
    EVP_CIPHER_CTX_free(p->ecb);
    p->ecb = NULL;
}

void pf_aes_blocks(pf_aes *p, const unsigned char *in, unsigned char *out, size_t nblocks)
{
    int ol = 0;
    EVP_EncryptUpdate(p->ecb, out, &ol, in, (int)(nblocks * 16));
    p->calls++;
}

/* ---- mixed-radix Feistel ---------------------------------------------------- */

/* Bytes one digit takes in the PRF input, and PRF output bytes one digit
 * consumes: 16 bits when its radix is at most 256 (a bias under 0.4%),
 * 32 bits above (radices up to 65536). */
static size_t digit_in_bytes(uint32_t r) { return r <= 256 ? 1 : 2; }
static size_t digit_out_bytes(uint32_t r) { return r <= 256 ? 2 : 4; }

#define KS_BLOCKS 16

/* One round: x[dst..dst+dn) += F(round, x[src..src+sn)), where F is
 * AES-CBC-MAC that continues from h0 = AES(block 0: tweak, n) over
 * [round, sn, the half's digits] zero-padded, then stretched to the bytes
 * the destination needs: R, AES(R ^ 1), AES(R ^ 2), ... */
static void feistel_round(pf_aes *p, const unsigned char h0[16], unsigned round,
                          uint32_t *x, const uint32_t *radix, size_t dst, size_t dn,
                          size_t src, size_t sn)
{
    unsigned char c[16], blk[16];
    memcpy(c, h0, 16);
    memset(blk, 0, 16);
    blk[0] = (unsigned char)round;
    blk[1] = (unsigned char)(sn >> 24);
    blk[2] = (unsigned char)(sn >> 16);
    blk[3] = (unsigned char)(sn >> 8);
    blk[4] = (unsigned char)sn;
    size_t bl = 5;
    for (size_t i = 0; i < sn; i++) {
        uint32_t v = x[src + i];
        if (digit_in_bytes(radix[src + i]) == 2)
            blk[bl++] = (unsigned char)(v >> 8);
        blk[bl++] = (unsigned char)v;
        if (bl >= 15) { /* room for the next digit's two bytes is gone */
            for (int k = 0; k < 16; k++)
                c[k] ^= blk[k];
            pf_aes_blocks(p, c, c, 1);
            memset(blk, 0, 16);
            bl = 0;
        }
    }
    if (bl) {
        for (int k = 0; k < 16; k++)
            c[k] ^= blk[k];
        pf_aes_blocks(p, c, c, 1);
    }
    /* c is R; the key stream is R || AES(R ^ [j]) for j = 1, 2, ... */
    unsigned char ks[KS_BLOCKS * 16];
    memcpy(ks, c, 16);
    size_t have = 16, at = 0, need = 0;
    for (size_t i = 0; i < dn; i++)
        need += digit_out_bytes(radix[dst + i]);
    uint64_t j = 1;
    for (size_t i = 0; i < dn; i++) {
        uint32_t r = radix[dst + i];
        size_t w = digit_out_bytes(r);
        need -= w;
        if (at + w > have) {
            /* as many blocks as the rest of the round needs, up to 16 */
            size_t want = (need + w + 15) / 16, nb = 0;
            if (want > KS_BLOCKS)
                want = KS_BLOCKS;
            for (; nb < want; nb++, j++) {
                unsigned char *b = ks + 16 * nb;
                memcpy(b, c, 16);
                for (int k = 0; k < 8; k++)
                    b[15 - k] ^= (unsigned char)(j >> (8 * k));
            }
            pf_aes_blocks(p, ks, ks, nb);
            have = nb * 16;
            at = 0;
        }
        uint32_t add = (uint32_t)ks[at] << 8 | ks[at + 1];
        if (w == 4)
            add = add << 16 | (uint32_t)ks[at + 2] << 8 | ks[at + 3];
        at += w;
        /* add scaled to [0, r) by a multiply and a shift (no division) */
        uint32_t sc = w == 4 ? (uint32_t)(((uint64_t)add * r) >> 32) : (add * r) >> 16;
        uint32_t v = x[dst + i] + sc; /* both < r, so v < 2r */
        x[dst + i] = v >= r ? v - r : v;
    }
}

void pf_feistel_digits(pf_aes *p, uint64_t tweak, uint32_t *x,
                       const uint32_t *radix, size_t n)
{
    if (n == 0)
        return;
    size_t u = (n + 1) / 2, v = n - u;
    /* block 0: domain tag, vector length, tweak; the same for all rounds */
    unsigned char h0[16] = {0xF5, 'f', '2'};
    uint64_t nn = n;
    for (int k = 0; k < 5; k++)
        h0[3 + k] = (unsigned char)(nn >> (8 * (4 - k)));
    for (int k = 0; k < 8; k++)
        h0[8 + k] = (unsigned char)(tweak >> (8 * k));
    pf_aes_blocks(p, h0, h0, 1);
    for (unsigned r = 0; r < 4; r++) {
        if (r % 2 == 0)
            feistel_round(p, h0, r, x, radix, 0, u, u, v);
        else if (v)
            feistel_round(p, h0, r, x, radix, u, v, 0, u);
    }
}

uint64_t pf_permute_int(pf_aes *p, uint64_t tweak, uint64_t x, uint64_t domain)
{
    if (domain <= 1)
        return 0;
    unsigned k = 2;
    while (k < 62 && ((uint64_t)1 << k) < domain)
        k++;
    unsigned ka = k / 2, kb = k - ka;
    uint64_t ma = ((uint64_t)1 << ka) - 1, mb = ((uint64_t)1 << kb) - 1;
    do {
        uint64_t a = x >> kb, b = x & mb;
        for (unsigned r = 0; r < 4; r++) {
            /* one block: tag, round, width, tweak, the half (< 2^31) */
            unsigned char blk[16] = {0xA7, (unsigned char)r, (unsigned char)k};
            for (int i = 0; i < 8; i++)
                blk[3 + i] = (unsigned char)(tweak >> (8 * i));
            uint64_t s = (r % 2 == 0) ? b : a;
            for (int i = 0; i < 4; i++)
                blk[11 + i] = (unsigned char)(s >> (8 * i));
            pf_aes_blocks(p, blk, blk, 1);
            uint64_t f = le64(blk);
            if (r % 2 == 0)
                a = (a + f) & ma;
            else
                b = (b + f) & mb;
        }
        x = (a << kb) | b;
    } while (x >= domain);
    return x;
}
