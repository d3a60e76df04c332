/*
 * prodfuzz policy: write a starting anonymization policy from the catalog
 * (`policy init`) and show what a policy will do, path by path, on a few
 * rows (`policy explain`: paths and actions, never values).
 *
 * init reads column types, names, keys, pg_stats and PostgreSQL
 * Anonymizer security labels (SECURITY LABEL FOR anon ... IS 'MASKED WITH
 * ...'), marks obviously non-personal columns keep (booleans, small
 * enums, timestamps such as created_at, and numbers that are measures,
 * amounts, counts or quantities) so their real ranges survive in the shape
 * profile, and transforms everything else: ids, free text, names, contacts
 * and anything naming a person. Each suggestion prints its own reason. It
 * is a start: review it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "pf_anon.h"
#include "pf_buf.h"
#include "pf_fs.h"
#include "pf_json.h"
#include "pf_jsonl.h"
#include "pf_pg.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_policy = {"policy", "write a starting policy, explain a policy",
    "usage: prodfuzz policy init [--db CONNINFO] --table [SCHEMA.]TABLE [--table ...]\n"
    "                            [-o policy.json] [--force]\n"
    "       prodfuzz policy explain --policy FILE [--rows N]\n"
    "                            ([--db CONNINFO] --table T [--column COL] | IN.jsonl)\n"
    "\n"
    "init writes a policy from the catalog. Kept, so their real ranges survive\n"
    "into the shape profile: booleans, small enums (pg_stats, or a bounded count\n"
    "of distinct values), timestamps, and numbers that are measures, amounts,\n"
    "counts or quantities (by name, a fractional type, or whole numbers that\n"
    "repeat in pg_stats). Transformed: primary and foreign keys and other ids,\n"
    "free text, names, contacts, addresses and anything naming a person.\n"
    "E-mail columns get the email action, secrets are hashed, PostgreSQL\n"
    "Anonymizer labels (SECURITY LABEL FOR anon) are honoured. Each column's\n"
    "reason goes to stderr; review the file.\n"
    "\n"
    "explain runs the policy on a few rows (default 20) and prints, per JSON\n"
    "path, the action that applies: paths and actions only, never values.\n"
    "\n"
    "  --db CONNINFO   libpq connection string or URI (default: PG* variables)\n"
    "  --table T       table (repeatable for init)\n"
    "  --column COL    explain: the column's value is the document\n"
    "  -o FILE         init: write here (default: stdout); refuses to overwrite\n"
    "                  without --force\n"
    "  --policy FILE   explain: the policy to explain\n"
    "  --rows N        explain: rows to look at (default 20)\n"
    "  --json          explain: one JSON object on stdout\n"
    "\n"
    "Exit: 0 ok, 2 bad option, bad policy, missing table, 3 database error.\n"
    "\n"
    "Example:\n"
    "  prodfuzz policy init --db 'postgresql:///shop' --table users -o policy.json\n"
    "  prodfuzz policy explain --policy policy.json --db 'postgresql:///shop' --table users\n",
    run};

enum { OPT_DB = CLI_OPT_FIRST_FREE, OPT_TABLE, OPT_POLICY, OPT_ROWS, OPT_FORCE,
       OPT_COLUMN, OPT_JSON };

/* ---- init: classify one column -------------------------------------------- */

/* A column name as lower-case words: "fullName" and "full_name" both give
 * "full" and "name", so a short word such as "id" or "ip" matches a whole
 * word ("user_id", "last_ip") and never a fragment ("paid", "recipe"). */
typedef struct words {
    char w[16][32];
    int n;
} words;

static void split_words(const char *name, words *ws)
{
    ws->n = 0;
    size_t len = 0;
    for (const char *p = name;; p++) {
        unsigned char ch = (unsigned char)*p;
        int boundary = !ch || !isalpha(ch) ||
            (isupper(ch) && p > name && islower((unsigned char)p[-1]));
        if (boundary && len) {
            ws->w[ws->n][len] = '\0';
            if (++ws->n == 16)
                return;
            len = 0;
        }
        if (!ch)
            return;
        if (isalpha(ch) && len < sizeof ws->w[0] - 1)
            ws->w[ws->n][len++] = (char)tolower(ch);
    }
}

