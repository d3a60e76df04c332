/*
 * pf_pg_stream: build the sampling query and stream its rows with
 * COPY (...) TO STDOUT (pf_pg.h).
 *
 * --limit N without --percent takes N rows ordered by a seeded hash of the
 * primary key (or of ctid when there is none): random, and the same rows
 * for the same seed and data. ORDER BY ... LIMIT N runs as a bounded
 * top-N heap sort on the server, so memory stays flat, but it reads the
 * whole table; on a big table (more than 20 N rows and 100,000 rows by
 * pg_class.reltuples) it first tries a seeded TABLESAMPLE BERNOULLI of
 * about 3 N rows and orders only that; if the estimate falls short (a
 * selective --where, stale statistics) it falls back to the full scan.
 *
 * COPY's text format escapes backslash and control characters; each row
 * here is a single column, so decoding is a plain unescape. libpq hands
 * over one row per PQgetCopyData call, which is what keeps memory flat.
 */
#include "pf_pg_int.h"
#include "pf_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_buf.h"

static int add_ident(pf_pg *pg, pf_buf *b, const char *name, pf_err *err)
{
    char *q = pf_pg_ident(pg, name, err);
    if (!q)
        return -1;
    pf_buf_adds(b, q);
    free(q);
    return 0;
}

/* The seeded hash key of a row of alias t. */
static int add_key(pf_pg *pg, pf_buf *b, const pf_pg_table *t, pf_err *err)
{
    if (t->npk == 1) {
        pf_buf_adds(b, "t.");
        if (add_ident(pg, b, t->pk[0], err) < 0)
            return -1;
        pf_buf_adds(b, "::text");
    } else if (t->npk > 1) {
        pf_buf_adds(b, "ROW(");
        for (int i = 0; i < t->npk; i++) {
            pf_buf_adds(b, i ? ", t." : "t.");
            if (add_ident(pg, b, t->pk[i], err) < 0)
                return -1;
        }
        pf_buf_adds(b, ")::text");
    } else if (t->relkind == 'r' || t->relkind == 'm' || t->relkind == 'p') {
        pf_buf_adds(b, "t.ctid::text");
    } else {
        pf_buf_adds(b, "t::text");
    }
    return 0;
}

static void add_tablesample(pf_buf *b, pf_pg_method m, double pct, int64_t seed)
{
    if (m == PF_PG_ALL)
        return;
    pf_buf_addf(b, " TABLESAMPLE %s (%.17g) REPEATABLE (%lld)",
                m == PF_PG_SYSTEM ? "SYSTEM" : "BERNOULLI", pct, (long long)seed);
}

/* SELECT t.* FROM table AS t [TABLESAMPLE] [WHERE] [ORDER BY hash LIMIT n].
 * Column mode selects t.COL alone: `t.*` needs SELECT on every column, and
 * a role granted only the one column (GRANT SELECT (col)) must be able to
 * sample it. */
static int build_inner(pf_pg *pg, pf_buf *b, const pf_pg_table *t,
                       const pf_pg_sample *s, pf_pg_method m, double pct,
                       pf_err *err)
{
    const pf_pg_col *col = s->column ? pf_pg_table_col(t, s->column) : NULL;
    if (col) {
        pf_buf_adds(b, "SELECT t.");
        if (add_ident(pg, b, col->name, err) < 0)
            return -1;
        pf_buf_addf(b, " FROM %s AS t", t->qname);
    } else {
        pf_buf_addf(b, "SELECT t.* FROM %s AS t", t->qname);
    }
    add_tablesample(b, m, pct, s->seed);
    if (s->where && *s->where)
        pf_buf_addf(b, " WHERE (%s)", s->where);
    if (s->limit) {
        pf_buf_adds(b, " ORDER BY pg_catalog.hashtextextended(");
        if (add_key(pg, b, t, err) < 0)
            return -1;
        pf_buf_addf(b, ", %lld) LIMIT %llu", (long long)s->seed,
                    (unsigned long long)s->limit);
    }
    return 0;
}

