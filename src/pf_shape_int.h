/*
 * pf_shape_int: what the shape builder (pf_shape.c), the writer and
 * dictionary (pf_shape_write.c) and the loader (pf_shape_load.c) share:
 * the node state and the helpers each stage calls on it. Private to the
 * library.
 */
#ifndef PF_SHAPE_INT_H
#define PF_SHAPE_INT_H

#include "pf_shape.h"

#include <stdint.h>

#include "pf_json.h"
#include "pf_format.h"
#include "pf_path.h"

#define MAX_EX_LEN 128  /* longest example / type example kept */
#define MAX_VAL_LEN 64  /* longest value an enum may hold */
#define MAX_INVALID_AT 5
#define MAX_PATH_DEPTH 128 /* deeper values are counted, not profiled */
#define CJSON_DEPTH 1000   /* cJSON's CJSON_NESTING_LIMIT: parsers built on
                              cJSON refuse documents nested deeper */
#define NHIST (128 + 34 * 16)

extern const char *pf_sh_type_names[7];

typedef struct sk_val {
    char *text; /* JSON text, NUL-terminated */
    size_t len;
    uint64_t count, last;
} sk_val;

typedef struct node {
    char *path;
    size_t plen;
    struct node *parent; /* object parent for key children, else NULL */
    char *key;           /* decoded key (key children only) */
    size_t klen;
    int dead;
    uint64_t count, last, occ;
    uint64_t types[7], type_last[7];
    char *type_ex[7];
    uint64_t nstr, smin, smax;
    uint64_t *hist;      /* NHIST buckets, lazily */
    uint64_t p99_file;   /* p99 from a profile without a histogram */
    uint64_t cls[PF_CC_N], cls_last[PF_CC_N];
    uint64_t fmt[PF_FMT_N], fmt_last[PF_FMT_N];
    char *fmt_ex[PF_FMT_N];
    char *nmin, *nmax;
    int max_digits, max_decimals;
    uint64_t narr, amin, amax;
    uint64_t nchildren;  /* key children created */
    uint64_t id_folds, id_fold_last; /* documents whose map here folded */
    int cap_folded;
    sk_val *vals;
    size_t nvals;
    int vals_over;
    char **ex;
    size_t nex;
    /* read-side view */
    pf_shape_path view;
    pf_shape_rare *rare;
    const char **enum_v, **keys_v;
} node;

struct pf_shape_builder {
    pf_shape_opts o;
    node **nodes;
    size_t n, cap;
    size_t *tab; /* open addressing: index + 1, 0 empty */
    size_t tcap;
    uint64_t docs, invalid, too_deep, serial;
    uint64_t unlisted; /* documents no corpus manifest lists (--include-unlisted) */
    uint64_t deep_paths, deep_last; /* documents with paths past MAX_PATH_DEPTH */
    uint64_t over_cjson;            /* documents nested deeper than CJSON_DEPTH */
    int max_depth;
    uint64_t max_bytes;
    int anonymized; /* built from (or merged with) an anonymized corpus */
    char *invalid_at[MAX_INVALID_AT];
    size_t ninvalid_at;
    pf_json j;
    pf_path p;
    pf_buf tmp;
    int oom;
};

struct pf_shape {
    pf_shape_builder *b;
    node **sorted;
    size_t n;
};

typedef struct derived {
    node **sorted;
    size_t n;
    size_t *kid_start; /* children of sorted[i]: kids[kid_start[i]..kid_start[i+1]) */
    node **kids;
} derived;

typedef struct rare_item {
    const char *kind, *what;
    size_t what_len;
    const char *example;
    uint64_t count;
    int what_is_json; /* value texts are written as JSON, others as strings */
} rare_item;

char *pf_sh_dupn(const char *s, size_t n);
node *pf_sh_find_node(const pf_shape_builder *b, const char *p, size_t n);
node *pf_sh_get_node(pf_shape_builder *b, const char *p, size_t n);
size_t pf_sh_hist_bucket(uint64_t len);
uint64_t pf_sh_bucket_lo(size_t b);
uint64_t pf_sh_node_p99(const node *x);
int pf_sh_set_text(char **slot, const char *s, size_t n);
int pf_sh_add_value(pf_shape_builder *b, node *x, const char *t, size_t n,
                    uint64_t times, uint64_t last);
int pf_sh_add_example(pf_shape_builder *b, node *x, const char *t, size_t n);
int pf_sh_merge_node(pf_shape_builder *b, node *d, const node *s);
int pf_sh_is_enum(const pf_shape_builder *b, const node *x);
sk_val **pf_sh_sorted_vals(const node *x);
void pf_sh_derived_free(derived *d);
int pf_sh_derive(const pf_shape_builder *b, derived *d);
size_t pf_sh_rare_items(const pf_shape_builder *b, const derived *d, size_t i,
                        rare_item *it);
int pf_sh_parse_into(pf_shape_builder *b, pf_shape_opts *opts_out,
                     const char *text, size_t len, const char *name, pf_err *err);

#endif