/* One list entry: a word that matches a whole name word (or its plural), or,
 * written "*word", one that also matches inside a word ("*phone" in
 * "telephone"); the reason says what such a column holds. */
typedef struct wordrule {
    const char *word;
    const char *what;
} wordrule;

static const wordrule *name_rule(const words *ws, const wordrule *rules)
{
    for (const wordrule *r = rules; r->word; r++) {
        int inside = r->word[0] == '*';
        const char *w = r->word + inside;
        size_t wl = strlen(w);
        for (int i = 0; i < ws->n; i++) {
            const char *x = ws->w[i];
            if (!strcmp(x, w) || (!strncmp(x, w, wl) && !strcmp(x + wl, "s")) ||
                (inside && strstr(x, w)))
                return r;
        }
    }
    return NULL;
}

static const wordrule R_SECRET[] = {{"*password", ""}, {"passwd", ""}, {"*secret", ""},
    {"*token", ""}, {"apikey", ""}, {"salt", ""}, {"otp", ""}, {"hash", ""}, {NULL, NULL}};
static const wordrule R_EMAIL[] = {{"*email", ""}, {"mail", ""}, {NULL, NULL}};
/* Free text, names, contacts and identifiers of people: never kept. */
static const wordrule R_PERSONAL[] = {
    {"*name", "a name"}, {"surname", "a name"}, {"nickname", "a name"},
    {"*phone", "a phone number"}, {"mobile", "a phone number"}, {"tel", "a phone number"},
    {"fax", "a phone number"}, {"msisdn", "a phone number"},
    {"*addr", "an address"}, {"*address", "an address"}, {"*street", "an address"},
    {"city", "an address"}, {"zip", "an address"}, {"zipcode", "an address"},
    {"*postal", "an address"}, {"postcode", "an address"},
    {"ip", "a network address"}, {"mac", "a network address"},
    {"card", "payment details"}, {"iban", "payment details"}, {"bic", "payment details"},
    {"account", "payment details"}, {"pan", "payment details"}, {"cvv", "payment details"},
    {"ssn", "a national identifier"}, {"*passport", "a national identifier"},
    {"license", "a national identifier"}, {"licence", "a national identifier"},
    {"*birth", "a personal attribute"}, {"dob", "a personal attribute"},
    {"age", "a personal attribute"}, {"gender", "a personal attribute"},
    {"sex", "a personal attribute"},
    {"*salary", "a personal attribute"}, {"income", "a personal attribute"},
    {"wage", "a personal attribute"},
    {"user", "a person's identity"}, {"login", "a person's identity"},
    {"customer", "a person's identity"}, {"person", "a person's identity"},
    {"owner", "a person's identity"}, {"patient", "a person's identity"},
    {"employee", "a person's identity"}, {"member", "a person's identity"},
    {"*username", "a person's identity"},
    {"note", "free text"}, {"*comment", "free text"}, {"*description", "free text"},
    {"*message", "free text"}, {"bio", "free text"}, {"remark", "free text"},
    {"body", "free text"}, {"text", "free text"},
    {"lat", "a location"}, {"*latitude", "a location"}, {"lon", "a location"},
    {"lng", "a location"}, {"*longitude", "a location"}, {"geo", "a location"},
    {"gps", "a location"}, {"*location", "a location"}, {"coord", "a location"},
    {"device", "a device"}, {"agent", "a device"}, {"imei", "a device"},
    {NULL, NULL}};
static const wordrule R_BIRTH[] = {{"*birth", ""}, {"dob", ""}, {NULL, NULL}};
/* Identifiers by name: a row's identity, whoever it belongs to ("tax_id",
 * "vat_number": an identifier; "tax_amount": an amount). */
