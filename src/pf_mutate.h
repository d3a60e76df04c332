/*
 * pf_mutate: the mutation engine. One library, three front ends (the
 * libFuzzer custom mutator in fuzz/pf_libfuzzer.c, the AFL++ custom
 * mutator in fuzz/pf_afl.c and `prodfuzz mutate`).
 *
 * A mutation picks one value of a JSON document (by its pf_json token,
 * so its path is known) and one failure class (design.md: null, missing,
 * type, oversize, number, deep, legacy, unicode, dupkey, truncate,
 * format, empty), builds the replacement as text and splices it in: every byte
 * the mutation does not touch stays as production wrote it (numbers such
 * as 505874924095815700 are never round-tripped through a double). When a
 * shape profile is given, values are chosen relative to it: just past the
 * longest string, the deepest nesting, the largest number, a null where
 * production never had one, a `rare` variant the profile recorded.
 *
 * The engine is deterministic: the same seed and input give the same
 * mutant. It never returns more than max_size bytes; when the input is
 * already larger it shrinks it structurally (drops members and elements,
 * shortens strings). Inputs that are not JSON, and a configurable share of
 * calls, go to byte-level mutation (a callback such as libFuzzer's
 * LLVMFuzzerMutate, or a small built-in one) so nothing is lost against
 * plain fuzzing.
 *
 * Every mutant can say what made it: pf_mutator_describe gives
 * "class:path", e.g. "oversize:$.customer.name".
 */
#ifndef PF_MUTATE_H
#define PF_MUTATE_H

#include <stddef.h>
#include <stdint.h>

#include "pf_buf.h"
#include "pf_err.h"
#include "pf_shape.h"

typedef enum pf_mclass {
    PF_M_NULL,
    PF_M_MISSING,
    PF_M_TYPE,
    PF_M_OVERSIZE,
    PF_M_NUMBER,
    PF_M_DEEP,
    PF_M_LEGACY,
    PF_M_UNICODE,
    PF_M_DUPKEY,
    PF_M_TRUNCATE,
    PF_M_FORMAT,
    PF_M_EMPTY,
    PF_M_NCLASSES,
    /* what else can have made a mutant (describe only, not selectable) */
    PF_M_CROSSOVER = PF_M_NCLASSES,
    PF_M_SHRINK,
    PF_M_BYTES,
    PF_M_NONE
} pf_mclass;

#define PF_M_ALL ((1u << PF_M_NCLASSES) - 1)
#define PF_MUTATE_MAX_DEPTH_DEFAULT 100000

/* "null", "missing", ..., "crossover", "shrink", "bytes". */
const char *pf_mclass_name(pf_mclass c);
/* Parse "null,deep,oversize" into a bit mask (1u << class). Spaces are
 * ignored; an unknown name is a PF_E_USAGE error naming the known ones. */
int pf_mclass_parse(const char *list, unsigned *mask, pf_err *err);

typedef struct pf_mutate_cfg {
    const pf_shape *shape; /* not owned; NULL: generic boundaries */
    unsigned classes;      /* mask of 1u << pf_mclass; 0 means all */
    double byte_share;     /* share of calls that go to byte mutation */
    int max_depth;         /* deepest nesting `deep` builds */
    /* In a fuzzing loop (libFuzzer, AFL++): keep executions fast. The
     * engine learns the typical size of its inputs from the first calls;
     * a parent far larger or deeper than that (a grown string, array or
     * nesting that earned a corpus slot) is mostly reduced back towards
     * it instead of being mutated at full size. Off for `prodfuzz mutate`,
     * where every mutant of a given input should look like it. */
    int size_schedule;
    /* In a fuzzing loop too: before the classes are drawn at random, a
     * first pass takes each field of the first production-shaped inputs
     * to its boundaries once (pf_mutate.c, "The first pass"). */
    int first_pass;
} pf_mutate_cfg;

/* classes = all, byte_share = 0.2, max_depth = 100000, no shape, no size
 * schedule, no first pass. */
