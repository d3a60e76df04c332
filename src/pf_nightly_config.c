/*
 * pf_nightly_config: the nightly config file (docs/nightly.md).
 *
 *   {
 *     "budget": "8h", "jobs": 2, "engine": "libfuzzer", "mode": "restart",
 *     "suppressions": "suppressions.json",
 *     "targets": [
 *       {"name": "orders", "binary": "build/svc/service_orders_pf",
 *        "corpus": "corpus/service_orders", "shape": "orders.shape.json",
 *        "dict": "orders.dict", "classes": "null,oversize",
 *        "share": 2, "timeout": "2s", "rss_limit": "512M", "max_len": "1M",
 *        "env": {"APP_MODE": "strict"}, "args": ["-use_value_profile=1"]}
 *     ]
 *   }
 *
 * Parsed with cJSON; every error names its entry ("targets[1].share: ...")
 * and is PF_E_INPUT. Relative paths are taken from the file's folder.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pf_fs.h"
#include "pf_nightly.h"
#include "pf_run.h"

void pf_nconfig_init(pf_nconfig *c)
{
    memset(c, 0, sizeof *c);
    c->fork_mode = -1;
}

static void target_free(pf_ntarget *t)
{
    free(t->name); free(t->binary); free(t->afl_binary); free(t->corpus);
    free(t->shape); free(t->dict); free(t->classes); free(t->import);
    free(t->coverage);
    pf_argv_free(t->env);
    pf_argv_free(t->args);
}

void pf_nconfig_free(pf_nconfig *c)
{
    for (size_t i = 0; i < c->n; i++)
        target_free(&c->t[i]);
    free(c->t);
    free(c->engine);
    free(c->suppressions);
    memset(c, 0, sizeof *c);
}

static char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    s = s ? s + 1 : path;
    char *n = strdup(*s ? s : "target");
    /* the name becomes a folder in the state: keep it tame */
    for (char *p = n; p && *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            *p = '_';
    return n;
}

pf_ntarget *pf_nconfig_add(pf_nconfig *c, const char *binary, pf_err *err)
{
    pf_ntarget *g = realloc(c->t, (c->n + 1) * sizeof *g);
    if (!g) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        return NULL;
    }
    c->t = g;
    pf_ntarget *t = &g[c->n];
    memset(t, 0, sizeof *t);
    t->binary = strdup(binary);
    t->name = base_name(binary);
    t->share = 1.0;
    pf_nlimits_default(&t->lim);
    if (!t->binary || !t->name) {
        target_free(t);
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        return NULL;
    }
    c->n++;
    return t;
}

/* pf_run's parsers, with the night's policy: positive, a night at most a
 * month */
int pf_nparse_size(const char *s, uint64_t *out)
{
    uint64_t v;
    if (pf_parse_size(s, &v, NULL) < 0 || v == 0 || v > (1ull << 50))
        return -1;
    *out = v;
    return 0;
}

int pf_nparse_duration(const char *s, double *out)
{
    double v;
    if (pf_parse_duration(s, &v, NULL) < 0 || !(v > 0) || v > 31 * 86400.0)
        return -1;
    *out = v;
    return 0;
}

static char *resolve(const char *dir, const char *p)
{
    pf_buf b = PF_BUF_INIT;
    if (p[0] == '/' || !dir[0])
        pf_buf_adds(&b, p);
    else
        pf_buf_addf(&b, "%s/%s", dir, p);
    return pf_buf_detach(&b, NULL);
}

/* A string member: absent is fine (NULL), anything but a non-empty string
 * is an error naming the entry. */
static int member_str(const cJSON *o, const char *k, const char *where,
                      const char *file, const char *dir, int path, char **out,
                      pf_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v)
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return pf_err_set(err, PF_E_INPUT, "%s: %s.%s: wants a non-empty "
                          "string", file, where, k);
    free(*out);
    *out = path ? resolve(dir, v->valuestring) : strdup(v->valuestring);
    return *out ? 0 : pf_err_set(err, PF_E_NOMEM, "out of memory");
}

static const char *const target_keys[] = {
    "name", "binary", "afl_binary", "corpus", "shape", "dict", "classes",
    "share", "timeout", "rss_limit", "max_len", "env", "args",
    "coverage_binary", NULL};
static const char *const top_keys[] = {"budget", "jobs", "engine", "mode",
                                       "suppressions", "targets", NULL};

static int known(const char *k, const char *const *keys)
{
    for (; *keys; keys++)
        if (!strcmp(k, *keys))
            return 1;
    return 0;
}

