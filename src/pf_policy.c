/*
 * pf_policy: the anonymization policy file (docs/anonymize.md).
 *
 *   {"format": "prodfuzz-policy", "version": 1,
 *    "default": "scramble",              (or {"action": ..., options})
 *    "keys": "auto",                     (auto | keep | scramble)
 *    "rules": [{"path": "$.customer.email", "action": "email",
 *               "domain": "keep"}, ...]}
 *
 * Validation is strict (unknown fields and options are errors) and every
 * message names the entry: `rule 3 (path "$.x"): unknown action 'scrmble'`.
 * The first rule whose path matches wins. A path that starts with `$`
 * applies in every table (and to JSONL input); a bare `users.status`
 * means `$.status` in table users and `$.users.status` anywhere else;
 * "table": "users" limits a `$` path to one table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pf_anon_int.h"
#include "pf_fs.h"
#include "pf_hash.h"
#include "pf_path.h"

static const char *act_names[PF_ACT_COUNT] = {
    "scramble", "keep", "hash", "null", "redact", "email", "shift-date", "fpe"};

const char *pf_act_name(pf_act_kind k)
{
    return (unsigned)k < PF_ACT_COUNT ? act_names[k] : "?";
}

static void action_defaults(pf_action *a, pf_act_kind k)
{
    memset(a, 0, sizeof *a);
    a->kind = k;
    a->formats = 1;
    a->keep_domain = 0;
    a->length = 16;
    a->days = 365;
}

void pf_policy_free(pf_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nrules; i++) {
        free(p->rules[i].src);
        free(p->rules[i].table);
        free(p->rules[i].pattern);
        free(p->rules[i].full);
        free(p->rules[i].act.text);
    }
    free(p->rules);
    free(p->deflt.text);
    free(p->name);
    free(p);
}

/* Canonical text of the policy -> SHA-256. Field order and spelling of the
 * file do not matter; what it does does (every byte of a pattern, hence
 * pf_buf_add_json_bytes). */
static int compute_digest(pf_policy *p, pf_err *err)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_adds(&b, "prodfuzz-policy/1\n");
    const pf_action *a = &p->deflt;
    for (size_t i = 0; i <= p->nrules; i++) {
        if (i > 0) {
            const pf_rule *r = &p->rules[i - 1];
            a = &r->act;
            pf_buf_adds(&b, "rule ");
            pf_buf_add_json_bytes(&b, r->table ? r->table : "", r->table ? strlen(r->table) : 0);
            pf_buf_addc(&b, ' ');
            pf_buf_add_json_bytes(&b, r->pattern, strlen(r->pattern));
            pf_buf_addc(&b, ' ');
            pf_buf_add_json_bytes(&b, r->full ? r->full : "", r->full ? strlen(r->full) : 0);
        } else {
            pf_buf_addf(&b, "keys %d default", p->keys);
        }
        pf_buf_addf(&b, " %s formats=%d domain=%d length=%d days=%d text=",
                    pf_act_name(a->kind), a->formats, a->keep_domain, a->length, a->days);
        pf_buf_add_json_bytes(&b, a->text ? a->text : "", a->text ? strlen(a->text) : 0);
        pf_buf_addc(&b, '\n');
    }
    if (pf_buf_ok(&b, err) < 0) {
        pf_buf_free(&b);
        return -1;
    }
    int rc = pf_sha256_hex(b.data, b.len, p->digest, err);
    pf_buf_free(&b);
    return rc;
}

