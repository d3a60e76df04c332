/*
 * pf_path: the one JSON-path type.
 *
 * Text form: `$` is the document root, `.name` an object member, `[*]` any
 * array element (all elements of an array share one path), `{*}` any member
 * of a map folded by shape (maps keyed by ids). A key that is empty or holds
 * anything but ASCII letters, digits, `_`, `-` and non-ASCII bytes is
 * written quoted, JSON-escaped: `$["a.b"]`, `$["*"]`, `$["say \"hi\""]`,
 * so `$.a.b` never matches a key named "a.b".
 *
 * A pf_path is a stack: push a segment while walking down a document, pop
 * it on the way back. The text is kept up to date, so pf_path_str is free.
 *
 * Patterns (policies, --classes filters) are paths whose segments may be
 * `*` (any one key), `[*]`, `{*}`, or `**` (any run of segments, even none).
 */
#ifndef PF_PATH_H
#define PF_PATH_H

#include <stddef.h>

#include "pf_buf.h"
#include "pf_err.h"

typedef struct pf_path {
    pf_buf text;     /* canonical text, starts with "$" */
    size_t *marks;   /* text length before each pushed segment */
    size_t depth;
    size_t cap;
} pf_path;

void pf_path_init(pf_path *p);
void pf_path_free(pf_path *p);
void pf_path_reset(pf_path *p); /* back to "$" */
void pf_path_push_key(pf_path *p, const char *key, size_t n);
void pf_path_push_index(pf_path *p); /* "[*]" */
void pf_path_push_map(pf_path *p);   /* "{*}" */
void pf_path_pop(pf_path *p);
const char *pf_path_str(const pf_path *p);
size_t pf_path_len(const pf_path *p);
int pf_path_ok(const pf_path *p, pf_err *err); /* allocation check */

/* Append the canonical form of one key segment (".k" or "[\"k\"]"). */
void pf_path_add_key(pf_buf *out, const char *key, size_t n);

/* Parse a path or pattern text into canonical form (so `$['a']` and `$.a`
 * compare equal). A leading `$` is required unless allow_bare is set, in
 * which case "a.b" means "$.a.b". Returns 0, or -1 with a message that
 * points at the byte where the text went wrong. */
int pf_path_canon(const char *text, size_t n, int allow_bare, pf_buf *out,
                  pf_err *err);

/* Does the canonical pattern match the canonical path? */
int pf_path_match(const char *pattern, const char *path);

#endif