/* The select list of whole-row mode: every column, bytea as text. */
static int build_proj(pf_pg *pg, pf_buf *b, const pf_pg_table *t,
                      const pf_pg_sample *s, pf_err *err)
{
    for (int i = 0; i < t->ncols; i++) {
        const pf_pg_col *c = &t->cols[i];
        char *q = pf_pg_ident(pg, c->name, err);
        if (!q)
            return -1;
        if (i)
            pf_buf_adds(b, ", ");
        if (!strcmp(c->typname, "bytea")) {
            if (s->bytea_base64)
                pf_buf_addf(b, "pg_catalog.translate(pg_catalog.encode(t.%s, "
                            "'base64'), E'\\n', '') AS %s", q, q);
            else
                pf_buf_addf(b, "pg_catalog.encode(t.%s, 'hex') AS %s", q, q);
        } else if (!strcmp(c->typname, "_hstore")) {
            pf_buf_addf(b, "t.%s::text[] AS %s", q, q); /* as below, per element */
        } else if (!strcmp(c->typname, "hstore")) {
            /* row_to_json would make an hstore a JSON object whose keys
             * are field names to the policy ("keys": "auto" keeps them);
             * hstore keys are free-form data, so the text form goes as one
             * string and is anonymized as a whole */
            pf_buf_addf(b, "t.%s::text AS %s", q, q);
        } else {
            pf_buf_addf(b, "t.%s", q);
        }
        free(q);
    }
    /* a table without columns: an empty select list (SELECT FROM ...)
     * makes each row {}, not a made-up member */
    return 0;
}

int pf_pg_copy_unescape(char *s, size_t *len)
{
    size_t n = *len;
    if (n && s[n - 1] == '\n')
        n--;
    if (n == 2 && s[0] == '\\' && s[1] == 'N')
        return 1;
    /* Most rows have few escapes: skip straight to the first one. */
    char *bs = memchr(s, '\\', n);
    if (!bs) {
        *len = n;
        return 0;
    }
    size_t o = (size_t)(bs - s);
    for (size_t i = o; i < n; i++) {
        char c = s[i];
        if (c != '\\' || i + 1 == n) {
            s[o++] = c;
            continue;
        }
        c = s[++i];
        switch (c) {
        case 'b': s[o++] = '\b'; break;
        case 'f': s[o++] = '\f'; break;
        case 'n': s[o++] = '\n'; break;
        case 'r': s[o++] = '\r'; break;
        case 't': s[o++] = '\t'; break;
        case 'v': s[o++] = '\v'; break;
        case 'x': {
            int v = 0, k = 0;
            while (k < 2 && i + 1 < n && strchr("0123456789abcdefABCDEF", s[i + 1]) && s[i + 1]) {
                char h = s[++i];
                v = v * 16 + (h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
                k++;
            }
            s[o++] = (char)v;
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0', k = 1;
                while (k < 3 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7') {
                    v = v * 8 + (s[++i] - '0');
                    k++;
                }
                s[o++] = (char)v;
            } else {
                s[o++] = c;
            }
        }
    }
    *len = o;
    return 0;
}

int pf_pg_bytea_decode(char *s, size_t *len)
{
    if (*len < 2 || s[0] != '\\' || s[1] != 'x' || (*len - 2) % 2)
        return -1;
    size_t o = 0;
    for (size_t i = 2; i + 1 < *len; i += 2) {
        int a = pf_json_hexval(s[i]), b = pf_json_hexval(s[i + 1]);
        if (a < 0 || b < 0)
            return -1;
        s[o++] = (char)(a * 16 + b);
    }
    *len = o;
    return 0;
}

/* Run COPY sql TO STDOUT and hand each row to fn. */
static int copy_rows(pf_pg *pg, const char *sql, const pf_pg_table *t, int bytea,
                     pf_pg_row_fn fn, void *ctx, pf_pg_stats *st, const char *what,
                     pf_err *err)
{
    pg->retryable = 0;
    if (!PQsendQueryParams(pg->conn, sql, 0, NULL, NULL, NULL, NULL, 0))
        return pf_pg_fail(pg, NULL, what, err);
    if (pf_pg_wait(pg, what, err) < 0)
        return -1;
    PGresult *res = PQgetResult(pg->conn);
    if (!res)
        return pf_pg_fail(pg, NULL, what, err);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        pf_pg_fail(pg, res, what, err);
        PQclear(res);
        while ((res = PQgetResult(pg->conn)) != NULL)
            PQclear(res);
        return -1;
    }
    PQclear(res);
    uint64_t rowno = 0;
    int rc = 0;
    for (;;) {
        char *row = NULL;
        int n = PQgetCopyData(pg->conn, &row, 1);
        if (n > 0) {
            size_t len = (size_t)n;
            int isnull = pf_pg_copy_unescape(row, &len);
            if (isnull) {
                st->nulls++;
            } else if (bytea && pf_pg_bytea_decode(row, &len) < 0) {
                PQfreemem(row);
                return pf_err_set(err, PF_E_INTERNAL, "%s: unexpected bytea text "
                                  "from the server", what);
            } else {
                rowno++;
                st->rows++;
                st->bytes += len;
                rc = fn(ctx, t, rowno, row, len, err);
            }
            PQfreemem(row);
            if (rc < 0) {
                /* Stop the server and discard what is in flight. */
                PGcancel *c = PQgetCancel(pg->conn);
                if (c) {
                    char eb[256];
                    PQcancel(c, eb, sizeof eb);
                    PQfreeCancel(c);
                }
                return -1;
            }
            continue;
        }
        if (n == 0) {
            if (pf_pg_poll(pg, what, err) < 0)
                return -1;
            if (!PQconsumeInput(pg->conn))
                return pf_pg_fail(pg, NULL, what, err);
            continue;
        }
        if (n == -2)
            return pf_pg_fail(pg, NULL, what, err);
        break; /* -1: COPY done, the result says how it ended */
    }
    if (pf_pg_wait(pg, what, err) < 0)
        return -1;
    res = PQgetResult(pg->conn);
    int bad = !res || PQresultStatus(res) != PGRES_COMMAND_OK;
    if (bad)
        pf_pg_fail(pg, res, what, err);
    PQclear(res);
    while ((res = PQgetResult(pg->conn)) != NULL)
        PQclear(res);
    return bad ? -1 : 0;
}

