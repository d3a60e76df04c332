/*
 * pf_anon_int: what the anonymization files share (not installed API).
 *
 * pf_policy.c parses policies into pf_action/pf_rule; pf_anon_fmt.c holds
 * the value transforms (scramble by character class, formats, hash, fpe,
 * shift-date, e-mail); pf_leak.c the bounded fingerprint set of the leak
 * check; pf_anon.c walks documents and ties them together.
 *
 * The transform of a value depends only on the action (and its options),
 * the key and the value: never on its path or table, so a user id maps to
 * the same output in every table and joins survive.
 */
#ifndef PF_ANON_INT_H
#define PF_ANON_INT_H

#include "pf_anon.h"
#include "pf_fpe.h"

typedef enum pf_act_kind {
    PF_ACT_SCRAMBLE = 0,
    PF_ACT_KEEP,
    PF_ACT_HASH,
    PF_ACT_NULL,
    PF_ACT_REDACT,
    PF_ACT_EMAIL,
    PF_ACT_SHIFT_DATE,
    PF_ACT_FPE,
    PF_ACT_COUNT
} pf_act_kind;

typedef struct pf_action {
    pf_act_kind kind;
    int formats;     /* scramble: detect formats (default 1) */
    int keep_domain; /* email: 1 keep the domain, 0 scramble it */
    int length;      /* hash: hex characters (default 16) */
    char *text;      /* redact: replacement (NULL: "REDACTED") */
    int days;        /* shift-date: largest shift in days (default 365) */
} pf_action;

typedef struct pf_rule {
    char *src;       /* the path as written, for messages */
    char *table;     /* table this rule is limited to, or NULL */
    char *pattern;   /* canonical pattern within that table */
    char *full;      /* bare "a.b" only: "$.a.b", used when the table is not a */
    pf_action act;
} pf_rule;

enum { PF_KEYS_AUTO = 0, PF_KEYS_KEEP, PF_KEYS_SCRAMBLE };

struct pf_policy {
    char *name;
    pf_action deflt;
    int keys; /* PF_KEYS_* */
    pf_rule *rules;
    size_t nrules;
    char digest[65];
};

const char *pf_act_name(pf_act_kind k);
/* The first rule whose pattern matches path (in table), or NULL. */
const pf_rule *pf_policy_match(const pf_policy *p, const char *table,
                               const char *path);

/* ---- leak set (pf_leak.c) ---- */
typedef struct pf_leakset {
    uint64_t *slot;
    size_t cap, used, max_cap;
    uint64_t untracked;
} pf_leakset;

void pf_leakset_init(pf_leakset *s, size_t max_cap);
void pf_leakset_free(pf_leakset *s);
void pf_leakset_add(pf_leakset *s, uint64_t fp);
int pf_leakset_has(const pf_leakset *s, uint64_t fp);
/* Call fn for every leak-check token of s: runs of letters, digits and
 * non-ASCII bytes of 6+ characters that hold a letter (or 10+ digits) and
 * are not one character repeated. wide: the token's class pattern leaves
 * 2^48 values or more (3.32 bits a digit, 4.7 an ASCII letter, 6 a
 * non-ASCII character), worth comparing across the whole run. */
void pf_leak_tokens(const char *s, size_t n,
                    void (*fn)(void *ctx, const char *tok, size_t len, size_t off, int wide),
                    void *ctx);

/* ---- the engine state (pf_anon_scramble.c) and transforms (pf_anon_fmt.c) ---- */
#define PF_XF_DOM_MAX 48
#define PF_XF_DOM_SLOTS 1024

typedef struct pf_xf {
    pf_prf prf;   /* HMAC: subkeys, the hash action, shift-date offsets */
    pf_ff1 ff1;
    pf_aes aes;   /* the Feistel round function */
    int shift_days;
    long shift_off;
    unsigned char sipkey[16];
    /* scratch, reused between values */
    uint32_t *x, *radix, *cls;
    size_t xcap;
    pf_buf pat;
    pf_buf tmp;
    int kept_parts; /* the last transform kept parts of the value (domain, TLD) */
    /* e-mail domains repeat far more than whole addresses: their scrambled
     * names are remembered (direct-mapped, keyed hash, exact compare) */
    struct pf_xf_dom {
        uint64_t h;
        uint8_t len, used;
        char in[PF_XF_DOM_MAX], out[PF_XF_DOM_MAX];
    } *dom;
} pf_xf;

