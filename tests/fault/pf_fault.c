/*
 * pf_fault: the allocation wrappers (-Wl,--wrap) of the fault test
 * binaries (pf_fault.h). One failure per arming: the code under test sees
 * a NULL where it asked for memory once, then memory again, which is the
 * harder case (a later success must not paper over the earlier failure).
 */
#include "pf_fault.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

static unsigned long armed, seen;
static int fired;

void pf_fault_arm(unsigned long nth)
{
    armed = nth;
    seen = 0;
    fired = 0;
}

void pf_fault_disarm(void) { armed = 0; }
unsigned long pf_fault_count(void) { return seen; }
int pf_fault_fired(void) { return fired; }

/* Is this allocation the one to fail? */
static int fail_now(void)
{
    if (!armed)
        return 0;
    if (++seen != armed)
        return 0;
    fired = 1;
    errno = ENOMEM;
    return 1;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return fail_now() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }
char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}

unsigned long pf_fault_each_allocation(const char *what, pf_fault_fn fn, void *ctx)
{
    for (unsigned long n = 1; n < 100000; n++) {
        pf_err e = PF_ERR_INIT;
        pf_fault_arm(n);
        int rc = fn(ctx, &e);
        int fired = pf_fault_fired();
        unsigned long seen = pf_fault_count();
        pf_fault_disarm();
        if (rc < 0 && e.code != PF_E_NOMEM)
            fail_msg("%s: allocation %lu failed, and the error was code %d (%s), "
                     "not out of memory", what, n, e.code, e.msg);
        if (rc < 0 && !fired)
            fail_msg("%s: failed without a failed allocation: %s", what, e.msg);
        if (!fired)
            return seen;
    }
    fail_msg("%s: more than 100000 allocations", what);
    return 0;
}

/* ---- writes ---------------------------------------------------------------- */

ssize_t __real_write(int fd, const void *p, size_t n);
size_t __real_fwrite(const void *p, size_t size, size_t nmemb, FILE *fp);
int __real_fflush(FILE *fp);
int __real_fsync(int fd);

static unsigned long warmed, wseen;
static int wfired, werrno;

void pf_fault_arm_write(unsigned long nth, int errnum)
{
    warmed = nth;
    wseen = 0;
    wfired = 0;
    werrno = errnum;
}

unsigned long pf_fault_write_count(void) { return wseen; }
int pf_fault_write_fired(void) { return wfired; }

/* 0: let the call through; 1: the disk fills at this call (short write);
 * 2: the disk is full. */
static int disk_state(void)
{
    if (!warmed)
        return 0;
    ++wseen;
    if (wfired)
        return 2;
    if (wseen != warmed)
        return 0;
    wfired = 1;
    return 1;
}

ssize_t __wrap_write(int fd, const void *p, size_t n)
{
    int st = disk_state();
    if (st == 1 && n >= 2)
        return __real_write(fd, p, n / 2);
    if (st) {
        errno = werrno;
        return -1;
    }
    return __real_write(fd, p, n);
}

size_t __wrap_fwrite(const void *p, size_t size, size_t nmemb, FILE *fp)
{
    int st = disk_state();
    if (!st)
        return __real_fwrite(p, size, nmemb, fp);
    size_t put = st == 1 && nmemb >= 2 ? __real_fwrite(p, size, nmemb / 2, fp) : 0;
    errno = werrno;
    return put;
}

int __wrap_fflush(FILE *fp)
{
    if (disk_state()) {
        errno = werrno;
        return EOF;
    }
    return __real_fflush(fp);
}

int __wrap_fsync(int fd)
{
    if (disk_state()) {
        errno = werrno;
        return -1;
    }
    return __real_fsync(fd);
}
