/*
 * pf_anon: keyed, deterministic, shape-preserving anonymization of JSON
 * documents, default-deny (every string and number leaf, and object keys
 * that hold data, are transformed unless the policy marks their path keep).
 *
 * Used by `prodfuzz sample` (one call per row, with the table name so that
 * policy paths like "users.email" apply) and by `prodfuzz anonymize` (JSONL
 * captured anywhere, table NULL). The engine works on spans of the original
 * text (pf_json), so what it keeps stays byte-identical and numbers keep
 * their exact spelling.
 *
 * Keys, raw values and passwords never appear in errors or reports: leaks
 * are reported by path and row label only.
 */
#ifndef PF_ANON_H
#define PF_ANON_H

#include <stddef.h>
#include <stdint.h>

#include "pf_buf.h"
#include "pf_err.h"

/* ---- keys --------------------------------------------------------------- */
typedef struct pf_key {
    unsigned char bytes[64];
    size_t len;
    char fingerprint[17]; /* 16 hex chars of a keyed digest, safe to print */
    int random;           /* made up for this run (no --key-file) */
} pf_key;

/* Load a key file; refused when readable by group or others, or shorter
 * than 16 bytes. Errors never quote the file's content. */
int pf_key_load(const char *path, pf_key *k, pf_err *err);
int pf_key_random(pf_key *k, pf_err *err);
void pf_key_wipe(pf_key *k);

/* ---- policies ----------------------------------------------------------- */
typedef struct pf_policy pf_policy;

int pf_policy_load(const char *path, pf_policy **out, pf_err *err);
int pf_policy_parse(const char *text, size_t len, const char *name,
                    pf_policy **out, pf_err *err);
/* Default-deny policy: everything transformed with the default action. */
int pf_policy_default(pf_policy **out, pf_err *err);
void pf_policy_free(pf_policy *p);
/* SHA-256 of the canonical policy, for manifests. */
void pf_policy_digest(const pf_policy *p, char out[65]);
/* The action ("keep", "scramble", ...) the policy gives the values at a
 * canonical path of a table's documents (table may be NULL): the first
 * matching rule's, else the default's. */
const char *pf_policy_action_at(const pf_policy *p, const char *table, const char *path);

/* ---- the engine ----------------------------------------------------------- */
typedef struct pf_anon pf_anon;

/* verify: keep keyed fingerprints of original values (bounded memory) and
 * report any that survives verbatim outside keep paths. The policy is not
 * copied: it must outlive the engine. A NULL policy means the default. */
int pf_anon_new(pf_anon **out, const pf_key *key, const pf_policy *policy,
                int verify, pf_err *err);
void pf_anon_free(pf_anon *a);

/* Anonymize one JSON document into out (appended). table: NULL for JSONL
 * input, else the table it came from. row: a label for reports ("users
 * row 17", "in.jsonl:12"), never a value. Invalid JSON is PF_E_INPUT. */
int pf_anon_doc(pf_anon *a, const char *table, const char *row,
                const char *doc, size_t len, pf_buf *out, pf_err *err);

/* Anonymize a bare text value (a column whose content is not JSON) as a
 * string leaf at path "$" of table; out gets the transformed bytes. */
int pf_anon_text(pf_anon *a, const char *table, const char *row,
                 const char *s, size_t n, pf_buf *out, pf_err *err);

/* Leak check results so far: count, and a report of "path, row" lines. */
uint64_t pf_anon_leaks(const pf_anon *a);
const char *pf_anon_leak_report(const pf_anon *a);

/* ---- additions: explain and counters ---------------------------------------- */

/* List, for one document, what happens at each path: one line per distinct
 * "PATH -> ACTION" (with the detected format for scramble, "(key)" for
 * object keys that hold data), never a value. Data keys are shown as {*}.
 * Lines an earlier call on the same engine listed are not repeated, so
 * calling it for a few rows gives the union of their paths. */
int pf_anon_explain(pf_anon *a, const char *table, const char *doc, size_t len,
                    pf_buf *out, pf_err *err);

typedef struct pf_anon_stats {
    uint64_t docs, bytes_in, bytes_out;
    uint64_t strings, numbers, keys; /* values and keys transformed */
    uint64_t kept;                   /* leaves left as they were (keep) */
    uint64_t cache_hits, cache_misses;
    uint64_t prf_calls;              /* HMAC computations */
    uint64_t aes_calls;              /* AES calls (Feistel rounds) */
    uint64_t leaks;
    uint64_t untracked; /* leak-check tokens beyond the memory bound */
} pf_anon_stats;

void pf_anon_get_stats(const pf_anon *a, pf_anon_stats *st);

/* ---- several threads, output in input order (pf_anon_pool.c) ----------------- */

#define PF_ANON_MAX_JOBS 64

/* The version of the transforms: the same key gives other values under
 * another version (2: Feistel rounds on AES-128; 3: keys that are data
 * decided by pf_fmt_key_is_data, shared with shape; 4: PostgreSQL's special
 * values NaN, Infinity, infinity, empty ... are kept; 5: MAC addresses, CIDR
 * networks and bare times of day get valid replacements). Manifests record it next
 * to the key fingerprint, and corpora that differ in either are never
 * profiled together. */
#define PF_ANON_TRANSFORM_VERSION 5

typedef struct pf_anon_pool pf_anon_pool;

/* One document's result, handed to the emit callback in input order. */
typedef struct pf_anon_result {
    const char *table, *row; /* as put */
    const char *in, *out;    /* input and anonymized output (not NUL-terminated) */
    size_t in_len, out_len;
    int text;                /* put as a bare text value */
    uintptr_t tag;           /* as put */
    int rc;                  /* 0, or -1 with err (e.g. PF_E_INPUT: not JSON) */
    const pf_err *err;
} pf_anon_result;

/* Called on the thread that calls put and flush; return -1 (with err)
 * to stop the run. */
typedef int (*pf_anon_emit_fn)(void *ctx, const pf_anon_result *r, pf_err *err);

/* jobs: worker threads (1: none, everything on the caller's thread).
 * Output and leak results are the same for every jobs value. */
int pf_anon_pool_new(pf_anon_pool **out, const pf_key *key, const pf_policy *policy,
                     int verify, int jobs, pf_anon_emit_fn emit, void *ctx, pf_err *err);
/* Queue a document (doc_is_text: a bare text value, as pf_anon_text);
 * everything is copied. Emits what is finished, in order; may wait for
 * the workers to bound memory. -1 when emit stopped the run or on OOM. */
int pf_anon_pool_put(pf_anon_pool *p, int doc_is_text, const char *table, const char *row,
                     const char *doc, size_t len, uintptr_t tag, pf_err *err);
/* Wait for every document put so far and emit it. */
int pf_anon_pool_flush(pf_anon_pool *p, pf_err *err);
/* The engine holding the run's leak results and, after a flush, the
 * counters of all workers (calling it stops the workers: no put after). */
pf_anon *pf_anon_pool_engine(pf_anon_pool *p);
void pf_anon_pool_free(pf_anon_pool *p);
/* Online CPUs (at least 1, at most PF_ANON_MAX_JOBS). */
int pf_anon_default_jobs(void);

#endif
