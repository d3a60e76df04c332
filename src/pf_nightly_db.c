/*
 * pf_nightly_db: the findings database of a state folder, and
 * suppressions.
 *
 * STATE/findings.json ("format": "prodfuzz-findings", versioned) holds one
 * entry per finding (target + pf_crash signature): first and last seen,
 * count, nights, status (new / open / fixed), the explanation, the
 * reproducer's place and the environment it was recorded with (sanitizer
 * options, limits, target build id, prodfuzz version) so that
 * `prodfuzz repro` replays it as the night ran it; and one row per night
 * for the report's history charts. It is read and written with cJSON and
 * replaced atomically (pf_fs_write_atomic).
 *
 * A suppressions file lists accepted findings by id with a reason and an
 * expiry date; an expired entry no longer suppresses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "pf_fs.h"
#include "pf_hash.h"
#include "pf_nightly.h"

#define DB_FORMAT "prodfuzz-findings"
#define DB_VERSION 1

const char *pf_nstatus_name(pf_nstatus s)
{
    switch (s) {
    case PF_NS_NEW: return "new";
    case PF_NS_OPEN: return "open";
    case PF_NS_FIXED: return "fixed";
    case PF_NS_SUPPRESSED: return "suppressed";
    }
    return "?";
}

static int status_from(const char *s)
{
    for (int i = 0; i <= PF_NS_SUPPRESSED; i++)
        if (s && !strcmp(s, pf_nstatus_name((pf_nstatus)i)))
            return i;
    return -1;
}

void pf_ndb_init(pf_ndb *db) { memset(db, 0, sizeof *db); }

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void finding_free(pf_nfinding *f)
{
    free(f->id); free(f->target); free(f->signature); free(f->kind);
    free(f->outcome); free(f->title); free(f->mclass); free(f->path);
    strv_free(f->explain, f->nexplain);
    free(f->top_file); free(f->stack); free(f->reproducer);
    free(f->first_seen); free(f->last_seen);
    free(f->binary); free(f->build_id); free(f->version);
    strv_free(f->env, f->nenv);
    free(f->suppress_reason); free(f->suppress_until);
}

void pf_ndb_free(pf_ndb *db)
{
    for (size_t i = 0; i < db->n; i++)
        finding_free(&db->f[i]);
    free(db->f);
    for (size_t i = 0; i < db->nnights; i++) {
        pf_nnight *n = &db->nights[i];
        free(n->date); free(n->run_id);
        strv_free(n->classes, n->nclasses);
        free(n->class_counts);
    }
    free(db->nights);
    memset(db, 0, sizeof *db);
}

int pf_nfinding_id(const char *signature, char out[13], pf_err *err)
{
    char hex[41];
    if (pf_sha1_hex(signature, strlen(signature), hex, err) < 0)
        return -1;
    memcpy(out, hex, 12);
    out[12] = '\0';
    return 0;
}

pf_nfinding *pf_ndb_find(pf_ndb *db, const char *id)
{
    for (size_t i = 0; i < db->n; i++)
        if (!strcmp(db->f[i].id, id))
            return &db->f[i];
    return NULL;
}

pf_nfinding *pf_ndb_get(pf_ndb *db, const char *target, const char *signature,
                        int *created, pf_err *err)
{
    char id[13];
    if (pf_nfinding_id(signature, id, err) < 0)
        return NULL;
    *created = 0;
    pf_nfinding *f = pf_ndb_find(db, id);
    if (f)
        return f;
    pf_nfinding *g = realloc(db->f, (db->n + 1) * sizeof *g);
    if (!g) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        return NULL;
    }
    db->f = g;
    f = &g[db->n];
    memset(f, 0, sizeof *f);
    f->id = strdup(id);
    f->target = strdup(target);
    f->signature = strdup(signature);
    if (!f->id || !f->target || !f->signature) {
        finding_free(f);
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        return NULL;
    }
    f->status = PF_NS_NEW;
    pf_nlimits_default(&f->lim);
    db->n++;
    *created = 1;
    return f;
}

/* ---- load ------------------------------------------------------------------ */

static char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) && v->valuestring ? strdup(v->valuestring) : NULL;
}

static uint64_t jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) && v->valuedouble > 0 ? (uint64_t)v->valuedouble : 0;
}

