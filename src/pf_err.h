/*
 * pf_err: the one error type of the library.
 *
 * Every library function that can fail takes a `pf_err *` and returns a
 * negative value (or NULL) after filling it with a code and a message.
 * The library never prints and never exits; the command layer in tools/
 * turns the code into an exit status (pf_err_exit_code) and prints the
 * message as "prodfuzz: error: ...".
 *
 * Messages must never contain raw values, keys or passwords: they name
 * paths, line numbers, byte offsets and sizes instead.
 */
#ifndef PF_ERR_H
#define PF_ERR_H

#include <stddef.h>

typedef enum pf_code {
    PF_OK = 0,
    PF_E_FINDING, /* a crash, divergence or leak was found (exit 1) */
    PF_E_USAGE,   /* bad option or argument (exit 2) */
    PF_E_INPUT,   /* bad input file, bad table or column (exit 2) */
    PF_E_ENV,     /* database unreachable, tool missing, timeout (exit 3) */
    PF_E_IO,      /* read/write failure, full disk (exit 3) */
    PF_E_NOMEM,   /* allocation failed (exit 3) */
    PF_E_INTERNAL /* a bug in prodfuzz (exit 3) */
} pf_code;

#define PF_ERR_MSG_MAX 512

typedef struct pf_err {
    pf_code code;
    char msg[PF_ERR_MSG_MAX];
} pf_err;

#define PF_ERR_INIT {PF_OK, {0}}

/* Set code and message; returns -1 so callers can `return pf_err_set(...)`.
 * A NULL err is allowed and ignored. */
int pf_err_set(pf_err *err, pf_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set from errno: "<what>: <strerror>", code PF_E_IO unless errno says the
 * input is bad (ENOENT, EISDIR, ENOTDIR, EACCES -> PF_E_INPUT). */
int pf_err_errno(pf_err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Put "<context>: " in front of the current message. */
int pf_err_prefix(pf_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void pf_err_clear(pf_err *err);

/* 0 ok, 1 findings, 2 usage or input, 3 environment. */
int pf_err_exit_code(pf_code code);

/* A short name for the code: "usage", "input", "environment", ... */
const char *pf_code_name(pf_code code);

#endif
