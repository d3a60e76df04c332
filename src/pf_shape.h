/*
 * pf_shape: shape profiles, the facts about production data per JSON path
 * that mutators push against and explanations quote.
 *
 * The profile file format ("format": "prodfuzz-shape", "version": 1) is
 * documented in docs/shape.md. This header has two halves: the builder
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
/* Documents profiled that no corpus manifest lists ("unlisted_documents":
 * shape --include-unlisted); 0 for a profile of production data alone. */
uint64_t pf_shape_unlisted(const pf_shape *s);
int pf_shape_max_depth(const pf_shape *s);
uint64_t pf_shape_max_bytes(const pf_shape *s);
size_t pf_shape_npaths(const pf_shape *s);
const pf_shape_path *pf_shape_at(const pf_shape *s, size_t i);
/* Lookup by canonical path; NULL when production never had it. */
const pf_shape_path *pf_shape_find(const pf_shape *s, const char *path);

/* Formats seen at a path (documents with at least one string of that
 * format), as in the profile's "string.formats": up to max entries. */
size_t pf_shape_formats(const pf_shape *s, const pf_shape_path *p,
                        const char **names, uint64_t *counts, size_t max);
/* Documents counted as invalid and nesting too deep (a subset). */
uint64_t pf_shape_invalid(const pf_shape *s);
/* 1 when the documents were anonymized (the profile's "anonymized"): a
 * number path the policy did not keep holds the scrambled values' range,
 * not production's. */
int pf_shape_anonymized(const pf_shape *s);

/* ---- builder ---------------------------------------------------------------
 *
 * Feed documents (any order), then write the profile. Memory is O(paths):
 * every path keeps counters, min/max, a fixed log-bucket histogram of
 * string lengths, a distinct-value set capped at enum_cap and at most
 * max_examples examples. The state written in the profile's "sketch"
 * objects is what makes pf_shape_builder_merge exact: merging the profiles
 * of A and B gives the profile of A followed by B. */

typedef struct pf_shape_opts {
    double rare_cutoff;    /* share of documents under which a variant is
                              rare (0.01) */
    unsigned enum_cap;     /* distinct values beyond which a path is not an
                              enum (32) */
    unsigned max_examples; /* examples kept per path (3) */
    unsigned max_keys;     /* distinct keys under one object path before
                              it is folded into {*} (1000) */
    int depth_limit;       /* 0: PF_JSON_DEPTH_LIMIT */
} pf_shape_opts;

void pf_shape_opts_default(pf_shape_opts *o);

typedef struct pf_shape_builder pf_shape_builder;

pf_shape_builder *pf_shape_builder_new(const pf_shape_opts *o, pf_err *err);
void pf_shape_builder_free(pf_shape_builder *b);
/* Add one document. A document that is not valid JSON (or nests deeper
 * than the limit) is counted as invalid, the first few with their origin;
 * that is not an error. Returns 1 added, 0 invalid, -1 out of memory. */
int pf_shape_add_doc(pf_shape_builder *b, const char *doc, size_t len,
                     const char *origin, pf_err *err);
/* Count an input that could not be read as a document (a JSONL line too
 * long, a NUL byte); why must name no value. origin may be NULL when why
 * already says where. */
void pf_shape_add_invalid(pf_shape_builder *b, const char *origin,
                          const char *why);
/* Merge a profile (text or file) into the builder. Its settings must
 * equal the builder's (else PF_E_INPUT). */
int pf_shape_builder_merge_text(pf_shape_builder *b, const char *text,
                                size_t len, const char *name, pf_err *err);
int pf_shape_builder_merge_file(pf_shape_builder *b, const char *path,
                                pf_err *err);
/* Adopt the settings of a profile file (for --merge: the first input). */
int pf_shape_opts_from_file(const char *path, pf_shape_opts *o, pf_err *err);
uint64_t pf_shape_builder_documents(const pf_shape_builder *b);
/* Record that n of the documents are not listed in their corpus manifest
 * (written in the profile as "unlisted_documents", summed by merges). */
void pf_shape_builder_add_unlisted(pf_shape_builder *b, uint64_t n);
uint64_t pf_shape_builder_unlisted(const pf_shape_builder *b);
uint64_t pf_shape_builder_invalid(const pf_shape_builder *b);
/* The profile JSON text (replaces out's content). */
int pf_shape_builder_write(const pf_shape_builder *b, pf_buf *out,
                           pf_err *err);
/* A libFuzzer/AFL++ dictionary: keys as "\"key\"", enum values, format
 * tokens; one entry per line, non-printable bytes as \xNN. */
int pf_shape_builder_dict(const pf_shape_builder *b, pf_buf *out,
                          pf_err *err);
/* Mark the documents as anonymized (the profile's "anonymized"; merging
 * keeps the mark). */
void pf_shape_builder_set_anonymized(pf_shape_builder *b, int yes);

#endif
