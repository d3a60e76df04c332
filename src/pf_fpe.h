/*
 * pf_fpe: the keyed primitives under anonymization.
 *
 * - FF1 (NIST SP 800-38G) format-preserving encryption over any radix
 *   2..65536, on OpenSSL's AES through EVP (ECB used as the block cipher
 *   for the CBC-MAC PRF, as the spec describes). OpenSSL 3 has no FF1.
 *   Checked against NIST's published sample vectors in test_fpe.c.
 * - pf_prf: HMAC-SHA-256 through EVP_MAC with ONE context made at start
 *   and re-initialised per value (EVP_MAC_init with a NULL key reuses the
 *   precomputed inner/outer pads: no allocation, no key schedule).
 * - pf_sip: SipHash-2-4 (keyed 64-bit hash) for the in-memory cache and
 *   the leak-check fingerprints, where an HMAC per token would cost too
 *   much and 64 bits are enough.
 * - pf_aes: AES-128 (AES-NI) through ONE EVP_CIPHER_CTX in ECB mode set
 *   up at start, keyed with a subkey the HMAC derives once from the user
 *   key. It is the round function of the Feistel permutations below: an
 *   AES call costs about 11 ns where an HMAC-SHA-256 costs about 200 ns,
 *   and a scrambled value needs four rounds or more.
 * - pf_feistel_digits: a keyed permutation of a mixed-radix digit vector
 *   (every position has its own radix): an alternating Feistel network
 *   whose rounds add PRF output digit by digit, modulo each position's
 *   radix. Each round is invertible, so the whole map is one-to-one on the
 *   domain of vectors with the same radices, and every output digit
 *   depends on every input digit (no shared prefix survives). The round
 *   PRF is AES-CBC-MAC over a prefix-free encoding (the first block holds
 *   the tweak and the vector length, the second the round and the length
 *   of the half it reads), extended to as many bytes as the round needs as
 *   FF1 extends its PRF output: R, AES(R ^ 1), AES(R ^ 2), ...
 */
#ifndef PF_FPE_H
#define PF_FPE_H

#include <stddef.h>
#include <stdint.h>

#include "pf_err.h"

#define PF_FF1_MAXLEN 256

typedef struct pf_ff1 {
    void *ecb; /* EVP_CIPHER_CTX, AES-ECB, no padding */
} pf_ff1;

/* key: 16, 24 or 32 bytes (AES-128/192/256). */
int pf_ff1_init(pf_ff1 *f, const unsigned char *key, size_t keylen,
                pf_err *err);
void pf_ff1_free(pf_ff1 *f);
/* Encrypt n digits (each < radix) in place. 2 <= radix <= 65536,
 * radix^n >= 100, n <= PF_FF1_MAXLEN. Returns 0, or -1 on bad arguments. */
int pf_ff1_encrypt(pf_ff1 *f, unsigned radix, const unsigned char *tweak,
                   size_t tlen, uint16_t *x, size_t n);

typedef struct pf_prf {
    void *mac;  /* EVP_MAC */
    void *ctx;  /* EVP_MAC_CTX, keyed once */
    uint64_t calls;
} pf_prf;

int pf_prf_init(pf_prf *p, const unsigned char *key, size_t keylen,
                pf_err *err);
void pf_prf_free(pf_prf *p);
/* HMAC-SHA-256 of the concatenation of a and b (either may be empty). */
void pf_prf_2(pf_prf *p, const void *a, size_t an, const void *b, size_t bn,
              unsigned char out[32]);

uint64_t pf_sip(const unsigned char key[16], const void *data, size_t n);

typedef struct pf_aes {
    void *ecb;      /* EVP_CIPHER_CTX, AES-128-ECB, no padding */
    uint64_t calls; /* EVP calls made (each one block or a batch) */
} pf_aes;

int pf_aes_init(pf_aes *p, const unsigned char key[16], pf_err *err);
void pf_aes_free(pf_aes *p);
/* AES-128 of nblocks 16-byte blocks (in and out may be the same). */
void pf_aes_blocks(pf_aes *p, const unsigned char *in, unsigned char *out,
                   size_t nblocks);

/* Keyed permutation of x[0..n) where x[i] < radix[i] <= 65536; tweak
 * separates domains (pattern, action). */
void pf_feistel_digits(pf_aes *p, uint64_t tweak, uint32_t *x,
                       const uint32_t *radix, size_t n);
/* Keyed permutation of [0, domain) (cycle-walking over the next power of
 * two); domain >= 1 and < 2^62. */
uint64_t pf_permute_int(pf_aes *p, uint64_t tweak, uint64_t x, uint64_t domain);

#endif
