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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "pf_fs.h"
#include "pf_hash.h"
#include "pf_nightly.h"
#include "pf_report_int.h"

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

/* ---- the records' members ---------------------------------------------------
 *
 * One table per record, read by load and save alike, so each member's name
 * and type is written once. Numbers absent (or not positive) in a file
 * keep the record's initial value: 0, or the default limits. */

enum ftype { F_STR, F_STRV, F_U64, F_INT, F_DBL };

typedef struct field {
    const char *key;
    enum ftype type;
    size_t off;  /* of the member */
    size_t noff; /* F_STRV: of its count */
} field;

#define FSTR(k, T, m) {k, F_STR, offsetof(T, m), 0}
#define FSTRV(k, T, m, n) {k, F_STRV, offsetof(T, m), offsetof(T, n)}
#define FNUM(k, t, T, m) {k, t, offsetof(T, m), 0}

/* a finding, in the file's order; "status" and "environment" follow */
static const field FINDING[] = {
    FSTR("id", pf_nfinding, id),
    FSTR("target", pf_nfinding, target),
    FSTR("signature", pf_nfinding, signature),
    FSTR("kind", pf_nfinding, kind),
    FSTR("outcome", pf_nfinding, outcome),
    FSTR("title", pf_nfinding, title),
    FSTR("class", pf_nfinding, mclass),
    FSTR("path", pf_nfinding, path),
    FSTRV("explanation", pf_nfinding, explain, nexplain),
    FSTR("top_file", pf_nfinding, top_file),
    FNUM("top_line", F_INT, pf_nfinding, top_line),
    FSTR("stack", pf_nfinding, stack),
    FSTR("reproducer", pf_nfinding, reproducer),
    FNUM("reproducer_bytes", F_U64, pf_nfinding, repro_bytes),
    FNUM("original_bytes", F_U64, pf_nfinding, orig_bytes),
    FSTR("first_seen", pf_nfinding, first_seen),
    FSTR("last_seen", pf_nfinding, last_seen),
    FNUM("count", F_U64, pf_nfinding, count),
    FNUM("nights", F_U64, pf_nfinding, nights),
};

/* a finding's "environment": what `prodfuzz repro` replays it with */
static const field ENVIRONMENT[] = {
    FSTR("binary", pf_nfinding, binary),
    FSTR("build_id", pf_nfinding, build_id),
    FSTR("prodfuzz_version", pf_nfinding, version),
    FNUM("heap_bytes", F_U64, pf_nfinding, lim.heap_bytes),
    FNUM("timeout_s", F_DBL, pf_nfinding, lim.timeout_s),
    FNUM("max_len", F_U64, pf_nfinding, lim.max_len),
    FSTRV("env", pf_nfinding, env, nenv),
};

/* a night; "classes" follows */
static const field NIGHT[] = {
    FSTR("date", pf_nnight, date),
    FSTR("run_id", pf_nnight, run_id),
    FNUM("new", F_U64, pf_nnight, nnew),
    FNUM("open", F_U64, pf_nnight, nopen),
    FNUM("fixed", F_U64, pf_nnight, nfixed),
    FNUM("suppressed", F_U64, pf_nnight, nsuppressed),
};

#define NFIELDS(t) (sizeof(t) / sizeof(t)[0])

static void *member(void *rec, size_t off) { return (char *)rec + off; }
static const void *cmember(const void *rec, size_t off) { return (const char *)rec + off; }

/* ---- load ------------------------------------------------------------------ */

/* o's string member k, in place (NULL when absent or not a string). */
static const char *jstr_at(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
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

/* A positive number, clamped to what the member holds; 0 otherwise. */
static double jpos(const cJSON *v, double max)
{
    if (!cJSON_IsNumber(v) || !(v->valuedouble > 0))
        return 0;
    return v->valuedouble < max ? v->valuedouble : max;
}

/* Read table t's members of object o into rec; a string member rec
 * already holds (a finding's identity) is kept. -1 when out of memory. */
static int load_fields(const cJSON *o, const field *t, size_t n, void *rec)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        void *p = member(rec, t[i].off);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, t[i].key);
        double x;
        switch (t[i].type) {
        case F_STR:
            if (!*(char **)p && cJSON_IsString(v) && v->valuestring &&
                !(*(char **)p = strdup(v->valuestring)))
                rc = -1;
            break;
        case F_STRV:
            if (jstrv(o, t[i].key, p, member(rec, t[i].noff)) < 0)
                rc = -1;
            break;
        case F_U64:
            if ((x = jpos(v, 18446744073709549568.0)) > 0)
                *(uint64_t *)p = (uint64_t)x;
            break;
        case F_INT:
            if ((x = jpos(v, 2147483647.0)) > 0)
                *(int *)p = (int)x;
            break;
        case F_DBL:
            if ((x = jpos(v, 1e300)) > 0)
                *(double *)p = x;
            break;
        }
    }
    return rc;
}

