/*
 * pf_err: error codes and messages returned up the stack (see pf_err.h).
 */
#include "pf_err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pf_err_set(pf_err *err, pf_code code, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int pf_err_errno(pf_err *err, int errnum, const char *fmt, ...)
{
    if (!err)
        return -1;
    char what[PF_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    pf_code code = PF_E_IO;
    switch (errnum) {
    case ENOENT: case EISDIR: case ENOTDIR: case EACCES: case ELOOP:
    case ENAMETOOLONG: case EINVAL:
        code = PF_E_INPUT;
        break;
    case ENOMEM:
        code = PF_E_NOMEM;
        break;
    default:
        break;
    }
    const char *why = strerror(errnum);
    if (errnum == EFBIG)
        why = "file too large (EFBIG: a file size limit was reached)";
    else if (errnum == ENOSPC)
        why = "no space left on device (ENOSPC)";
    return pf_err_set(err, code, "%s: %s", what, why);
}

int pf_err_prefix(pf_err *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    char pre[PF_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    size_t pl = strlen(pre), cap = sizeof err->msg;
    if (pl > cap - 3)
        pl = cap - 3;
    memmove(err->msg + pl + 2, err->msg, cap - pl - 3);
    err->msg[cap - 1] = '\0';
    memcpy(err->msg, pre, pl);
    memcpy(err->msg + pl, ": ", 2);
    return -1;
}

void pf_err_clear(pf_err *err)
{
    if (err) {
        err->code = PF_OK;
        err->msg[0] = '\0';
    }
}

int pf_err_exit_code(pf_code code)
{
    switch (code) {
    case PF_OK: return 0;
    case PF_E_FINDING: return 1;
    case PF_E_USAGE: case PF_E_INPUT: return 2;
    default: return 3;
    }
}

const char *pf_code_name(pf_code code)
{
    switch (code) {
    case PF_OK: return "ok";
    case PF_E_FINDING: return "finding";
    case PF_E_USAGE: return "usage";
    case PF_E_INPUT: return "input";
    case PF_E_ENV: return "environment";
    case PF_E_IO: return "io";
    case PF_E_NOMEM: return "nomem";
    case PF_E_INTERNAL: return "internal";
    }
    return "unknown";
}
