/*
 * pf_fault: the allocation wrappers (-Wl,--wrap) of the fault test
 * binaries (pf_fault.h). One failure per arming: the code under test sees
 * a NULL where it asked for memory once, then memory again, which is the
 * harder case (a later success must not paper over the earlier failure).
 */
#include "pf_fault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
