/*
 * pf_report_json: report.json, the versioned machine form of the report
 * model ("format": "prodfuzz-report", "version": 1; schema in
 * docs/reports.md), and pf_report_load_json, which reads it back for
 * nightly's history and repro. Built and parsed with cJSON.
 */
#include "pf_report.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pf_fs.h"
#include "pf_report_int.h"

#define FORMAT "prodfuzz-report"

/* ---- writing ------------------------------------------------------------ */

/* A cleaned (valid UTF-8) string, or null. */
static int add_str(cJSON *o, const char *k, const char *v)
{
    if (!v)
        return cJSON_AddNullToObject(o, k) ? 0 : -1;
    return pf_rep_jput(o, k, pf_rep_jstr(v));
}

static int add_num(cJSON *o, const char *k, double v)
{
    return cJSON_AddNumberToObject(o, k, isfinite(v) ? v : 0) ? 0 : -1;
}

static cJSON *outcomes_obj(const uint64_t *v)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; o && i < PF_OUT__COUNT; i++)
        if (add_num(o, pf_outcome_name((pf_outcome)i), (double)v[i]) < 0) {
            cJSON_Delete(o);
            return NULL;
        }
    return o;
}

static cJSON *series(const pf_point *p, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        double pair[2] = {isfinite(p[i].t) ? p[i].t : 0,
                          isfinite(p[i].value) ? p[i].value : 0};
        cJSON *x = cJSON_CreateDoubleArray(pair, 2);
        if (!x || !cJSON_AddItemToArray(a, x)) {
            cJSON_Delete(x);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

static cJSON *target_json(const pf_report_target *t)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    int bad = add_str(o, "name", t->name) || add_str(o, "engine", t->engine) ||
              add_num(o, "inputs", (double)t->inputs) ||
              add_num(o, "seconds", t->seconds) ||
              pf_rep_jput(o, "outcomes", outcomes_obj(t->outcomes));
    cJSON *cl = bad ? NULL : cJSON_CreateArray();
    bad = bad || pf_rep_jput(o, "classes", cl);
    for (size_t i = 0; !bad && i < t->nclasses; i++) {
        cJSON *row = cJSON_CreateObject();
        bad = pf_rep_jput(cl, NULL, row) || add_str(row, "class", t->classes[i]) ||
              pf_rep_jput(row, "outcomes", outcomes_obj(t->by_class[i]));
    }
    bad = bad || pf_rep_jput(o, "execs_per_s", series(t->execs_per_s, t->nexecs_per_s)) ||
          pf_rep_jput(o, "coverage", series(t->coverage, t->ncoverage));
    if (!bad)
        bad = t->line_coverage >= 0 ? add_num(o, "line_coverage", t->line_coverage)
                                    : !cJSON_AddNullToObject(o, "line_coverage");
    bad = bad || !cJSON_AddBoolToObject(o, "error", t->error) ||
          add_str(o, "error_msg", t->error_msg);
    return pf_rep_jdone(o, bad);
}

static cJSON *finding_json(const pf_finding *f)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    int bad = add_str(o, "id", f->id) || add_str(o, "target", f->target) ||
              add_str(o, "outcome", pf_outcome_name(f->outcome)) ||
              add_str(o, "status", pf_status_name(f->status)) ||
              add_str(o, "signature", f->signature) ||
              add_str(o, "kind", f->kind) || add_str(o, "title", f->title) ||
              add_str(o, "class", f->mclass) || add_str(o, "path", f->path);
    cJSON *ex = bad ? NULL : cJSON_CreateArray();
    bad = bad || pf_rep_jput(o, "explain", ex);
    for (size_t i = 0; !bad && i < f->nexplain; i++)
        bad = pf_rep_jput(ex, NULL, pf_rep_jstr(f->explain[i]));
    bad = bad || add_str(o, "reproducer", f->reproducer) ||
          add_num(o, "repro_bytes", (double)f->repro_bytes) ||
          add_str(o, "repro_cmd", f->repro_cmd) ||
          add_str(o, "top_file", f->top_file) ||
          add_num(o, "top_line", f->top_line) || add_str(o, "stack", f->stack) ||
          add_num(o, "count", (double)f->count) ||
          add_str(o, "first_seen", f->first_seen) ||
          add_str(o, "last_seen", f->last_seen) ||
          add_str(o, "suppress_reason", f->suppress_reason) ||
          add_str(o, "suppress_until", f->suppress_until);
    return pf_rep_jdone(o, bad);
}