static int parse_target(const cJSON *o, int i, const char *file,
                        const char *dir, pf_nconfig *c, pf_err *err)
{
    char where[32];
    snprintf(where, sizeof where, "targets[%d]", i);
    if (!cJSON_IsObject(o))
        return pf_err_set(err, PF_E_INPUT, "%s: %s: wants an object", file, where);
    for (const cJSON *m = o->child; m; m = m->next)
        if (!known(m->string, target_keys))
            return pf_err_set(err, PF_E_INPUT, "%s: %s: unknown key '%s' "
                              "(docs/nightly.md lists them)", file, where,
                              m->string);
    const cJSON *bin = cJSON_GetObjectItemCaseSensitive(o, "binary");
    if (!cJSON_IsString(bin) || !bin->valuestring[0])
        return pf_err_set(err, PF_E_INPUT, "%s: %s.binary: every target needs "
                          "its libFuzzer binary", file, where);
    char *path = resolve(dir, bin->valuestring);
    pf_ntarget *t = path ? pf_nconfig_add(c, path, err) : NULL;
    free(path);
    if (!t)
        return path ? -1 : pf_err_set(err, PF_E_NOMEM, "out of memory");
    if (member_str(o, "name", where, file, dir, 0, &t->name, err) < 0 ||
        member_str(o, "afl_binary", where, file, dir, 1, &t->afl_binary, err) < 0 ||
        member_str(o, "corpus", where, file, dir, 1, &t->corpus, err) < 0 ||
        member_str(o, "shape", where, file, dir, 1, &t->shape, err) < 0 ||
        member_str(o, "dict", where, file, dir, 1, &t->dict, err) < 0 ||
        member_str(o, "classes", where, file, dir, 0, &t->classes, err) < 0 ||
        member_str(o, "coverage_binary", where, file, dir, 1, &t->coverage, err) < 0)
        return -1;
    for (const char *p = t->name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-_.", *p))
            return pf_err_set(err, PF_E_INPUT, "%s: %s.name: letters, digits, "
                              "'-', '_' and '.' only (it names a folder)",
                              file, where);
    for (size_t k = 0; k + 1 < c->n; k++)
        if (!strcmp(c->t[k].name, t->name))
            return pf_err_set(err, PF_E_INPUT, "%s: %s.name: '%s' is already "
                              "the name of targets[%zu]", file, where, t->name, k);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "share");
    if (v && (!cJSON_IsNumber(v) || !(v->valuedouble > 0)))
        return pf_err_set(err, PF_E_INPUT, "%s: %s.share: wants a positive "
                          "number (a weight of the budget)", file, where);
    if (v)
        t->share = v->valuedouble;
    v = cJSON_GetObjectItemCaseSensitive(o, "timeout");
    if (v && (!cJSON_IsString(v) || pf_nparse_duration(v->valuestring, &t->lim.timeout_s) < 0))
        return pf_err_set(err, PF_E_INPUT, "%s: %s.timeout: wants a duration "
                          "such as \"2s\" or \"500ms\"", file, where);
    t->has_timeout = v != NULL;
    v = cJSON_GetObjectItemCaseSensitive(o, "rss_limit");
    if (v && (!cJSON_IsString(v) || pf_nparse_size(v->valuestring, &t->lim.heap_bytes) < 0))
        return pf_err_set(err, PF_E_INPUT, "%s: %s.rss_limit: wants a size "
                          "such as \"512M\"", file, where);
    t->has_heap = v != NULL;
    v = cJSON_GetObjectItemCaseSensitive(o, "max_len");
    if (v && (!cJSON_IsString(v) || pf_nparse_size(v->valuestring, &t->lim.max_len) < 0))
        return pf_err_set(err, PF_E_INPUT, "%s: %s.max_len: wants a size "
                          "such as \"1M\"", file, where);
    t->has_max_len = v != NULL;
    v = cJSON_GetObjectItemCaseSensitive(o, "env");
    if (v) {
        if (!cJSON_IsObject(v))
            return pf_err_set(err, PF_E_INPUT, "%s: %s.env: wants an object of "
                              "strings", file, where);
        size_t n = 0;
        for (const cJSON *e = v->child; e; e = e->next) {
            if (!cJSON_IsString(e) || !e->string[0] || strchr(e->string, '='))
                return pf_err_set(err, PF_E_INPUT, "%s: %s.env.%s: wants a "
                                  "string value and a name without '='",
                                  file, where, e->string);
            if (pf_argv_pushf(&t->env, &n, err, "%s=%s", e->string,
                              e->valuestring) < 0)
                return -1;
        }
        t->nenv = n;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "args");
    if (v) {
        if (!cJSON_IsArray(v))
            return pf_err_set(err, PF_E_INPUT, "%s: %s.args: wants an array of "
                              "engine flags", file, where);
        size_t n = 0;
        int k = 0;
        for (const cJSON *e = v->child; e; e = e->next, k++) {
            if (!cJSON_IsString(e) || e->valuestring[0] != '-')
                return pf_err_set(err, PF_E_INPUT, "%s: %s.args[%d]: wants a "
                                  "flag such as \"-use_value_profile=1\"",
                                  file, where, k);
            if (pf_argv_push(&t->args, &n, e->valuestring, err) < 0)
                return -1;
        }
        t->nargs = n;
    }
    return 0;
}