static const wordrule R_ID[] = {{"id", ""}, {"uuid", ""}, {"guid", ""}, {"key", ""},
    {"ref", ""}, {"no", ""}, {"nr", ""}, {"number", ""}, {"serial", ""}, {"code", ""},
    {NULL, NULL}};
/* Measures, amounts, counts and quantities: not personal by themselves. */
static const wordrule R_QUANTITY[] = {{"qty", ""}, {"*quantity", ""}, {"*amount", ""},
    {"*price", ""}, {"total", ""}, {"subtotal", ""}, {"*count", ""}, {"cnt", ""},
    {"num", ""}, {"size", ""}, {"weight", ""}, {"score", ""}, {"rank", ""}, {"level", ""},
    {"version", ""}, {"position", ""}, {"sort", ""}, {"priority", ""}, {"duration", ""},
    {"percent", ""}, {"percentage", ""}, {"rate", ""}, {"ratio", ""}, {"cost", ""},
    {"fee", ""}, {"tax", ""}, {"discount", ""}, {"balance", ""}, {"length", ""},
    {"width", ""}, {"height", ""}, {"depth", ""}, {"volume", ""}, {"capacity", ""}, {"stock", ""},
    {"limit", ""}, {"min", ""}, {"max", ""}, {"avg", ""}, {"sum", ""}, {NULL, NULL}};

typedef struct verdict {
    const char *action; /* policy action */
    const char *extra;  /* extra JSON members, or "" */
    char why[200];
} verdict;

/* Map a PostgreSQL Anonymizer masking rule to the nearest action. */
static void from_seclabel(const char *label, verdict *v)
{
    char low[256];
    size_t i;
    for (i = 0; label[i] && i < sizeof low - 1; i++)
        low[i] = (char)tolower((unsigned char)label[i]);
    low[i] = '\0';
    v->extra = "";
    if (strstr(low, "not masked")) {
        v->action = "keep";
    } else if (strstr(low, "value null")) {
        v->action = "null";
    } else if (strstr(low, "email")) {
        v->action = "email";
    } else if (strstr(low, "hash") || strstr(low, "digest")) {
        v->action = "hash";
    } else if (strstr(low, "date") || strstr(low, "dnoise")) {
        v->action = "shift-date";
    } else if (strstr(low, "masked with value")) {
        v->action = "redact";
    } else {
        v->action = "scramble";
    }
    snprintf(v->why, sizeof v->why, "PostgreSQL Anonymizer label (%s)", v->action);
}

static int in_list(char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return 1;
    return 0;
}

static int is_fk(const pf_pg_table *t, const char *name)
{
    for (int i = 0; i < t->nfks; i++)
        if (in_list(t->fks[i].cols, t->fks[i].n, name))
            return 1;
    return 0;
}

/* Whole numbers: what identifiers are made of. Fractional types (numeric
 * with a scale, real, double, money) hold measures and amounts. */
static int whole_number_type(const pf_pg_col *c)
{
    const char *tn = c->typname;
    if (!strcmp(tn, "int2") || !strcmp(tn, "int4") || !strcmp(tn, "int8") ||
        !strcmp(tn, "oid"))
        return 1;
    /* numeric(p) and numeric(p,0) are whole numbers; plain numeric may be either */
    if (!strcmp(tn, "numeric")) {
        const char *comma = strchr(c->type, ',');
        return !comma || atoi(comma + 1) == 0;
    }
    return 0;
}

/* Distinct values against rows: from pg_stats (a negative n_distinct is a
 * fraction of the rows), else a bounded count on the table. -1 unknown. */
static void distinct_stats(pf_pg *pg, const pf_pg_table *t, const pf_pg_col *c,
                           double *nd, double *rows, const char **src)
{
    *nd = c->n_distinct;
    *rows = t->reltuples > 0 ? t->reltuples : -1;
    *src = "pg_stats";
    if (*nd < 0 && *rows > 0)
        *nd = -*nd * *rows;
    else if (*nd < 0)
        *nd = -1;
    if (*nd == 0) {
        pf_err e = PF_ERR_INIT;
        int64_t nn = 0;
        int64_t d = pf_pg_count_distinct(pg, t, c->name, 10000, &nn, &e);
        *nd = d > 0 ? (double)d : -1;
        *rows = d > 0 ? (double)nn : -1;
        *src = "a bounded count";
    }
}