static cJSON *night_json(const pf_night *n)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON *cl = NULL;
    int bad = add_str(o, "date", n->date) ||
              add_num(o, "new", (double)n->new_findings) ||
              add_num(o, "open", (double)n->open_findings) ||
              add_num(o, "fixed", (double)n->fixed_findings) ||
              pf_rep_jput(o, "classes", cl = cJSON_CreateObject());
    for (size_t i = 0; !bad && i < n->nclasses; i++) {
        pf_buf b = PF_BUF_INIT;
        pf_rep_clean(&b, n->classes[i], 0);
        bad = b.oom || add_num(cl, pf_buf_str(&b), (double)n->class_counts[i]);
        pf_buf_free(&b);
    }
    return pf_rep_jdone(o, bad);
}

static cJSON *report_json(const pf_report *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    uint64_t st[4];
    pf_rep_status_counts(r, st);
    uint64_t by_out[PF_OUT__COUNT] = {0};
    for (size_t i = 0; i < r->nfindings; i++)
        if ((unsigned)r->findings[i].outcome < PF_OUT__COUNT)
            by_out[r->findings[i].outcome]++;
    cJSON *sum = NULL, *bys = NULL, *ta = NULL, *fa = NULL, *ha = NULL;
    int bad = add_str(o, "format", FORMAT) ||
              add_num(o, "version", PF_REPORT_VERSION) ||
              add_str(o, "tool", r->tool) || add_str(o, "run_id", r->run_id) ||
              add_str(o, "started", r->started) ||
              add_str(o, "finished", r->finished) ||
              pf_rep_jput(o, "summary", sum = cJSON_CreateObject());
    bad = bad || add_num(sum, "targets", (double)r->ntargets) ||
          add_num(sum, "findings", (double)r->nfindings) ||
          add_num(sum, "failing", (double)pf_report_count_failing(r)) ||
          pf_rep_jput(sum, "by_status", bys = cJSON_CreateObject());
    for (int i = 0; !bad && i < 4; i++)
        bad = add_num(bys, pf_status_name((pf_status)i), (double)st[i]);
    bad = bad || pf_rep_jput(sum, "by_outcome", outcomes_obj(by_out)) ||
          pf_rep_jput(o, "targets", ta = cJSON_CreateArray());
    for (size_t i = 0; !bad && i < r->ntargets; i++)
        bad = pf_rep_jput(ta, NULL, target_json(&r->targets[i]));
    bad = bad || pf_rep_jput(o, "findings", fa = cJSON_CreateArray());
    for (size_t i = 0; !bad && i < r->nfindings; i++)
        bad = pf_rep_jput(fa, NULL, finding_json(&r->findings[i]));
    bad = bad || pf_rep_jput(o, "history", ha = cJSON_CreateArray());
    for (size_t i = 0; !bad && i < r->nhistory; i++)
        bad = pf_rep_jput(ha, NULL, night_json(&r->history[i]));
    return pf_rep_jdone(o, bad);
}

int pf_report_write_json(const pf_report *r, const char *path, pf_err *err)
{
    return pf_rep_commit_json(report_json(r), path, err);
}

/* ---- loading ------------------------------------------------------------ */

typedef struct ld {
    const char *path;
    pf_err *err;
} ld;

static int bad_field(ld *c, const char *where, const char *field, const char *want)
{
    return pf_err_set(c->err, PF_E_INPUT, "%s: %s: \"%s\" must be %s", c->path,
                      where, field, want);
}

