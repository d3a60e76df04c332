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
/* Append s as a JSON string literal, quotes included (escapes control
 * characters, quote and backslash; passes other bytes through). */
void pf_buf_add_json_str(pf_buf *b, const char *s, size_t n);
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
