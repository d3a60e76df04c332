/*
 * pf_fault: allocation failure on purpose, as SQLite tests it. The fault
 * test binaries are linked with -Wl,--wrap=malloc (calloc, realloc,
 * strdup, strndup), so every allocation the library makes goes through
 * pf_fault.c, which fails the Nth one after pf_fault_arm(N). A test runs
 * an entry point for N = 1, 2, ... until a run makes fewer than N
 * allocations (it completed), asserting at every N a clean PF_E_NOMEM (or
 * success), no crash, and, through LeakSanitizer at exit, no leak.
 *
 * Writes likewise (write, fwrite, fflush, fsync, wrapped the same way):
 * pf_fault_arm_write(N, ENOSPC) makes the disk fill up at the Nth write
 * call, as a real one does: that call writes half of its bytes (a short
 * write) and fails, and every later call fails too, until disarmed.
 */
#ifndef PF_FAULT_H
#define PF_FAULT_H

#include <stddef.h>

#include "pf_err.h"

/* Fail the nth allocation from now (1-based); 0 disarms. */
void pf_fault_arm(unsigned long nth);
/* Allocations made since pf_fault_arm; whether the armed one failed. */
unsigned long pf_fault_count(void);
int pf_fault_fired(void);
void pf_fault_disarm(void);

/* One run of an entry point: 0 success, -1 with err set. */
typedef int (*pf_fault_fn)(void *ctx, pf_err *err);
/* Run fn for N = 1, 2, ... with the Nth allocation failing, until a run
 * completes without reaching its Nth allocation. Every failed run must say
 * PF_E_NOMEM, and one without a failed allocation must not fail (a cmocka
 * failure naming what and N otherwise). Returns the number of allocations
 * a complete run makes. */
unsigned long pf_fault_each_allocation(const char *what, pf_fault_fn fn, void *ctx);

/* Fill the disk at the nth write-family call from now (1-based) with
 * errno errnum (ENOSPC, EIO, EDQUOT...); 0 disarms. */
void pf_fault_arm_write(unsigned long nth, int errnum);
/* Write-family calls since pf_fault_arm_write; whether the disk filled. */
unsigned long pf_fault_write_count(void);
int pf_fault_write_fired(void);

#endif