/* A number column: keep measures, amounts, counts and quantities (their
 * real ranges make the shape's boundaries real); transform ids and
 * anything that names a person. */
static void classify_number(pf_pg *pg, const pf_pg_table *t, const pf_pg_col *c,
                            const words *ws, verdict *v)
{
    const wordrule *r;
    v->action = "scramble";
    if (in_list(t->pk, t->npk, c->name)) {
        snprintf(v->why, sizeof v->why, "primary key: a surrogate id, scrambled "
                 "(keyed and deterministic, so joins survive)");
        return;
    }
    if (is_fk(t, c->name)) {
        snprintf(v->why, sizeof v->why, "foreign key: an id, scrambled like the key it "
                 "references, so joins survive");
        return;
    }
    if ((r = name_rule(ws, R_PERSONAL))) {
        snprintf(v->why, sizeof v->why, "%s (the column name says \"%s\")", r->what,
                 r->word + (r->word[0] == '*'));
        return;
    }
    if (name_rule(ws, R_ID)) {
        snprintf(v->why, sizeof v->why, "an identifier (by its name): scrambled");
        return;
    }
    if ((r = name_rule(ws, R_QUANTITY))) {
        v->action = "keep";
        snprintf(v->why, sizeof v->why, "a measure, amount or count (the column name says "
                 "\"%s\"): real range kept", r->word + (r->word[0] == '*'));
        return;
    }
    if (!whole_number_type(c)) {
        v->action = "keep";
        snprintf(v->why, sizeof v->why, "a measure or amount (%s: fractional numbers are "
                 "not identifiers): real range kept", c->type);
        return;
    }
    double nd, rows;
    const char *src;
    distinct_stats(pg, t, c, &nd, &rows, &src);
    if (nd < 0 || rows <= 0) {
        snprintf(v->why, sizeof v->why, "whole numbers with no statistics (ANALYZE the "
                 "table): could be an identifier, scrambled");
        return;
    }
    if (nd > 0.5 * rows) {
        snprintf(v->why, sizeof v->why, "whole numbers, nearly all distinct (%.0f values "
                 "in %.0f rows; %s): could be an identifier, scrambled", nd, rows, src);
        return;
    }
    v->action = "keep";
    snprintf(v->why, sizeof v->why, "a count or measure (whole numbers, %.0f distinct "
             "values in %.0f rows; %s): real range kept", nd, rows, src);
}

