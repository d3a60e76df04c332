/*
 * pf_fault: allocation failure on purpose, as SQLite tests it. The fault
 * test binaries are linked with -Wl,--wrap=malloc (calloc, realloc,
 * strdup, strndup), so every allocation the library makes goes through
 * pf_fault.c, which fails the Nth one after pf_fault_arm(N). A test runs
 * an entry point for N = 1, 2, ... until a run makes fewer than N
 * allocations (it completed), asserting at every N a clean PF_E_NOMEM (or
 * success), no crash, and, through LeakSanitizer at exit, no leak.
 */
#ifndef PF_FAULT_H
#define PF_FAULT_H

#include <stddef.h>

/* Fail the nth allocation from now (1-based); 0 disarms. */
void pf_fault_arm(unsigned long nth);
/* Allocations made since pf_fault_arm; whether the armed one failed. */
unsigned long pf_fault_count(void);
int pf_fault_fired(void);
void pf_fault_disarm(void);

#endif
