/*
 * pf_explain: say, in production terms, how a reproducer differs from what
 * production has shown.
 *
 * Compares the reproducer with the shape profile (per path: types, null
 * rates, lengths, depths, ranges, enums, rare legacy variants) and with the
 * nearest corpus document (smallest structural difference), and ranks the
 * differences by how far each goes past production:
 *   "$.customer.email is null; never null in 24,000 sampled documents"
 *   "$.meta is nested 61 deep; production's deepest is 3"
 * A field the reproducer shares with its nearest production document is
 * never listed. Works on non-JSON input (where it stops being JSON), on
 * cJSON-lenient input (raw control bytes, trailing text), with or without
 * a profile or corpus. Never quotes a raw value longer than a few bytes.
 */
#ifndef PF_EXPLAIN_H
#define PF_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "pf_buf.h"
#include "pf_err.h"

typedef struct pf_explain_item {
    char *path;     /* canonical JSON path, "$" for the document */
    char *cls;      /* failure class: "null", "oversize", "deep", ... */
    double score;   /* how far past production; higher ranks first */
    char *text;     /* one line, as printed */
} pf_explain_item;

typedef struct pf_explanation {
    pf_explain_item *items; /* ranked, most important first */
    size_t n;
    char *nearest;          /* file name of the nearest corpus document */
    size_t nearest_diffs;   /* structural differences from it */
} pf_explanation;

typedef struct pf_explainer pf_explainer;

/* Load once, explain many. shape_path and corpus_dir may each be NULL. */
int pf_explainer_open(const char *shape_path, const char *corpus_dir,
                      pf_explainer **out, pf_err *err);
int pf_explainer_explain(pf_explainer *x, const uint8_t *data, size_t len,
                         pf_explanation *out, pf_err *err);
void pf_explainer_close(pf_explainer *x);

/* The same, built piece by piece (fuzz harnesses, callers that hold the
 * documents in memory): an empty explainer, a profile from text, corpus
 * documents (copied). Without a profile, one is made from the documents
 * at the first explain. */
int pf_explainer_new(pf_explainer **out, pf_err *err);
int pf_explainer_set_shape(pf_explainer *x, const char *text, size_t len,
                           const char *name, pf_err *err);
int pf_explainer_add_doc(pf_explainer *x, const char *name,
                         const uint8_t *data, size_t len, pf_err *err);
/* With the reproducer's file name: a name made by `prodfuzz mutate`
 * ("null-customer.email-3f2a91c0de") or by AFL++ with the prodfuzz
 * mutator ("id:000001,...,prodfuzz:null:$.customer.email") breaks ties
 * toward the class and path it names; it never adds an item. name may be
 * NULL. */
int pf_explainer_explain_named(pf_explainer *x, const char *name,
                               const uint8_t *data, size_t len,
                               pf_explanation *out, pf_err *err);

void pf_explanation_free(pf_explanation *e);
/* {"items":[{"path":..,"class":..,"score":..,"text":..}],"differences":N,
 *  "nearest":..,"nearest_diffs":N} */
void pf_explanation_json(const pf_explanation *e, pf_buf *out);

#endif