void pf_mutate_cfg_default(pf_mutate_cfg *cfg);
/* Apply PRODFUZZ_CLASSES, PRODFUZZ_BYTE_SHARE, PRODFUZZ_MAX_DEPTH,
 * PRODFUZZ_SIZE_SCHEDULE and PRODFUZZ_FIRST_PASS (0 or 1) and PRODFUZZ_SHAPE (loaded into *shape, which the caller frees with
 * pf_shape_free after the mutator). Bad values are PF_E_USAGE errors,
 * an unreadable profile PF_E_INPUT. */
int pf_mutate_cfg_env(pf_mutate_cfg *cfg, pf_shape **shape, pf_err *err);

typedef struct pf_mutator pf_mutator;

/* Byte-level mutation of data[0..size) in place, with room for max bytes;
 * returns the new size (LLVMFuzzerMutate's contract). */
typedef size_t (*pf_byte_fn)(uint8_t *data, size_t size, size_t max,
                             void *ctx);

pf_mutator *pf_mutator_new(const pf_mutate_cfg *cfg, pf_err *err);
void pf_mutator_free(pf_mutator *m);
void pf_mutator_seed(pf_mutator *m, uint64_t seed);
/* NULL fn: the built-in byte mutator. */
void pf_mutator_set_bytes(pf_mutator *m, pf_byte_fn fn, void *ctx);

/* One mutant of in[0..len) into out (reset first), out->len <= max_size.
 * Always produces something (falling back to bytes); -1 only on OOM. */
int pf_mutate(pf_mutator *m, const void *in, size_t len, size_t max_size,
              pf_buf *out, pf_err *err);
/* Apply one given class: 1 applied, 0 the class does not apply to this
 * input within max_size (out is then empty), -1 OOM. */
int pf_mutate_class(pf_mutator *m, pf_mclass cls, const void *in, size_t len,
                    size_t max_size, pf_buf *out, pf_err *err);
/* The size schedule's view (cfg.size_schedule): the typical input size
 * learnt so far (0 before the first call) and the size above which a
 * parent counts as grown. */
size_t pf_mutator_typical_size(const pf_mutator *m);
size_t pf_mutator_grown_size(const pf_mutator *m);

/* Make in fit max_size by dropping members and elements and shortening
 * strings (byte truncation for non-JSON). 0 or -1 (OOM). */
int pf_mutate_shrink(pf_mutator *m, const void *in, size_t len,
                     size_t max_size, pf_buf *out, pf_err *err);
/* Splice a subtree of b into a at the same path (any subtree of b when no
 * path matches). 1 done, 0 not possible (not JSON, too big), -1 OOM. */
int pf_crossover(pf_mutator *m, const void *a, size_t alen, const void *b,
                 size_t blen, size_t max_size, pf_buf *out, pf_err *err);

/* Trimming that keeps a document valid JSON (AFL++ custom trim): the
 * candidates each drop one object member or array element, the last ones
 * in the document first. pf_mutate_trim_count gives how many there are
 * (0 for non-JSON); pf_mutate_trim_candidate builds the k-th into out:
 * 1 done, 0 k out of range (out is then a copy of in), -1 OOM. */
int pf_mutate_trim_count(pf_mutator *m, const void *in, size_t len);
int pf_mutate_trim_candidate(pf_mutator *m, const void *in, size_t len, int k,
                             pf_buf *out, pf_err *err);

/* What the last call did. */
const char *pf_mutator_describe(const pf_mutator *m); /* "class:path" */
pf_mclass pf_mutator_last_class(const pf_mutator *m);
const char *pf_mutator_last_path(const pf_mutator *m); /* "" for bytes */
/* A class-specific figure: oversize: the new string length in bytes or
 * element count; deep: the nesting depth of the wrapped value's innermost
 * container; truncate: the cut offset; shrink: passes, or the nesting
 * levels removed when a grown parent was de-nested; else 0. */
uint64_t pf_mutator_last_amount(const pf_mutator *m);

#endif