static void classify(pf_pg *pg, const pf_pg_table *t, const pf_pg_col *c, verdict *v)
{
    v->extra = "";
    if (c->seclabel) {
        from_seclabel(c->seclabel, v);
        return;
    }
    const char *tn = c->typname;
    words ws;
    split_words(c->name, &ws);
    const wordrule *personal = name_rule(&ws, R_PERSONAL);
    if (name_rule(&ws, R_SECRET)) {
        v->action = "hash";
        snprintf(v->why, sizeof v->why, "name looks like a secret");
        return;
    }
    if (name_rule(&ws, R_EMAIL) && (c->typcat == 'S' || !strcmp(tn, "citext"))) {
        v->action = "email";
        snprintf(v->why, sizeof v->why, "name looks like an e-mail address");
        return;
    }
    if (c->typcat == 'B') {
        v->action = "keep";
        snprintf(v->why, sizeof v->why, "boolean");
        return;
    }
    if (c->typcat == 'E') {
        v->action = "keep";
        snprintf(v->why, sizeof v->why, "enum type");
        return;
    }
    if (c->typcat == 'D') {
        if (name_rule(&ws, R_BIRTH)) {
            v->action = "shift-date";
            snprintf(v->why, sizeof v->why, "a birth date: shifted by a keyed offset");
            return;
        }
        v->action = "keep";
        snprintf(v->why, sizeof v->why, "timestamp or date");
        return;
    }
    if (c->typcat == 'T') {
        v->action = "keep";
        snprintf(v->why, sizeof v->why, "interval");
        return;
    }
    if (c->typcat == 'N') {
        classify_number(pg, t, c, &ws, v);
        return;
    }
    v->action = "scramble";
    if (!strcmp(tn, "json") || !strcmp(tn, "jsonb")) {
        snprintf(v->why, sizeof v->why, "JSON payload: every leaf scrambled "
                 "(add rules for its inner paths)");
        return;
    }
    if (in_list(t->pk, t->npk, c->name) || is_fk(t, c->name)) {
        snprintf(v->why, sizeof v->why, "%s: an id, scrambled (keyed and deterministic, "
                 "so joins survive)", is_fk(t, c->name) ? "foreign key" : "primary key");
        return;
    }
    if (personal) {
        snprintf(v->why, sizeof v->why, "%s (the column name says \"%s\")",
                 personal->what, personal->word + (personal->word[0] == '*'));
        return;
    }
    if (!strcmp(tn, "uuid")) {
        snprintf(v->why, sizeof v->why, "an identifier (uuid)");
        return;
    }
    if (c->typcat == 'I') {
        snprintf(v->why, sizeof v->why, "a network address (%s)", c->type);
        return;
    }
    if (c->typcat == 'S' && name_rule(&ws, R_ID)) {
        snprintf(v->why, sizeof v->why, "an identifier or code (by its name)");
        return;
    }
    /* Small enums: few distinct values, each repeated many times. */
    if (c->typcat == 'S') {
        double nd, rows;
        const char *src;
        distinct_stats(pg, t, c, &nd, &rows, &src);
        if (nd >= 1 && nd <= 20 && rows >= 10 * nd) {
            v->action = "keep";
            snprintf(v->why, sizeof v->why, "small enum (%.0f distinct values; %s)", nd, src);
            return;
        }
        snprintf(v->why, sizeof v->why, "text: free text and codes are always transformed");
        return;
    }
    if (c->typcat == 'A')
        snprintf(v->why, sizeof v->why, "array: every element transformed (default-deny)");
    else if (!strcmp(tn, "bytea"))
        snprintf(v->why, sizeof v->why, "binary: transformed (default-deny)");
    else
        snprintf(v->why, sizeof v->why, "default-deny (%s)", c->type);
}