/* Optional string: NULL when absent or null. */
static int get_str(ld *c, const cJSON *o, const char *k, const char *where,
                   char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v))
        return bad_field(c, where, k, "a string or null");
    if (!(*out = strdup(v->valuestring)))
        return pf_err_set(c->err, PF_E_NOMEM, "out of memory");
    return 0;
}

static int get_u64(ld *c, const cJSON *o, const char *k, const char *where,
                   uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    *out = 0;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0)
        return bad_field(c, where, k, "a non-negative number");
    *out = (uint64_t)v->valuedouble;
    return 0;
}

static int get_num(ld *c, const cJSON *o, const char *k, const char *where,
                   double *out, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    *out = dflt;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v))
        return bad_field(c, where, k, "a number");
    *out = v->valuedouble;
    return 0;
}

static const cJSON *get_arr(ld *c, const cJSON *o, const char *k,
                            const char *where, int *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsArray(v)) {
        bad_field(c, where, k, "an array");
        *bad = 1;
        return NULL;
    }
    return v;
}

static int load_outcomes(ld *c, const cJSON *o, const char *where, uint64_t *v)
{
    if (!o || cJSON_IsNull(o))
        return 0;
    if (!cJSON_IsObject(o))
        return bad_field(c, where, "outcomes", "an object");
    const cJSON *it;
    cJSON_ArrayForEach(it, o) {
        int k = pf_outcome_from_name(it->string);
        if (k < 0)
            return pf_err_set(c->err, PF_E_INPUT, "%s: %s: unknown outcome \"%.40s\"",
                              c->path, where, it->string);
        if (get_u64(c, o, it->string, where, &v[k]) < 0)
            return -1;
    }
    return 0;
}

static int load_series(ld *c, const cJSON *a, const char *where, pf_point **pts,
                       size_t *n)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, a) {
        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 ||
            !cJSON_IsNumber(cJSON_GetArrayItem(it, 0)) ||
            !cJSON_IsNumber(cJSON_GetArrayItem(it, 1)))
            return pf_err_set(c->err, PF_E_INPUT,
                              "%s: %s: a series point must be [seconds, value]",
                              c->path, where);
        if (pf_report_add_point(pts, n, cJSON_GetArrayItem(it, 0)->valuedouble,
                                cJSON_GetArrayItem(it, 1)->valuedouble, c->err) < 0)
            return -1;
    }
    return 0;
}

static int load_target(ld *c, pf_report *r, const cJSON *o, size_t idx)
{
    char where[48];
    snprintf(where, sizeof(where), "targets[%zu]", idx);
    if (!cJSON_IsObject(o))
        return pf_err_set(c->err, PF_E_INPUT, "%s: %s must be an object", c->path, where);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
    if (!cJSON_IsString(name))
        return bad_field(c, where, "name", "a string");
    const cJSON *eng = cJSON_GetObjectItemCaseSensitive(o, "engine");
    pf_report_target *t = pf_report_add_target(
        r, name->valuestring, cJSON_IsString(eng) ? eng->valuestring : "", c->err);
    if (!t)
        return -1;
    int bad = 0;
    if (get_u64(c, o, "inputs", where, &t->inputs) < 0 ||
        get_num(c, o, "seconds", where, &t->seconds, 0) < 0 ||
        get_num(c, o, "line_coverage", where, &t->line_coverage, -1) < 0 ||
        load_outcomes(c, cJSON_GetObjectItemCaseSensitive(o, "outcomes"), where,
                      t->outcomes) < 0 ||
        get_str(c, o, "error_msg", where, &t->error_msg) < 0)
        return -1;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
    t->error = cJSON_IsTrue(e);
    const cJSON *cl = get_arr(c, o, "classes", where, &bad), *it;
    if (bad)
        return -1;
    cJSON_ArrayForEach(it, cl) {
        const cJSON *cn = cJSON_GetObjectItemCaseSensitive(it, "class");
        if (!cJSON_IsString(cn))
            return bad_field(c, where, "classes[].class", "a string");
        /* add the row, then overwrite its counts */
        if (pf_report_target_count(t, cn->valuestring, PF_OUT_OK, c->err) < 0)
            return -1;
        t->outcomes[PF_OUT_OK]--;
        uint64_t *row = t->by_class[t->nclasses - 1];
        memset(row, 0, sizeof(uint64_t) * PF_OUT__COUNT);
        if (load_outcomes(c, cJSON_GetObjectItemCaseSensitive(it, "outcomes"), where,
                          row) < 0)
            return -1;
    }
    const cJSON *s1 = get_arr(c, o, "execs_per_s", where, &bad);
    const cJSON *s2 = bad ? NULL : get_arr(c, o, "coverage", where, &bad);
    if (bad || load_series(c, s1, where, &t->execs_per_s, &t->nexecs_per_s) < 0 ||
        load_series(c, s2, where, &t->coverage, &t->ncoverage) < 0)
        return -1;
    return 0;
}

