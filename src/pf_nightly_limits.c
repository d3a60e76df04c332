/*
 * pf_nightly_limits: production's limits for a night, and what they become
 * on the engine's command line and in the sanitizer options.
 *
 * The user states the application's heap ("--rss-limit 512M": what the
 * service gets in production). A plain -rss_limit_mb=512 under ASan
 * reports false out-of-memory: ASan's shadow costs an eighth of the
 * memory in use, its quarantine keeps freed blocks (256 MiB by default)
 * and the runtime itself takes tens of MiB. So the heap is enforced where
 * it is exact (one allocation larger than the heap is an out-of-memory
 * finding: libFuzzer -malloc_limit_mb, ASan max_allocation_size_mb), the
 * quarantine is made small, and the resident-size limit is the heap plus
 * the shadow, the quarantine and a baseline. docs/nightly.md explains it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_nightly.h"

void pf_nlimits_default(pf_nlimits *l)
{
    l->heap_bytes = 512ull << 20;
    l->timeout_s = 2.0;
    l->max_len = 1ull << 20;
}

uint64_t pf_nlimits_heap_mb(const pf_nlimits *l)
{
    uint64_t mb = (l->heap_bytes + (1ull << 20) - 1) >> 20;
    return mb ? mb : 1;
}

uint64_t pf_nlimits_rss_mb(const pf_nlimits *l)
{
    uint64_t heap = pf_nlimits_heap_mb(l);
    return heap + (heap + 7) / 8 + PF_NIGHTLY_QUARANTINE_MB +
           PF_NIGHTLY_BASELINE_MB;
}

void pf_nlimits_asan_options(const pf_nlimits *l, pf_buf *out)
{
    pf_buf_addf(out,
                "max_allocation_size_mb=%llu:quarantine_size_mb=%d:"
                "malloc_context_size=20:detect_leaks=1:symbolize=1:"
                "allocator_may_return_null=0:handle_abort=1:"
                "detect_stack_use_after_return=0",
                (unsigned long long)pf_nlimits_heap_mb(l),
                PF_NIGHTLY_QUARANTINE_MB);
}

int pf_nlimits_libfuzzer_flags(const pf_nlimits *l, char ***argv, size_t *n,
                               pf_err *err)
{
    unsigned timeout = (unsigned)(l->timeout_s + 0.999);
    if (timeout < 1)
        timeout = 1;
    if (pf_argv_pushf(argv, n, err, "-max_len=%llu",
                      (unsigned long long)l->max_len) < 0 ||
        pf_argv_pushf(argv, n, err, "-timeout=%u", timeout) < 0 ||
        pf_argv_pushf(argv, n, err, "-malloc_limit_mb=%llu",
                      (unsigned long long)pf_nlimits_heap_mb(l)) < 0 ||
        pf_argv_pushf(argv, n, err, "-rss_limit_mb=%llu",
                      (unsigned long long)pf_nlimits_rss_mb(l)) < 0)
        return -1;
    return 0;
}

int pf_argv_push(char ***argv, size_t *n, const char *s, pf_err *err)
{
    char **a = realloc(*argv, (*n + 2) * sizeof *a);
    if (!a)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    *argv = a;
    if (!(a[*n] = strdup(s))) {
        a[*n] = NULL;
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    a[++*n] = NULL;
    return 0;
}

int pf_argv_pushf(char ***argv, size_t *n, pf_err *err, const char *fmt, ...)
{
    pf_buf b = PF_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    int rc = pf_buf_ok(&b, err) < 0 ? -1 : pf_argv_push(argv, n, b.data, err);
    pf_buf_free(&b);
    return rc;
}

void pf_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}
