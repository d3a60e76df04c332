/*
 * pf_crash: read a sanitizer or libFuzzer report and give a failure its
 * identity.
 *
 * The signature is ClusterFuzz's crash state: the error kind plus the top
 * three symbolized frames in the target's own code, skipping frames of
 * libc, the sanitizer runtimes, libFuzzer, AFL++ and prodfuzz itself.
 * Ten inputs that hit one bug share a signature; two bugs in one function
 * differ by kind or by line. Timeouts and out-of-memory get a signature
 * too ("timeout" / "oom" plus the frames when the report has a stack).
 */
#ifndef PF_CRASH_H
#define PF_CRASH_H

#include <stddef.h>

#include "pf_buf.h"
#include "pf_err.h"

#define PF_CRASH_MAX_FRAMES 32

typedef struct pf_frame {
    char *func;   /* "parse_value", NULL when unknown */
    char *file;   /* source file as printed, NULL when unknown */
    int line;     /* 0 when unknown */
    char *module; /* binary or library, NULL when unknown */
    int own;      /* in the target's own code (counts for the signature) */
} pf_frame;

typedef struct pf_crash {
    char kind[64];      /* "heap-buffer-overflow", "SEGV", "stack-overflow",
                           "undefined-behavior", "memory-leak", "timeout",
                           "oom", "abort", "signal-N", ...; "" if none */
    char access[16];    /* "READ"/"WRITE" when the report says, else "" */
    size_t access_size; /* bytes read or written, 0 if unknown */
    pf_frame frames[PF_CRASH_MAX_FRAMES];
    int nframes;
    char *signature;    /* "heap-buffer-overflow|f1 a.c:12|f2 b.c:40|f3 ..." */
} pf_crash;

void pf_crash_init(pf_crash *c);
void pf_crash_free(pf_crash *c);

/* Parse text (stderr of a target). Returns 1 when a report was found,
 * 0 when the text holds none, -1 on allocation failure. */
int pf_crash_parse(const char *text, size_t len, pf_crash *out, pf_err *err);

/* The first frame in the target's own code (the SARIF location, the
 * title's "in f (file:line)"), NULL when the report has none. */
const pf_frame *pf_crash_top_frame(const pf_crash *c);

/* The kind is an out-of-memory one ("oom", "allocation-size-too-big",
 * "calloc-overflow", ...): pf_run classifies these as PF_OUT_OOM. */
int pf_crash_is_oom(const pf_crash *c);

/* A short one-line title: "heap-buffer-overflow READ 1 in parse_value
 * (cJSON.c:712)". */
void pf_crash_title(const pf_crash *c, pf_buf *out);

#endif
