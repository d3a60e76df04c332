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

void pf_explanation_free(pf_explanation *e);
/* {"items":[{"path":..,"class":..,"score":..,"text":..}],"nearest":..} */
void pf_explanation_json(const pf_explanation *e, pf_buf *out);

#endif
