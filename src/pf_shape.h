/*
 * pf_shape: shape profiles, the facts about production data per JSON path
 * that mutators push against and explanations quote.
 *
 * The profile file format ("format": "prodfuzz-shape", "version": 1) is
 * documented in the README. This header has two halves: the builder
 * (feed documents, write a profile) and the read side (load a profile and
 * query it), which the mutation engine uses.
 */
#ifndef PF_SHAPE_H
#define PF_SHAPE_H

#include <stddef.h>
#include <stdint.h>

#include "pf_buf.h"
#include "pf_err.h"
#include "pf_json.h"

/* ---- read side ------------------------------------------------------------ */

typedef struct pf_shape_rare {
    const char *kind;    /* "type", "key", "format", "value" */
    const char *what;    /* the type name, key, format name or value text */
    const char *example; /* a JSON text of an example value, may be NULL */
    uint64_t count;
} pf_shape_rare;

typedef struct pf_shape_path {
    const char *path;    /* canonical pf_path text */
    uint64_t count;      /* documents where the path is present */
    uint64_t types[7];   /* indexed by pf_jkind */
    int has_string;
    uint64_t str_min_len, str_max_len, str_p99_len;
    int has_number;
    double num_min, num_max;
    const char *num_min_text, *num_max_text; /* as written in the data */
    int max_digits, max_decimals;
    int has_array;
    uint64_t arr_min_len, arr_max_len;
    const char **enum_values; /* JSON texts */
    size_t nenum;
    const pf_shape_rare *rare;
    size_t nrare;
    const char **keys;   /* object keys seen under this path */
    size_t nkeys;
} pf_shape_path;

typedef struct pf_shape pf_shape;

int pf_shape_load(const char *path, pf_shape **out, pf_err *err);
int pf_shape_parse(const char *text, size_t len, const char *name,
                   pf_shape **out, pf_err *err);
void pf_shape_free(pf_shape *s);
uint64_t pf_shape_documents(const pf_shape *s);
int pf_shape_max_depth(const pf_shape *s);
uint64_t pf_shape_max_bytes(const pf_shape *s);
size_t pf_shape_npaths(const pf_shape *s);
const pf_shape_path *pf_shape_at(const pf_shape *s, size_t i);
/* Lookup by canonical path; NULL when production never had it. */
const pf_shape_path *pf_shape_find(const pf_shape *s, const char *path);

#endif
