/*
 * prodfuzz policy: write a starting anonymization policy from the catalog
 * (`policy init`) and show what a policy will do, path by path, on a few
 * rows (`policy explain`: paths and actions, never values).
 *
 * init reads column types, names, comments, pg_stats and PostgreSQL
 * Anonymizer security labels (SECURITY LABEL FOR anon ... IS 'MASKED WITH
 * ...'), marks obviously non-personal columns keep (booleans, small
 * enums, quantities, timestamps such as created_at) so their real ranges
 * survive, and transforms everything else. It is a start: review it.
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
    "init writes a policy from the catalog: booleans, small enums (pg_stats, or a\n"
    "bounded count of distinct values), quantities and timestamps are kept so\n"
    "their real ranges survive; e-mail columns get the email action, secrets are\n"
    "hashed, PostgreSQL Anonymizer labels (SECURITY LABEL FOR anon) are honoured,\n"
    "everything else is scrambled. The reasons go to stderr; review the file.\n"
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

static int name_has(const char *name, const char *const *words)
{
    char low[128];
    size_t i;
    for (i = 0; name[i] && i < sizeof low - 1; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[i] = '\0';
    for (; *words; words++)
        if (strstr(low, *words))
            return 1;
    return 0;
}

static const char *const W_EMAIL[] = {"email", "e_mail", "mail", NULL};
static const char *const W_SECRET[] = {"password", "passwd", "secret", "token", "api_key",
                                       "apikey", "salt", "otp", NULL};
static const char *const W_PERSONAL[] = {"name", "phone", "mobile", "tel", "addr", "street",
    "city", "zip", "postal", "ip", "card", "iban", "account", "ssn", "tax", "passport",
    "birth", "dob", "gender", "email", "mail", "user", "login", "note", "comment", "lat",
    "lon", "geo", "location", "device", "agent", "token", "id", NULL};
static const char *const W_BIRTH[] = {"birth", "dob", NULL};
static const char *const W_QUANTITY[] = {"qty", "quantity", "amount", "price", "total",
    "count", "cnt", "num_", "size", "weight", "score", "rank", "level", "version",
    "position", "sort", "priority", "currency", "duration", "percent", "rate", NULL};

typedef struct verdict {
    const char *action; /* policy action */
    const char *extra;  /* extra JSON members, or "" */
    char why[160];
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

static void classify(pf_pg *pg, const pf_pg_table *t, const pf_pg_col *c, verdict *v)
{
    v->extra = "";
    if (c->seclabel) {
        from_seclabel(c->seclabel, v);
        return;
    }
    const char *tn = c->typname;
    int personal_name = name_has(c->name, W_PERSONAL);
    if (name_has(c->name, W_SECRET)) {
        v->action = "hash";
        snprintf(v->why, sizeof v->why, "name looks like a secret");
        return;
    }
    if (name_has(c->name, W_EMAIL) && (c->typcat == 'S' || !strcmp(tn, "citext"))) {
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
        if (name_has(c->name, W_BIRTH)) {
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
    if (c->typcat == 'N' && name_has(c->name, W_QUANTITY) && !personal_name) {
        v->action = "keep";
        snprintf(v->why, sizeof v->why, "a quantity (by its name)");
        return;
    }
    /* Small enums: few distinct values, each repeated many times. */
    if ((c->typcat == 'S' || c->typcat == 'N') && !personal_name &&
        strcmp(tn, "json") && strcmp(tn, "jsonb")) {
        double nd = c->n_distinct;
        if (nd < 0) /* pg_stats: a negative n_distinct is a fraction of the rows */
            nd = -nd * t->reltuples;
        int small = 0;
        if (nd >= 1 && nd <= 20 && t->reltuples >= 10 * nd) {
            small = 1;
            snprintf(v->why, sizeof v->why, "small enum (%g distinct values in pg_stats)", nd);
        } else if (nd == 0) {
            pf_err e = PF_ERR_INIT;
            int64_t d = pf_pg_count_distinct(pg, t, c->name, 10000, &e);
            double rows = t->reltuples > 0 ? t->reltuples : 0;
            if (d > 0 && d <= 20 && rows >= 10.0 * (double)d) {
                small = 1;
                snprintf(v->why, sizeof v->why, "small enum (%lld distinct values in a "
                         "bounded sample)", (long long)d);
            }
        }
        if (small) {
            v->action = "keep";
            return;
        }
    }
    v->action = "scramble";
    if (!strcmp(tn, "json") || !strcmp(tn, "jsonb"))
        snprintf(v->why, sizeof v->why, "JSON payload: every leaf scrambled "
                 "(add rules for its inner paths)");
    else if (personal_name)
        snprintf(v->why, sizeof v->why, "name suggests personal data");
    else
        snprintf(v->why, sizeof v->why, "default-deny");
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
