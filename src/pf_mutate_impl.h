/*
 * pf_mutate_impl: what the engine core (pf_mutate.c), the size schedule
 * (pf_mutate_size.c) and the class table (pf_mutate_classes.c) share.
 * Private to the library.
 */
#ifndef PF_MUTATE_IMPL_H
#define PF_MUTATE_IMPL_H

#include "pf_json.h"
#include "pf_mutate.h"
#include "pf_path.h"

/* The first pass goes to this many paths per move at most. */
#define PF_SWEEP_PATHS 512
#define PF_SWEEP_SLOTS (2 * PF_SWEEP_PATHS)
/* Its parents: this many, of up to this size. */
#define PF_SWEEP_POOL 16
#define PF_SWEEP_POOL_MAX ((size_t)64 << 10)
/* It is over after this many of its turns at the most (a few seconds). */
#define PF_SWEEP_TURNS 20000

struct pf_mutator {
    pf_mutate_cfg cfg;
    uint64_t rng;
    pf_byte_fn bytes;
    void *bytes_ctx;
    pf_json j, j2;
    pf_path path, spath; /* the mutant's path; the profile's spelling */
    pf_buf scratch, desc, tmp;
    pf_buf reduced; /* a grown parent, reduced before it is mutated */
    pf_mclass last;
    uint64_t amount;
    int *chain; /* ancestors of a token, reused */
    size_t chain_cap;
    void *stack; /* the reduction's scan: open containers, reused */
    size_t stack_cap;
    /* size schedule: log2 histograms of the first inputs' sizes in bytes
     * and in values (what an execution pays for: every value is an
     * allocation in a tree-building parser), and their nesting depth */
    uint32_t size_hist[64], node_hist[64], depth_hist[64];
    uint32_t size_seen;
    /* growth credit, in bytes: what mutants past the free size
     * (pf_msize_free) may still add, one account for mid sizes and one
     * for huge ones (PF_CREDIT_HUGE and up). Ordinary mutants earn an
     * eighth of their size into the first and a quarter into the second;
     * a big one spends all of its own from its account; a class that
     * cannot afford a big size takes an ordinary one. */
    int64_t credit[2];
    /* the first pass's parents: production-shaped inputs (pool_add) */
    pf_buf pool[PF_SWEEP_POOL];
    int npool;
    /* the first pass: the move it is at (all done at the table's end),
     * parents in a row that had no path left for it, whether this call's
     * mutant is one of its own, and the hashes of the paths the move has
     * been to */
    int sw_move, sw_miss, sw_made;
    uint64_t sw_turns;
    uint64_t sw_done[PF_SWEEP_SLOTS];
    int sw_ndone;
};

/* One mutation in progress. */
typedef struct pf_mctx {
    pf_mutator *m;
    const pf_json *j;
    const char *in;
    size_t len;
    size_t max;      /* what the mutant may be: the size limit, or less
                      * when the growth credit is short */
    pf_buf *out;
    size_t hard_max; /* the size limit itself */
    int sched;       /* under the size schedule: the credit applies */
    /* the first pass: when forced, pf_mpick takes the first value at a
     * path the move has not been to, and sets force_miss when there is
     * none; variant: which of its kinds of mutant a class makes (-1: any,
     * at its odds) */
    int forced, force_miss, variant;
} pf_mctx;

/* A class: 1 applied (out holds the mutant, path set), 0 not applicable. */
typedef int (*pf_mclass_fn)(pf_mctx *c);
/* Every name pf_mclass_name gives, in pf_mclass order; fn is NULL from
 * PF_M_NCLASSES on (the engine's own actions). */
extern const struct pf_mclass_def {
    const char *name;
    pf_mclass_fn fn;
} pf_mclass_table[PF_M_NONE + 1];

uint64_t pf_mrand(pf_mutator *m);
/* uniform in [0, n); 0 when n == 0 */
uint64_t pf_mbelow(pf_mutator *m, uint64_t n);
/* with probability num/den */
int pf_mchance(pf_mutator *m, unsigned num, unsigned den);

