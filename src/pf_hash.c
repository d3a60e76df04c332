/*
 * pf_hash: SHA-1 and SHA-256 through OpenSSL EVP (pf_hash.h).
 */
#include "pf_hash.h"

#include <openssl/evp.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>

void pf_hex(const unsigned char *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Fetched once: EVP_sha1() and EVP_sha256() make OpenSSL 3 look the
 * implementation up on every call, which costs more than hashing a small
 * document. Reachable for the life of the process, so never a leak. */
static EVP_MD *g_sha1, *g_sha256;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void fetch_mds(void)
{
    g_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *md_sha1(void)
{
    pthread_once(&g_once, fetch_mds);
    return g_sha1 ? g_sha1 : EVP_sha1();
}

static const EVP_MD *md_sha256(void)
{
    pthread_once(&g_once, fetch_mds);
    return g_sha256 ? g_sha256 : EVP_sha256();
}

static int digest(const EVP_MD *md, const void *data, size_t len, char *out,
                  pf_err *err)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(data, len, d, &n, md, NULL))
        return pf_err_set(err, PF_E_INTERNAL, "OpenSSL digest failed");
    pf_hex(d, n, out);
    return 0;
}

int pf_sha1_hex(const void *data, size_t len, char out[41], pf_err *err)
{
    return digest(md_sha1(), data, len, out, err);
}

int pf_sha256_hex(const void *data, size_t len, char out[65], pf_err *err)
{
    return digest(md_sha256(), data, len, out, err);
}

int pf_sha1_file_hex(const char *path, char out[41], pf_err *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return pf_err_errno(err, errno, "cannot read %s", path);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = 0;
    if (!ctx) {
        rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
    } else if (!EVP_DigestInit_ex(ctx, md_sha1(), NULL)) {
        rc = pf_err_set(err, PF_E_INTERNAL, "OpenSSL digest failed");
    } else {
        unsigned char blk[65536];
        size_t n;
        while ((n = fread(blk, 1, sizeof blk, fp)) > 0)
            if (!EVP_DigestUpdate(ctx, blk, n)) {
                rc = pf_err_set(err, PF_E_INTERNAL, "OpenSSL digest failed");
                break;
            }
        if (rc == 0 && ferror(fp))
            rc = pf_err_errno(err, EIO, "cannot read %s", path);
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned int dn = 0;
        if (rc == 0 && !EVP_DigestFinal_ex(ctx, d, &dn))
            rc = pf_err_set(err, PF_E_INTERNAL, "OpenSSL digest failed");
        if (rc == 0)
            pf_hex(d, dn, out);
    }
    EVP_MD_CTX_free(ctx);
    fclose(fp);
    return rc;
}
