/*
 * pf_pg_catalog: tables, columns, keys, statistics and security labels
 * from the system catalogs (pf_pg.h). Names go in as bound parameters
 * (to_regclass parses [SCHEMA.]TABLE with the server's own identifier
 * rules), never spliced into SQL.
 */
#include "pf_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return strdup(PQgetvalue(r, row, col));
}

static int load_columns(pf_pg *pg, pf_pg_table *t, const char *oid, pf_err *err)
{
    const char *p[1] = {oid};
    PGresult *r = pf_pg_exec(pg,
        "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),"
        " COALESCE(bt.typname, ty.typname), COALESCE(bt.typcategory, ty.typcategory),"
        " a.attnotnull, pg_catalog.col_description(a.attrelid, a.attnum),"
        " pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'SELECT')"
        " FROM pg_catalog.pg_attribute a"
        " JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid"
        " LEFT JOIN pg_catalog.pg_type bt ON ty.typtype = 'd' AND bt.oid = ty.typbasetype"
        " WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped"
        " ORDER BY a.attnum", 1, p, "reading the table's columns", err);
    if (!r)
        return -1;
    int n = PQntuples(r);
    t->cols = calloc(n ? (size_t)n : 1, sizeof *t->cols);
    if (!t->cols) {
        PQclear(r);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    t->ncols = n;
    for (int i = 0; i < n; i++) {
        pf_pg_col *c = &t->cols[i];
        c->name = strdup(PQgetvalue(r, i, 0));
        c->type = strdup(PQgetvalue(r, i, 1));
        c->typname = strdup(PQgetvalue(r, i, 2));
        c->typcat = PQgetvalue(r, i, 3)[0];
        c->notnull = PQgetvalue(r, i, 4)[0] == 't';
        c->comment = dup_or_null(r, i, 5);
        c->readable = PQgetvalue(r, i, 6)[0] == 't';
        if (!c->name || !c->type || !c->typname ||
            (!c->comment && !PQgetisnull(r, i, 5))) {
            PQclear(r);
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
    }
    PQclear(r);
    return 0;
}

static int load_pk(pf_pg *pg, pf_pg_table *t, const char *oid, pf_err *err)
{
    const char *p[1] = {oid};
    PGresult *r = pf_pg_exec(pg,
        "SELECT a.attname FROM pg_catalog.pg_index i"
        " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid"
        "  AND a.attnum = ANY (i.indkey::int2[])"
        " WHERE i.indrelid = $1::oid AND i.indisprimary"
        " ORDER BY pg_catalog.array_position(i.indkey::int2[], a.attnum)",
        1, p, "reading the primary key", err);
    if (!r)
        return -1;
    int n = PQntuples(r);
    t->pk = calloc(n ? (size_t)n : 1, sizeof *t->pk);
    if (!t->pk) {
        PQclear(r);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        /* unchecked, a NULL name reached strlen in the key's SQL */
        if (!(t->pk[t->npk] = strdup(PQgetvalue(r, i, 0)))) {
            PQclear(r);
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
        t->npk++;
    }
    PQclear(r);
    return 0;
}

static int load_fks(pf_pg *pg, pf_pg_table *t, const char *oid, pf_err *err)
{
    const char *p[1] = {oid};
    PGresult *r = pf_pg_exec(pg,
        "SELECT con.oid, con.confrelid, ca.attname, pa.attname"
        " FROM pg_catalog.pg_constraint con,"
        "  unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(c, p, o),"
        "  pg_catalog.pg_attribute ca, pg_catalog.pg_attribute pa"
        " WHERE con.conrelid = $1::oid AND con.contype = 'f'"
        "  AND ca.attrelid = con.conrelid AND ca.attnum = k.c"
        "  AND pa.attrelid = con.confrelid AND pa.attnum = k.p"
        " ORDER BY con.conname, con.oid, k.o", 1, p, "reading foreign keys", err);
    if (!r)
        return -1;
    int n = PQntuples(r);
    t->fks = calloc(n ? (size_t)n : 1, sizeof *t->fks);
    if (!t->fks) {
        PQclear(r);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    const char *prev = NULL;
    for (int i = 0; i < n; i++) {
        const char *con = PQgetvalue(r, i, 0);
        if (!prev || strcmp(prev, con)) {
            pf_pg_fk *fk = &t->fks[t->nfks++];
            fk->parent = (unsigned)strtoul(PQgetvalue(r, i, 1), NULL, 10);
            fk->cols = calloc((size_t)n, sizeof *fk->cols);
            fk->pcols = calloc((size_t)n, sizeof *fk->pcols);
            if (!fk->cols || !fk->pcols) {
                PQclear(r);
                return pf_err_set(err, PF_E_NOMEM, "out of memory");
            }
        }
        prev = con;
        pf_pg_fk *fk = &t->fks[t->nfks - 1];
        fk->cols[fk->n] = strdup(PQgetvalue(r, i, 2));
        fk->pcols[fk->n] = strdup(PQgetvalue(r, i, 3));
        fk->n++; /* counted first, so the table's free frees a half pair */
        if (!fk->cols[fk->n - 1] || !fk->pcols[fk->n - 1]) {
            PQclear(r);
            return pf_err_set(err, PF_E_NOMEM, "out of memory");
        }
    }
    PQclear(r);
    return 0;
}

int pf_pg_table_load_oid(pf_pg *pg, unsigned oid, pf_pg_table *t, pf_err *err)
{
    memset(t, 0, sizeof *t);
    char o[16];
    snprintf(o, sizeof o, "%u", oid);
    const char *p[1] = {o};
    PGresult *r = pf_pg_exec(pg,
        "SELECT n.nspname, c.relname, c.relkind, c.reltuples::float8,"
        " pg_catalog.obj_description(c.oid, 'pg_class'),"
        " pg_catalog.row_security_active(c.oid)"
        " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
        " ON n.oid = c.relnamespace WHERE c.oid = $1::oid",
        1, p, "reading the catalog", err);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return pf_err_set(err, PF_E_INPUT, "table with oid %u does not exist", oid);
    }
    t->oid = oid;
    t->schema = strdup(PQgetvalue(r, 0, 0));
    t->name = strdup(PQgetvalue(r, 0, 1));
    t->relkind = PQgetvalue(r, 0, 2)[0];
    t->reltuples = strtod(PQgetvalue(r, 0, 3), NULL);
    t->comment = dup_or_null(r, 0, 4);
    t->row_security = PQgetvalue(r, 0, 5)[0] == 't';
    int lost = !t->comment && !PQgetisnull(r, 0, 4);
    PQclear(r);
    if (!t->schema || !t->name || lost)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    size_t ln = strlen(t->schema) + strlen(t->name) + 2;
    t->label = malloc(ln);
    if (!t->label)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    if (!strcmp(t->schema, "public"))
        snprintf(t->label, ln, "%s", t->name);
    else
        snprintf(t->label, ln, "%s.%s", t->schema, t->name);
    char *qs = pf_pg_ident(pg, t->schema, err);
    char *qn = qs ? pf_pg_ident(pg, t->name, err) : NULL;
    if (!qs || !qn) {
        free(qs);
        return -1;
    }
    size_t lq = strlen(qs) + strlen(qn) + 2;
    t->qname = malloc(lq);
    if (t->qname)
        snprintf(t->qname, lq, "%s.%s", qs, qn);
    free(qs);
    free(qn);
    if (!t->qname)
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    if (strchr("rpmvf", t->relkind) == NULL)
        return pf_err_set(err, PF_E_INPUT, "%s is not a table, view or "
                          "materialized view", t->label);
    if (load_columns(pg, t, o, err) < 0 || load_pk(pg, t, o, err) < 0 ||
        load_fks(pg, t, o, err) < 0)
        return -1;
    return 0;
}

int pf_pg_table_load(pf_pg *pg, const char *spec, pf_pg_table *t, pf_err *err)
{
    memset(t, 0, sizeof *t);
    if (!spec || !*spec)
        return pf_err_set(err, PF_E_USAGE, "--table: empty table name");
    const char *p[1] = {spec};
    PGresult *r = pf_pg_exec(pg, "SELECT pg_catalog.to_regclass($1)::oid", 1, p,
                             "looking up the table", err);
    if (!r) {
        pf_err_prefix(err, "--table");
        return -1;
    }
    if (PQgetisnull(r, 0, 0)) {
        PQclear(r);
        /* The name is what the user typed, not a production value. */
        return pf_err_set(err, PF_E_INPUT, "table \"%.200s\" does not exist (or is "
                          "not visible in the search_path; names follow SQL rules: "
                          "unquoted names fold to lower case)", spec);
    }
    unsigned oid = (unsigned)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return pf_pg_table_load_oid(pg, oid, t, err);
}

int pf_pg_table_stats(pf_pg *pg, pf_pg_table *t, pf_err *err)
{
    char o[16];
    snprintf(o, sizeof o, "%u", t->oid);
    const char *p[2] = {t->schema, t->name};
    PGresult *r = pf_pg_exec(pg,
        "SELECT attname, n_distinct::float8 FROM pg_catalog.pg_stats"
        " WHERE schemaname = $1 AND tablename = $2", 2, p,
        "reading pg_stats", err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        for (int c = 0; c < t->ncols; c++)
            if (!strcmp(t->cols[c].name, PQgetvalue(r, i, 0)))
                t->cols[c].n_distinct = strtod(PQgetvalue(r, i, 1), NULL);
    }
    PQclear(r);
    const char *q[1] = {o};
    r = pf_pg_exec(pg,
        "SELECT a.attname, s.label FROM pg_catalog.pg_seclabel s"
        " JOIN pg_catalog.pg_attribute a ON a.attrelid = s.objoid AND a.attnum = s.objsubid"
        " WHERE s.classoid = 'pg_catalog.pg_class'::regclass AND s.objoid = $1::oid"
        " AND s.provider = 'anon' AND s.objsubid > 0", 1, q,
        "reading security labels", err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        for (int c = 0; c < t->ncols; c++)
            if (!strcmp(t->cols[c].name, PQgetvalue(r, i, 0))) {
                free(t->cols[c].seclabel);
                /* a lost label would drop the column's masking rule */
                t->cols[c].seclabel = strdup(PQgetvalue(r, i, 1));
                if (!t->cols[c].seclabel) {
                    PQclear(r);
                    return pf_err_set(err, PF_E_NOMEM, "out of memory");
                }
            }
    PQclear(r);
    return 0;
}

int64_t pf_pg_count_distinct(pf_pg *pg, const pf_pg_table *t, const char *col,
                             long rows, int64_t *nonnull, pf_err *err)
{
    char *qc = pf_pg_ident(pg, col, err);
    if (!qc)
        return -1;
    char lim[32];
    snprintf(lim, sizeof lim, "%ld", rows);
    const char *p[1] = {lim};
    size_t n = strlen(qc) * 2 + strlen(t->qname) + 200;
    char *sql = malloc(n);
    if (!sql) {
        free(qc);
        pf_err_set(err, PF_E_NOMEM, "out of memory");
        return -1;
    }
    snprintf(sql, n, "SELECT count(DISTINCT x), count(x) FROM (SELECT %s AS x FROM %s LIMIT $1::bigint) s",
             qc, t->qname);
    free(qc);
    PGresult *r = pf_pg_exec(pg, sql, 1, p, "counting distinct values", err);
    free(sql);
    if (!r)
        return -1;
    int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    if (nonnull)
        *nonnull = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    return v;
}

const pf_pg_col *pf_pg_table_col(const pf_pg_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i].name, name))
            return &t->cols[i];
    return NULL;
}

void pf_pg_table_free(pf_pg_table *t)
{
    if (!t)
        return;
    free(t->schema);
    free(t->name);
    free(t->label);
    free(t->qname);
    free(t->comment);
    for (int i = 0; i < t->ncols; i++) {
        free(t->cols[i].name);
        free(t->cols[i].type);
        free(t->cols[i].typname);
        free(t->cols[i].comment);
        free(t->cols[i].seclabel);
    }
    free(t->cols);
    for (int i = 0; i < t->npk; i++)
        free(t->pk[i]);
    free(t->pk);
    for (int i = 0; i < t->nfks; i++) {
        for (int j = 0; j < t->fks[i].n; j++) {
            free(t->fks[i].cols[j]);
            free(t->fks[i].pcols[j]);
        }
        free(t->fks[i].cols);
        free(t->fks[i].pcols);
    }
    free(t->fks);
    memset(t, 0, sizeof *t);
}