int pf_mtok_is_key(const pf_json *j, int i);
int pf_mtok_depth(const pf_json *j, int i); /* containers above i */
/* Canonical path of value token i into m->path. */
void pf_mtok_path(pf_mutator *m, const pf_json *j, int i);
/* The profile's facts at token i (NULL without a profile or path). With
 * a profile it leaves token i's path in m->path; without one it leaves
 * m->path alone. So right after pf_mpick returned i, m->path is i's path
 * either way: a class need not compute it again. */
const pf_shape_path *pf_mtok_shape(pf_mctx *c, int i);

/* Pick a value token: up to a few random tries for prefer (when given),
 * then random tries and a scan for want. -1 when none; sets m->path. */
typedef int (*pf_mtok_pred)(pf_mctx *c, int tok);
int pf_mpick(pf_mctx *c, pf_mtok_pred want, pf_mtok_pred prefer);

/* out = in[0..s) + repl + in[e..len); 1, or 0 when over max. */
int pf_msplice(pf_mctx *c, size_t s, size_t e, const char *repl, size_t n);
/* The span that removes value token i (with its key, if a member) and
 * one separating comma, leaving valid JSON. */
void pf_mdrop_span(const pf_json *j, int i, size_t *ps, size_t *pe);
/* Bytes left for a replacement of span [s, e). */
size_t pf_mbudget(const pf_mctx *c, size_t s, size_t e);
/* 1 when a replacement of n bytes for [s, e) fits the size limit but not
 * the growth credit: the class picks an ordinary size instead of cutting
 * a big one down to what is left. */
int pf_mcredit_short(const pf_mctx *c, size_t s, size_t e, uint64_t n);

/* The last mutation's class (and, with_path, m->path) for describe. */
void pf_mset_last(pf_mutator *m, pf_mclass cls, int with_path);

/* Text scans without a tree (string ends, depth and value counts,
 * whitespace) are pf_json's: pf_json_str_end, pf_json_scan_depth,
 * pf_json_is_ws. */

/* ---- size schedule (pf_mutate_size.c) ---- */
/* Inputs whose sizes make "typical"; after as many calls it is settled. */
#define PF_SIZE_LEARNED 1024
/* Count one input's size, values and depth while learning "typical". */
void pf_msize_learn(pf_mutator *m, size_t len, uint64_t nodes, int depth);
/* Past these an input is grown. */
uint64_t pf_msize_grown_nodes(const pf_mutator *m);
int pf_msize_grown_depth(const pf_mutator *m);
/* Mutants up to this size spend no growth credit (4 x the typical size,
 * at least 2 KiB); the most any mutant may be now (the free size plus
 * the larger account that can pay for it); whether one of n bytes can
 * be paid for now. */
size_t pf_msize_free(const pf_mutator *m);
size_t pf_msize_allowed(const pf_mutator *m);
int pf_msize_affords(const pf_mutator *m, size_t n);
/* Count a mutant of n bytes against the growth credit. */
void pf_msize_spend(pf_mutator *m, size_t n);
/* Mutants of this size and more spend the huge account. */
#define PF_CREDIT_HUGE ((size_t)64 << 10)
/* Each account's start and the most it can save up: room at the start
 * for a dozen 4 KiB and fifteen 64 KiB mutants, not for a 1 MiB one. */
#define PF_CREDIT_MID_START ((int64_t)64 << 10)
#define PF_CREDIT_MID_MAX ((int64_t)1 << 20)
#define PF_CREDIT_HUGE_START ((int64_t)1 << 20)
#define PF_CREDIT_HUGE_MAX ((int64_t)4 << 20)
/* out = a grown parent cut back towards typical (text only, no tokenizer);
 * -1 on out of memory. */
int pf_msize_reduce(pf_mutator *m, const char *in, size_t len, int depth,
                    size_t max, pf_buf *out, pf_err *err);

#endif