static int jstrv(const cJSON *o, const char *k, char ***out, size_t *n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, k), *it;
    *out = NULL;
    *n = 0;
    if (!cJSON_IsArray(a))
        return 0;
    int len = cJSON_GetArraySize(a);
    if (len <= 0)
        return 0;
    if (!(*out = calloc((size_t)len + 1, sizeof **out)))
        return -1;
    cJSON_ArrayForEach(it, a) {
        if (cJSON_IsString(it) && !((*out)[(*n)++] = strdup(it->valuestring)))
            return -1;
    }
    return 0;
}

int pf_ndb_load(const char *path, pf_ndb *db, pf_err *err)
{
    pf_ndb_init(db);
    if (access(path, F_OK) != 0)
        return 0;
    pf_buf text = PF_BUF_INIT;
    if (pf_fs_read_file(path, 256u << 20, &text, err) < 0)
        return -1;
    cJSON *root = cJSON_ParseWithLength(text.data, text.len);
    pf_buf_free(&text);
    const cJSON *fmt = root ? cJSON_GetObjectItemCaseSensitive(root, "format") : NULL;
    if (!root || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, DB_FORMAT)) {
        cJSON_Delete(root);
        return pf_err_set(err, PF_E_INPUT, "%s: not a prodfuzz findings "
                          "database", path);
    }
    if (jnum(root, "version") > DB_VERSION) {
        cJSON_Delete(root);
        return pf_err_set(err, PF_E_INPUT, "%s: written by a newer prodfuzz "
                          "(version %llu)", path,
                          (unsigned long long)jnum(root, "version"));
    }
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "findings"), *it;
    int oom = 0;
    cJSON_ArrayForEach(it, arr) {
        char *target = jstr(it, "target"), *sig = jstr(it, "signature");
        int created = 0;
        pf_nfinding *f = target && sig ? pf_ndb_get(db, target, sig, &created, err)
                                       : NULL;
        free(target);
        free(sig);
        if (!f || !created)
            continue; /* an entry without identity, or a duplicate */
        f->kind = jstr(it, "kind");
        f->outcome = jstr(it, "outcome");
        f->title = jstr(it, "title");
        f->mclass = jstr(it, "class");
        f->path = jstr(it, "path");
        f->top_file = jstr(it, "top_file");
        f->top_line = (int)jnum(it, "top_line");
        f->stack = jstr(it, "stack");
        f->reproducer = jstr(it, "reproducer");
        f->repro_bytes = jnum(it, "reproducer_bytes");
        f->orig_bytes = jnum(it, "original_bytes");
        f->first_seen = jstr(it, "first_seen");
        f->last_seen = jstr(it, "last_seen");
        f->count = jnum(it, "count");
        f->nights = jnum(it, "nights");
        char *st = jstr(it, "status");
        int s = status_from(st);
        free(st);
        f->status = s < 0 || s == PF_NS_SUPPRESSED ? PF_NS_OPEN : (pf_nstatus)s;
        const cJSON *env = cJSON_GetObjectItemCaseSensitive(it, "environment");
        f->binary = jstr(env, "binary");
        f->build_id = jstr(env, "build_id");
        f->version = jstr(env, "prodfuzz_version");
        uint64_t heap = jnum(env, "heap_bytes"), ml = jnum(env, "max_len");
        const cJSON *to = cJSON_GetObjectItemCaseSensitive(env, "timeout_s");
        if (heap)
            f->lim.heap_bytes = heap;
        if (ml)
            f->lim.max_len = ml;
        if (cJSON_IsNumber(to) && to->valuedouble > 0)
            f->lim.timeout_s = to->valuedouble;
        if (jstrv(env, "env", &f->env, &f->nenv) < 0 ||
            jstrv(it, "explanation", &f->explain, &f->nexplain) < 0)
            oom = 1;
        if (!f->first_seen || !f->last_seen || !f->reproducer)
            f->status = PF_NS_OPEN;
    }
    arr = cJSON_GetObjectItemCaseSensitive(root, "nights");
    cJSON_ArrayForEach(it, arr) {
        pf_nnight *g = realloc(db->nights, (db->nnights + 1) * sizeof *g);
        if (!g) {
            oom = 1;
            break;
        }
        db->nights = g;
        pf_nnight *n = &g[db->nnights++];
        memset(n, 0, sizeof *n);
        n->date = jstr(it, "date");
        n->run_id = jstr(it, "run_id");
        n->nnew = jnum(it, "new");
        n->nopen = jnum(it, "open");
        n->nfixed = jnum(it, "fixed");
        n->nsuppressed = jnum(it, "suppressed");
        const cJSON *cl = cJSON_GetObjectItemCaseSensitive(it, "classes"), *c;
        int k = cJSON_GetArraySize(cl);
        if (cJSON_IsObject(cl) && k > 0) {
            n->classes = calloc((size_t)k, sizeof *n->classes);
            n->class_counts = calloc((size_t)k, sizeof *n->class_counts);
            if (!n->classes || !n->class_counts) {
                oom = 1;
                break;
            }
            cJSON_ArrayForEach(c, cl) {
                if (!cJSON_IsNumber(c) || !c->string)
                    continue;
                n->classes[n->nclasses] = strdup(c->string);
                n->class_counts[n->nclasses++] = (uint64_t)c->valuedouble;
            }
        }
    }
    cJSON_Delete(root);
    if (oom) {
        pf_ndb_free(db);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    if (err && err->code != PF_OK) {
        pf_ndb_free(db);
        return -1;
    }
    return 0;
}