/* [A-Za-z_][A-Za-z0-9_]*: can be written $.name */
static int simple_name(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

static int cmd_init(int argc, char **argv)
{
    static const struct option lo[] = {
        {"db", required_argument, 0, OPT_DB},
        {"table", required_argument, 0, OPT_TABLE},
        {"output", required_argument, 0, 'o'},
        {"force", no_argument, 0, OPT_FORCE},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *db = NULL, *outp = NULL;
    const char *tables[64];
    int ntables = 0, force = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            db = optarg;
            cli_warn_db_password(pf_pg_conninfo_has_password(optarg));
            break;
        case OPT_TABLE:
            if (ntables == 64)
                return cli_usage(&pf_cmd_policy, "at most 64 --table options");
            tables[ntables++] = optarg;
            break;
        case 'o':
            outp = optarg;
            break;
        case OPT_FORCE:
            force = 1;
            break;
        case '?':
            return cli_bad_option(&pf_cmd_policy);
        default: {
            int r = cli_common_opt(&pf_cmd_policy, c, optarg);
            if (r)
                return r > 0 ? 0 : EXIT_USAGE;
        }
        }
    }
    if (optind < argc)
        return cli_usage(&pf_cmd_policy, "unexpected argument '%s'", argv[optind]);
    if (!ntables)
        return cli_usage(&pf_cmd_policy, "policy init needs --table");
    if (outp && !force && access(outp, F_OK) == 0)
        return cli_usage(&pf_cmd_policy, "%s exists; pass --force to replace it", outp);

    pf_err err = PF_ERR_INIT;
    pf_pg *pg = NULL;
    pf_buf b = PF_BUF_INIT;
    int rc = 0;
    if (pf_pg_connect(&pg, db, 300000, NULL, &err) < 0)
        return cli_fail(&err);
    pf_buf_adds(&b, "{\n  \"format\": \"prodfuzz-policy\",\n  \"version\": 1,\n"
                "  \"comment\": \"written by prodfuzz policy init from the catalog");
    pf_buf_adds(&b, "; review it: keep means the real values go into the corpus\",\n"
                "  \"default\": \"scramble\",\n  \"keys\": \"auto\",\n  \"rules\": [");
    int first = 1;
    for (int i = 0; i < ntables && rc == 0; i++) {
        pf_pg_table t;
        if (pf_pg_table_load(pg, tables[i], &t, &err) < 0 ||
            pf_pg_table_stats(pg, &t, &err) < 0) {
            pf_pg_table_free(&t);
            rc = cli_fail(&err);
            break;
        }
        if (!pf_cli_g.quiet)
            fprintf(stderr, "%s:\n", t.label);
        for (int k = 0; k < t.ncols; k++) {
            verdict v;
            memset(&v, 0, sizeof v);
            classify(pg, &t, &t.cols[k], &v);
            pf_buf_adds(&b, first ? "\n    " : ",\n    ");
            first = 0;
            pf_buf_adds(&b, "{\"table\": ");
            pf_buf_add_json_str(&b, t.label, strlen(t.label));
            pf_buf_adds(&b, ", \"path\": ");
            /* "$" plus the column as a bracketed member: any name is safe */
            pf_buf tmp = PF_BUF_INIT;
            if (simple_name(t.cols[k].name)) {
                pf_buf_addf(&tmp, "$.%s", t.cols[k].name);
            } else {
                pf_buf_adds(&tmp, "$[");
                pf_buf_add_json_str(&tmp, t.cols[k].name, strlen(t.cols[k].name));
                pf_buf_adds(&tmp, "]");
            }
            /* JSON and array columns: the rule covers everything inside. */
            if (t.cols[k].typcat == 'A' || !strcmp(t.cols[k].typname, "json") ||
                !strcmp(t.cols[k].typname, "jsonb"))
                pf_buf_adds(&tmp, ".**");
            pf_buf_add_json_str(&b, tmp.data, tmp.len);
            pf_buf_free(&tmp);
            pf_buf_addf(&b, ", \"action\": \"%s\"%s}", v.action, v.extra);
            if (!pf_cli_g.quiet)
                fprintf(stderr, "  %-24s %-24s %-10s %s\n", t.cols[k].name, t.cols[k].type,
                        v.action, v.why);
        }
        pf_pg_table_free(&t);
    }
    pf_pg_close(pg);
    if (rc) {
        pf_buf_free(&b);
        return rc;
    }
    pf_buf_adds(&b, "\n  ]\n}\n");
    if (pf_buf_ok(&b, &err) < 0) {
        pf_buf_free(&b);
        return cli_fail(&err);
    }
    /* Check what we wrote with the engine's own parser. */
    pf_policy *pol = NULL;
    if (pf_policy_parse(b.data, b.len, "generated policy", &pol, &err) < 0) {
        pf_buf_free(&b);
        pf_err_prefix(&err, "internal: the generated policy does not parse");
        err.code = PF_E_INTERNAL;
        return cli_fail(&err);
    }
    pf_policy_free(pol);
    if (outp) {
        if (pf_fs_write_atomic(outp, b.data, b.len, 0644, &err) < 0)
            rc = cli_fail(&err);
        else if (!pf_cli_g.quiet)
            cli_info("wrote %s", outp);
    } else {
        fwrite(b.data, 1, b.len, stdout);
    }
    pf_buf_free(&b);
    return rc;
}

/* ---- explain ----------------------------------------------------------------- */

/* Distinct "PATH -> ACTION" lines in first-seen order (the engine reports
 * each one once per run; the set here also merges text and JSON rows). */
