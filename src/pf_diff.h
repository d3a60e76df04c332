/*
 * pf_diff: what `prodfuzz diff` decides about one input run by an old and
 * a new build of a parser (pf_run results), and the allow file that lists
 * the changes a pull request intends.
 *
 * Three jobs, three files:
 *   pf_diff.c        a pair of results -> a divergence kind (or none, or
 *                    "the same failure in both")
 *   pf_diff_output.c two outputs compared as JSON values (cJSON trees: key
 *                    order, whitespace and number spelling do not count),
 *                    with the first path where they differ
 *   pf_diff_allow.c  the allow file: "KIND PATH" lines
 *
 * Divergence kinds (the names reports, allow files and docs/diff.md use):
 *   accept->reject    old ok, new rejected
 *   reject->accept    old rejected, new ok
 *   output            both ok, outputs differ (two rejections' messages
 *                     are not compared)
 *   new-OUTCOME       old ok or rejected, new OUTCOME (crash, timeout, oom,
 *                     silent-exit, roundtrip)
 *   fixed-OUTCOME     old OUTCOME, new ok or rejected
 *   changed-OUTCOME   both failed, differently; OUTCOME is the new one's
 * Two failures are the same when their outcomes are and, for crashes and
 * out-of-memory reports, their error kinds and the functions of their top
 * three own frames are (line numbers are left out: a parser change moves
 * lines). The same failure in both is no divergence: a finding present
 * in both builds.
 */
#ifndef PF_DIFF_H
#define PF_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "pf_buf.h"
#include "pf_err.h"
#include "pf_run.h"

/* ---- one input, two results (pf_diff.c) ---------------------------------- */

typedef enum pf_diff_verdict {
    PF_DIFF_SAME = 0,   /* no divergence */
    PF_DIFF_DIVERGED,   /* kind says how */
    PF_DIFF_BOTH        /* the same failure in both builds */
} pf_diff_verdict;

typedef struct pf_diff {
    pf_diff_verdict verdict;
    char kind[32];      /* a kind above, "" when not diverged */
    pf_buf path;        /* "output": the first differing path ("$" when the
                           outputs are not both JSON); otherwise empty */
} pf_diff;

typedef struct pf_diff_opts {
    int exact_output;   /* compare output bytes, not JSON values */
} pf_diff_opts;

void pf_diff_init(pf_diff *d);
void pf_diff_free(pf_diff *d);
/* Compare what the old and the new build did with one input. -1 only
 * when out of memory. */
int pf_diff_results(const pf_result *old, const pf_result *new_,
                    const pf_diff_opts *o, pf_diff *d, pf_err *err);
/* A failure's identity for "the same failure" (into b, reset): the
 * outcome, and for crash/oom the error kind and top own functions. */
void pf_diff_failure_id(const pf_result *r, pf_buf *b);
/* Every kind name, NULL-terminated (allow files are checked against it). */
extern const char *const pf_diff_kinds[];

/* ---- outputs (pf_diff_output.c) ------------------------------------------ */

/* 0 equal, 1 different, -1 out of memory. Both JSON (one value each,
 * whitespace around it allowed, no NUL byte): compared as values, the
 * first differing path into path (canonical pf_path text; array elements
 * as "[*]"); otherwise byte for byte, path "$". exact: always byte for
 * byte. Numbers are compared as cJSON's doubles: 1.0 == 1 == 1e0, but two
 * integers past 2^53 that round to one double compare equal. */
int pf_diff_output(const pf_buf *a, const pf_buf *b, int exact, pf_buf *path,
                   pf_err *err);

/* ---- the allow file (pf_diff_allow.c) ------------------------------------ */

typedef struct pf_allow_rule {
    char *kind;         /* glob over kind names: '*' any run, '?' one char */
    char *path;         /* canonical pf_path pattern; NULL: any path */
    int line;
    uint64_t hits;      /* divergent inputs it allowed */
} pf_allow_rule;

typedef struct pf_allow {
    pf_allow_rule *rules;
    size_t n;
    char *name;         /* file name, for messages */
} pf_allow;

void pf_allow_init(pf_allow *a);
void pf_allow_free(pf_allow *a);
/* One rule per line: KIND PATH. '#' starts a comment line; blank lines
 * are skipped. PATH is a path pattern as in policies ($.a.b, $.lines[*],
 * $.meta.**) or '*' for any path. A kind pattern that matches no kind, a
 * bad path or a missing field is PF_E_INPUT naming the line. */
int pf_allow_parse(pf_allow *a, const char *text, size_t len,
                   const char *name, pf_err *err);
int pf_allow_load(pf_allow *a, const char *file, pf_err *err);
/* The first rule that allows (kind, path), its hits raised; NULL if none. */
pf_allow_rule *pf_allow_match(pf_allow *a, const char *kind, const char *path);
/* '*' and '?' only; everything else, brackets too, is literal. */
int pf_glob_match(const char *pat, const char *s);

#endif