/* For --limit alone on a big table: can a TABLESAMPLE of about 3 N rows
 * serve it? Returns the percent to use, or 0 for the full scan. */
static double estimate_percent(pf_pg *pg, const pf_pg_table *t, const pf_pg_sample *s,
                               pf_err *err)
{
    if (s->method != PF_PG_ALL || !s->limit || (t->relkind != 'r' && t->relkind != 'm'))
        return 0;
    if (t->reltuples < 100000 || t->reltuples < 20.0 * (double)s->limit)
        return 0;
    double pct = 300.0 * (double)s->limit / t->reltuples;
    if (pct > 100)
        return 0;
    if (pct < 0.0001)
        pct = 0.0001;
    pf_buf q = PF_BUF_INIT;
    pf_buf_addf(&q, "SELECT count(*) FROM (SELECT 1 FROM %s AS t", t->qname);
    add_tablesample(&q, PF_PG_BERNOULLI, pct, s->seed);
    if (s->where && *s->where)
        pf_buf_addf(&q, " WHERE (%s)", s->where);
    pf_buf_addf(&q, " LIMIT %llu) AS c", (unsigned long long)s->limit);
    if (pf_buf_ok(&q, err) < 0) {
        pf_buf_free(&q);
        return -1;
    }
    PGresult *r = pf_pg_exec(pg, q.data, 0, NULL, "sampling", err);
    pf_buf_free(&q);
    if (!r)
        return -1;
    unsigned long long got = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return got >= s->limit ? pct : 0;
}

int pf_pg_sample_sql(pf_pg *pg, const pf_pg_table *t, const pf_pg_sample *s,
                     pf_buf *sql, int *used_estimate, pf_err *err)
{
    pf_pg_method m = s->method;
    double pct = s->percent;
    double est = estimate_percent(pg, t, s, err);
    if (est < 0)
        return -1;
    if (used_estimate)
        *used_estimate = est > 0;
    if (est > 0) {
        m = PF_PG_BERNOULLI;
        pct = est;
    }
    if (build_inner(pg, sql, t, s, m, pct, err) < 0)
        return -1;
    return pf_buf_ok(sql, err);
}