typedef struct xline {
    char *text;
} xline;

typedef struct xctx {
    pf_anon *anon;
    const pf_pg_col *col; /* column mode */
    xline *lines;
    size_t n, cap;
    uint64_t docs;
    pf_buf out;
    pf_buf wrap;
} xctx;

static int x_add(xctx *x, const char *s, size_t n, pf_err *err)
{
    for (size_t i = 0; i < x->n; i++)
        if (strlen(x->lines[i].text) == n && !memcmp(x->lines[i].text, s, n))
            return 0;
    if (x->n == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 64;
        xline *nl = realloc(x->lines, nc * sizeof *nl);
        if (!nl)
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        x->lines = nl;
        x->cap = nc;
    }
    char *t = strndup(s, n);
    if (!t)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    x->lines[x->n++] = (xline){t};
    return 0;
}

static int x_doc(xctx *x, const char *table, const char *doc, size_t len, pf_err *err)
{
    x->docs++;
    pf_buf_reset(&x->out);
    const char *d = doc;
    size_t dn = len;
    pf_json j = PF_JSON_INIT;
    pf_err pe = PF_ERR_INIT;
    int valid = pf_json_parse(&j, doc, len, &pe) == 0;
    pf_json_free(&j);
    if (!valid) {
        /* A bare text value (column mode): explain it as a string at $. */
        pf_buf_reset(&x->wrap);
        pf_buf_add_json_str(&x->wrap, doc, len);
        if (pf_buf_ok(&x->wrap, err) < 0)
            return -1;
        d = x->wrap.data;
        dn = x->wrap.len;
    }
    if (pf_anon_explain(x->anon, table, d, dn, &x->out, err) < 0)
        return -1;
    const char *p = x->out.data, *end = x->out.data + x->out.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n && x_add(x, p, n, err) < 0)
            return -1;
        p += n + 1;
    }
    return 0;
}

static int x_row(void *ctx, const pf_pg_table *t, uint64_t rowno, const char *data,
                 size_t len, pf_err *err)
{
    (void)rowno;
    return x_doc(ctx, t->label, data, len, err);
}