int pf_nconfig_load(const char *path, pf_nconfig *c, pf_err *err)
{
    pf_buf text = PF_BUF_INIT;
    if (pf_fs_read_file(path, 4u << 20, &text, err) < 0)
        return -1;
    const char *endp = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text.data, text.len, &endp, 0);
    if (!root) {
        size_t off = endp ? (size_t)(endp - text.data) : 0;
        size_t line = 1;
        for (size_t k = 0; k < off && k < text.len; k++)
            line += text.data[k] == '\n';
        pf_buf_free(&text);
        return pf_err_set(err, PF_E_INPUT, "%s: not valid JSON (line %zu, "
                          "byte %zu)", path, line, off);
    }
    pf_buf_free(&text);
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (!dir) {
        cJSON_Delete(root);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    if (slash)
        *slash = '\0';
    else
        dir[0] = '\0';
    int rc = -1;
    if (!cJSON_IsObject(root)) {
        pf_err_set(err, PF_E_INPUT, "%s: wants a JSON object with a "
                   "\"targets\" array", path);
        goto out;
    }
    for (const cJSON *m = root->child; m; m = m->next)
        if (!known(m->string, top_keys)) {
            pf_err_set(err, PF_E_INPUT, "%s: unknown key '%s' (docs/nightly.md "
                       "lists them)", path, m->string);
            goto out;
        }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "budget");
    if (v && (!cJSON_IsString(v) || pf_nparse_duration(v->valuestring, &c->budget_s) < 0)) {
        pf_err_set(err, PF_E_INPUT, "%s: budget: wants a duration such as "
                   "\"8h\" or \"10m\"", path);
        goto out;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "jobs");
    if (v && (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 256 ||
              v->valuedouble != (double)(int)v->valuedouble)) {
        pf_err_set(err, PF_E_INPUT, "%s: jobs: wants a whole number from 1 to "
                   "256", path);
        goto out;
    }
    if (v)
        c->jobs = v->valueint;
    v = cJSON_GetObjectItemCaseSensitive(root, "engine");
    if (v && (!cJSON_IsString(v) || (strcmp(v->valuestring, "libfuzzer") &&
                                     strcmp(v->valuestring, "afl") &&
                                     strcmp(v->valuestring, "both")))) {
        pf_err_set(err, PF_E_INPUT, "%s: engine: wants \"libfuzzer\", \"afl\" "
                   "or \"both\"", path);
        goto out;
    }
    if (v && !(c->engine = strdup(v->valuestring))) {
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        goto out;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "mode");
    if (v && (!cJSON_IsString(v) || (strcmp(v->valuestring, "restart") &&
                                     strcmp(v->valuestring, "fork")))) {
        pf_err_set(err, PF_E_INPUT, "%s: mode: wants \"restart\" or \"fork\"",
                   path);
        goto out;
    }
    if (v)
        c->fork_mode = !strcmp(v->valuestring, "fork") ? 1 : 0;
    if (member_str(root, "suppressions", "config", path, dir, 1,
                   &c->suppressions, err) < 0)
        goto out;
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(root, "targets");
    if (!cJSON_IsArray(ts) || cJSON_GetArraySize(ts) == 0) {
        pf_err_set(err, PF_E_INPUT, "%s: targets: wants a non-empty array of "
                   "targets", path);
        goto out;
    }
    int i = 0;
    for (const cJSON *t = ts->child; t; t = t->next, i++)
        if (parse_target(t, i, path, dir, c, err) < 0)
            goto out;
    rc = 0;
out:
    free(dir);
    cJSON_Delete(root);
    return rc;
}
