/*
 * pf_inputs: the input set a run goes through (check, diff, seed-tests):
 * production documents (corpus folders, JSONL files, files; see pf_docs)
 * followed by N mutants per failure class made by the mutation engine,
 * optionally cut to one shard of N.
 *
 * Reproducible by construction: mutant i of class k comes from document
 * (i + tries) mod ndocs with a seed derived from (seed, k, i, tries), so
 * it does not depend on the other classes chosen, and a shard is chosen
 * by content hash (SHA-1), so shard K/N is the same set on every machine.
 */
#ifndef PF_INPUTS_H
#define PF_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "pf_err.h"
#include "pf_shape.h"

typedef struct pf_input {
    char *data;    /* NUL-terminated copy of the bytes */
    size_t len;
    char *origin;  /* "docs.jsonl:3" or "null:$.a <- docs.jsonl:3" */
    char *path;    /* the JSON path a mutant changed, or NULL */
    int row;       /* 0: a production document; 1 + class: a mutant */
} pf_input;

typedef struct pf_inputs {
    pf_input *in;
    size_t n, cap;
    size_t ndocs;  /* how many of in[] are production documents */
} pf_inputs;

void pf_inputs_init(pf_inputs *s);
void pf_inputs_free(pf_inputs *s);
int pf_inputs_add(pf_inputs *s, const void *data, size_t len,
                  const char *origin, const char *path, int row, pf_err *err);
/* Append every document of these inputs (pf_docs rules). */
int pf_inputs_read(pf_inputs *s, char **paths, size_t n, size_t max_doc,
                   pf_err *err);
/* Append per_class mutants of each class in mask, made from the first
 * ndocs inputs, mutants no larger than max_len bytes. */
int pf_inputs_mutants(pf_inputs *s, size_t ndocs, uint64_t per_class,
                      unsigned mask, const pf_shape *shape, uint64_t seed,
                      size_t max_len, pf_err *err);
/* Keep only shard k of n (1 <= k <= n), by the SHA-1 of each input. */
int pf_inputs_shard(pf_inputs *s, unsigned k, unsigned n, pf_err *err);
/* "production" for row 0, else the mutation class's name. */
const char *pf_inputs_row_name(int row);

#endif