/* ---- save ------------------------------------------------------------------ */

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
}

static void add_strv(cJSON *o, const char *k, char **v, size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(o, k);
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
}

int pf_ndb_save(const pf_ndb *db, const char *path, pf_err *err)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    cJSON_AddStringToObject(root, "format", DB_FORMAT);
    cJSON_AddNumberToObject(root, "version", DB_VERSION);
    cJSON *arr = cJSON_AddArrayToObject(root, "findings");
    for (size_t i = 0; arr && i < db->n; i++) {
        const pf_nfinding *f = &db->f[i];
        cJSON *o = cJSON_CreateObject();
        if (!o)
            break;
        cJSON_AddItemToArray(arr, o);
        add_str(o, "id", f->id);
        add_str(o, "target", f->target);
        add_str(o, "signature", f->signature);
        add_str(o, "kind", f->kind);
        add_str(o, "outcome", f->outcome);
        add_str(o, "title", f->title);
        add_str(o, "class", f->mclass);
        add_str(o, "path", f->path);
        add_strv(o, "explanation", f->explain, f->nexplain);
        add_str(o, "top_file", f->top_file);
        cJSON_AddNumberToObject(o, "top_line", f->top_line);
        add_str(o, "stack", f->stack);
        add_str(o, "reproducer", f->reproducer);
        cJSON_AddNumberToObject(o, "reproducer_bytes", (double)f->repro_bytes);
        cJSON_AddNumberToObject(o, "original_bytes", (double)f->orig_bytes);
        add_str(o, "first_seen", f->first_seen);
        add_str(o, "last_seen", f->last_seen);
        cJSON_AddNumberToObject(o, "count", (double)f->count);
        cJSON_AddNumberToObject(o, "nights", (double)f->nights);
        /* suppression is this night's view, from the suppressions file */
        cJSON_AddStringToObject(o, "status", pf_nstatus_name(
            f->status == PF_NS_SUPPRESSED ? PF_NS_OPEN : f->status));
        cJSON *env = cJSON_AddObjectToObject(o, "environment");
        if (env) {
            add_str(env, "binary", f->binary);
            add_str(env, "build_id", f->build_id);
            add_str(env, "prodfuzz_version", f->version);
            cJSON_AddNumberToObject(env, "heap_bytes", (double)f->lim.heap_bytes);
            cJSON_AddNumberToObject(env, "timeout_s", f->lim.timeout_s);
            cJSON_AddNumberToObject(env, "max_len", (double)f->lim.max_len);
            add_strv(env, "env", f->env, f->nenv);
        }
    }
    cJSON *nights = cJSON_AddArrayToObject(root, "nights");
    for (size_t i = 0; nights && i < db->nnights; i++) {
        const pf_nnight *n = &db->nights[i];
        cJSON *o = cJSON_CreateObject();
        if (!o)
            break;
        cJSON_AddItemToArray(nights, o);
        add_str(o, "date", n->date);
        add_str(o, "run_id", n->run_id);
        cJSON_AddNumberToObject(o, "new", (double)n->nnew);
        cJSON_AddNumberToObject(o, "open", (double)n->nopen);
        cJSON_AddNumberToObject(o, "fixed", (double)n->nfixed);
        cJSON_AddNumberToObject(o, "suppressed", (double)n->nsuppressed);
        cJSON *cl = cJSON_AddObjectToObject(o, "classes");
        for (size_t k = 0; cl && k < n->nclasses; k++)
            cJSON_AddNumberToObject(cl, n->classes[k], (double)n->class_counts[k]);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    int rc = pf_fs_write_atomic(path, text, strlen(text), 0644, err);
    free(text);
    return rc;
}