int pf_policy_default(pf_policy **out, pf_err *err)
{
    pf_policy *p = calloc(1, sizeof *p);
    if (!p)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    action_defaults(&p->deflt, PF_ACT_SCRAMBLE);
    p->keys = PF_KEYS_AUTO;
    p->name = strdup("(default policy)");
    /* decide the error before freeing p (it used to read p->name after) */
    int rc = p->name ? compute_digest(p, err) : pf_err_set(err, PF_E_NOMEM, "out of memory");
    if (rc < 0) {
        pf_policy_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void pf_policy_digest(const pf_policy *p, char out[65])
{
    memcpy(out, p->digest, 65);
}

/* ---- parsing ----------------------------------------------------------------- */

typedef struct ctx {
    const char *name;
    char where[300]; /* "rule 3 (path \"$.x\")" or "default" */
    pf_err *err;
} ctx;

static int bad(ctx *c, const char *fmt, const char *arg)
{
    char m[256];
    snprintf(m, sizeof m, fmt, arg ? arg : "");
    return pf_err_set(c->err, PF_E_INPUT, "policy %s: %s: %s", c->name, c->where, m);
}

/* A path the canonicalizer refused; out of memory is not a bad path. */
static int bad_path(ctx *c, const pf_err *pe)
{
    if (pe->code == PF_E_NOMEM)
        return pf_err_set(c->err, PF_E_NOMEM, "out of memory");
    return bad(c, "bad path: %s", pe->msg);
}

static int kind_of(const char *s)
{
    for (int i = 0; i < PF_ACT_COUNT; i++)
        if (!strcmp(s, act_names[i]))
            return i;
    return -1;
}

/* Parse an action object (or a bare action name) into a. Fields other
 * than those in skip[] must be options of the action. */
static int parse_action(ctx *c, const cJSON *o, pf_action *a, const char *const *skip)
{
    const cJSON *an = cJSON_IsString(o) ? o : cJSON_GetObjectItemCaseSensitive(o, "action");
    if (!an)
        return bad(c, "missing \"action\" (one of scramble, keep, hash, null, redact, "
                      "email, shift-date, fpe)%s", NULL);
    if (!cJSON_IsString(an))
        return bad(c, "\"action\" must be a string%s", NULL);
    int k = kind_of(an->valuestring);
    if (k < 0) {
        char nm[64];
        snprintf(nm, sizeof nm, "%.60s", an->valuestring);
        return bad(c, "unknown action '%s' (one of scramble, keep, hash, null, redact, "
                      "email, shift-date, fpe)", nm);
    }
    action_defaults(a, (pf_act_kind)k);
    if (cJSON_IsString(o))
        return 0;
    for (const cJSON *f = o->child; f; f = f->next) {
        const char *n = f->string;
        int skipped = !strcmp(n, "action");
        for (size_t i = 0; skip && skip[i]; i++)
            if (!strcmp(n, skip[i]))
                skipped = 1;
        if (skipped)
            continue;
        if (!strcmp(n, "formats") && k == PF_ACT_SCRAMBLE) {
            if (!cJSON_IsBool(f))
                return bad(c, "\"formats\" must be true or false%s", NULL);
            a->formats = cJSON_IsTrue(f);
        } else if (!strcmp(n, "domain") && k == PF_ACT_EMAIL) {
            if (!cJSON_IsString(f) ||
                (strcmp(f->valuestring, "keep") && strcmp(f->valuestring, "scramble")))
                return bad(c, "\"domain\" must be \"keep\" or \"scramble\"%s", NULL);
            a->keep_domain = !strcmp(f->valuestring, "keep");
        } else if (!strcmp(n, "length") && k == PF_ACT_HASH) {
            if (!cJSON_IsNumber(f) || f->valuedouble < 8 || f->valuedouble > 64 ||
                f->valuedouble != (int)f->valuedouble)
                return bad(c, "\"length\" must be an integer from 8 to 64%s", NULL);
            a->length = (int)f->valuedouble;
        } else if (!strcmp(n, "days") && k == PF_ACT_SHIFT_DATE) {
            if (!cJSON_IsNumber(f) || f->valuedouble < 1 || f->valuedouble > 36500 ||
                f->valuedouble != (int)f->valuedouble)
                return bad(c, "\"days\" must be an integer from 1 to 36500%s", NULL);
            a->days = (int)f->valuedouble;
        } else if (!strcmp(n, "text") && k == PF_ACT_REDACT) {
            if (!cJSON_IsString(f) || strlen(f->valuestring) > 256)
                return bad(c, "\"text\" must be a string of at most 256 bytes%s", NULL);
            free(a->text); /* a duplicated "text" key: the last one wins */
            a->text = strdup(f->valuestring);
            if (!a->text)
                return pf_err_set(c->err, PF_E_NOMEM, "out of memory");
        } else {
            char nm[80];
            snprintf(nm, sizeof nm, "%.40s' for action '%s", n, act_names[k]);
            return bad(c, "unknown option '%s'", nm);
        }
    }
    return 0;
}

static int parse_rule(ctx *c, const cJSON *o, pf_rule *r)
{
    if (!cJSON_IsObject(o))
        return bad(c, "must be an object {\"path\": ..., \"action\": ...}%s", NULL);
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(o, "path");
    const cJSON *table = cJSON_GetObjectItemCaseSensitive(o, "table");
    if (!path)
        return bad(c, "missing \"path\"%s", NULL);
    if (!cJSON_IsString(path))
        return bad(c, "\"path\" must be a string%s", NULL);
    if (table && (!cJSON_IsString(table) || !table->valuestring[0]))
        return bad(c, "\"table\" must be a non-empty string%s", NULL);
    snprintf(c->where + strlen(c->where), sizeof c->where - strlen(c->where),
             " (path \"%.200s\")", path->valuestring);
    r->src = strdup(path->valuestring);
    if (!r->src)
        return pf_err_set(c->err, PF_E_NOMEM, "out of memory");
    const char *t = path->valuestring;
    size_t tn = strlen(t);
    pf_buf cb = PF_BUF_INIT;
    pf_err pe = PF_ERR_INIT;
    if (tn == 0) {
        pf_buf_free(&cb);
        return bad(c, "empty path%s", NULL);
    }
    if (t[0] == '$' || table) {
        if (pf_path_canon(t, tn, 1, &cb, &pe) < 0) {
            pf_buf_free(&cb);
            return bad_path(c, &pe);
        }
        r->pattern = pf_buf_detach(&cb, NULL);
        if (table)
            r->table = strdup(table->valuestring);
    } else {
        /* bare "a.b.c": table a with $.b.c, else $.a.b.c */
        if (pf_path_canon(t, tn, 1, &cb, &pe) < 0) {
            pf_buf_free(&cb);
            return bad_path(c, &pe);
        }
        r->full = pf_buf_detach(&cb, NULL);
        size_t seg = strcspn(t, ".[");
        if (seg == 0)
            return bad(c, "bad path: a bare path starts with a name%s", NULL);
        /* unchecked, a failed copy left the rule without its table: it
         * then applied to every table (out of memory widened a policy) */
        r->table = strndup(t, seg);
        if (!r->table)
            return pf_err_set(c->err, PF_E_NOMEM, "out of memory");
        pf_buf tmp = PF_BUF_INIT;
        pf_buf_reset(&cb);
        pf_buf_adds(&cb, "$");
        pf_buf_add(&cb, t + seg, tn - seg);
        if (cb.oom) { /* an empty buffer would read as a bad path */
            pf_buf_free(&cb);
            return pf_err_set(c->err, PF_E_NOMEM, "out of memory");
        }
        if (pf_path_canon(cb.data, cb.len, 0, &tmp, &pe) < 0) {
            pf_buf_free(&cb);
            pf_buf_free(&tmp);
            return bad_path(c, &pe);
        }
        pf_buf_free(&cb);
        r->pattern = pf_buf_detach(&tmp, NULL);
    }
    pf_buf_free(&cb);
    if (!r->pattern || (table && !r->table))
        return pf_err_set(c->err, PF_E_NOMEM, "out of memory");
    static const char *const skip[] = {"path", "table", NULL};
    return parse_action(c, o, &r->act, skip);
}

static int parse_doc(pf_policy *p, const cJSON *root, ctx *c)
{
    snprintf(c->where, sizeof c->where, "top level");
    if (!cJSON_IsObject(root))
        return bad(c, "must be a JSON object with \"format\": \"prodfuzz-policy\"%s", NULL);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "prodfuzz-policy"))
        return bad(c, "\"format\" must be \"prodfuzz-policy\"%s", NULL);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(ver) || ver->valuedouble != 1)
        return bad(c, "\"version\" must be 1%s", NULL);
    for (const cJSON *f = root->child; f; f = f->next)
        if (strcmp(f->string, "format") && strcmp(f->string, "version") &&
            strcmp(f->string, "default") && strcmp(f->string, "keys") &&
            strcmp(f->string, "rules") && strcmp(f->string, "comment")) {
            char nm[64];
            snprintf(nm, sizeof nm, "%.60s", f->string);
            return bad(c, "unknown field '%s' (format, version, default, keys, rules, "
                          "comment)", nm);
        }
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "default");
    action_defaults(&p->deflt, PF_ACT_SCRAMBLE);
    if (d) {
        snprintf(c->where, sizeof c->where, "default");
        if (!cJSON_IsString(d) && !cJSON_IsObject(d))
            return bad(c, "must be an action name or an action object%s", NULL);
        if (parse_action(c, d, &p->deflt, NULL) < 0)
            return -1;
    }
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(root, "keys");
    p->keys = PF_KEYS_AUTO;
    if (k) {
        snprintf(c->where, sizeof c->where, "keys");
        if (!cJSON_IsString(k))
            return bad(c, "must be \"auto\", \"keep\" or \"scramble\"%s", NULL);
        if (!strcmp(k->valuestring, "keep"))
            p->keys = PF_KEYS_KEEP;
        else if (!strcmp(k->valuestring, "scramble"))
            p->keys = PF_KEYS_SCRAMBLE;
        else if (strcmp(k->valuestring, "auto"))
            return bad(c, "must be \"auto\", \"keep\" or \"scramble\"%s", NULL);
    }
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(root, "rules");
    if (rules) {
        snprintf(c->where, sizeof c->where, "rules");
        if (!cJSON_IsArray(rules))
            return bad(c, "must be an array of rule objects%s", NULL);
        int n = cJSON_GetArraySize(rules);
        if (n > 100000)
            return bad(c, "more than 100000 rules%s", NULL);
        p->rules = calloc(n ? (size_t)n : 1, sizeof *p->rules);
        if (!p->rules)
            return pf_err_set(c->err, PF_E_NOMEM, "out of memory");
        int i = 0;
        for (const cJSON *r = rules->child; r; r = r->next, i++) {
            snprintf(c->where, sizeof c->where, "rule %d", i + 1);
            p->nrules = (size_t)i + 1;
            if (parse_rule(c, r, &p->rules[i]) < 0)
                return -1;
        }
    }
    return 0;
}