int pf_xf_init(pf_xf *xf, const pf_key *key, pf_err *err);
void pf_xf_free(pf_xf *xf);

typedef enum pf_xr { PF_XR_STRING, PF_XR_RAW, PF_XR_NULL } pf_xr;

/* Transform a decoded string value; out gets decoded bytes (PF_XR_STRING)
 * or JSON text (PF_XR_RAW). */
pf_xr pf_xf_string(pf_xf *xf, const pf_action *act, const char *s, size_t n,
                   pf_buf *out);
/* Transform a JSON number's text; out gets JSON text (PF_XR_RAW) or a
 * decoded string (PF_XR_STRING, for redact). */
pf_xr pf_xf_number(pf_xf *xf, const pf_action *act, const char *s, size_t n,
                   pf_buf *out);
/* Which format a string is detected as under scramble (pf_fmt_name of
 * pf_fmt_detect: "uuid", "email", ... or "text"), for explain. Whether an
 * object key is data is pf_fmt_key_is_data. */
const char *pf_xf_format_name(const char *s, size_t n);

/* ---- the scramble engine (pf_anon_scramble.c), for pf_anon_fmt.c ---- */
/* Character classes: the radix of each transformable character. */
enum {
    C_KEEP = 0,
    C_LOWER,
    C_UPPER,
    C_DIGIT,
    C_NZDIGIT,
    C_HEXL,
    C_HEXU,
    C_VARL,
    C_VARU,
    C_DIGIT_ANY, /* digits without the leading-zero rule */
    C_RAWCONT,   /* a byte of no valid UTF-8 sequence, 0x80-0xBF: 0x80-0xBF */
    C_RAWLEAD,   /* one of 0xC0-0xFF in no valid sequence: a byte never
                    valid in UTF-8 (0xC0, 0xC1, 0xF5-0xFF) */
    C_UNI = 16,  /* + index into ucls */
    C_FALLBACK = 0x80000000u /* | block base */
};

/* scramble modes: digit runs keep leading zeros; %XX escapes kept; hex */
enum { M_RUNS = 1, M_PCT = 2, M_HEX = 4 };

/* Write digit d of class cls at o; its byte length. */
size_t pf_xs_encode_digit(uint32_t cls, uint32_t d, char *o);
/* Room for n characters in the engine's vectors; -1 out of memory. */
int pf_xs_ensure(pf_xf *xf, size_t n);
/* The tweak: a keyed hash of the class pattern built in xf->pat, tag last. */
uint64_t pf_xs_tweak(pf_xf *xf, unsigned tag);
/* The scramble core: classify, permute, emit. Appends to out (out->oom on
 * out of memory). */
void pf_xs_scramble(pf_xf *xf, unsigned tag, const char *s, size_t n,
                    int mode, pf_buf *out);

/* ---- for pf_anon_pool (pf_anon.c) ---- */
/* A worker engine: leak-check set operations are logged, not applied. */
void pf_anon_set_defer(pf_anon *a, int on);
/* Bytes of long values the value cache may hold (default 8 MiB). */
void pf_anon_set_cache_heap(pf_anon *a, size_t max);
/* Value cache on (default) or off: the output is the same either way. */
void pf_anon_set_cache(pf_anon *a, int on);
/* The log of the documents processed since the last reset; oom set when
 * it could not grow. */
const uint64_t *pf_anon_dlog(const pf_anon *a, size_t *n, int *oom);
void pf_anon_dlog_reset(pf_anon *a);
/* Apply one document's log on the engine that holds the run's leak sets
 * (row and the document: for reports). */
int pf_anon_replay(pf_anon *a, const uint64_t *log, size_t n, const char *row,
                   const char *doc, size_t len);
/* Add a worker's counters (documents, values, cache, PRF calls) to to. */
void pf_anon_add_stats(pf_anon *to, const pf_anon *from);

#endif
