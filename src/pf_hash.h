/*
 * pf_hash: digests through OpenSSL 3's EVP interfaces (never hand-rolled).
 */
#ifndef PF_HASH_H
#define PF_HASH_H

#include <stddef.h>

#include "pf_err.h"

/* 40 hex chars + NUL: the corpus file name, as libFuzzer names inputs. */
int pf_sha1_hex(const void *data, size_t len, char out[41], pf_err *err);
/* 64 hex chars + NUL. */
/* SHA-1 of a file's bytes, read in blocks (any size). */
int pf_sha1_file_hex(const char *path, char out[41], pf_err *err);
int pf_sha256_hex(const void *data, size_t len, char out[65], pf_err *err);
void pf_hex(const unsigned char *in, size_t n, char *out); /* 2n+1 bytes */

#endif