int pf_policy_parse(const char *text, size_t len, const char *name,
                    pf_policy **out, pf_err *err)
{
    *out = NULL;
    ctx c = {name ? name : "(policy)", "", err};
    /* cJSON needs a NUL-terminated copy (upstream issue 800). */
    char *copy = malloc(len + 1);
    if (!copy)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    memcpy(copy, text, len);
    copy[len] = '\0';
    if (memchr(text, '\0', len)) {
        free(copy);
        return pf_err_set(err, PF_E_INPUT, "policy %s: holds a NUL byte", c.name);
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(copy, &end, 1);
    if (!root) {
        size_t off = end && end >= copy ? (size_t)(end - copy) : 0;
        size_t line = 1;
        for (size_t i = 0; i < off && i < len; i++)
            line += copy[i] == '\n';
        free(copy);
        return pf_err_set(err, PF_E_INPUT, "policy %s: not valid JSON (line %zu, byte %zu)",
                          c.name, line, off);
    }
    pf_policy *p = calloc(1, sizeof *p);
    int rc = p ? parse_doc(p, root, &c) : pf_err_set(err, PF_E_NOMEM, "out of memory");
    cJSON_Delete(root);
    free(copy);
    if (rc == 0) {
        p->name = strdup(c.name);
        if (!p->name)
            rc = pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    if (rc == 0)
        rc = compute_digest(p, err);
    if (rc < 0) {
        pf_policy_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

int pf_policy_load(const char *path, pf_policy **out, pf_err *err)
{
    pf_buf b = PF_BUF_INIT;
    *out = NULL;
    if (pf_fs_read_file(path, (size_t)16 << 20, &b, err) < 0) {
        pf_buf_free(&b);
        return pf_err_prefix(err, "policy");
    }
    int rc = pf_policy_parse(b.data ? b.data : "", b.len, path, out, err);
    pf_buf_free(&b);
    return rc;
}

/* "public.users" matches a rule for "users" too. */
/* Does a rule's table name a table label? Labels are "users" in public
 * and "schema.table" elsewhere; "public.users" names users too. Nothing
 * else: matching the label's last dotted part made a rule for public.dup
 * (a keep, say) apply to audit.dup, another table of the same name, and a
 * rule for "Name" to the table sales."Weird.Name". */
static int table_is(const char *table, const char *name)
{
    if (!table)
        return 0;
    if (!strcmp(table, name))
        return 1;
    static const char pub[] = "public.";
    size_t pn = sizeof pub - 1;
    if (!strncmp(name, pub, pn) && !strcmp(name + pn, table))
        return 1;
    return !strncmp(table, pub, pn) && !strcmp(table + pn, name);
}

const pf_rule *pf_policy_match(const pf_policy *p, const char *table,
                               const char *path)
{
    for (size_t i = 0; i < p->nrules; i++) {
        const pf_rule *r = &p->rules[i];
        if (r->full) {
            if (table_is(table, r->table) ? pf_path_match(r->pattern, path)
                                          : pf_path_match(r->full, path))
                return r;
        } else if (r->table) {
            if (table_is(table, r->table) && pf_path_match(r->pattern, path))
                return r;
        } else if (pf_path_match(r->pattern, path)) {
            return r;
        }
    }
    return NULL;
}

const char *pf_policy_action_at(const pf_policy *p, const char *table, const char *path)
{
    const pf_rule *r = pf_policy_match(p, table, path);
    return pf_act_name(r ? r->act.kind : p->deflt.kind);
}
