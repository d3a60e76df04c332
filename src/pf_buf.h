/*
 * pf_buf: the one growable byte buffer of the library (git's strbuf idea).
 *
 * The bytes are always followed by a NUL so `data` can be handed to APIs
 * that want C strings (cJSON), but `len` is the truth: data may hold NULs.
 *
 * Allocation failure is sticky: the buffer stops growing, `oom` is set and
 * every later append is a no-op, so a caller can build a whole value and
 * check once (pf_buf_ok) instead of after every append.
 */
#ifndef PF_BUF_H
#define PF_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "pf_err.h"

typedef struct pf_buf {
    char *data; /* NUL-terminated when cap > 0; "" sentinel when empty */
    size_t len;
    size_t cap;
    int oom;
} pf_buf;

#define PF_BUF_INIT {NULL, 0, 0, 0}

void pf_buf_init(pf_buf *b);
void pf_buf_free(pf_buf *b);
void pf_buf_reset(pf_buf *b); /* len = 0, keeps memory, clears oom */
int pf_buf_reserve(pf_buf *b, size_t extra); /* 0 or -1 (sets oom) */
void pf_buf_add(pf_buf *b, const void *p, size_t n);
void pf_buf_addc(pf_buf *b, char c);
void pf_buf_adds(pf_buf *b, const char *s);
void pf_buf_addf(pf_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pf_buf_vaddf(pf_buf *b, const char *fmt, va_list ap);
void pf_buf_addrep(pf_buf *b, char c, size_t n); /* n copies of c */
void pf_buf_truncate(pf_buf *b, size_t len);
/* Append s as a JSON string literal, quotes included: control characters,
 * quote and backslash escaped, and always valid UTF-8, whatever s holds
 * (invalid bytes as pf_buf_add_utf8 replaces them), so every reader takes
 * it. Valid text other than those escapes is copied byte for byte. */
void pf_buf_add_json_str(pf_buf *b, const char *s, size_t n);
/* The same escapes, but bytes from 0x80 up pass through as they are: only
 * for data that must keep production's bytes exactly (anonymized
 * documents keep a string's byte length and invalid sequences; paths,
 * the shape profile's keys and values and the policy digest must tell
 * keys apart byte for byte); never for output meant for people or other
 * programs (summaries, reports, manifests, logs). */
void pf_buf_add_json_bytes(pf_buf *b, const char *s, size_t n);
/* Append s as valid UTF-8: each invalid, overlong, surrogate (ED A0..BF)
 * or truncated sequence becomes U+FFFD, one per maximal subpart as the
 * Unicode standard and WHATWG decoders count (Python's
 * bytes.decode("utf-8", "replace") gives the same text); valid text is
 * copied byte for byte. */
void pf_buf_add_utf8(pf_buf *b, const char *s, size_t n);
/* The character at s (n > 0): 1 when it is valid UTF-8, *len its bytes;
 * 0 when invalid, -1 when cut short by the end of s (a valid start of a
 * longer character), *len then the bytes of its maximal subpart (>= 1)
 * that one U+FFFD replaces. */
int pf_utf8_next(const char *s, size_t n, size_t *len);
/* Is s[0..n) valid UTF-8 (no overlong forms, surrogates or truncation)? */
int pf_utf8_valid(const char *s, size_t n);
/* s as one POSIX shell word: single-quoted (' as '\\'') when it holds
 * anything but [A-Za-z0-9_./=:,+@%-] or is empty, or always when
 * always_quote. */
void pf_buf_add_shell_word(pf_buf *b, const char *s, int always_quote);
/* Give the memory to the caller (NUL-terminated; never NULL unless oom). */
char *pf_buf_detach(pf_buf *b, size_t *len);
/* 0 when no allocation failed, else -1 with PF_E_NOMEM in err. */
int pf_buf_ok(const pf_buf *b, pf_err *err);
const char *pf_buf_str(const pf_buf *b); /* "" when empty */

#endif