static int load_finding(ld *c, pf_report *r, const cJSON *o, size_t idx)
{
    char where[48];
    snprintf(where, sizeof(where), "findings[%zu]", idx);
    if (!cJSON_IsObject(o))
        return pf_err_set(c->err, PF_E_INPUT, "%s: %s must be an object", c->path, where);
    pf_finding *f = pf_rep_grow(r->findings, r->nfindings, sizeof(*f));
    if (!f)
        return pf_err_set(c->err, PF_E_NOMEM, "out of memory");
    r->findings = f;
    f = &r->findings[r->nfindings++];
    memset(f, 0, sizeof(*f));
    char *outcome = NULL, *status = NULL;
    double line = 0;
    int bad = get_str(c, o, "id", where, &f->id) < 0 ||
              get_str(c, o, "target", where, &f->target) < 0 ||
              get_str(c, o, "outcome", where, &outcome) < 0 ||
              get_str(c, o, "status", where, &status) < 0 ||
              get_str(c, o, "signature", where, &f->signature) < 0 ||
              get_str(c, o, "kind", where, &f->kind) < 0 ||
              get_str(c, o, "title", where, &f->title) < 0 ||
              get_str(c, o, "class", where, &f->mclass) < 0 ||
              get_str(c, o, "path", where, &f->path) < 0 ||
              get_str(c, o, "reproducer", where, &f->reproducer) < 0 ||
              get_u64(c, o, "repro_bytes", where, &f->repro_bytes) < 0 ||
              get_str(c, o, "repro_cmd", where, &f->repro_cmd) < 0 ||
              get_str(c, o, "top_file", where, &f->top_file) < 0 ||
              get_num(c, o, "top_line", where, &line, 0) < 0 ||
              get_str(c, o, "stack", where, &f->stack) < 0 ||
              get_u64(c, o, "count", where, &f->count) < 0 ||
              get_str(c, o, "first_seen", where, &f->first_seen) < 0 ||
              get_str(c, o, "last_seen", where, &f->last_seen) < 0 ||
              get_str(c, o, "suppress_reason", where, &f->suppress_reason) < 0 ||
              get_str(c, o, "suppress_until", where, &f->suppress_until) < 0;
    if (!bad && (!f->id || !f->signature))
        bad = bad_field(c, where, f->id ? "signature" : "id", "a string") < 0;
    int oc = bad ? 0 : pf_outcome_from_name(outcome);
    int sc = bad ? 0 : pf_status_from_name(status);
    if (!bad && oc < 0)
        bad = bad_field(c, where, "outcome", "an outcome name (crash, timeout, ...)") < 0;
    if (!bad && sc < 0)
        bad = bad_field(c, where, "status", "new, open, fixed or suppressed") < 0;
    free(outcome);
    free(status);
    if (bad)
        return -1;
    f->outcome = (pf_outcome)oc;
    f->status = (pf_status)sc;
    f->top_line = line > 0 && line < 1e9 ? (int)line : 0;
    if (!f->kind && !(f->kind = strdup("")))
        return pf_err_set(c->err, PF_E_NOMEM, "out of memory");
    int abad = 0;
    const cJSON *ex = get_arr(c, o, "explain", where, &abad), *it;
    if (abad)
        return -1;
    size_t n = (size_t)cJSON_GetArraySize(ex);
    if (n) {
        f->explain = calloc(n, sizeof(char *));
        if (!f->explain)
            return pf_err_set(c->err, PF_E_NOMEM, "out of memory");
    }
    cJSON_ArrayForEach(it, ex) {
        if (!cJSON_IsString(it))
            return bad_field(c, where, "explain[]", "a string");
        if (!(f->explain[f->nexplain++] = strdup(it->valuestring)))
            return pf_err_set(c->err, PF_E_NOMEM, "out of memory");
    }
    return 0;
}