/* ---- suppressions ---------------------------------------------------------- */

static int valid_date(const char *s)
{
    int y, m, d;
    char tail;
    return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
           s[4] == '-' && s[7] == '-' && y >= 1970 && m >= 1 && m <= 12 &&
           d >= 1 && d <= 31;
}

void pf_nsupps_free(pf_nsupps *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->s[i].id);
        free(s->s[i].reason);
        free(s->s[i].until);
    }
    free(s->s);
    memset(s, 0, sizeof *s);
}

int pf_nsupps_load(const char *path, pf_nsupps *s, int must_exist, pf_err *err)
{
    memset(s, 0, sizeof *s);
    if (!must_exist && access(path, F_OK) != 0)
        return 0;
    pf_buf text = PF_BUF_INIT;
    if (pf_fs_read_file(path, 16u << 20, &text, err) < 0)
        return -1;
    cJSON *root = cJSON_ParseWithLength(text.data, text.len);
    pf_buf_free(&text);
    const cJSON *arr = root ? cJSON_GetObjectItemCaseSensitive(root, "suppressions")
                            : NULL;
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(root);
        return pf_err_set(err, PF_E_INPUT, "%s: %s", path,
                          root ? "wants an object with a \"suppressions\" array"
                               : "not valid JSON");
    }
    int i = 0, rc = 0;
    const cJSON *it;
    if (cJSON_GetArraySize(arr) > 0 &&
        !(s->s = calloc((size_t)cJSON_GetArraySize(arr), sizeof *s->s))) {
        cJSON_Delete(root);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    cJSON_ArrayForEach(it, arr) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
        const cJSON *reason = cJSON_GetObjectItemCaseSensitive(it, "reason");
        const cJSON *until = cJSON_GetObjectItemCaseSensitive(it, "until");
        if (!cJSON_IsObject(it))
            rc = pf_err_set(err, PF_E_INPUT, "%s: suppressions[%d]: wants an "
                            "object", path, i);
        else if (!cJSON_IsString(id) || strlen(id->valuestring) != 12 ||
                 strspn(id->valuestring, "0123456789abcdef") != 12)
            rc = pf_err_set(err, PF_E_INPUT, "%s: suppressions[%d].id: wants "
                            "a finding id (12 hex characters, from the report)",
                            path, i);
        else if (!cJSON_IsString(reason) || !reason->valuestring[0])
            rc = pf_err_set(err, PF_E_INPUT, "%s: suppressions[%d].reason: "
                            "a suppression needs a reason", path, i);
        else if (!cJSON_IsString(until) || !valid_date(until->valuestring))
            rc = pf_err_set(err, PF_E_INPUT, "%s: suppressions[%d].until: "
                            "wants an expiry date YYYY-MM-DD", path, i);
        if (rc < 0)
            break;
        pf_nsupp *e = &s->s[s->n++];
        e->id = strdup(id->valuestring);
        e->reason = strdup(reason->valuestring);
        e->until = strdup(until->valuestring);
        if (!e->id || !e->reason || !e->until) {
            rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
            break;
        }
        i++;
    }
    cJSON_Delete(root);
    if (rc < 0)
        pf_nsupps_free(s);
    return rc;
}

void pf_nsupps_apply(const pf_nsupps *s, pf_ndb *db, const char *today)
{
    for (size_t i = 0; i < s->n; i++) {
        pf_nfinding *f = pf_ndb_find(db, s->s[i].id);
        if (!f)
            continue;
        free(f->suppress_reason);
        free(f->suppress_until);
        f->suppress_reason = strdup(s->s[i].reason);
        f->suppress_until = strdup(s->s[i].until);
        /* "until 2026-12-01" holds through that day */
        if (strcmp(today, s->s[i].until) > 0) {
            f->suppress_expired = 1;
        } else if (f->status != PF_NS_FIXED) {
            f->status = PF_NS_SUPPRESSED;
            f->suppress_expired = 0;
        }
    }
}
