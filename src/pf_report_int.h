/*
 * pf_report_int.h: what the report writers (pf_report_*.c) share and no one
 * else needs: text cleaning and escaping for each output language, and the
 * one way a writer puts its bytes on disk.
 *
 * Reproducer-derived text (titles, explanations, paths, stacks) can hold
 * any bytes. Every writer first makes it valid UTF-8 without control
 * characters (pf_rep_clean: invalid bytes and C0 controls other than tab
 * and newline become U+FFFD), then escapes it for its language.
 */
#ifndef PF_REPORT_INT_H
#define PF_REPORT_INT_H

#include <cjson/cJSON.h>

#include "pf_buf.h"
#include "pf_err.h"
#include "pf_report.h"

/* s (NULL = "") as valid UTF-8; newlines kept when keep_nl, else spaces. */
void pf_rep_clean(pf_buf *out, const char *s, int keep_nl);
/* Cleaned and escaped for XML and HTML text and attribute values. */
void pf_rep_xml(pf_buf *out, const char *s);
/* Cleaned, one line, Markdown punctuation and HTML escaped. */
void pf_rep_md(pf_buf *out, const char *s);
/* Cleaned, inside a Markdown code span (backticks become '). */
void pf_rep_md_code(pf_buf *out, const char *s);
/* Write b to path atomically (temp + rename); frees nothing. */
int pf_rep_commit(const pf_buf *b, const char *path, pf_err *err);
/* arr with room for n + 1 elements of elem bytes (doubling), or NULL. */
void *pf_rep_grow(void *arr, size_t n, size_t elem);
/* The JSON and SARIF writers' cJSON helpers. A cleaned string (s NULL =
 * ""), or NULL when out of memory. */
cJSON *pf_rep_jstr(const char *s);
/* Put v into object o under k, or append it when o is an array (k
 * unused). On failure v is deleted; a NULL v (a failed create) fails too,
 * so a chain `bad = bad || pf_rep_jput(...)` needs no check per item.
 * 0 or -1. */
int pf_rep_jput(cJSON *o, const char *k, cJSON *v);
/* The end of every builder: o, or NULL after deleting it when bad. */
cJSON *pf_rep_jdone(cJSON *o, int bad);
/* Print root (NULL: it could not be built, out of memory) with a final
 * newline to path atomically, and delete it: the one way a cJSON tree goes
 * to disk. The text is valid UTF-8 whatever bytes its strings held
 * (pf_buf_add_utf8: invalid sequences become U+FFFD). */
int pf_rep_commit_json(cJSON *root, const char *path, pf_err *err);
/* Short numbers for tables: 1234567 -> "1.2M". */
void pf_rep_num(pf_buf *out, double v);
/* Findings counts by status; total failing. */
void pf_rep_status_counts(const pf_report *r, uint64_t counts[4]);

#endif