static int load_night(ld *c, pf_report *r, const cJSON *o, size_t idx)
{
    char where[48];
    snprintf(where, sizeof(where), "history[%zu]", idx);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "date");
    if (!cJSON_IsObject(o) || !cJSON_IsString(d))
        return bad_field(c, where, "date", "a string");
    pf_night *n = pf_report_add_night(r, d->valuestring, c->err);
    if (!n || get_u64(c, o, "new", where, &n->new_findings) < 0 ||
        get_u64(c, o, "open", where, &n->open_findings) < 0 ||
        get_u64(c, o, "fixed", where, &n->fixed_findings) < 0)
        return -1;
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(o, "classes"), *it;
    if (cl && !cJSON_IsObject(cl))
        return bad_field(c, where, "classes", "an object");
    cJSON_ArrayForEach(it, cl) {
        uint64_t v;
        if (get_u64(c, cl, it->string, where, &v) < 0 ||
            pf_night_set_class(n, it->string, v, c->err) < 0)
            return -1;
    }
    return 0;
}

int pf_report_load_json(const char *path, pf_report *r, pf_err *err)
{
    pf_buf b = PF_BUF_INIT;
    memset(r, 0, sizeof(*r));
    if (pf_fs_read_file(path, (size_t)1 << 30, &b, err) < 0) {
        pf_buf_free(&b);
        return -1;
    }
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithLengthOpts(b.data, b.len, &end, 0);
    if (!o) {
        size_t at = end && end >= b.data ? (size_t)(end - b.data) : 0;
        pf_buf_free(&b);
        return pf_err_set(err, PF_E_INPUT, "%s: not valid JSON (near byte %zu)", path, at);
    }
    pf_buf_free(&b);
    ld c = {path, err};
    int rc = -1;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(o, "version");
    if (!cJSON_IsObject(o) || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, FORMAT) != 0) {
        pf_err_set(err, PF_E_INPUT, "%s: not a prodfuzz report (\"format\" is not \"%s\")",
                   path, FORMAT);
        goto out;
    }
    if (!cJSON_IsNumber(ver) || ver->valuedouble != PF_REPORT_VERSION) {
        pf_err_set(err, PF_E_INPUT,
                   "%s: report version %g is not supported (this prodfuzz reads version %d)",
                   path, cJSON_IsNumber(ver) ? ver->valuedouble : 0.0, PF_REPORT_VERSION);
        goto out;
    }
    if (get_str(&c, o, "tool", "report", &r->tool) < 0 ||
        get_str(&c, o, "run_id", "report", &r->run_id) < 0 ||
        get_str(&c, o, "started", "report", &r->started) < 0 ||
        get_str(&c, o, "finished", "report", &r->finished) < 0)
        goto out;
    int bad = 0;
    const cJSON *ta = get_arr(&c, o, "targets", "report", &bad);
    const cJSON *fa = bad ? NULL : get_arr(&c, o, "findings", "report", &bad);
    const cJSON *ha = bad ? NULL : get_arr(&c, o, "history", "report", &bad);
    if (bad)
        goto out;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, ta) if (load_target(&c, r, it, i++) < 0) goto out;
    i = 0;
    cJSON_ArrayForEach(it, fa) if (load_finding(&c, r, it, i++) < 0) goto out;
    i = 0;
    cJSON_ArrayForEach(it, ha) if (load_night(&c, r, it, i++) < 0) goto out;
    rc = 0;
out:
    cJSON_Delete(o);
    if (rc < 0)
        pf_report_free(r);
    return rc;
}