static int load_night(const cJSON *it, pf_nnight *n)
{
    memset(n, 0, sizeof *n);
    if (load_fields(it, NIGHT, NFIELDS(NIGHT), n) < 0)
        return -1;
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(it, "classes"), *c;
    int k = cJSON_GetArraySize(cl);
    if (!cJSON_IsObject(cl) || k <= 0)
        return 0;
    n->classes = calloc((size_t)k, sizeof *n->classes);
    n->class_counts = calloc((size_t)k, sizeof *n->class_counts);
    if (!n->classes || !n->class_counts)
        return -1;
    cJSON_ArrayForEach(c, cl) {
        if (!cJSON_IsNumber(c) || !c->string)
            continue;
        if (!(n->classes[n->nclasses] = strdup(c->string)))
            return -1;
        n->class_counts[n->nclasses++] = (uint64_t)jpos(c, 18446744073709549568.0);
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
    double version = jpos(cJSON_GetObjectItemCaseSensitive(root, "version"), 1e9);
    if (version > DB_VERSION) {
        cJSON_Delete(root);
        return pf_err_set(err, PF_E_INPUT, "%s: written by a newer prodfuzz "
                          "(version %.0f)", path, version);
    }
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "findings"), *it;
    int oom = 0, failed = 0;
    cJSON_ArrayForEach(it, arr) {
        /* read in place, not copied: a failed copy must not make a
         * finding look like one without identity and drop it */
        const char *target = jstr_at(it, "target"), *sig = jstr_at(it, "signature");
        if (!target || !sig)
            continue; /* an entry without identity */
        int created = 0;
        pf_nfinding *f = pf_ndb_get(db, target, sig, &created, err);
        if (!f) {
            failed = 1; /* err says why */
            break;
        }
        if (!created)
            continue; /* a duplicate */
        const cJSON *env = cJSON_GetObjectItemCaseSensitive(it, "environment");
        if (load_fields(it, FINDING, NFIELDS(FINDING), f) < 0 ||
            load_fields(env, ENVIRONMENT, NFIELDS(ENVIRONMENT), f) < 0)
            oom = 1;
        int s = status_from(jstr_at(it, "status"));
        f->status = s < 0 || s == PF_NS_SUPPRESSED ? PF_NS_OPEN : (pf_nstatus)s;
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
        /* counted first, so that the database's free frees a half night */
        if (load_night(it, &g[db->nnights++]) < 0) {
            oom = 1;
            break;
        }
    }
    cJSON_Delete(root);
    if (oom || failed) {
        pf_ndb_free(db);
        return failed ? -1 : pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    return 0;
}

/* ---- save ------------------------------------------------------------------ */

/* Add table t's members of rec to object o; -1 when out of memory (a
 * database missing a member must not be written). */
static int save_fields(cJSON *o, const field *t, size_t n, const void *rec)
{
    if (!o)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const void *p = cmember(rec, t[i].off);
        const char *k = t[i].key;
        int ok = 1;
        switch (t[i].type) {
        case F_STR:
            ok = !*(char *const *)p || cJSON_AddStringToObject(o, k, *(char *const *)p);
            break;
        case F_STRV: {
            char *const *v = *(char **const *)p;
            size_t nv = *(const size_t *)cmember(rec, t[i].noff);
            cJSON *a = cJSON_AddArrayToObject(o, k);
            ok = a != NULL;
            for (size_t j = 0; ok && j < nv; j++) {
                cJSON *sv = cJSON_CreateString(v[j]);
                ok = sv && cJSON_AddItemToArray(a, sv);
                if (!ok)
                    cJSON_Delete(sv);
            }
            break;
        }
        case F_U64:
            ok = cJSON_AddNumberToObject(o, k, (double)*(const uint64_t *)p) != NULL;
            break;
        case F_INT:
            ok = cJSON_AddNumberToObject(o, k, *(const int *)p) != NULL;
            break;
        case F_DBL:
            ok = cJSON_AddNumberToObject(o, k, *(const double *)p) != NULL;
            break;
        }
        if (!ok)
            return -1;
    }
    return 0;
}

/* A new object in array a (NULL when out of memory). */
static cJSON *new_item(cJSON *a)
{
    cJSON *o = cJSON_CreateObject();
    if (o && !cJSON_AddItemToArray(a, o)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int save_finding(cJSON *arr, const pf_nfinding *f)
{
    cJSON *o = new_item(arr);
    if (save_fields(o, FINDING, NFIELDS(FINDING), f) < 0)
        return -1;
    /* suppression is this night's view, from the suppressions file */
    const char *st = pf_nstatus_name(f->status == PF_NS_SUPPRESSED ? PF_NS_OPEN : f->status);
    if (!cJSON_AddStringToObject(o, "status", st))
        return -1;
    return save_fields(cJSON_AddObjectToObject(o, "environment"), ENVIRONMENT,
                       NFIELDS(ENVIRONMENT), f);
}

static int save_night(cJSON *arr, const pf_nnight *n)
{
    cJSON *o = new_item(arr);
    if (save_fields(o, NIGHT, NFIELDS(NIGHT), n) < 0)
        return -1;
    cJSON *cl = cJSON_AddObjectToObject(o, "classes");
    for (size_t k = 0; cl && k < n->nclasses; k++)
        if (!cJSON_AddNumberToObject(cl, n->classes[k], (double)n->class_counts[k]))
            return -1;
    return cl ? 0 : -1;
}

int pf_ndb_save(const pf_ndb *db, const char *path, pf_err *err)
{
    cJSON *root = cJSON_CreateObject();
    int bad = !root || !cJSON_AddStringToObject(root, "format", DB_FORMAT) ||
              !cJSON_AddNumberToObject(root, "version", DB_VERSION);
    cJSON *arr = bad ? NULL : cJSON_AddArrayToObject(root, "findings");
    bad = bad || !arr;
    for (size_t i = 0; !bad && i < db->n; i++)
        bad = save_finding(arr, &db->f[i]) < 0;
    cJSON *nights = bad ? NULL : cJSON_AddArrayToObject(root, "nights");
    bad = bad || !nights;
    for (size_t i = 0; !bad && i < db->nnights; i++)
        bad = save_night(nights, &db->nights[i]) < 0;
    /* as valid UTF-8: a title or explain line can quote a reproducer's
     * invalid bytes, and findings.json must stay JSON any reader takes */
    return pf_rep_commit_json(pf_rep_jdone(root, bad), path, err);
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
