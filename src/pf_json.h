/*
 * pf_json: a validated token tree over the original text of one document.
 *
 * prodfuzz must keep documents byte-identical outside the spans it changes
 * and keep numbers exactly as written (cJSON would print 505874924095815700
 * as 5.0587492409581568e+17), so the working representation is jsmn's token
 * array: type, start and end offsets into the original text, child count and
 * parent. jsmn is a tokenizer, not a validator, so pf_json_parse checks what
 * it lets through (number grammar, literals, string escapes, control bytes,
 * the separators between tokens, a single top-level value) and reports the
 * first error with its byte offset. Nothing here recurses, so depth is not
 * limited by the C stack, only by depth_limit (see PF_JSON_DEPTH_LIMIT).
 *
 * Token spans: for strings, [start, end) excludes the quotes (jsmn's
 * convention); pf_json_span gives the span of the whole value text.
 */
#ifndef PF_JSON_H
#define PF_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "pf_buf.h"
#include "pf_err.h"
#include "pf_path.h"

typedef enum pf_jkind {
    PF_J_NULL,
    PF_J_BOOL,
    PF_J_INT,
    PF_J_FLOAT,
    PF_J_STRING,
    PF_J_OBJECT,
    PF_J_ARRAY
} pf_jkind;

/* One token, as jsmn makes it (jsmn itself stays private to pf_json.c so
 * its symbols never clash with a user's copy). */
typedef enum pf_jtype {
    PF_JT_UNDEFINED = 0,
    PF_JT_OBJECT = 1,
    PF_JT_ARRAY = 2,
    PF_JT_STRING = 3,
    PF_JT_PRIMITIVE = 4
} pf_jtype;

typedef struct pf_jtok {
    pf_jtype type;
    int start;
    int end;
    int size;   /* objects: member count; arrays: element count; key: 1 */
    int parent; /* -1 for the root; a member value's parent is its key */
} pf_jtok;

typedef struct pf_json {
    const char *text; /* not owned */
    size_t len;
    pf_jtok *tok;
    void *scratch; /* jsmn working tokens */
    int scap;
    int *next; /* next[i]: index of the first token after i's subtree */
    int ntok;
    int cap;
    int max_depth; /* deepest container nesting seen (root container = 1) */
    int depth_limit; /* 0: PF_JSON_DEPTH_LIMIT */
    int *open; /* validation's stack of open containers, reused */
    int ocap;
} pf_json;

/* jsmn closes a bracket by walking up from the innermost open token, so
 * its cost grows with the square of the nesting depth (100,000 levels take
 * seconds). Deeper documents are refused up front with a clear error. */
#define PF_JSON_DEPTH_LIMIT 10000

/* Token offsets and counts are ints (jsmn's): documents over 1 GiB are
 * refused with a clear error, so no capacity arithmetic can overflow. */
#define PF_JSON_MAX_BYTES ((size_t)1 << 30)

#define PF_JSON_INIT {NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0, NULL, 0}

/* Tokenize and validate text[0..len). Leading/trailing JSON whitespace is
 * allowed. Returns 0, or -1 with PF_E_INPUT and "byte N: ..." in err. */
int pf_json_parse(pf_json *j, const char *text, size_t len, pf_err *err);
void pf_json_free(pf_json *j);

pf_jkind pf_json_kind(const pf_json *j, int i);
const char *pf_jkind_name(pf_jkind k); /* "null", "bool", "int", ... */
/* Whole value text: strings include their quotes. */
void pf_json_span(const pf_json *j, int i, size_t *start, size_t *end);
/* Decode a string token (escapes resolved, may contain NUL). */
void pf_json_unescape(const pf_json *j, int i, pf_buf *out);
/* Value token of the member whose key token is k (k + 1). */
static inline int pf_json_value_of(int key) { return key + 1; }

/* Pre-order walk over every value (not keys) with its path.
 * For object members, key is the key token; -1 for array elements and the
 * root. The callback returns 0 to go on, 1 to skip the value's children,
 * or -1 to stop (its error in err is passed up). */
typedef int (*pf_json_visit_fn)(void *ctx, const pf_json *j, int tok, int key,
                                const pf_path *path, pf_err *err);
int pf_json_walk(const pf_json *j, pf_json_visit_fn fn, void *ctx,
                 pf_err *err);

/* ---- scanning JSON text without a tree --------------------------------
 * The one home of each small scan other modules do on raw text (the
 * mutator's cheap passes over grown inputs, PostgreSQL's text formats,
 * path keys): none of them keeps its own copy. */

/* JSON's whitespace: space, tab, newline, carriage return. */
static inline int pf_json_is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
/* Value of a hex digit, either case; -1 for anything else. */
int pf_json_hexval(int c);
/* The code unit of a \uXXXX escape's four hex digits at p; -1 if one of
 * them is not a hex digit. */
long pf_json_read_u4(const char *p);
/* Is s[0..n) exactly one JSON number (RFC 8259: -?int frac? exp?)? */
int pf_json_is_number(const char *s, size_t n);
/* Index of the quote that closes the string opening at s[i] (n when the
 * text ends first); escapes skipped. */
size_t pf_json_str_end(const char *s, size_t n, size_t i);
/* Nesting depth of JSON-ish text and its number of values (commas and
 * openers, plus one), strings skipped, in one pass; stops once past depth
 * stop. values may be NULL. */
int pf_json_scan_depth(const char *s, size_t n, int stop, uint64_t *values);

#endif
