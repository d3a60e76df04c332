/*
 * pf_key: the anonymization secret.
 *
 * A key file holds at least 16 bytes of secret (any bytes; a trailing
 * newline is dropped so `openssl rand -hex 32 > key` works). Files longer
 * than 64 bytes are condensed with SHA-256. The file must not be readable
 * by group or others: the key is what keeps a corpus from being reversed
 * by a dictionary attack. The fingerprint is an HMAC of a fixed label
 * under the key: safe to print, same key -> same fingerprint.
 */
#include "pf_anon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "pf_fpe.h"
#include "pf_hash.h"

static int finish(pf_key *k, pf_err *err)
{
    pf_prf p;
    if (pf_prf_init(&p, k->bytes, k->len, err) < 0)
        return -1;
    unsigned char out[32];
    static const char label[] = "prodfuzz key fingerprint v1";
    pf_prf_2(&p, label, sizeof label - 1, NULL, 0, out);
    pf_prf_free(&p);
    pf_hex(out, 8, k->fingerprint);
    return 0;
}

int pf_key_load(const char *path, pf_key *k, pf_err *err)
{
    memset(k, 0, sizeof *k);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pf_err_errno(err, errno, "key file %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return pf_err_errno(err, e, "key file %s", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return pf_err_set(err, PF_E_INPUT, "key file %s is not a regular file", path);
    }
    if (st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH)) {
        close(fd);
        return pf_err_set(err, PF_E_INPUT,
                          "key file %s is accessible by group or others (mode %03o): "
                          "run chmod 600 %s", path, (unsigned)(st.st_mode & 0777), path);
    }
    if (st.st_size > 1 << 20) {
        close(fd);
        return pf_err_set(err, PF_E_INPUT, "key file %s is larger than 1 MiB", path);
    }
    unsigned char buf[4096];
    unsigned char *data = buf;
    size_t cap = sizeof buf, n = 0;
    unsigned char *heap = NULL;
    if ((size_t)st.st_size >= cap) {
        cap = (size_t)st.st_size + 1;
        heap = malloc(cap);
        if (!heap) {
            close(fd);
            return pf_err_set(err, PF_E_NOMEM, "out of memory reading key file");
        }
        data = heap;
    }
    for (;;) {
        ssize_t r = read(fd, data + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            OPENSSL_cleanse(data, cap);
            free(heap);
            return pf_err_errno(err, e, "key file %s", path);
        }
        if (r == 0 || n + (size_t)r == cap) {
            n += (size_t)r;
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
        n--;
    int rc = 0;
    if (n < 16) {
        rc = pf_err_set(err, PF_E_INPUT,
                        "key file %s holds %zu bytes: at least 16 are needed "
                        "(make one with: openssl rand -hex 32 > FILE; chmod 600 FILE)",
                        path, n);
    } else if (n <= sizeof k->bytes) {
        memcpy(k->bytes, data, n);
        k->len = n;
    } else {
        unsigned int ol = 0;
        if (EVP_Digest(data, n, k->bytes, &ol, EVP_sha256(), NULL) != 1)
            rc = pf_err_set(err, PF_E_ENV, "OpenSSL: SHA-256 failed");
        k->len = ol;
    }
    OPENSSL_cleanse(data, n);
    free(heap);
    if (rc < 0) {
        pf_key_wipe(k);
        return -1;
    }
    if (finish(k, err) < 0) {
        pf_key_wipe(k);
        return -1;
    }
    return 0;
}

int pf_key_random(pf_key *k, pf_err *err)
{
    memset(k, 0, sizeof *k);
    if (RAND_bytes(k->bytes, 32) != 1)
        return pf_err_set(err, PF_E_ENV, "OpenSSL: no random bytes for a key");
    k->len = 32;
    k->random = 1;
    return finish(k, err);
}

void pf_key_wipe(pf_key *k)
{
    if (k)
        OPENSSL_cleanse(k, sizeof *k);
}
