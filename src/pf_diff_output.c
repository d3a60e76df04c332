/*
 * pf_diff_output: are two targets' outputs the same? (pf_diff.h)
 *
 * When both outputs are one JSON value each, they are parsed with cJSON
 * and walked together, so what a serializer is free to choose (key order,
 * whitespace, 1.0 or 1 or 1e0) does not count, and the first difference
 * gets a path a reader can look up. Objects are compared as multisets of
 * members: the k-th member named "a" in one matches the k-th named "a" in
 * the other, so a duplicated key is neither lost nor matched twice.
 * Anything else is compared byte for byte.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "pf_diff.h"
#include "pf_path.h"

/* One JSON value and nothing but whitespace around it; NULL otherwise.
 * pf_buf data is NUL-terminated; a NUL inside makes it not JSON. */
static cJSON *parse_one(const pf_buf *b)
{
    if (!b->len || memchr(b->data, '\0', b->len))
        return NULL;
    return cJSON_ParseWithOpts(b->data, NULL, 1);
}

/* the k-th member named like m (k counted among o's members before m) */
static const cJSON *nth_named(const cJSON *o, const char *name, size_t k)
{
    for (const cJSON *c = o->child; c; c = c->next)
        if (c->string && !strcmp(c->string, name) && k-- == 0)
            return c;
    return NULL;
}

static size_t rank_of(const cJSON *o, const cJSON *m)
{
    size_t k = 0;
    for (const cJSON *c = o->child; c && c != m; c = c->next)
        if (c->string && !strcmp(c->string, m->string))
            k++;
    return k;
}

static int differ(const cJSON *a, const cJSON *b, pf_path *p);

/* members of a that b lacks (or that differ), then b's extras */
static int differ_object(const cJSON *a, const cJSON *b, pf_path *p)
{
    for (const cJSON *c = a->child; c; c = c->next) {
        const char *k = c->string ? c->string : "";
        const cJSON *o = nth_named(b, k, rank_of(a, c));
        pf_path_push_key(p, k, strlen(k));
        if (!o || differ(c, o, p))
            return 1;
        pf_path_pop(p);
    }
    for (const cJSON *c = b->child; c; c = c->next) {
        const char *k = c->string ? c->string : "";
        if (!nth_named(a, k, rank_of(b, c))) {
            pf_path_push_key(p, k, strlen(k));
            return 1;
        }
    }
    return 0;
}

static int differ(const cJSON *a, const cJSON *b, pf_path *p)
{
    int ta = a->type & 0xff, tb = b->type & 0xff;
    if (ta != tb)
        return 1;
    switch (ta) {
    case cJSON_Number:
        return a->valuedouble != b->valuedouble;
    case cJSON_String:
        return strcmp(a->valuestring ? a->valuestring : "",
                      b->valuestring ? b->valuestring : "") != 0;
    case cJSON_Array: {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return 1; /* the array itself: its length changed */
        pf_path_push_index(p);
        for (const cJSON *x = a->child, *y = b->child; x && y; x = x->next, y = y->next)
            if (differ(x, y, p))
                return 1;
        pf_path_pop(p);
        return 0;
    }
    case cJSON_Object:
        return differ_object(a, b, p);
    default: /* true, false, null */
        return 0;
    }
}

int pf_diff_output(const pf_buf *a, const pf_buf *b, int exact, pf_buf *path,
                   pf_err *err)
{
    pf_buf_reset(path);
    cJSON *ja = exact ? NULL : parse_one(a);
    cJSON *jb = ja ? parse_one(b) : NULL;
    int rc;
    if (ja && jb) {
        pf_path p;
        pf_path_init(&p);
        rc = differ(ja, jb, &p);
        if (rc)
            pf_buf_add(path, pf_path_str(&p), pf_path_len(&p));
        if (pf_path_ok(&p, err) < 0)
            rc = -1;
        pf_path_free(&p);
    } else {
        rc = a->len != b->len || (a->len && memcmp(a->data, b->data, a->len));
        if (rc)
            pf_buf_addc(path, '$');
    }
    cJSON_Delete(ja);
    cJSON_Delete(jb);
    if (rc >= 0 && pf_buf_ok(path, err) < 0)
        rc = -1;
    return rc;
}