int pf_pg_parents_sql(pf_pg *pg, const pf_pg_fk *fk, const pf_pg_table *parent,
                      const char *rows_sql, pf_buf *sql, pf_err *err)
{
    pf_buf_addf(sql, "SELECT t.* FROM %s AS t WHERE (", parent->qname);
    for (int i = 0; i < fk->n; i++) {
        pf_buf_adds(sql, i ? ", t." : "t.");
        if (add_ident(pg, sql, fk->pcols[i], err) < 0)
            return -1;
    }
    pf_buf_adds(sql, ") IN (SELECT ");
    for (int i = 0; i < fk->n; i++) {
        pf_buf_adds(sql, i ? ", c." : "c.");
        if (add_ident(pg, sql, fk->cols[i], err) < 0)
            return -1;
    }
    pf_buf_addf(sql, " FROM (%s) AS c) ORDER BY ", rows_sql);
    if (add_key(pg, sql, parent, err) < 0)
        return -1;
    return pf_buf_ok(sql, err);
}

int pf_pg_stream_rows(pf_pg *pg, const pf_pg_table *t, const char *rows_sql,
                      const pf_pg_sample *s, const char *what, pf_pg_row_fn fn,
                      void *ctx, pf_pg_stats *st, pf_err *err)
{
    const pf_pg_col *col = NULL;
    if (s->column) {
        col = pf_pg_table_col(t, s->column);
        if (!col)
            return pf_err_set(err, PF_E_INPUT, "column \"%.200s\" does not exist in "
                              "table %s", s->column, t->label);
    }
    pf_buf q = PF_BUF_INIT;
    int bytea = 0;
    if (col) {
        char *qc = pf_pg_ident(pg, col->name, err);
        if (!qc)
            return -1;
        bytea = !strcmp(col->typname, "bytea");
        pf_buf_addf(&q, "COPY (SELECT t.%s%s FROM (", qc, bytea ? "" : "::text");
        free(qc);
    } else {
        /* A whole row needs every column: name the first one the role
         * cannot read (column privileges), and the way out, rather than
         * the server's "permission denied for table" (which stays when
         * the role can read no column at all) */
        int nread = 0;
        for (int i = 0; i < t->ncols; i++)
            nread += t->cols[i].readable;
        for (int i = 0; nread > 0 && i < t->ncols; i++)
            if (!t->cols[i].readable)
                return pf_err_set(err, PF_E_ENV, "%s: the role cannot read column "
                                  "\"%.200s\" of table %s (column privileges): "
                                  "GRANT SELECT on it, or sample a readable column "
                                  "with --column", what, t->cols[i].name, t->label);
        pf_buf_adds(&q, "COPY (SELECT pg_catalog.row_to_json(s) FROM (SELECT ");
        if (build_proj(pg, &q, t, s, err) < 0)
            goto fail;
        pf_buf_adds(&q, " FROM (");
    }
    pf_buf_adds(&q, rows_sql);
    pf_buf_adds(&q, col ? ") AS t) TO STDOUT" : ") AS t) AS s) TO STDOUT");
    if (pf_buf_ok(&q, err) < 0)
        goto fail;
    int rc = copy_rows(pg, q.data, t, bytea, fn, ctx, st, what, err);
    pf_buf_free(&q);
    return rc;
fail:
    pf_buf_free(&q);
    return -1;
}

int pf_pg_stream(pf_pg *pg, const pf_pg_table *t, const pf_pg_sample *s,
                 pf_pg_row_fn fn, void *ctx, pf_pg_stats *st, pf_err *err)
{
    if (s->column && !pf_pg_table_col(t, s->column))
        return pf_err_set(err, PF_E_INPUT, "column \"%.200s\" does not exist in "
                          "table %s", s->column, t->label);
    pf_buf inner = PF_BUF_INIT;
    int est = 0;
    if (pf_pg_sample_sql(pg, t, s, &inner, &est, err) < 0) {
        pf_buf_free(&inner);
        return -1;
    }
    st->used_estimate = est;
    char what[300];
    snprintf(what, sizeof what, "sampling %s", t->label);
    int rc = pf_pg_stream_rows(pg, t, inner.data, s, what, fn, ctx, st, err);
    pf_buf_free(&inner);
    return rc;
}