static int cmd_explain(int argc, char **argv)
{
    static const struct option lo[] = {
        {"db", required_argument, 0, OPT_DB},
        {"table", required_argument, 0, OPT_TABLE},
        {"column", required_argument, 0, OPT_COLUMN},
        {"policy", required_argument, 0, OPT_POLICY},
        {"rows", required_argument, 0, OPT_ROWS},
        {"json", no_argument, 0, OPT_JSON},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    const char *db = NULL, *table = NULL, *column = NULL, *polpath = NULL;
    uint64_t rows = 20;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            db = optarg;
            cli_warn_db_password(pf_pg_conninfo_has_password(optarg));
            break;
        case OPT_TABLE:
            table = optarg;
            break;
        case OPT_COLUMN:
            column = optarg;
            break;
        case OPT_POLICY:
            polpath = optarg;
            break;
        case OPT_ROWS:
            if (cli_parse_u64(&pf_cmd_policy, "--rows", optarg, &rows) < 0)
                return EXIT_USAGE;
            if (rows == 0 || rows > 100000)
                return cli_usage(&pf_cmd_policy, "--rows: 1 to 100000");
            break;
        case OPT_JSON:
            json = 1;
            break;
        case '?':
            return cli_bad_option(&pf_cmd_policy);
        default: {
            int r = cli_common_opt(&pf_cmd_policy, c, optarg);
            if (r)
                return r > 0 ? 0 : EXIT_USAGE;
        }
        }
    }
    const char *in = optind < argc ? argv[optind] : NULL;
    if (optind + 1 < argc)
        return cli_usage(&pf_cmd_policy, "unexpected argument '%s'", argv[optind + 1]);
    if (!polpath)
        return cli_usage(&pf_cmd_policy, "policy explain needs --policy FILE");
    if (!table && !in)
        return cli_usage(&pf_cmd_policy, "policy explain needs --table T or an IN.jsonl file");
    if (table && in)
        return cli_usage(&pf_cmd_policy, "give --table or IN.jsonl, not both");

    pf_err err = PF_ERR_INIT;
    pf_policy *pol = NULL;
    pf_key key;
    xctx x;
    memset(&x, 0, sizeof x);
    pf_buf_init(&x.out);
    pf_buf_init(&x.wrap);
    pf_pg *pg = NULL;
    pf_pg_table t;
    memset(&t, 0, sizeof t);
    int rc = 0;
    char digest[65] = "";
    /* explain prints no values, so any key will do: a random one. */
    if (pf_policy_load(polpath, &pol, &err) < 0 || pf_key_random(&key, &err) < 0 ||
        pf_anon_new(&x.anon, &key, pol, 0, &err) < 0)
        goto fail;
    pf_policy_digest(pol, digest);
    if (table) {
        if (pf_pg_connect(&pg, db, 300000, NULL, &err) < 0 ||
            pf_pg_table_load(pg, table, &t, &err) < 0)
            goto fail;
        pf_pg_sample s;
        memset(&s, 0, sizeof s);
        s.limit = rows;
        s.column = column;
        pf_pg_stats st = {0, 0, 0, 0};
        if (pf_pg_stream(pg, &t, &s, x_row, &x, &st, &err) < 0)
            goto fail;
    } else {
        pf_jsonl r;
        if (pf_jsonl_open(&r, in, 0, &err) < 0)
            goto fail;
        const char *d;
        size_t n;
        int got;
        while (x.docs < rows && (got = pf_jsonl_next(&r, &d, &n, &err)) == 1)
            if (x_doc(&x, NULL, d, n, &err) < 0) {
                got = -1;
                break;
            }
        pf_jsonl_close(&r);
        if (got < 0)
            goto fail;
    }
    if (json) {
        pf_buf b = PF_BUF_INIT;
        pf_buf_adds(&b, "{\"policy_digest\":");
        pf_buf_add_json_str(&b, digest, strlen(digest));
        pf_buf_addf(&b, ",\"rows\":%llu,\"paths\":[", (unsigned long long)x.docs);
        for (size_t i = 0; i < x.n; i++) {
            const char *arrow = strstr(x.lines[i].text, " -> ");
            size_t pl = arrow ? (size_t)(arrow - x.lines[i].text) : strlen(x.lines[i].text);
            pf_buf_adds(&b, i ? ",{\"path\":" : "{\"path\":");
            pf_buf_add_json_str(&b, x.lines[i].text, pl);
            pf_buf_adds(&b, ",\"action\":");
            const char *act = arrow ? arrow + 4 : "";
            pf_buf_add_json_str(&b, act, strlen(act));
            pf_buf_addc(&b, '}');
        }
        pf_buf_adds(&b, "]}\n");
        fwrite(b.data, 1, b.len, stdout);
        pf_buf_free(&b);
    } else {
        printf("# policy %s (digest %.16s), %llu row(s) of %s; paths and actions only\n",
               polpath, digest, (unsigned long long)x.docs, table ? t.label : in);
        for (size_t i = 0; i < x.n; i++)
            printf("%s\n", x.lines[i].text);
    }
    goto out;
fail:
    rc = cli_fail(&err);
out:
    for (size_t i = 0; i < x.n; i++)
        free(x.lines[i].text);
    free(x.lines);
    pf_buf_free(&x.out);
    pf_buf_free(&x.wrap);
    pf_anon_free(x.anon);
    pf_policy_free(pol);
    pf_pg_table_free(&t);
    pf_pg_close(pg);
    return rc;
}

static int run(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        cli_print_help(&pf_cmd_policy);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "init"))
        return cmd_init(argc - 1, argv + 1);
    if (!strcmp(argv[1], "explain"))
        return cmd_explain(argc - 1, argv + 1);
    return cli_usage(&pf_cmd_policy, "unknown policy subcommand '%s' (init or explain)",
                     argv[1]);
}
